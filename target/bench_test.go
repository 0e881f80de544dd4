package target_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mhero-go/mhero/fhir"
	"github.com/mhero-go/mhero/fhir/fhirtest"
	"github.com/mhero-go/mhero/ihris"
	"github.com/mhero-go/mhero/ihris/ihristest"
	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/rapidpro/rapidprotest"
	"github.com/mhero-go/mhero/store"
	"github.com/mhero-go/mhero/store/storetest"
	"github.com/mhero-go/mhero/target"
)

// benchWorkers is the size of the benchmarks' registry: 50,000 unless
// MHERO_BENCH_WORKERS says otherwise.
func benchWorkers() int {
	if n, err := strconv.Atoi(os.Getenv("MHERO_BENCH_WORKERS")); err == nil && n > 0 {
		return n
	}
	return 50_000
}

// benchRate is the rate limit of the rate-limited benchmark, per scope and
// hour: 100 requests a second unless MHERO_BENCH_RATE says otherwise, so
// that the limit, not this machine, bounds the sync.
func benchRate() int {
	if n, err := strconv.Atoi(os.Getenv("MHERO_BENCH_RATE")); err == nil && n > 0 {
		return n
	}
	return 360_000
}

// childResult is what a benchmark's child sync reports.
type childResult struct {
	Summary *target.Summary
	// Writing is the time from the first contact write to the end: the
	// part of the sync the rate limit bounds (before it, iHRIS is read).
	Writing time.Duration
	// ReadingIHRIS is the time from the start of the iHRIS read to the
	// first contact write: no write can start before every selected
	// worker's numbers are known (a number two workers share is written
	// to neither), so the rate limit cannot bound it.
	ReadingIHRIS time.Duration
	// Memory is the child's memory at its peak resident set.
	Memory memorySample
	Error  string
}

// memorySample splits a process's resident memory between Go's runtime
// and the rest (SQLite's page cache and allocations, which its C-to-Go
// translation makes outside Go's heap, and the program's text).
type memorySample struct {
	RSS   int64  // resident set
	Stage string // the sync's stage then
	// Peak is the child's peak resident set since it started (VmHWM:
	// rusage's maxrss would count the parent's, whose memory the child
	// shared until it ran, and the parent holds the test servers).
	Peak int64
	// PeakGoLive is the largest live heap seen, in stage PeakGoLiveStage.
	PeakGoLive      int64
	PeakGoLiveStage string
	// GoHeap is the memory of Go heap objects, live and not yet
	// collected; GoLive the live heap after the last collection; GoMapped
	// everything Go's runtime holds from the system (heap, stacks,
	// metadata), less what it gave back.
	GoHeap, GoLive, GoMapped int64
}

// highWater returns the process's peak resident set (VmHWM).
func highWater() int64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func (m memorySample) String() string {
	mib := func(n int64) float64 { return float64(n) / (1 << 20) }
	return fmt.Sprintf("largest live Go heap %.1f MiB (%s); at the peak sampled (%s): RSS %.1f MiB, Go heap %.1f MiB of which %.1f live at the last collection, Go runtime %.1f MiB, the rest %.1f MiB",
		mib(m.PeakGoLive), m.PeakGoLiveStage, m.Stage, mib(m.RSS), mib(m.GoHeap), mib(m.GoLive), mib(m.GoMapped), mib(m.RSS-m.GoMapped))
}

// childStage is the stage the child's sync is in.
var childStage atomic.Value

