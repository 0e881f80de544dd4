package fhirtest_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"strings"
	"time"

	"github.com/mhero-go/mhero/fhir"
	"github.com/mhero-go/mhero/fhir/fhirtest"
)

// A test of a client: a server holding 45 health workers, written three at
// a time (they tie on meta.lastUpdated, and ties come in a new order on
// each search, as from a database), whose search cache is purged while the
// client pages. The client's search, sorted by _lastUpdated, still brings
// each worker once, starting again where it stopped when a link is gone.
func Example() {
	now := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	srv := fhirtest.NewServer(fhirtest.WithClock(func() time.Time { return now }), fhirtest.WithUnstableSort())
	defer srv.Close()
	for i := range 45 {
		if i%3 == 0 {
			now = now.Add(time.Minute)
		}
		if err := srv.Load(fmt.Appendf(nil, `{"resourceType":"Practitioner","id":"P%02d","active":true}`, i)); err != nil {
			log.Fatal(err)
		}
	}

	c, err := fhir.NewClient(srv.URL())
	if err != nil {
		log.Fatal(err)
	}
	seen := map[string]int{}
	pages := 0
	params := &fhir.SearchParams{Count: 10, Sort: []string{"_lastUpdated"}}
	for page, err := range c.Pages(context.Background(), "Practitioner", params) {
		if err != nil {
			log.Fatal(err)
		}
		for _, r := range page.Matches() {
			seen[r.ID()]++
		}
		if pages++; pages%2 == 0 {
			srv.ExpirePages() // and now and then the cache is purged
		}
	}
	once := 0
	for _, n := range seen {
		if n == 1 {
			once++
		}
	}
	gone := 0
	for _, r := range srv.Requests() {
		if r.Status == http.StatusGone {
			gone++
		}
	}
	fmt.Println("workers:", len(seen), "each once:", once == len(seen))
	fmt.Println("expired links met:", gone > 0)
	// Output:
	// workers: 45 each once: true
	// expired links met: true
}

// Faults make the server answer like an overloaded HAPI: here two 429s
// with Retry-After, then the answer.
func ExampleServer_InjectFault() {
	srv := fhirtest.NewServer(fhirtest.WithBasicAuth("hapi", "hapi"))
	defer srv.Close()
	srv.InjectFault(fhirtest.Fault{Status: http.StatusTooManyRequests, RetryAfter: 30 * time.Second, Times: 2})

	req, _ := http.NewRequest("GET", srv.URL()+"/Practitioner", nil)
	req.SetBasicAuth("hapi", "hapi")
	for range 3 {
		resp, err := srv.Client().Do(req)
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
		fmt.Printf("%d Retry-After=%q\n", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	fmt.Println(srv.RequestCount(), "requests")
	// Output:
	// 429 Retry-After="30"
	// 429 Retry-After="30"
	// 200 Retry-After=""
	// 3 requests
}

// A fault after serving: the write is done, but the client gets a 503 and
// cannot know it. A plain create must not be sent again; a conditional one
// can be, and finds what the first one made.
func ExampleServer_InjectFault_afterServing() {
	srv := fhirtest.NewServer()
	defer srv.Close()
	c, err := fhir.NewClient(srv.URL(), fhir.WithRetry(2, time.Millisecond, time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	worker, _ := fhir.ParseResource([]byte(`{"resourceType":"Practitioner",
		"identifier":[{"system":"http://example.org/staff","value":"42"}]}`))

	srv.InjectFault(fhirtest.Fault{Status: http.StatusServiceUnavailable, AfterServing: true})
	_, _, err = c.CreateIfNoneExist(ctx, worker, map[string][]string{"identifier": {"http://example.org/staff|42"}})
	fmt.Println("conditional create:", err)

	found, _ := srv.Search("Practitioner", map[string][]string{"identifier": {"http://example.org/staff|42"}})
	fmt.Println("workers:", len(found), "requests:", srv.RequestCount())
	// Output:
	// conditional create: <nil>
	// workers: 1 requests: 2
}

// Version ids are any string to FHIR, and some servers write UUIDs: a
// client that reads an earlier version must take its id from the server
// (the resource's history), never compute it.
func ExampleWithVersionIDs() {
	srv := fhirtest.NewServer(fhirtest.WithVersionIDs(fhirtest.UUIDVersionID))
	defer srv.Close()
	for _, active := range []string{"true", "false"} {
		if err := srv.Load([]byte(`{"resourceType":"Practitioner","id":"P1","active":` + active + `}`)); err != nil {
			log.Fatal(err)
		}
	}
	c, err := fhir.NewClient(srv.URL())
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	cur, _, err := c.Read(ctx, "Practitioner", "P1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("version id is a UUID:", len(cur.VersionID()) == 36 && strings.Count(cur.VersionID(), "-") == 4)
	_, _, err = c.VRead(ctx, "Practitioner", "P1", "1")
	fmt.Println(`vread "1":`, errors.Is(err, fhir.ErrNotFound))
	for e, err := range c.History(ctx, "Practitioner", "P1", nil) {
		if err != nil {
			log.Fatal(err)
		}
		old, _, err := c.VRead(ctx, "Practitioner", "P1", e.Resource.VersionID())
		fmt.Println("vread from the history:", err == nil && old.VersionID() == e.Resource.VersionID())
	}
	// Output:
	// version id is a UUID: true
	// vread "1": true
	// vread from the history: true
	// vread from the history: true
}

// A custom search parameter, as a server's owner installs: iHRIS indexes
// the job of a PractitionerRole as job=.
func ExampleWithSearchParams() {
	job := fhirtest.SearchParam{
		Resource:    "PractitionerRole",
		Name:        "job",
		Type:        fhirtest.TokenParam,
		Description: "PractitionerRole.code",
		Values:      func(role map[string]any) []any { return fhirtest.Path(role, "code") },
	}
	srv := fhirtest.NewServer(fhirtest.WithSearchParams(job))
	defer srv.Close()
	for i, code := range []string{"nurse", "midwife", "nurse"} {
		srv.Load(fmt.Appendf(nil, `{"resourceType":"PractitionerRole","id":"R%d",
			"code":[{"coding":[{"system":"http://example.org/job","code":%q}]}]}`, i, code))
	}
	nurses, err := srv.Search("PractitionerRole", map[string][]string{"job": {"http://example.org/job|nurse"}})
	fmt.Println(len(nurses), err)
	_, err = srv.Search("PractitionerRole", map[string][]string{"cadre": {"nurse"}})
	fmt.Println(err != nil)
	// Output:
	// 2 <nil>
	// true
}
