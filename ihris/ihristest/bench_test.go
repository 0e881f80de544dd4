package ihristest_test

import (
	"encoding/json"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/mhero-go/mhero/ihris/ihristest"
)

// page is what the benchmarks read of a Bundle.
type page struct {
	Link  []struct{ Relation, URL string }
	Entry []struct {
		Search struct{ Mode string }
	}
}

// stream follows next links from u and counts match and include entries.
func stream(b *testing.B, s *ihristest.Server, u string) (matches, included int) {
	client := s.Client()
	for u != "" {
		resp, err := client.Get(u)
		if err != nil {
			b.Fatal(err)
		}
		var p page
		err = json.NewDecoder(resp.Body).Decode(&p)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("%s: %d %v", u, resp.StatusCode, err)
		}
		u = ""
		for _, l := range p.Link {
			if l.Relation == "next" {
				u = l.URL
			}
		}
		for _, e := range p.Entry {
			if e.Search.Mode == "match" {
				matches++
			} else {
				included++
			}
		}
	}
	return matches, included
}

// BenchmarkRegistry100k seeds one server with 100,000 workers (reporting
// the heap it holds) and measures a sync-style stream of every worker with
// roles and facilities, and a filtered search that scans every role.
func BenchmarkRegistry100k(b *testing.B) {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	s := ihristest.NewServer(ihristest.WithWorkforce(ihristest.Workforce{Seed: 1, Workers: 100_000}))
	defer s.Close()
	seeded := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&after)
	truth := s.Truth()
	resources := truth.Workers + truth.Roles + 2*truth.Places["facility"]
	heap := float64(after.HeapAlloc - before.HeapAlloc)

	b.Run("seed", func(b *testing.B) {
		for b.Loop() {
		}
		b.ReportMetric(seeded.Seconds(), "seconds")
		b.ReportMetric(heap/(1<<20), "heap-MiB")
		b.ReportMetric(heap/float64(resources), "heap-bytes/resource")
	})
	b.Run("stream", func(b *testing.B) {
		for b.Loop() {
			s.ResetRequests()
			t0 := time.Now()
			workers, included := stream(b, s, s.URL()+"/Practitioner?_count=1000"+
				"&_revinclude=PractitionerRole:practitioner&_include:iterate=PractitionerRole:location")
			if workers != truth.Workers {
				b.Fatalf("streamed %d workers, want %d", workers, truth.Workers)
			}
			b.ReportMetric(float64(s.RequestCount()), "requests/op")
			b.ReportMetric(float64(workers)/time.Since(t0).Seconds(), "workers/s")
			b.ReportMetric(float64(included), "included/op")
		}
	})
	b.Run("current-nurses", func(b *testing.B) {
		for b.Loop() {
			roles, _ := stream(b, s, s.URL()+"/PractitionerRole?_count=1000&active=true"+
				"&role=http://ihris.org/fhir/CodeSystem/ihris-job|2230-1B")
			if roles < truth.ByJob["2230-1B"] {
				b.Fatalf("%d nurse roles, truth says %d nurses", roles, truth.ByJob["2230-1B"])
			}
		}
	})
}