// sampleMemory samples the process's memory every 50 ms until stop is
// closed, and returns the sample of the highest resident set.
func sampleMemory(stop <-chan struct{}) <-chan memorySample {
	out := make(chan memorySample, 1)
	go func() {
		samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"},
			{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
		var peak memorySample
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			b, err := os.ReadFile("/proc/self/statm")
			if f := strings.Fields(string(b)); err == nil && len(f) > 1 {
				pages, _ := strconv.ParseInt(f[1], 10, 64)
				metrics.Read(samples)
				live := int64(samples[1].Value.Uint64())
				if rss := pages * int64(os.Getpagesize()); rss > peak.RSS {
					stage, _ := childStage.Load().(string)
					peak = memorySample{RSS: rss, Stage: stage, GoHeap: int64(samples[0].Value.Uint64()), GoLive: live,
						GoMapped: int64(samples[2].Value.Uint64() - samples[3].Value.Uint64()), PeakGoLive: peak.PeakGoLive,
						PeakGoLiveStage: peak.PeakGoLiveStage}
				}
				if live > peak.PeakGoLive {
					peak.PeakGoLive = live
					peak.PeakGoLiveStage, _ = childStage.Load().(string)
				}
			}
			select {
			case <-stop:
				peak.Peak = highWater()
				out <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return out
}

// runChildSyncTimed syncs in a child process, so that its peak memory is
// the sync's alone (the servers stay in the parent), and returns what the
// child reports and its peak resident set.
func runChildSyncTimed(b *testing.B, e *env, rate int) (childResult, int64) {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), "MHERO_TARGET_CHILD=bench", "CHILD_IHRIS_URL="+e.ihris.URL(),
		"CHILD_RAPIDPRO_URL="+e.rp.URL(), "CHILD_RAPIDPRO_TOKEN="+e.rp.Token(), "CHILD_DB="+e.dsn,
		"CHILD_RATE="+strconv.Itoa(rate))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("child sync: %v", err)
	}
	var res childResult
	if err := json.Unmarshal(out, &res); err != nil || res.Error != "" {
		b.Fatalf("child sync: %v %s", err, res.Error)
	}
	return res, res.Memory.Peak
}

// childBench is the child side of runChildSync.
func childBench() int {
	ctx := context.Background()
	if os.Getenv("MHERO_BENCH_HEAPPROFILE") != "" {
		runtime.MemProfileRate = 4096
	}
	fail := func(err error) int {
		_ = json.NewEncoder(os.Stdout).Encode(childResult{Error: err.Error()})
		return 1
	}
	fc, err := fhir.NewClient(os.Getenv("CHILD_IHRIS_URL"))
	if err != nil {
		return fail(err)
	}
	reg, _ := ihris.NewRegistry(fc, ihris.WithPageSize(1000))
	opts := []rapidpro.Option{rapidpro.WithoutPacing()}
	rate, _ := strconv.Atoi(os.Getenv("CHILD_RATE"))
	if rate > 0 {
		opts = []rapidpro.Option{rapidpro.WithRateLimit(rate, 1)}
	}
	rpc, err := rapidpro.NewClient(os.Getenv("CHILD_RAPIDPRO_URL"), os.Getenv("CHILD_RAPIDPRO_TOKEN"), opts...)
	if err != nil {
		return fail(err)
	}
	db, err := store.Open(ctx, os.Getenv("CHILD_DB"))
	if err != nil {
		return fail(err)
	}
	defer db.Close()
	var writingFrom time.Time
	var readingFrom time.Time
	var stage target.Stage
	sopts := []target.Option{target.WithProgress(func(p target.Progress) {
		if p.Stage != stage {
			// The heap as each stage ends, for MHERO_BENCH_HEAPPROFILE.
			heapProfile(string(stage))
			stage = p.Stage
			childStage.Store(string(stage))
		}
		if p.Stage == target.StageContacts && p.Done == p.Total && p.Total > 0 {
			heapProfile("contacts written")
		}
		if readingFrom.IsZero() && p.Stage == target.StageIHRIS {
			readingFrom = time.Now()
		}
		if writingFrom.IsZero() && (p.Stage == target.StageContacts || p.Stage == target.StageGroup) {
			writingFrom = time.Now()
		}
	})}
	if rate > 0 {
		sopts = append(sopts, target.WithRate(rate))
	}
	s, err := target.New(ctx, reg, rpc, db, sopts...)
	if err != nil {
		return fail(err)
	}
	stop := make(chan struct{})
	memory := sampleMemory(stop)
	sum, err := s.Sync(ctx, everyone, false)
	if err != nil {
		return fail(err)
	}
	writing := time.Since(writingFrom)
	close(stop)
	heapProfile(string(stage))
	_ = json.NewEncoder(os.Stdout).Encode(childResult{Summary: sum, Writing: writing, ReadingIHRIS: writingFrom.Sub(readingFrom), Memory: <-memory})
	return 0
}

