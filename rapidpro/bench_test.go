package rapidpro

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mhero-go/mhero/rapidpro/rapidprotest"
)

// benchServerEnv, when set to a number of runs, turns the test binary into
// a rapidprotest server holding that many runs (see seededServer).
const benchServerEnv = "RAPIDPRO_BENCH_SERVER_RUNS"

func TestMain(m *testing.M) {
	if n, err := strconv.Atoi(os.Getenv(benchServerEnv)); err == nil {
		serveSeededRuns(n)
		return
	}
	os.Exit(m.Run())
}

// serveSeededRuns serves total runs until its stdin closes, after printing
// its URL and token.
func serveSeededRuns(total int) {
	srv, err := rapidprotest.New(rapidprotest.WithRateLimits(0, 0), rapidprotest.WithSeed(1))
	if err == nil {
		_, err = srv.SeedRuns(rapidprotest.RunSeed{Count: total, Contacts: 1000})
	}
	if err == nil {
		err = srv.Start("127.0.0.1:0")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(srv.URL(), srv.Token())
	io.Copy(io.Discard, os.Stdin)
	srv.Close()
}

// seededServer starts rapidprotest holding total runs (of a two-question
// survey, with path and values) in a child process, so that the heap the
// benchmark measures is the client's alone. It returns the URL and token.
func seededServer(b *testing.B, total int) (string, string) {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d", benchServerEnv, total))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	var url, token string
	if _, err := fmt.Fscanln(stdout, &url, &token); err != nil {
		b.Fatalf("starting the server process: %v", err)
	}
	return url, token
}

// heapSampler records how far the live heap (what the last garbage
// collection found reachable) grew above its size at the start while a
// stream ran: memory held, not garbage awaiting collection, whose amount
// depends on the GC's pacing rather than on the code.
type heapSampler struct {
	base uint64
	peak atomic.Uint64
	stop chan struct{}
	done sync.WaitGroup
}

func sampleHeap() *heapSampler {
	runtime.GC()
	base := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(base)
	s := &heapSampler{stop: make(chan struct{}), base: base[0].Value.Uint64()}
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		// runtime/metrics reads the heap without stopping the world, unlike
		// runtime.ReadMemStats, so sampling does not slow the stream.
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > s.peak.Load() {
				s.peak.Store(v)
			}
			select {
			case <-s.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

func (s *heapSampler) end() float64 {
	close(s.stop)
	s.done.Wait()
	return float64(s.peak.Load()-min(s.base, s.peak.Load())) / (1 << 20)
}

// reportStream reports records/s, allocations per record and the peak heap.
func reportStream(b *testing.B, records int, mallocs uint64, peakMB float64) {
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(mallocs)/float64(records), "allocs/record")
	b.ReportMetric(peakMB, "peak-live-heap-growth-MB")
}

// BenchmarkStreamRuns streams every run from rapidprotest (in a child
// process) through Runs.List, keeping none, as a sync into a store would. Peak heap must stay flat from 10k to 100k
// runs: only one page is decoded at a time.
func BenchmarkStreamRuns(b *testing.B) {
	for _, total := range []int{10_000, 30_000, 100_000} {
		b.Run(fmt.Sprintf("runs=%d", total), func(b *testing.B) {
			url, token := seededServer(b, total)
			c, err := NewClient(url, token, WithoutPacing())
			if err != nil {
				b.Fatal(err)
			}
			var before, after runtime.MemStats
			heap := sampleHeap()
			runtime.ReadMemStats(&before)
			records := 0
			for b.Loop() {
				for run, err := range c.Runs.List(b.Context(), nil) {
					if err != nil {
						b.Fatal(err)
					}
					if len(run.Values) == 0 {
						b.Fatal("a run lost its values")
					}
					records++
				}
			}
			runtime.ReadMemStats(&after)
			reportStream(b, records, after.Mallocs-before.Mallocs, heap.end())
		})
	}
}

// BenchmarkNaiveDecodeRuns fetches the same pages and decodes them the naive
// way: every page read whole and unmarshalled into []map[string]any, all
// results kept in one slice.
func BenchmarkNaiveDecodeRuns(b *testing.B) {
	for _, total := range []int{10_000, 30_000, 100_000} {
		b.Run(fmt.Sprintf("runs=%d", total), func(b *testing.B) {
			url, token := seededServer(b, total)
			var before, after runtime.MemStats
			heap := sampleHeap()
			runtime.ReadMemStats(&before)
			records := 0
			for b.Loop() {
				var all []map[string]any
				next := url + "/api/v2/runs.json"
				for next != "" {
					req, _ := http.NewRequest(http.MethodGet, next, nil)
					req.Header.Set("Authorization", "Token "+token)
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					data, err := io.ReadAll(resp.Body)
					resp.Body.Close()
					if err != nil {
						b.Fatal(err)
					}
					var page struct {
						Next    *string          `json:"next"`
						Results []map[string]any `json:"results"`
					}
					if err := json.Unmarshal(data, &page); err != nil {
						b.Fatal(err)
					}
					all = append(all, page.Results...)
					next = ""
					if page.Next != nil {
						next = *page.Next
					}
				}
				records += len(all)
			}
			runtime.ReadMemStats(&after)
			reportStream(b, records, after.Mallocs-before.Mallocs, heap.end())
		})
	}
}
