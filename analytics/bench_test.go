package analytics

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/store"
	"github.com/mhero-go/mhero/store/storetest"
	"github.com/mhero-go/mhero/workflow"
	"github.com/mhero-go/mhero/workflow/flow"
)

// The benchmarks ingest and analyse synthetic runs of the test workflow,
// shaped like a national survey: 50,000 health workers in 90 districts
// and 12 cadres, sent the workflow 20 times, each run as RapidPro lists
// it (path, values, exit). By default they run at 10,000 and 100,000 runs;
// MHERO_BENCH_RUNS=10000,1000000 chooses the sizes. PostgreSQL variants
// run when MHERO_TEST_POSTGRES is set.
//
//	MHERO_BENCH_RUNS=10000,1000000 go test -run '^$' -bench . -benchtime 1x ./analytics
//
// On a shared machine the wall times follow its load; the CPU times (of
// this process, and of a local PostgreSQL server's processes) much less,
// so runs/cpu-s is about what the machine gives when idle. On the team's
// 2-core machine (load average 4 to 10), at 1,000,000 runs:
//
//	                      SQLite        PostgreSQL (client + server)
//	ingest, runs/s        21,900        26,900
//	ingest, CPU µs/run    26            14 + 15
//	analysis, s           15 (7.3 *)    9.7
//	analysis, CPU s       7.6           4.9 + 3.2
//	analysis, peak MiB    142           81 (client)
//
// (* at load 4.8.) The goals: 20,000 runs/s, all the analysis in 10 s and
// 256 MiB. The peak is flat from 100,000 runs on (at 10,000: 48 MiB on
// SQLite, 37 on PostgreSQL): it follows the workers stored, all 50,000 from
// 50,000 runs on, and SQLite's page cache, not the runs.

func benchSizes() []int {
	sizes := []int{10_000, 100_000}
	if s := os.Getenv("MHERO_BENCH_RUNS"); s != "" {
		sizes = sizes[:0]
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err == nil && n > 0 {
				sizes = append(sizes, n)
			}
		}
	}
	return sizes
}

func benchDialects() []store.Dialect {
	if os.Getenv(storetest.EnvPostgres) != "" {
		return []store.Dialect{store.SQLite, store.Postgres}
	}
	return []store.Dialect{store.SQLite}
}

const (
	benchWorkers   = 50_000
	benchDistricts = 90
	benchPerSend   = 50_000
)

// runGen makes synthetic runs of a compiled flow.
type runGen struct {
	f         *flow.Flow
	workspace string
	questions []flow.Result
	others    []string // nodes that save no result (messages)
	contacts  []string
	base      time.Time
}

func newRunGen(t testing.TB) *runGen {
	w, err := workflow.Parse("survey.yaml", []byte(surveyYAML))
	if err != nil {
		t.Fatal(err)
	}
	exp, err := workflow.Compile(w)
	if err != nil {
		t.Fatal(err)
	}
	g := &runGen{f: &exp.Flows[0], workspace: "bench-workspace", base: time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)}
	g.questions = g.f.Results()
	saving := map[string]bool{}
	for _, r := range g.questions {
		for _, n := range r.NodeUUIDs {
			saving[n] = true
		}
	}
	for _, n := range g.f.Nodes {
		if !saving[n.UUID] {
			g.others = append(g.others, n.UUID)
		}
	}
	for i := range benchWorkers {
		g.contacts = append(g.contacts, fmt.Sprintf("c0ffee00-%04x-4000-8000-%012x", i>>16, i))
	}
	return g
}

// worker returns the directory entry of contact i.
func (g *runGen) worker(i int) Worker {
	d := i % benchDistricts
	return Worker{ID: fmt.Sprintf("P%07d", i), Name: fmt.Sprintf("Worker %d", i), Gender: []string{"female", "male"}[i%2],
		FacilityID: fmt.Sprintf("F%03d-%d", d, i%9), Facility: fmt.Sprintf("Facility %d-%d", d, i%9),
		DistrictID: fmt.Sprintf("D%02d", d), District: fmt.Sprintf("District %d", d),
		RegionID: fmt.Sprintf("R%02d", d/6), Region: fmt.Sprintf("Region %d", d/6),
		Cadre: fmt.Sprintf("cadre%02d", i%12), CadreName: fmt.Sprintf("Cadre %d", i%12)}
}

func (g *runGen) directory() Directory {
	d := &mapDirectory{workers: map[string][]Worker{}}
	for i, c := range g.contacts {
		d.workers[c] = []Worker{g.worker(i)}
	}
	return d
}

