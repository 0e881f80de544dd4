package target_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/mhero-go/mhero/target"
)

func TestTwoSyncsOfOneWorkspaceDoNotInterleave(t *testing.T) {
	onStores(t, testTwoSyncs)
}

func testTwoSyncs(t *testing.T, kind storeKind) {
	e := newEnvOn(t, 300, 8, kind)
	ctx := context.Background()
	inside := make(chan struct{})
	resume := make(chan struct{})
	var once sync.Once
	alice := e.syncer(t, target.WithHolder("alice@office pid 1"), target.WithProgress(func(p target.Progress) {
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
	db2 := openStore(t, kind, e.dsn)
	bob, err := target.New(ctx, e.reg, e.rpc, db2, target.WithHolder("bob@laptop pid 2"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = bob.Sync(ctx, everyone, false)
	var le *target.LockedError
	if !errors.As(err, &le) || !errors.Is(err, target.ErrLocked) {
		t.Fatalf("second sync: %v, want a LockedError", err)
	}
	if le.Holder != "alice@office pid 1" || le.Since.Before(started.Add(-time.Second)) || le.Since.After(time.Now()) {
		t.Errorf("lock error names %q since %v", le.Holder, le.Since)
	}
	t.Log(err)

	// Waiting instead: bob's sync runs once alice's ends.
	bobWaits, err := target.New(ctx, e.reg, e.rpc, db2, target.WithHolder("bob@laptop pid 2"), target.WithLockWait(time.Minute))
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
