package fhir_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"

	"github.com/mhero-go/mhero/fhir"
	models "github.com/samply/golang-fhir-models/fhir-models/fhir"
)

// A search is a loop: pages are fetched as the loop needs them, following
// the Bundle's next link.
func ExampleClient_Search() {
	// A server holding five health workers, serving two per page.
	names := []string{"Awa", "Binta", "Chidi", "Dawit", "Esi"}
	requests := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests++
		offset, _ := strconv.Atoi(r.URL.Query().Get("_getpagesoffset"))
		var entries []any
		for i := offset; i < min(offset+2, len(names)); i++ {
			entries = append(entries, map[string]any{"search": map[string]any{"mode": "match"},
				"resource": map[string]any{"resourceType": "Practitioner", "id": fmt.Sprint("P", i),
					"name": []any{map[string]any{"given": []string{names[i]}}}}})
		}
		bundle := map[string]any{"resourceType": "Bundle", "type": "searchset", "entry": entries}
		if offset+2 < len(names) {
			bundle["link"] = []any{map[string]any{"relation": "next",
				"url": fmt.Sprintf("http://%s/fhir?_getpages=s1&_getpagesoffset=%d", r.Host, offset+2)}}
		}
		json.NewEncoder(w).Encode(bundle)
	}))
	defer srv.Close()

	c, err := fhir.NewClient(srv.URL + "/fhir")
	if err != nil {
		log.Fatal(err)
	}
	params := &fhir.SearchParams{Count: 2, Sort: []string{"_lastUpdated"}}
	for r, err := range c.Search(context.Background(), "Practitioner", params) {
		if err != nil {
			log.Fatal(err)
		}
		p, _ := fhir.As[models.Practitioner](r)
		fmt.Println(r.ID(), p.Name[0].Given[0])
	}
	fmt.Println("requests:", requests)
	// Output:
	// P0 Awa
	// P1 Binta
	// P2 Chidi
	// P3 Dawit
	// P4 Esi
	// requests: 3
}

// Read, change the typed model, write back: the facility's malformed
// managingOrganization is read with a warning, and the elements the models
// do not know (here a primitive extension on name) survive the update.
func ExampleClient_Update() {
	stored := []byte(`{"resourceType":"Location","id":"TF.W.RSH.1","name":"Rushonga Hospital",` +
		`"_name":{"extension":[{"url":"http://example.org/local-name","valueString":"Rushonga"}]},` +
		`"status":"active","managingOrganization":"Organization/TF.W.RSH.1"}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			stored, _ = io.ReadAll(r.Body)
		}
		w.Write(stored)
	}))
	defer srv.Close()

	ctx := context.Background()
	c, err := fhir.NewClient(srv.URL+"/fhir", fhir.WithBasicAuth("hapi", "hapi"))
	if err != nil {
		log.Fatal(err)
	}
	r, _, err := c.Read(ctx, "Location", "TF.W.RSH.1")
	if err != nil {
		log.Fatal(err)
	}
	for _, w := range r.Warnings {
		fmt.Println("warning:", w)
	}
	loc, _ := fhir.As[models.Location](r)
	fmt.Println("managed by", *loc.ManagingOrganization.Reference)

	loc.Status = new(models.LocationStatusInactive)
	if _, _, err := c.Update(ctx, r); err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(stored))
	// Output:
	// warning: Location/TF.W.RSH.1 managingOrganization: string where a Reference is expected; read as its reference
	// managed by Organization/TF.W.RSH.1
	// {"_name":{"extension":[{"url":"http://example.org/local-name","valueString":"Rushonga"}]},"id":"TF.W.RSH.1","managingOrganization":"Organization/TF.W.RSH.1","name":"Rushonga Hospital","resourceType":"Location","status":"inactive"}
}

// The resources brought by _include travel on the page with the matches;
// Page.Resolve follows a reference to them without another request.
func ExampleClient_Pages() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entry := func(mode string, res map[string]any) any {
			return map[string]any{"search": map[string]any{"mode": mode}, "resource": res}
		}
		role := func(id, worker, job string) any {
			return entry("match", map[string]any{"resourceType": "PractitionerRole", "id": id,
				"practitioner": map[string]any{"reference": "Practitioner/" + worker},
				"code":         []any{map[string]any{"coding": []any{map[string]any{"code": job}}}}})
		}
		worker := func(id, name string) any {
			return entry("include", map[string]any{"resourceType": "Practitioner", "id": id,
				"name": []any{map[string]any{"text": name}}})
		}
		json.NewEncoder(w).Encode(map[string]any{"resourceType": "Bundle", "type": "searchset", "entry": []any{
			role("PR1", "P1", "2221-1D"), role("PR2", "P2", "2230-1B"), worker("P1", "Awa Kamara"), worker("P2", "Binta Sesay"),
		}})
	}))
	defer srv.Close()

	c, err := fhir.NewClient(srv.URL + "/fhir")
	if err != nil {
		log.Fatal(err)
	}
	params := &fhir.SearchParams{
		Params:  map[string][]string{"location": {"Location/TF.W.RSH.1"}, "active": {"true"}},
		Include: []string{"PractitionerRole:practitioner"},
	}
	for page, err := range c.Pages(context.Background(), "PractitionerRole", params) {
		if err != nil {
			log.Fatal(err)
		}
		for _, r := range page.Matches() {
			role, _ := fhir.As[models.PractitionerRole](r)
			p, _ := fhir.As[models.Practitioner](page.Resolve(*role.Practitioner.Reference))
			fmt.Println(*role.Code[0].Coding[0].Code, *p.Name[0].Text)
		}
	}
	// Output:
	// 2221-1D Awa Kamara
	// 2230-1B Binta Sesay
}
