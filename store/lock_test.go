package store_test

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mhero-go/mhero/store"
	"github.com/mhero-go/mhero/store/storetest"
)

func TestTryLock(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		before := time.Now().Truncate(time.Microsecond)
		l, err := db.TryLock(ctx, "sync/ws-1", "first sync", store.LockOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if l.Name != "sync/ws-1" || l.Holder != "first sync" || l.PID != os.Getpid() || l.Since.Before(before) {
			t.Errorf("lease %+v", l.LockInfo)
		}
		if _, ok := l.Previous(); ok {
			t.Error("a fresh lock has a previous holder")
		}

		// The second fails at once, naming the first.
		_, err = db.TryLock(ctx, "sync/ws-1", "second sync", store.LockOptions{})
		var locked *store.LockedError
		if !errors.As(err, &locked) || !errors.Is(err, store.ErrLocked) {
			t.Fatalf("second TryLock: %v, want a *LockedError", err)
		}
		host, _ := os.Hostname()
		want := store.LockInfo{Name: "sync/ws-1", Holder: "first sync", Since: l.Since, Host: host, PID: os.Getpid()}
		if locked.LockInfo != want {
			t.Errorf("LockedError %+v, want %+v", locked.LockInfo, want)
		}
		for _, s := range []string{`"sync/ws-1" is locked by first sync (pid ` + strconv.Itoa(os.Getpid()), l.Since.Format("2006-01-02 15:04:05")} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("message %q lacks %q", err, s)
			}
		}

		// Other names are other locks.
		other, err := db.TryLock(ctx, "sync/ws-2", "", store.LockOptions{})
		if err != nil {
			t.Fatal(err)
		}
		other.Release(ctx)

		if err := l.Release(ctx); err != nil {
			t.Fatal(err)
		}
		select {
		case <-l.Done():
		default:
			t.Error("Done is open after Release")
		}
		if !errors.Is(l.Err(), store.ErrLeaseReleased) {
			t.Errorf("Err after Release = %v", l.Err())
		}
		if err := l.Release(ctx); err != nil {
			t.Errorf("a second Release: %v", err)
		}
		l2, err := db.TryLock(ctx, "sync/ws-1", "second sync", store.LockOptions{})
		if err != nil {
			t.Fatalf("TryLock after Release: %v", err)
		}
		if p, ok := l2.Previous(); ok {
			t.Errorf("a lock released cleanly shows a previous holder %+v", p)
		}
		// Check refuses a lease that was released.
		err = db.InTx(ctx, func(tx *store.Tx) error { return l.Check(ctx, tx) })
		if !errors.Is(err, store.ErrLeaseReleased) {
			t.Errorf("Check of a released lease: %v", err)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return l2.Check(ctx, tx) }); err != nil {
			t.Errorf("Check of a held lease: %v", err)
		}
		l2.Release(ctx)
	})
}

func TestLockWaits(t *testing.T) {
	t.Parallel()
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		ctx := t.Context()
		a, b := storetest.Open(t, dsn), storetest.Open(t, dsn)
		first, err := a.Lock(ctx, "sync/ws-1", "first", store.LockOptions{})
		if err != nil {
			t.Fatal(err)
		}
		// A Lock whose context ends first gives up, naming the holder.
		short, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err = b.Lock(short, "sync/ws-1", "second", store.LockOptions{})
		cancel()
		var locked *store.LockedError
		if !errors.As(err, &locked) || locked.Holder != "first" || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Lock with a short deadline: %v, want a *LockedError and DeadlineExceeded", err)
		}

		time.AfterFunc(300*time.Millisecond, func() { first.Release(ctx) })
		start := time.Now()
		second, err := b.Lock(ctx, "sync/ws-1", "second", store.LockOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer second.Release(ctx)
		if waited := time.Since(start); waited < 250*time.Millisecond {
			t.Errorf("the second Lock took the lock after %v, while the first held it for 300ms", waited)
		}
	})
}

// workMigrations hold the log of the children of TestLockExclusive.
var workMigrations = []store.Migration{{
	Name: "log",
	SQL:  `CREATE TABLE work_log (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, pid BIGINT NOT NULL, event TEXT NOT NULL, n INTEGER NOT NULL)`,
}}

