package fhir_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mhero-go/mhero/fhir"
	"github.com/mhero-go/mhero/fhir/fhirtest"
	"github.com/mhero-go/mhero/internal/fixtures"
)

// searchAll returns the ids a search returns and the warnings on its pages,
// failing on any error or repeated id.
func searchAll(t *testing.T, c *fhir.Client, typ string, params *fhir.SearchParams) (map[string]bool, []fhir.Warning) {
	t.Helper()
	ids := map[string]bool{}
	var warnings []fhir.Warning
	for page, err := range c.Pages(t.Context(), typ, params) {
		if err != nil {
			t.Fatalf("%s search: %v", typ, err)
		}
		for _, r := range page.Matches() {
			if ids[r.ID()] {
				t.Fatalf("%s returned twice", r.Reference())
			}
			ids[r.ID()] = true
		}
		warnings = append(warnings, page.Warnings...)
	}
	return ids, warnings
}

// The iHRIS demo data, served over HTTP by an in-process server, loads
// without losing a health worker.
func TestIHRISDemoLoadsThroughTheClient(t *testing.T) {
	t.Parallel()
	dir := fixtures.Dir(t, "fixtures", "ihris", "demo")
	srv := fhirtest.NewServer(fhirtest.WithSeedDir(dir), fhirtest.WithBasicAuth("hapi", "hapi-secret"))
	defer srv.Close()
	c, err := fhir.NewClient(srv.URL(), fhir.WithBasicAuth("hapi", "hapi-secret"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		typ              string
		resources, warns int
	}{
		{"Practitioner", 1007, 16},
		{"PractitionerRole", 1008, 0},
	} {
		ids, warnings := searchAll(t, c, tc.typ, &fhir.SearchParams{Count: 200})
		if len(ids) != tc.resources || len(warnings) != tc.warns {
			t.Errorf("%s: %d resources, %d warnings; want %d and %d", tc.typ, len(ids), len(warnings), tc.resources, tc.warns)
		}
	}
	_, warnings := searchAll(t, c, "Location", &fhir.SearchParams{Count: 100, Params: map[string][]string{"_id": {"TF.W.RSH.1"}}})
	if len(warnings) != 1 || warnings[0].Path != "managingOrganization" {
		t.Errorf("facility warnings %v", warnings)
	}
}

// Page links that expire after two uses do not stop a search sorted by
// _lastUpdated over a registry written in bulk (many workers share a
// meta.lastUpdated, and ties come in a new order on each search).
func TestExpiringPagesDoNotLoseWorkers(t *testing.T) {
	t.Parallel()
	const workers = 1500
	srv := fhirtest.NewServer(fhirtest.WithPageExpiry(0, 2), fhirtest.WithUnstableSort())
	defer srv.Close()
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range workers {
		at := start.Add(time.Duration(i/7) * time.Second).Format(time.RFC3339)
		if err := srv.Seed(fmt.Appendf(nil, `{"resourceType":"Practitioner","id":"P%04d","meta":{"versionId":"1","lastUpdated":%q},"active":true}`, i, at)); err != nil {
			t.Fatal(err)
		}
	}
	c, err := fhir.NewClient(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	ids, _ := searchAll(t, c, "Practitioner", &fhir.SearchParams{Count: 50, Sort: []string{"_lastUpdated"}})
	if len(ids) != workers {
		t.Errorf("%d workers, want %d", len(ids), workers)
	}
	expired, resumed := 0, 0
	for _, r := range srv.Requests() {
		if r.Status == http.StatusGone {
			expired++
		}
		if strings.Contains(r.URL, "_lastUpdated=ge") {
			resumed++
		}
	}
	if expired == 0 || resumed != expired {
		t.Errorf("%d expired links, %d searches from the last _lastUpdated; want as many, and some", expired, resumed)
	}
	t.Logf("%d requests, %d expired page links", len(srv.Requests()), expired)
}

// A transaction, a conditional create and a history through an in-process
// server.
func TestWritesThroughTheServer(t *testing.T) {
	t.Parallel()
	srv := fhirtest.NewServer()
	defer srv.Close()
	c, err := fhir.NewClient(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	p, _ := fhir.ParseResource([]byte(`{"resourceType":"Practitioner","id":"P10004","active":true,
		"identifier":[{"system":"http://ihris.org/ids","value":"EN-1"}]}`))
	role, _ := fhir.ParseResource([]byte(`{"resourceType":"PractitionerRole","id":"PR10001",
		"practitioner":{"reference":"Practitioner/P10004"}}`))
	entries, _, err := c.Transaction(ctx, []fhir.BatchRequest{
		{Method: "PUT", URL: "Practitioner/P10004", Resource: p},
		{Method: "PUT", URL: "PractitionerRole/PR10001", Resource: role},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Err() != nil {
			t.Errorf("entry %+v: %v", e.Response, e.Err())
		}
	}
	again, resp, err := c.CreateIfNoneExist(ctx, p, map[string][]string{"identifier": {"http://ihris.org/ids|EN-1"}})
	if err != nil || resp.Created() || (again != nil && again.ID() != "P10004") {
		t.Errorf("conditional create of an existing worker: %v, %+v, %v", err, resp, again)
	}
	n := 0
	for e, err := range c.History(ctx, "Practitioner", "P10004", nil) {
		if err != nil || e.Resource == nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 1 {
		t.Errorf("%d versions, want 1", n)
	}
}
