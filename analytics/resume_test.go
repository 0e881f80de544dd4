package analytics

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/rapidpro/rapidprotest"
	"github.com/mhero-go/mhero/sandbox"
	"github.com/mhero-go/mhero/store"
	"github.com/mhero-go/mhero/store/storetest"
)

// digest sums up everything the store holds for a flow, as the analyses
// and listings give it: two stores with the same digest hold the same
// runs, answers, workers, sends and deliveries.
func digest(t testing.TB, m *Monitor, flowUUID string) string {
	t.Helper()
	ctx := context.Background()
	a, err := m.Analyze(ctx, flowUUID, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	a.AsOf, a.Flow.RefreshedOn, a.Flow.TrackedOn = time.Time{}, time.Time{}, time.Time{}
	h := sha256.New()
	enc := json.NewEncoder(h)
	enc.Encode(a)
	n := 0
	for r, err := range m.Runs(ctx, flowUUID, Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		enc.Encode(r)
		n++
	}
	for nr, err := range m.NonResponders(ctx, flowUUID, Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		enc.Encode(nr)
	}
	return fmt.Sprintf("%d runs, %s", n, hex.EncodeToString(h.Sum(nil))[:16])
}

// reference refreshes a fresh store in one go, and returns its digest.
func reference(t *testing.T, wd *world) string {
	t.Helper()
	db := storetest.Open(t, storetest.DSN(t, store.SQLite))
	m := wd.monitor(t, db)
	if _, err := m.Refresh(context.Background(), wd.rp); err != nil {
		t.Fatal(err)
	}
	return digest(t, m, wd.flow.UUID)
}

// smallBatches makes a Monitor commit every few runs, so that an
// interruption can fall between many commits.
func smallBatches(c *config) error {
	c.batch = 13
	return nil
}

// sharedWorld is resumeWorld made once for the tests that only read it.
var sharedWorld struct {
	once sync.Once
	wd   *world
	want string
	reqs int // the GET requests of an uninterrupted refresh
}

// sharedResumeWorld returns the shared world, the digest of a refresh of
// it, and the requests that refresh made.
func sharedResumeWorld(t *testing.T) (*world, string, int) {
	sharedWorld.once.Do(func() {
		// The world outlives the test that makes it: TestMain closes it.
		wd := newWorld(nopCleanup{t}, worldConfig{districts: 3, perDistrict: 40, seed: 3,
			mix: sandbox.Mix{sandbox.Responsive: 0.5, sandbox.OutOfCoverage: 0.2, sandbox.Silent: 0.1, sandbox.DropsOut: 0.1, sandbox.Confused: 0.1}})
		wd.send(t, 4*24*time.Hour)
		before := wd.sb.RapidPro.RequestCount("GET", "")
		sharedWorld.want = reference(t, wd)
		sharedWorld.reqs = wd.sb.RapidPro.RequestCount("GET", "") - before
		sharedWorld.wd = wd
	})
	if sharedWorld.wd == nil {
		t.Fatal("the shared world could not be made")
	}
	return sharedWorld.wd, sharedWorld.want, sharedWorld.reqs
}

// nopCleanup is a testing.TB whose cleanups are left to TestMain.
type nopCleanup struct{ *testing.T }

func (nopCleanup) Cleanup(func()) {}

func resumeWorld(t *testing.T) *world {
	wd := newWorld(t, worldConfig{districts: 3, perDistrict: 40, seed: 3,
		mix: sandbox.Mix{sandbox.Responsive: 0.5, sandbox.OutOfCoverage: 0.2, sandbox.Silent: 0.1, sandbox.DropsOut: 0.1, sandbox.Confused: 0.1}})
	wd.send(t, 4*24*time.Hour)
	return wd
}

func TestRefreshCancelledResumes(t *testing.T) {
	t.Parallel()
	wd, want, _ := sharedResumeWorld(t)
	eachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		// Cancel after each of the first stages' batches in turn: every
		// refresh but the last is cut short.
		for cut := 1; ; cut++ {
			cctx, cancel := context.WithCancel(ctx)
			seen := 0
			m := wd.monitor(t, db, smallBatches, WithProgress(func(p Progress) {
				if p.Stage != StageDone {
					if seen++; seen == cut {
						cancel()
					}
				}
			}))
			_, err := m.Refresh(cctx, wd.rp)
			cancel()
			if err == nil {
				if cut == 1 {
					t.Fatal("no refresh was cut short")
				}
				if got := digest(t, m, wd.flow.UUID); got != want {
					t.Fatalf("after %d cut refreshes: %s, want %s", cut-1, got, want)
				}
				return
			}
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("refresh %d: %v", cut, err)
			}
		}
	})
}

