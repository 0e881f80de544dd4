package ihristest_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/mhero-go/mhero/ihris/ihristest"
)

// BenchmarkStream100k pages the whole registry of 100,000 workers with
// their roles (_revinclude) and the roles' facilities, 1,000 workers a
// page, the way a sync would, and reports the requests and throughput.
func BenchmarkStream100k(b *testing.B) {
	s := ihristest.NewServer(ihristest.WithWorkforce(ihristest.Workforce{Seed: 1, Workers: 100_000}))
	defer s.Close()
	client := s.Client()
	b.ResetTimer()
	for b.Loop() {
		s.ResetRequests()
		start := time.Now()
		workers, included := 0, 0
		u := s.URL() + "/Practitioner?_count=1000&_revinclude=PractitionerRole:practitioner&_include:iterate=PractitionerRole:location"
		for u != "" {
			resp, err := client.Get(u)
			if err != nil {
				b.Fatal(err)
			}
			var page struct {
				Link  []struct{ Relation, URL string }
				Entry []struct {
					Search struct{ Mode string }
				}
			}
			err = json.NewDecoder(resp.Body).Decode(&page)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK {
				b.Fatalf("%s: %d %v", u, resp.StatusCode, err)
			}
			u = ""
			for _, l := range page.Link {
				if l.Relation == "next" {
					u = l.URL
				}
			}
			for _, e := range page.Entry {
				if e.Search.Mode == "match" {
					workers++
				} else {
					included++
				}
			}
		}
		if workers != 100_000 {
			b.Fatalf("streamed %d workers", workers)
		}
		b.ReportMetric(float64(s.RequestCount()), "requests/op")
		b.ReportMetric(float64(workers)/time.Since(start).Seconds(), "workers/s")
		b.ReportMetric(float64(included), "included/op")
	}
}
