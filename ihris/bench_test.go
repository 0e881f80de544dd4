package ihris_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/mhero-go/mhero/ihris"
	"github.com/mhero-go/mhero/ihris/ihristest"
)

// BenchmarkStreamRegistry streams a whole generated registry (workers with
// roles and place chains) and reports the requests per pass, workers per
// second, and the most the client's live heap grew over the pass (sampled
// ten times after a GC; the in-process server's own data is in the
// baseline). The growth should not depend on the number of workers.
func BenchmarkStreamRegistry(b *testing.B) {
	for _, workers := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			srv, err := ihristest.Start(ihristest.WithWorkforce(ihristest.Workforce{Seed: 9, Workers: workers}))
			if err != nil {
				b.Fatal(err)
			}
			defer srv.Close()
			reg := newRegistry(b, srv, ihris.WithPageSize(200))
			ctx := context.Background()
			if _, err := reg.Places(ctx); err != nil {
				b.Fatal(err)
			}
			var ms runtime.MemStats
			var peak uint64
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				srv.ResetRequests()
				runtime.GC()
				runtime.ReadMemStats(&ms)
				base := ms.HeapAlloc
				b.StartTimer()
				n, roles := 0, 0
				for w, err := range reg.All(ctx) {
					if err != nil {
						b.Fatal(err)
					}
					n++
					roles += len(w.Roles)
					if n%(workers/10) == 0 {
						b.StopTimer()
						runtime.GC()
						runtime.ReadMemStats(&ms)
						if ms.HeapAlloc > base {
							peak = max(peak, ms.HeapAlloc-base)
						}
						b.StartTimer()
					}
				}
				if n != workers {
					b.Fatalf("streamed %d workers, want %d", n, workers)
				}
			}
			b.ReportMetric(float64(srv.RequestCount()), "requests/pass")
			b.ReportMetric(float64(workers*b.N)/b.Elapsed().Seconds(), "workers/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-live-MB")
		})
	}
}