// TestLockExclusive has two processes work under one lock, five times
// each: their work never interleaves.
func TestLockExclusive(t *testing.T) {
	t.Parallel()
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		db := storetest.Open(t, dsn)
		if err := db.Migrate(t.Context(), "work", workMigrations); err != nil {
			t.Fatal(err)
		}
		a := startChild(t, "exclusive", dsn, envLock+"=work/ws-1")
		b := startChild(t, "exclusive", dsn, envLock+"=work/ws-1")
		for _, c := range []*child{a, b} {
			if err := c.cmd.Wait(); err != nil {
				t.Fatalf("child: %v", err)
			}
		}
		rows, err := db.Query(t.Context(), `SELECT pid, event FROM work_log ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var log []string
		var holder int64
		pids := map[int64]bool{}
		for rows.Next() {
			var pid int64
			var ev string
			if err := rows.Scan(&pid, &ev); err != nil {
				t.Fatal(err)
			}
			log = append(log, strconv.FormatInt(pid, 10)+" "+ev)
			pids[pid] = true
			switch {
			case ev == "start" && holder == 0:
				holder = pid
			case ev == "end" && holder == pid:
				holder = 0
			default:
				t.Fatalf("work interleaved:\n%s", strings.Join(log, "\n"))
			}
		}
		if len(log) != 20 || len(pids) != 2 {
			t.Errorf("log of %d events from %d processes, want 20 from 2", len(log), len(pids))
		}
	})
}

// TestLockKilledHolder kills (SIGKILL) a process holding a lock: the next
// Lock takes it over and learns who held it. On SQLite the dead holder is
// recognised at once on its own machine; on PostgreSQL the server ends its
// session, and so its lock.
func TestLockKilledHolder(t *testing.T) {
	t.Parallel()
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		ctx := t.Context()
		db := storetest.Open(t, dsn)
		c := startChild(t, "hold", dsn, envLock+"=sync/ws-1", envTTL+"=1m")
		since := c.expect(t, "locked")[1]
		pid := c.cmd.Process.Pid

		_, err := db.TryLock(ctx, "sync/ws-1", "parent", store.LockOptions{})
		var locked *store.LockedError
		if !errors.As(err, &locked) {
			t.Fatalf("TryLock while the child holds the lock: %v", err)
		}
		if locked.Holder != "child "+strconv.Itoa(pid) || locked.PID != pid || strconv.FormatInt(locked.Since.UnixMicro(), 10) != since {
			t.Errorf("LockedError %+v, want the child's (pid %d, since %s)", locked.LockInfo, pid, since)
		}

		c.kill()
		start := time.Now()
		l, err := db.Lock(ctx, "sync/ws-1", "parent", store.LockOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer l.Release(ctx)
		if waited := time.Since(start); waited > 30*time.Second {
			t.Errorf("the lock of a killed holder was taken over after %v, not well before its TTL of 1m", waited)
		}
		prev, ok := l.Previous()
		if !ok || prev.Holder != locked.Holder || prev.PID != pid || !prev.Since.Equal(locked.Since) {
			t.Errorf("Previous() = %+v, %v; want the killed child", prev, ok)
		}
	})
}

// TestLockExpires kills a holder that passes for a process of another
// machine: its lease is taken over once its TTL has passed, not before.
func TestLockExpires(t *testing.T) {
	t.Parallel()
	dsn := storetest.DSN(t, store.SQLite)
	ctx := t.Context()
	db := storetest.Open(t, dsn)
	const ttl = 1500 * time.Millisecond
	c := startChild(t, "hold", dsn, envLock+"=sync/ws-1", envTTL+"="+ttl.String(), envMachine+"=elsewhere")
	c.expect(t, "locked")
	c.kill()
	killed := time.Now()
	if _, err := db.TryLock(ctx, "sync/ws-1", "parent", store.LockOptions{}); !errors.Is(err, store.ErrLocked) {
		t.Fatalf("TryLock just after the kill: %v, want ErrLocked until the lease expires", err)
	}
	l, err := db.Lock(ctx, "sync/ws-1", "parent", store.LockOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release(ctx)
	if waited := time.Since(killed); waited > ttl+10*time.Second {
		t.Errorf("taken over %v after the kill, TTL %v", waited, ttl)
	}
	if prev, ok := l.Previous(); !ok || prev.PID != c.cmd.Process.Pid {
		t.Errorf("Previous() = %+v, %v; want the killed child", prev, ok)
	}
}

// TestLeaseFencing pauses (SIGSTOP) a holder past its TTL. On SQLite the
// lease is taken over, and the paused holder, resumed, can no longer
// commit under it: Check fails. On PostgreSQL its session still holds the
// lock, and nobody takes it over.
func TestLeaseFencing(t *testing.T) {
	t.Parallel()
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		ctx := t.Context()
		db := storetest.Open(t, dsn)
		const ttl = time.Second
		c := startChild(t, "hold", dsn, envLock+"=sync/ws-1", envTTL+"="+ttl.String())
		c.expect(t, "locked")
		pid := c.cmd.Process.Pid
		if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		time.Sleep(ttl + 500*time.Millisecond)

		if strings.Contains(dsn, "postgres") {
			_, err := db.TryLock(ctx, "sync/ws-1", "parent", store.LockOptions{TTL: ttl})
			syscall.Kill(pid, syscall.SIGCONT)
			if !errors.Is(err, store.ErrLocked) {
				t.Fatalf("TryLock while a paused holder's session lives: %v, want ErrLocked", err)
			}
			return
		}
		short, cancel := context.WithTimeout(ctx, 20*time.Second)
		l, err := db.Lock(short, "sync/ws-1", "parent", store.LockOptions{TTL: ttl})
		cancel()
		// SQLite: the paused process is alive, so the lease was taken over
		// only because it expired.
		if err != nil {
			syscall.Kill(pid, syscall.SIGCONT)
			t.Fatalf("Lock of an expired lease: %v", err)
		}
		defer l.Release(ctx)
		syscall.Kill(pid, syscall.SIGCONT)
		c.stdin.Write([]byte("check\n"))
		if got := c.line(t); got != "check "+store.ErrLeaseLost.Error()+" lost=true" {
			t.Errorf("the resumed holder's Check: %q, want ErrLeaseLost", got)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return l.Check(ctx, tx) }); err != nil {
			t.Errorf("the new holder's Check: %v", err)
		}
	})
}

// TestLeaseLostWithConnection ends the PostgreSQL session holding a lock:
// the lease sees it, and the lock is free.
func TestLeaseLostWithConnection(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, storetest.DSN(t, store.Postgres))
	ctx := t.Context()
	l, err := db.Lock(ctx, "sync/ws-1", "doomed", store.LockOptions{TTL: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var ended bool
	err = db.QueryRow(ctx, `
SELECT pg_terminate_backend(l.pid) FROM pg_locks l,
	(SELECT hashtextextended('mhero.store.lock.' || current_schema() || '.' || $1, 0) AS k) key
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
	AND l.classid = ((key.k >> 32) & 4294967295)::oid AND l.objid = (key.k & 4294967295)::oid`, "sync/ws-1").Scan(&ended)
	if err != nil || !ended {
		t.Fatalf("terminating the lock's session: %v, %v", ended, err)
	}
	select {
	case <-l.Done():
	case <-time.After(20 * time.Second):
		t.Fatal("the lease did not notice its session ended")
	}
	if !errors.Is(l.Err(), store.ErrLeaseLost) || !errors.Is(l.Release(ctx), store.ErrLeaseLost) {
		t.Errorf("Err = %v, want ErrLeaseLost", l.Err())
	}
	l2, err := db.TryLock(ctx, "sync/ws-1", "next", store.LockOptions{})
	if err != nil {
		t.Fatal(err)
	}
	l2.Release(ctx)
}

// TestLockFreeWhenReleaseReturns takes a lock from another handle the
// moment Release returns, many times, with a TTL short enough that
// Release often meets a renewal under way. (Release used to cancel that
// renewal, which on PostgreSQL closed the session holding the lock: the
// server freed it only some time after Release had returned.)
func TestLockFreeWhenReleaseReturns(t *testing.T) {
	t.Parallel()
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		ctx := t.Context()
		a, b := storetest.Open(t, dsn), storetest.Open(t, dsn)
		for i := range 100 {
			l, err := a.TryLock(ctx, "sync/ws-1", "first", store.LockOptions{TTL: 15 * time.Millisecond})
			if err != nil {
				t.Fatalf("%d: %v", i, err)
			}
			time.Sleep(time.Duration(i%7) * time.Millisecond)
			if err := l.Release(ctx); err != nil {
				t.Fatalf("%d: release: %v", i, err)
			}
			l2, err := b.TryLock(ctx, "sync/ws-1", "second", store.LockOptions{})
			if err != nil {
				t.Fatalf("%d: right after the release: %v", i, err)
			}
			l2.Release(ctx)
		}
	})
}