// run returns synthetic run i: its send is i / 50,000, its contact i mod
// 50,000, and it behaves as a mix of workers would: most answer all four
// questions, some not at all, some stop, some reply badly.
func (g *runGen) run(i int) rapidpro.Run {
	r := rand.New(rand.NewPCG(uint64(i), 42))
	send := i / benchPerSend
	created := g.base.Add(time.Duration(send)*7*24*time.Hour + time.Duration(i%benchPerSend)*time.Second)
	run := rapidpro.Run{
		UUID:      fmt.Sprintf("5eed0000-%04x-4000-8000-%012x", i>>16, i),
		Flow:      rapidpro.Ref{UUID: g.f.UUID, Name: g.f.Name},
		Contact:   rapidpro.RunContact{UUID: g.contacts[i%benchWorkers], Name: "Worker", URN: fmt.Sprintf("tel:+2317%08d", i%benchWorkers)},
		Start:     &rapidpro.StartRef{UUID: fmt.Sprintf("57a47000-0000-4000-8000-%012x", send)},
		CreatedOn: rapidpro.Time{Time: created},
		Values:    map[string]rapidpro.RunValue{},
	}
	x := r.Float64()
	answers := len(g.questions)
	switch {
	case x < 0.30: // out of coverage or silent: every question times out
		answers = 0
	case x < 0.35: // stops after one or two
		answers = 1 + r.IntN(2)
	}
	t := created
	step := func(node string) {
		run.Path = append(run.Path, rapidpro.RunStep{Node: node, Time: rapidpro.Time{Time: t}})
	}
	step(g.others[0])
	for q, res := range g.questions {
		step(g.others[(q+1)%len(g.others)])
		step(res.NodeUUIDs[0])
		cat := res.Categories[len(res.Categories)-1] // No Response
		value := t.Add(12 * time.Hour).Format(time.RFC3339)
		if q < answers {
			if r.IntN(10) == 0 { // a reply that did not fit, then a good one
				t = t.Add(time.Duration(1+r.IntN(30)) * time.Minute)
				step(g.others[(q+2)%len(g.others)])
				step(res.NodeUUIDs[1%len(res.NodeUUIDs)])
			}
			t = t.Add(time.Duration(1+r.IntN(120)) * time.Minute)
			fitting := len(res.Categories) - 2
			cat = res.Categories[r.IntN(max(1, fitting))]
			value = strconv.Itoa(r.IntN(40))
			run.Responded = true
		} else {
			t = t.Add(12 * time.Hour)
		}
		run.Values[res.Key] = rapidpro.RunValue{Name: res.Name, Value: value, Category: cat, Node: res.NodeUUIDs[0], Time: rapidpro.Time{Time: t}}
	}
	run.ExitType, run.ExitedOn, run.ModifiedOn = "completed", rapidpro.Time{Time: t}, rapidpro.Time{Time: t}
	return run
}

// ingest writes runs [from, to) as a refresh does: batches of the
// Monitor's size, workers looked up through a per-refresh cache, each
// batch in one transaction with its checkpoint.
func (g *runGen) ingest(b *testing.B, m *Monitor, from, to int, timer bool) (cpu time.Duration) {
	ctx := context.Background()
	cache := newWorkerCache(m.cfg.dir)
	batch := make([]rapidpro.Run, 0, m.cfg.batch)
	var cp rapidpro.Checkpoint
	for lo := from; lo < to; lo += m.cfg.batch {
		if timer {
			b.StopTimer()
		}
		batch = batch[:0]
		for i := lo; i < min(to, lo+m.cfg.batch); i++ {
			batch = append(batch, g.run(i))
		}
		if timer {
			b.StartTimer()
		}
		c0 := cpuTime()
		workers := make([]*known, len(batch))
		for i := range batch {
			var err error
			if workers[i], err = cache.at(ctx, batch[i].Contact.UUID, batch[i].CreatedOn.Time); err != nil {
				b.Fatal(err)
			}
			cp.Observe(batch[i].ModifiedOn.Time, batch[i].UUID)
		}
		var res batchResult
		err := m.db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			if res, err = m.writeRuns(ctx, tx, g.f.UUID, batch, workers, cache.ids); err != nil {
				return err
			}
			return saveCursor(ctx, tx, runsCursor(m.workspace, g.f.UUID), cp)
		})
		if err != nil {
			b.Fatal(err)
		}
		maps.Copy(cache.ids, res.addedWorkers)
		cpu += cpuTime() - c0
	}
	return cpu
}

func (g *runGen) monitor(b *testing.B, dsn string) *Monitor {
	db := storetest.Open(b, dsn)
	m, err := New(context.Background(), db, g.workspace, WithDirectory(g.directory()))
	if err != nil {
		b.Fatal(err)
	}
	if err := m.Track(context.Background(), g.f); err != nil {
		b.Fatal(err)
	}
	return m
}