// heapProfile writes the live heap to MHERO_BENCH_HEAPPROFILE, suffixed
// with the stage it ends, when that variable names a file.
func heapProfile(stage string) {
	path := os.Getenv("MHERO_BENCH_HEAPPROFILE")
	if path == "" || stage == "" {
		return
	}
	f, err := os.Create(fmt.Sprintf("%s.%d.%s", path, os.Getpid(), strings.ReplaceAll(stage, " ", "-")))
	if err != nil {
		return
	}
	defer f.Close()
	// A profile is as of the last collection but one.
	runtime.GC()
	runtime.GC()
	_ = pprof.WriteHeapProfile(f)
}

// newBenchEnv is newEnv for benchmarks, with the RapidPro server throttled
// at rate per hour and scope (0: not at all).
func newBenchEnv(b *testing.B, workers int, rate int) *env {
	b.Helper()
	e := &env{kind: store.SQLite}
	e.ihris = ihristest.NewServer(ihristest.WithWorkforce(ihristest.Workforce{Seed: 50, Workers: workers}), ihristest.WithServerOptions(fhirtest.WithPageSize(100, 1000)))
	b.Cleanup(e.ihris.Close)
	limits := rapidprotest.WithRateLimits(0, 0)
	if rate > 0 {
		// The server enforces the same budget, over a minute's window.
		limits = rapidprotest.WithRateLimits(rate/60, time.Minute)
	}
	e.rp = rapidprotest.NewServer(limits, rapidprotest.WithSeed(50),
		rapidprotest.WithWorkspace(rapidprotest.Workspace{UUID: "0b5e7c52-64cf-4e8e-9a56-0d1d5bd4c0a1", Country: "LR"}))
	b.Cleanup(func() { e.rp.Close() })
	e.rpc, _ = rapidpro.NewClient(e.rp.URL(), e.rp.Token(), rapidpro.WithoutPacing())
	e.dsn = b.TempDir() + "/bench.db"
	e.db = storetest.Open(b, e.dsn)
	return e
}

// minimumCalls is the least a sync can make: one write per new or changed
// contact, a group action per 100 membership changes, the RapidPro
// contacts read 250 a page (the workspace's, and its deleted ones), and
// the setup (workspace, fields, group).
func minimumCalls(sum *target.Summary, contactsBefore, setup int) int {
	writes := sum.Created + sum.Updated + sum.Adopted
	groups := (sum.Added+99)/100 + (sum.Removed+99)/100
	reads := contactsBefore/250 + 1 + 1
	return writes + groups + reads + setup
}

func total(calls map[string]int) int {
	n := 0
	for _, v := range calls {
		n += v
	}
	return n
}

