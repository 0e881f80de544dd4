package target_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mhero-go/mhero/fhir"
	"github.com/mhero-go/mhero/ihris"
	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/store"
	"github.com/mhero-go/mhero/target"
)

// childSync runs one sync in a child process (the test binary again, see
// TestMain) when the environment asks for it.
func childSync() int {
	ctx := context.Background()
	fc, err := fhir.NewClient(os.Getenv("CHILD_IHRIS_URL"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	reg, _ := ihris.NewRegistry(fc, ihris.WithPageSize(500))
	rpc, err := rapidpro.NewClient(os.Getenv("CHILD_RAPIDPRO_URL"), os.Getenv("CHILD_RAPIDPRO_TOKEN"), rapidpro.WithoutPacing())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	db, err := store.Open(ctx, os.Getenv("CHILD_DB"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer db.Close()
	s, err := target.New(ctx, reg, rpc, db, target.WithLockWait(time.Minute))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if _, err := s.Sync(ctx, everyone, false); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// TestSyncKilledAnywhereEndsAsAnUninterruptedOne kills the syncing process
// (SIGKILL, in a child process) at 20 random points, each run taking up
// where the killed one left, and compares the end state with a workspace
// synced without interruption.
func TestSyncKilledAnywhereEndsAsAnUninterruptedOne(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 21 processes")
	}
	onStores(t, testKilled)
}

func testKilled(t *testing.T, kind store.Dialect) {
	// Under the race detector each child is slow to start and to sync: a
	// smaller registry still gives 20 kills at every stage.
	workers, seed := 1000, uint64(21)
	if raceEnabled {
		workers = 300
	}
	ctx := context.Background()
	ref := newEnv(t, workers, seed)
	if _, err := ref.syncer(t).Sync(ctx, everyone, false); err != nil {
		t.Fatal(err)
	}
	refRequests := ref.rp.RequestCount("", "")

	e := newEnvOn(t, workers, seed, kind)
	rng := rand.New(rand.NewPCG(seed, 7))
	killed := 0
	var points []string
	for i := 0; i < 40 && killed < 20; i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "MHERO_TARGET_CHILD=1", "CHILD_IHRIS_URL="+e.ihris.URL(),
			"CHILD_RAPIDPRO_URL="+e.rp.URL(), "CHILD_RAPIDPRO_TOKEN="+e.rp.Token(), "CHILD_DB="+e.dsn)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		start := e.rp.RequestCount("", "")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		// Half the points are a number of RapidPro requests into the run,
		// half a time after the start (which may fall while iHRIS is read).
		byCount := i%2 == 0
		after := 1 + rng.IntN(max(2, refRequests/12))
		delay := time.Duration(rng.IntN(400)) * time.Millisecond
		deadline := time.Now().Add(delay)
		var err error
	wait:
		for {
			select {
			case err = <-exited:
				break wait
			default:
			}
			if (byCount && e.rp.RequestCount("", "")-start >= after) || (!byCount && time.Now().After(deadline)) {
				_ = cmd.Process.Signal(syscall.SIGKILL)
				err = <-exited
				if ee, ok := err.(*exec.ExitError); ok && !ee.Exited() {
					killed++
					if byCount {
						points = append(points, fmt.Sprintf("request %d", e.rp.RequestCount("", "")-start))
					} else {
						points = append(points, fmt.Sprintf("%v", delay))
					}
					err = nil
				}
				break wait
			}
			time.Sleep(100 * time.Microsecond)
		}
		if err != nil && !strings.Contains(err.Error(), "signal: killed") {
			t.Fatalf("child sync failed: %v\n%s", err, stderr.String())
		}
	}
	t.Logf("killed %d times, at %s", killed, strings.Join(points, ", "))
	if killed < 20 {
		t.Errorf("killed only %d times", killed)
	}
	// The last run ends the sync, in process.
	sum, err := e.syncer(t).Sync(ctx, everyone, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("final run: resumed %d planned writes, created %d, updated %d, added %d", sum.Resumed, sum.Created, sum.Updated, sum.Added)
	if got, want := state(t, e), state(t, ref); !slices.Equal(got, want) {
		for i := range min(len(got), len(want)) {
			if got[i] != want[i] {
				t.Errorf("first difference:\n got %s\nwant %s", got[i], want[i])
				break
			}
		}
		t.Fatalf("end states differ: %d contacts, want %d", len(got), len(want))
	}
	// And a further sync finds nothing to do.
	before := e.writes()
	if _, err := e.syncer(t).Sync(ctx, everyone, false); err != nil || e.writes() != before {
		t.Errorf("sync after the resumed one: %d writes, %v", e.writes()-before, err)
	}
}

// state describes a workspace's contacts and their groups, independent of
// UUIDs and order.
func state(t testing.TB, e *env) []string {
	var out []string
	for _, c := range e.contacts(t) {
		var groups []string
		for _, g := range c.Groups {
			groups = append(groups, g.Name)
		}
		var fields []string
		for _, f := range target.SyncedFields() {
			fields = append(fields, c.Fields[f.Key].String())
		}
		out = append(out, fmt.Sprintf("%s|%s|%s|%v|%v|%v", c.Fields[target.FieldIHRISID].String(), c.Name, c.Status, c.URNs, fields, groups))
	}
	slices.Sort(out)
	return out
}
