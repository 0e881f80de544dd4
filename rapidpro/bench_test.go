package rapidpro

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// runPageServer serves total runs as RapidPro would: pages of 250 realistic
// runs (a four-step path, two results) with a next cursor. The 250 runs are
// encoded once and reused for every page so that the server costs little
// next to the client being measured.
func runPageServer(tb testing.TB, total int) *httptest.Server {
	tb.Helper()
	runs := make([]map[string]any, PageSize)
	for i := range runs {
		runs[i] = map[string]any{
			"uuid": fmt.Sprintf("0199c5c0-8f9b-76ea-a955-%012d", i), "id": 100000 + i,
			"flow":    map[string]string{"uuid": "f5901b62-ba76-4003-9c62-72fdacc1b7b7", "name": "Training follow-up"},
			"contact": map[string]any{"uuid": fmt.Sprintf("d33e9ad5-5c35-414c-abd4-%012d", i), "name": "Health Worker", "urn": "tel:+250788123456", "urn_display": "0788 123 456"},
			"start":   map[string]string{"uuid": "09d23a05-47fe-11e4-bfe9-b8f6b119e9ab"}, "responded": true,
			"path": []map[string]string{
				{"node": "27a86a1b-6cc4-4ae3-b73d-89650966a82f", "time": "2026-11-11T13:03:50.457742Z"},
				{"node": "fc32aeb0-ac3e-42a8-9ea7-10248fdf52a1", "time": "2026-11-11T13:03:51.635662Z"},
				{"node": "93a624ad-5440-415e-b49f-17bf42754acb", "time": "2026-11-11T13:03:52.532151Z"},
				{"node": "4c9cb68d-474f-4b9a-b65e-c2aa593a3466", "time": "2026-11-11T13:05:57.576056Z"},
			},
			"values": map[string]any{
				"attended": map[string]string{"name": "Attended", "value": "yes", "category": "Yes", "node": "fc32aeb0-ac3e-42a8-9ea7-10248fdf52a1", "time": "2026-11-11T13:03:51.635662Z"},
				"rating":   map[string]string{"name": "Rating", "value": "4", "category": "1 - 5", "node": "4c9cb68d-474f-4b9a-b65e-c2aa593a3466", "time": "2026-11-11T13:05:57.576056Z"},
			},
			"created_on": "2026-11-11T13:03:50.457742Z", "modified_on": "2026-11-11T13:05:57.576056Z",
			"exited_on": "2026-11-11T13:05:57.576056Z", "exit_type": "completed",
		}
	}
	results, err := json.Marshal(runs)
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		offset, _ := strconv.Atoi(r.URL.Query().Get("cursor"))
		n := min(PageSize, total-offset)
		body := results
		if n < PageSize {
			var part []json.RawMessage
			json.Unmarshal(results, &part)
			body, _ = json.Marshal(part[:n])
		}
		next := "null"
		if offset+n < total {
			next = strconv.Quote("http://" + r.Host + "/api/v2/runs.json?cursor=" + strconv.Itoa(offset+n))
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"next":`+next+`,"previous":null,"results":`)
		w.Write(body)
		io.WriteString(w, "}")
	}))
	tb.Cleanup(srv.Close)
	return srv
}

// heapSampler records the largest heap (live objects and garbage not yet
// collected) seen while a stream runs.
type heapSampler struct {
	peak atomic.Uint64
	stop chan struct{}
	done sync.WaitGroup
}

func sampleHeap() *heapSampler {
	runtime.GC()
	s := &heapSampler{stop: make(chan struct{})}
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		// runtime/metrics reads the heap without stopping the world, unlike
		// runtime.ReadMemStats, so sampling does not slow the stream.
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
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
	return float64(s.peak.Load()) / (1 << 20)
}

// reportStream reports records/s, allocations per record and the peak heap.
func reportStream(b *testing.B, records int, mallocs uint64, peakMB float64) {
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(mallocs)/float64(records), "allocs/record")
	b.ReportMetric(peakMB, "peak-heap-MB")
}

// BenchmarkStreamRuns streams every run through Runs.List, keeping none,
// as a sync into a store would. Peak heap must stay flat from 10k to 100k
// runs: only one page is decoded at a time.
func BenchmarkStreamRuns(b *testing.B) {
	for _, total := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("runs=%d", total), func(b *testing.B) {
			srv := runPageServer(b, total)
			c, err := NewClient(srv.URL, testToken, WithoutPacing())
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
					if run.Values["rating"].Value == "" {
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
	for _, total := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("runs=%d", total), func(b *testing.B) {
			srv := runPageServer(b, total)
			var before, after runtime.MemStats
			heap := sampleHeap()
			runtime.ReadMemStats(&before)
			records := 0
			for b.Loop() {
				var all []map[string]any
				next := srv.URL + "/api/v2/runs.json"
				for next != "" {
					resp, err := http.Get(next)
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