func TestRefreshSurvivesFaults(t *testing.T) {
	t.Parallel()
	wd := resumeWorld(t)
	want := reference(t, wd)
	eachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m := wd.monitor(t, db, smallBatches)
		// A client that gives up sooner than the default, so that the test
		// does not wait out its backoff.
		rp, err := rapidpro.NewClient(wd.sb.RapidPro.URL(), wd.sb.RapidPro.Token(), rapidpro.WithoutPacing(),
			rapidpro.WithWorkspace(wd.sb.RapidPro.WorkspaceUUID()), rapidpro.WithRetry(2, time.Millisecond, 10*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		// Each endpoint in turn fails for good after a few requests (the
		// client's retries give up) or sends a response cut in half, and
		// the refresh fails; each time, the next refresh goes on from
		// where it stopped.
		faults := []rapidprotest.Fault{
			{Kind: rapidprotest.FaultStatus, Endpoint: "runs", Status: 500},
			{Kind: rapidprotest.FaultTruncate, Endpoint: "runs"},
			{Kind: rapidprotest.FaultStatus, Endpoint: "messages", Skip: 1, Status: 503},
			{Kind: rapidprotest.FaultTruncate, Endpoint: "messages"},
			{Kind: rapidprotest.FaultStatus, Endpoint: "flow_starts", Status: 502},
		}
		failed := 0
		for _, f := range faults {
			remove := wd.sb.RapidPro.InjectFault(f)
			_, err := m.Refresh(ctx, rp)
			remove()
			if err != nil {
				failed++
				t.Logf("%s fault on %s: %v", f.Kind, f.Endpoint, err)
			}
		}
		if failed != len(faults) {
			t.Fatalf("%d of %d faults made a refresh fail", failed, len(faults))
		}
		if _, err := m.Refresh(ctx, wd.rp); err != nil {
			t.Fatal(err)
		}
		if got := digest(t, m, wd.flow.UUID); got != want {
			t.Fatalf("after faults: %s, want %s", got, want)
		}
	})
}

// The child process of TestRefreshKilled: it refreshes the store its
// parent names until it is killed.
func TestRefreshChild(t *testing.T) {
	if os.Getenv("MHERO_ANALYTICS_CHILD") == "" {
		t.Skip("run by TestRefreshKilled as a child process")
	}
	var args struct {
		URL, Token, Workspace, DSN string
		Directory                  map[string][]Worker
	}
	if err := json.Unmarshal([]byte(os.Getenv("MHERO_ANALYTICS_CHILD")), &args); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, args.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m, err := New(ctx, db, args.Workspace, WithDirectory(&mapDirectory{workers: args.Directory}), smallBatches)
	if err != nil {
		t.Fatal(err)
	}
	rp, err := rapidpro.NewClient(args.URL, args.Token, rapidpro.WithoutPacing(), rapidpro.WithWorkspace(args.Workspace))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Refresh(ctx, rp); err != nil {
		t.Fatal(err)
	}
}

