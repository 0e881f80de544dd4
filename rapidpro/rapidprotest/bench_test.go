package rapidprotest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"runtime"
	"testing"

	"github.com/mhero-go/mhero/rapidpro/rapidprotest"
)

const benchRuns = 100_000

// BenchmarkSeedRuns measures bulk seeding and the heap each run keeps.
func BenchmarkSeedRuns(b *testing.B) {
	for b.Loop() {
		srv, err := rapidprotest.New()
		if err != nil {
			b.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		if _, err := srv.SeedRuns(rapidprotest.RunSeed{Count: benchRuns}); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/benchRuns, "heap-B/run")
		runtime.KeepAlive(srv)
	}
}

// BenchmarkServeRuns measures the server side of streaming 100,000 runs:
// 400 pages, bodies read and discarded by a plain HTTP client.
func BenchmarkServeRuns(b *testing.B) {
	srv := rapidprotest.NewServer(rapidprotest.WithRateLimits(0, 0))
	defer srv.Close()
	if _, err := srv.SeedRuns(rapidprotest.RunSeed{Count: benchRuns}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		n := 0
		url := srv.URL() + "/api/v2/runs.json"
		for url != "" {
			req, _ := http.NewRequest("GET", url, nil)
			req.Header.Set("Authorization", "Token "+srv.Token())
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 {
				b.Fatalf("status %d: %v", resp.StatusCode, err)
			}
			url = nextOf(b, body)
			n++
		}
		if n != benchRuns/rapidprotest.PageSize {
			b.Fatalf("%d pages", n)
		}
	}
	b.ReportMetric(float64(benchRuns)*float64(b.N)/b.Elapsed().Seconds(), "runs/s")
}

// nextOf reads only the leading "next" member, so the benchmark measures
// the server rather than a decoder scanning every run.
func nextOf(b *testing.B, body []byte) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	for range 2 { // '{' then the "next" key
		if _, err := dec.Token(); err != nil {
			b.Fatal(err)
		}
	}
	var next *string
	if err := dec.Decode(&next); err != nil {
		b.Fatal(err)
	}
	if next == nil {
		return ""
	}
	return *next
}
