package target_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mhero-go/mhero/store"
	"github.com/mhero-go/mhero/store/storetest"
	"github.com/mhero-go/mhero/target"
)

func TestTwoSyncsOfOneWorkspaceDoNotInterleave(t *testing.T) {
	onStores(t, testTwoSyncs)
}

func testTwoSyncs(t *testing.T, kind store.Dialect) {
	e := newEnvOn(t, 300, 8, kind)
	ctx := context.Background()
	inside := make(chan struct{})
	resume := make(chan struct{})
	var once sync.Once
	alice := e.syncer(t, target.WithHolder("alice@office"), target.WithProgress(func(p target.Progress) {
		if p.Stage == target.StageIHRIS {
			once.Do(func() {
				close(inside)
				<-resume
			})
		}
	}))
	started := time.Now()
	done := make(chan error, 1)
	go func() {
		_, err := alice.Sync(ctx, everyone, false)
		done <- err
	}()
	<-inside

	// A second process (its own connection pool) sharing the database.
	db2 := storetest.Open(t, e.dsn)
	bob, err := target.New(ctx, e.reg, e.rpc, db2, target.WithHolder("bob@laptop"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = bob.Sync(ctx, everyone, false)
	var le *store.LockedError
	if !errors.As(err, &le) || !errors.Is(err, store.ErrLocked) {
		t.Fatalf("second sync: %v, want a LockedError", err)
	}
	if le.Holder != "alice@office" || le.PID != os.Getpid() || le.Since.Before(started.Add(-time.Second)) || le.Since.After(time.Now()) {
		t.Errorf("lock error names %q (pid %d) since %v", le.Holder, le.PID, le.Since)
	}
	if msg := err.Error(); !strings.Contains(msg, "alice@office") || !strings.Contains(msg, le.Since.Format("15:04:05")) {
		t.Errorf("lock error %q does not name the holder and the start time", msg)
	}
	t.Log(err)

	// Waiting instead: bob's sync runs once alice's ends.
	bobWaits, err := target.New(ctx, e.reg, e.rpc, db2, target.WithHolder("bob@laptop"), target.WithLockWait(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() {
		_, err := bobWaits.Sync(ctx, everyone, false)
		waited <- err
	}()
	select {
	case err := <-waited:
		t.Fatalf("bob's sync ended while alice's held the lock: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	close(resume)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := <-waited; err != nil {
		t.Fatal(err)
	}
}