// BenchmarkSync syncs a registry of 50,000 health workers (see
// MHERO_BENCH_WORKERS) into an empty workspace, then again with nothing
// changed, and reports the API calls against the minimum, and the
// syncing process's peak memory. Run it with -benchtime=1x.
func BenchmarkSync(b *testing.B) {
	workers := benchWorkers()
	for b.Loop() {
		e := newBenchEnv(b, workers, 0)
		start := time.Now()
		res, rss := runChildSyncTimed(b, e, 0)
		sum := res.Summary
		wall := time.Since(start)
		// Setup: workspace, fields list, 8 fields, group lookup and create.
		setup := 1 + 1 + len(target.SyncedFields()) + 2
		minimum := minimumCalls(sum, 0, setup)
		b.ReportMetric(float64(total(sum.Calls)), "calls")
		b.ReportMetric(float64(minimum), "min-calls")
		b.ReportMetric(float64(total(sum.Calls))/float64(minimum), "calls/min")
		b.ReportMetric(float64(rss)/(1<<20), "peak-MiB")
		b.ReportMetric(float64(rss)/float64(workers), "peak-B/worker")
		b.ReportMetric(float64(res.Memory.PeakGoLive)/float64(workers), "go-live-B/worker")
		b.ReportMetric(wall.Seconds(), "first-s")
		b.Logf("first sync of %d workers: %d reachable, %d created, %d added; calls %v (minimum %d); peak RSS %.1f MiB (%s); %v",
			workers, sum.Reachable, sum.Created, sum.Added, sum.Calls, minimum, float64(rss)/(1<<20), res.Memory, wall.Round(time.Millisecond))

		start = time.Now()
		res2, rss2 := runChildSyncTimed(b, e, 0)
		noop := res2.Summary
		b.ReportMetric(float64(total(noop.Calls)), "noop-calls")
		b.ReportMetric(time.Since(start).Seconds(), "noop-s")
		b.ReportMetric(float64(rss2)/(1<<20), "noop-peak-MiB")
		b.Logf("no-op sync: calls %v, %d writes, peak RSS %.1f MiB (%s), %v", noop.Calls, noop.Created+noop.Updated+noop.Added+noop.Removed,
			float64(rss2)/(1<<20), res2.Memory, time.Since(start).Round(time.Millisecond))
	}
}

// BenchmarkSyncRateLimited syncs the registry into an empty workspace
// whose API allows 100 requests a second per scope (MHERO_BENCH_RATE per
// hour), and reports the wall time against the bound that limit sets: the
// calls of the busiest scope at the rate (bound-s, wall/bound). The
// contact writes cannot start before the iHRIS read ends (a number two
// workers share is written to neither, so every number must be known
// first): the read is reported (ihris-s), the writing after it against the
// bound (writing/bound), and the whole run against the bound plus the read
// (wall/(bound+ihris)). At RapidPro's default 3,600 an hour the read is a
// fraction of a percent of the bound; at the benchmark's 100 a second, it
// is a tenth.
func BenchmarkSyncRateLimited(b *testing.B) {
	workers, rate := benchWorkers(), benchRate()
	for b.Loop() {
		e := newBenchEnv(b, workers, rate)
		start := time.Now()
		res, _ := runChildSyncTimed(b, e, rate)
		wall := time.Since(start)
		bound := time.Duration(0)
		for _, n := range res.Summary.Calls {
			bound = max(bound, time.Duration(float64(n)/float64(rate)*float64(time.Hour)))
		}
		read := res.ReadingIHRIS
		b.ReportMetric(wall.Seconds(), "wall-s")
		b.ReportMetric(bound.Seconds(), "bound-s")
		b.ReportMetric(read.Seconds(), "ihris-s")
		b.ReportMetric(wall.Seconds()/bound.Seconds(), "wall/bound")
		b.ReportMetric(res.Writing.Seconds()/bound.Seconds(), "writing/bound")
		b.ReportMetric(wall.Seconds()/(bound+read).Seconds(), "wall/(bound+ihris)")
		b.Logf("rate-limited sync of %d workers at %d/h per scope: calls %v, wall %v (iHRIS read %v, writing %v), bound %v: wall %.3fx, writing %.3fx, wall against bound+read %.3fx",
			workers, rate, res.Summary.Calls, wall.Round(time.Millisecond), read.Round(time.Millisecond), res.Writing.Round(time.Millisecond), bound.Round(time.Millisecond),
			wall.Seconds()/bound.Seconds(), res.Writing.Seconds()/bound.Seconds(), wall.Seconds()/(bound+read).Seconds())
	}
}

var _ = fmt.Sprint
