package rapidprotest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/mhero-go/mhero/rapidpro/rapidprotest"
)

// get performs an authenticated GET and decodes the JSON answer.
func get(srv *rapidprotest.Server, path string, v any) error {
	req, err := http.NewRequest("GET", srv.URL()+"/api/v2/"+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Token "+srv.Token())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}

// A test sets up a workspace, then points the code under test at
// srv.URL() with srv.Token().
func Example() {
	srv := rapidprotest.NewServer(rapidprotest.WithSeed(7))
	defer srv.Close()

	if _, err := srv.AddGroup("Nurses", ""); err != nil {
		fmt.Println(err)
		return
	}
	_, err := srv.AddContact(rapidprotest.ContactSpec{
		Name: "Ama Kollie", URNs: []string{"tel:0770000001"}, Groups: []string{"Nurses"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	var page struct {
		Next    *string `json:"next"`
		Results []struct {
			Name   string   `json:"name"`
			URNs   []string `json:"urns"`
			Groups []struct {
				Name string `json:"name"`
			} `json:"groups"`
		} `json:"results"`
	}
	if err := get(srv, "contacts.json?group=Nurses", &page); err != nil {
		fmt.Println(err)
		return
	}
	c := page.Results[0]
	fmt.Println(c.Name, c.URNs[0], c.Groups[0].Name, page.Next == nil)
	// Output: Ama Kollie tel:+231770000001 Nurses true
}

// A flow start runs through the engine; Receive plays the health worker's
// reply and the run completes with its result.
func ExampleServer_Receive() {
	srv := rapidprotest.NewServer(rapidprotest.WithSeed(7))
	defer srv.Close()
	if _, err := srv.ImportFlows([]byte(surveyExport)); err != nil {
		fmt.Println(err)
		return
	}

	req, _ := http.NewRequest("POST", srv.URL()+"/api/v2/flow_starts.json",
		strings.NewReader(`{"flow": "`+surveyUUID+`", "urns": ["tel:+231770000001"]}`))
	req.Header.Set("Authorization", "Token "+srv.Token())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println("start:", resp.StatusCode)

	if err := srv.Receive(context.Background(), "tel:+231770000001", "Yes"); err != nil {
		fmt.Println(err)
		return
	}
	var runs struct {
		Results []struct {
			ExitType *string `json:"exit_type"`
			Values   map[string]struct {
				Category string `json:"category"`
			} `json:"values"`
		} `json:"results"`
	}
	if err := get(srv, "runs.json", &runs); err != nil {
		fmt.Println(err)
		return
	}
	r := runs.Results[0]
	fmt.Println("run:", *r.ExitType, r.Values["available"].Category)
	// Output:
	// start: 201
	// run: completed Yes
}