func loadAvg() string {
	s, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(s))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// BenchmarkIngest measures the store's side of a refresh: runs as the
// API lists them turned into rows, in runs per second.
func BenchmarkIngest(b *testing.B) {
	g := newRunGen(b)
	for _, d := range benchDialects() {
		for _, n := range benchSizes() {
			b.Run(fmt.Sprintf("%s/runs=%d", d, n), func(b *testing.B) {
				b.Logf("load average before: %s", loadAvg())
				var cpu, server time.Duration
				for range b.N {
					b.StopTimer()
					m := g.monitor(b, storetest.DSN(b, d))
					pm := postmaster(context.Background(), m.db)
					s0 := serverCPU(pm)
					b.StartTimer()
					cpu += g.ingest(b, m, 0, n, true)
					server += serverCPU(pm) - s0
				}
				runs := float64(n * b.N)
				b.ReportMetric(runs/b.Elapsed().Seconds(), "runs/s")
				b.ReportMetric(runs/(cpu+server).Seconds(), "runs/cpu-s")
				b.ReportMetric(float64(cpu.Microseconds())/runs, "cpu-µs/run")
				if d == store.Postgres {
					b.ReportMetric(float64(server.Microseconds())/runs, "server-cpu-µs/run")
				}
				b.Logf("load average after: %s", loadAvg())
			})
		}
	}
}

// BenchmarkAnalyze measures all the analytics of one workflow: Analyze
// (counts, every breakdown, questions, funnel, trends, flags,
// cross-tabulations) and the whole list of non-responders. They run in a
// child process that opens the database, so that its peak memory (the
// kernel's high-water mark of its resident memory, SQLite's page cache
// included) is the analysis's own.
func BenchmarkAnalyze(b *testing.B) {
	g := newRunGen(b)
	for _, d := range benchDialects() {
		for _, n := range benchSizes() {
			b.Run(fmt.Sprintf("%s/runs=%d", d, n), func(b *testing.B) {
				dsn, kept := benchDSN(b, d, n)
				pm := 0 // PostgreSQL's postmaster, to count the server's CPU time
				if !kept {
					m := g.monitor(b, dsn)
					g.ingest(b, m, 0, n, false)
					// Delivery as linking the messages would record it: three
					// messages a run, all failed for one run in five.
					if _, err := m.db.Exec(context.Background(), `UPDATE analytics_run SET out_msgs = 3, out_failed = CASE WHEN id % 5 = 0 THEN 3 ELSE 0 END`); err != nil {
						b.Fatal(err)
					}
					// As a refresh ends.
					if _, err := m.recordCounts(context.Background(), g.f.UUID, time.Now()); err != nil {
						b.Fatal(err)
					}
					if d == store.Postgres {
						// What autovacuum does within a minute of such an
						// ingest (and of the update, which left a dead
						// version of every run): done now, so that it
						// does not run, and count, during the analysis.
						if _, err := m.db.Exec(context.Background(), `VACUUM (ANALYZE) analytics_run, analytics_run_detail, analytics_worker`); err != nil {
							b.Fatal(err)
						}
					}
					pm = postmaster(context.Background(), m.db)
					m.db.Close()
				} else {
					// A kept database from before the counts were recorded.
					m := g.monitor(b, dsn)
					var counts string
					m.db.QueryRow(context.Background(), `SELECT counts FROM analytics_flow`).Scan(&counts)
					if counts == "{}" {
						if _, err := m.recordCounts(context.Background(), g.f.UUID, time.Now()); err != nil {
							b.Fatal(err)
						}
					}
					pm = postmaster(context.Background(), m.db)
					m.db.Close()
				}
				b.Logf("load average before: %s", loadAvg())
				var res analyzeResult
				var cpu, server, took time.Duration
				b.ResetTimer()
				for range b.N {
					s0 := serverCPU(pm)
					res = analyzeChild(b, dsn, g.workspace, g.f.UUID)
					server += serverCPU(pm) - s0
					cpu += res.CPU
					took += res.Took
				}
				b.StopTimer()
				if res.Contacted != n {
					b.Fatalf("%d runs analysed, want %d", res.Contacted, n)
				}
				b.ReportMetric(took.Seconds()/float64(b.N), "s/analysis")
				b.ReportMetric((cpu+server).Seconds()/float64(b.N), "cpu-s/analysis")
				if d == store.Postgres {
					b.ReportMetric(server.Seconds()/float64(b.N), "server-cpu-s/analysis")
				}
				b.ReportMetric(float64(res.PeakRSS)/(1<<20), "peak-rss-MiB")
				b.ReportMetric(float64(res.PeakHeap)/(1<<20), "peak-heap-MiB")
				b.Logf("%d runs, %d non-responders listed; load average after: %s", n, res.Listed, loadAvg())
			})
		}
	}
}