func TestRefreshKilled(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("kills child processes: not in -short")
	}
	wd, want, total := sharedResumeWorld(t)

	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := storetest.Open(t, dsn)
		m := wd.monitor(t, db) // tracks the flow
		args, _ := json.Marshal(map[string]any{"URL": wd.sb.RapidPro.URL(), "Token": wd.sb.RapidPro.Token(),
			"Workspace": wd.sb.RapidPro.WorkspaceUUID(), "DSN": dsn, "Directory": wd.dir.workers})
		rng := rand.New(rand.NewPCG(uint64(len(dsn)), 9))
		kills := 0
		for range 6 {
			// Kill the child once the server has answered a random number
			// of its requests.
			at := 1 + rng.IntN(total)
			start := wd.sb.RapidPro.RequestCount("GET", "")
			cmd := exec.Command(os.Args[0], "-test.run=^TestRefreshChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), "MHERO_ANALYTICS_CHILD="+string(args))
			out := &outputBuffer{}
			cmd.Stdout, cmd.Stderr = out, out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			killed := false
		wait:
			for {
				select {
				case err := <-done:
					if err != nil {
						t.Fatalf("child: %v\n%s", err, out.String())
					}
					break wait
				case <-time.After(time.Millisecond):
					if wd.sb.RapidPro.RequestCount("GET", "")-start >= at {
						cmd.Process.Kill()
						<-done
						killed = true
						break wait
					}
				}
			}
			if killed {
				kills++
			}
		}
		if kills == 0 {
			t.Fatal("no child was killed")
		}
		// A store lock held by a killed process is taken over at once on
		// this machine.
		if _, err := m.Refresh(ctx, wd.rp); err != nil {
			t.Fatal(err)
		}
		if got := digest(t, m, wd.flow.UUID); got != want {
			t.Fatalf("after %d killed refreshes: %s, want %s", kills, got, want)
		}
		t.Logf("%d children killed of 6", kills)
	})
}

func TestRefreshCostsOnlyWhatChanged(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		wd := resumeWorld(t) // each its own: the test sends again
		m := wd.monitor(t, db, WithMessageSettle(0))
		first, err := m.Refresh(ctx, wd.rp)
		if err != nil {
			t.Fatal(err)
		}
		if first.Flows[0].Runs != 120 || first.Flows[0].NewRuns != 120 {
			t.Fatalf("first refresh: %+v", first.Flows[0])
		}
		// Nothing changed: one request per endpoint, nothing fetched.
		second, err := m.Refresh(ctx, wd.rp)
		if err != nil {
			t.Fatal(err)
		}
		if second.Flows[0].Runs != 0 || second.Starts != 0 {
			t.Errorf("a refresh with nothing new fetched %d runs, %d starts", second.Flows[0].Runs, second.Starts)
		}
		for scope, n := range second.Calls {
			if n != 1 {
				t.Errorf("a refresh with nothing new made %d %s requests, want 1", n, scope)
			}
		}
		if second.Flows[0].After != first.Flows[0].After || second.Flows[0].Before != first.Flows[0].After {
			t.Errorf("counts moved without news: %+v", second.Flows[0])
		}
		// Ten workers are sent the flow again: ten runs to fetch (the
		// ten interrupted are the same ones).
		var contacts []string
		for _, hw := range wd.workers[:10] {
			contacts = append(contacts, hw.contact)
		}
		if _, err := wd.rp.FlowStarts.Create(ctx, &rapidpro.FlowStartRequest{Flow: wd.flow.UUID, Contacts: contacts}); err != nil {
			t.Fatal(err)
		}
		if _, err := wd.sb.Settle(ctx, 4*24*time.Hour); err != nil {
			t.Fatal(err)
		}
		third, err := m.Refresh(ctx, wd.rp)
		if err != nil {
			t.Fatal(err)
		}
		if got := third.Flows[0]; got.NewRuns != 10 || got.Runs != 10 || third.Starts != 1 {
			t.Errorf("after a send to 10: %d runs fetched, %d new, %d starts; want 10, 10, 1", got.Runs, got.NewRuns, third.Starts)
		}
		if third.Calls["runs"] != 1 {
			t.Errorf("%d runs requests for 10 runs", third.Calls["runs"])
		}
		if got := third.Flows[0].After.Contacted; got != 130 {
			t.Errorf("contacted %d after the second send, want 130", got)
		}
		sends, _ := m.Analyze(ctx, wd.flow.UUID, Filter{})
		if b, _ := sends.Breakdown(BySend); len(b.Groups) != 2 || b.Groups[1].Contacted != 10 {
			t.Errorf("sends: %+v", b.Groups)
		}
	})
}

// outputBuffer collects a child's output (exec.Cmd writes to one writer
// given as both Stdout and Stderr from one goroutine at a time).
type outputBuffer struct {
	b []byte
}

func (l *outputBuffer) Write(p []byte) (int, error) { l.b = append(l.b, p...); return len(p), nil }
func (l *outputBuffer) String() string              { return string(l.b) }