// benchDSN returns the database BenchmarkAnalyze analyses n runs in, and
// whether it holds them already. MHERO_BENCH_KEEP=dir keeps the databases
// and reuses them, to measure the analysis again without the ingest: the
// SQLite ones in dir, the PostgreSQL ones in schemas bench_analyze_N (drop
// them when done).
func benchDSN(b *testing.B, d store.Dialect, n int) (dsn string, kept bool) {
	keep := os.Getenv("MHERO_BENCH_KEEP")
	if keep == "" {
		return storetest.DSN(b, d), false
	}
	if d == store.SQLite {
		dsn = filepath.Join(keep, fmt.Sprintf("analyze-%d.db", n))
		_, err := os.Stat(dsn)
		return dsn, err == nil
	}
	ctx := context.Background()
	base := os.Getenv(storetest.EnvPostgres)
	db, err := store.Open(ctx, base)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	schema := fmt.Sprintf("bench_analyze_%d", n)
	if _, err := db.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+schema); err != nil {
		b.Fatal(err)
	}
	var tables int
	if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'analytics_run'`, schema).Scan(&tables); err != nil {
		b.Fatal(err)
	}
	u, err := url.Parse(base)
	if err != nil {
		b.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), tables > 0
}

// analyzeResult is what the child of BenchmarkAnalyze measured.
type analyzeResult struct {
	Contacted, Listed int
	Took, CPU         time.Duration
	PeakRSS, PeakHeap uint64
}

func analyzeChild(b *testing.B, dsn, workspace, flowUUID string) analyzeResult {
	b.Helper()
	args, _ := json.Marshal(map[string]string{"DSN": dsn, "Workspace": workspace, "Flow": flowUUID})
	cmd := exec.Command(os.Args[0], "-test.run=^TestAnalyzeChild$", "-test.count=1", "-test.v")
	if prof := os.Getenv("MHERO_BENCH_CHILD_CPUPROFILE"); prof != "" {
		cmd.Args = append(cmd.Args, "-test.cpuprofile="+prof)
	}
	cmd.Env = append(os.Environ(), "MHERO_ANALYTICS_ANALYZE="+string(args))
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("child: %v\n%s", err, out)
	}
	_, js, ok := strings.Cut(string(out), "RESULT ")
	if !ok {
		b.Fatalf("child said:\n%s", out)
	}
	js, _, _ = strings.Cut(js, "\n")
	var res analyzeResult
	if err := json.Unmarshal([]byte(js), &res); err != nil {
		b.Fatal(err)
	}
	return res
}

// TestAnalyzeChild is BenchmarkAnalyze's child process.
func TestAnalyzeChild(t *testing.T) {
	env := os.Getenv("MHERO_ANALYTICS_ANALYZE")
	if env == "" {
		t.Skip("run by BenchmarkAnalyze as a child process")
	}
	var args struct{ DSN, Workspace, Flow string }
	if err := json.Unmarshal([]byte(env), &args); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, args.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m, err := New(ctx, db, args.Workspace)
	if err != nil {
		t.Fatal(err)
	}
	debug.FreeOSMemory()
	p := newPeak()
	t0, c0 := time.Now(), cpuTime()
	a, err := m.Analyze(ctx, args.Flow, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	res := analyzeResult{Contacted: a.Counts.Contacted}
	for _, err := range m.NonResponders(ctx, args.Flow, Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		res.Listed++
	}
	res.Took, res.CPU = time.Since(t0), cpuTime()-c0
	res.PeakHeap, res.PeakRSS = p.stop()
	js, _ := json.Marshal(res)
	fmt.Printf("RESULT %s\n", js)
}

// peak samples the heap in use while a benchmark runs, and resets then
// reads the kernel's high-water mark of the process's resident memory
// (which also counts SQLite's page cache and sorter, outside Go's heap).
type peak struct {
	stopc chan struct{}
	wg    sync.WaitGroup
	heap  atomic.Uint64
}

func newPeak() *peak {
	// Writing 5 to clear_refs resets VmHWM (Linux 4.0 and later).
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	p := &peak{stopc: make(chan struct{})}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		var ms runtime.MemStats
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > p.heap.Load() {
				p.heap.Store(ms.HeapInuse)
			}
			select {
			case <-p.stopc:
				return
			case <-tick.C:
			}
		}
	}()
	return p
}

func (p *peak) stop() (heap, rss uint64) {
	close(p.stopc)
	p.wg.Wait()
	f, err := os.Open("/proc/self/status")
	if err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
				kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
				rss = kb << 10
			}
		}
	}
	return p.heap.Load(), rss
}
