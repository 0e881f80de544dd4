package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Errors of locks and leases.
var (
	// ErrLocked matches a *LockedError.
	ErrLocked = errors.New("store: locked")
	// ErrLeaseLost: a lease ended without Release. On SQLite its holder
	// stopped renewing it for longer than its TTL and another took the lock
	// over; on PostgreSQL the connection holding the lock was lost.
	ErrLeaseLost = errors.New("store: lease lost")
	// ErrLeaseReleased: the lease was released.
	ErrLeaseReleased = errors.New("store: lease released")
)

// LockInfo says who holds, or held, a named lock.
type LockInfo struct {
	Name   string    // the lock
	Holder string    // who took it, as given to Lock
	Since  time.Time // when it was taken (UTC)
	Host   string    // the host name of the holder's machine
	PID    int       // the holder's process id there
}

func (i LockInfo) String() string {
	return fmt.Sprintf("%s (pid %d on %s) since %s", i.Holder, i.PID, i.Host, i.Since.Format("2006-01-02 15:04:05 MST"))
}

// LockedError reports a lock held by another: who, and since when.
// errors.Is(err, ErrLocked) matches it.
type LockedError struct {
	LockInfo
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("store: %q is locked by %s", e.Name, e.LockInfo)
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// LockOptions tune a lock; the zero value is the default.
type LockOptions struct {
	// TTL is how long a lease outlives its holder's last sign of life.
	// The holder renews it every TTL/3; on SQLite a lease not renewed for
	// TTL, because its process was killed or its machine lost power, is
	// taken over by the next Lock. (A holder that died on this machine is
	// recognised at once.) On PostgreSQL the lock ends with its holder's
	// connection, and TTL only says how fresh the record of the holder is.
	// Keep write transactions under a lock shorter than TTL, or end them
	// with Lease.Check. Default 30s.
	TTL time.Duration
}

const defaultTTL = 30 * time.Second

// Lock takes the named lock for holder (who is asking, in words a person
// reads in the error another gets: "mhero target sync by alice"), waiting
// while someone else holds it until ctx ends. It then returns an error
// that matches both the *LockedError naming the holder and ctx's error.
//
// Locks are shared by every process using the database. The Lease must be
// released; while held it is renewed in the background.
func (db *DB) Lock(ctx context.Context, name, holder string, opts LockOptions) (*Lease, error) {
	wait := 50 * time.Millisecond
	var locked *LockedError // the holder last seen
	for {
		l, err := db.TryLock(ctx, name, holder, opts)
		if !errors.As(err, &locked) {
			if locked != nil && ctx.Err() != nil {
				// The context ended during an attempt: still name the holder.
				return nil, fmt.Errorf("%w; stopped waiting: %w", locked, ctx.Err())
			}
			return l, err
		}
		t := time.NewTimer(wait/2 + mrand.N(wait))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%w; stopped waiting: %w", locked, ctx.Err())
		case <-t.C:
		}
		wait = min(2*wait, time.Second)
	}
}

// TryLock takes the named lock like Lock, but returns a *LockedError at
// once when someone else holds it.
func (db *DB) TryLock(ctx context.Context, name, holder string, opts LockOptions) (*Lease, error) {
	if name == "" {
		return nil, errors.New("store: a lock needs a name")
	}
	if holder == "" {
		holder = filepath.Base(os.Args[0])
	}
	ttl := opts.TTL
	if ttl <= 0 {
		ttl = defaultTTL
	}
	host, _ := os.Hostname()
	l := &Lease{
		LockInfo: LockInfo{Name: name, Holder: holder, Host: host, PID: os.Getpid()},
		db:       db,
		token:    newToken(),
		ttl:      ttl,
		done:     make(chan struct{}),
	}
	var err error
	if db.dialect == Postgres {
		err = db.tryLockPostgres(ctx, l)
	} else {
		err = db.tryLockSQLite(ctx, l)
	}
	if err != nil {
		return nil, err
	}
	db.mu.Lock()
	if db.closed {
		db.mu.Unlock()
		l.Release(ctx)
		return nil, errors.New("store: database closed")
	}
	db.leases[l] = struct{}{}
	db.mu.Unlock()
	hctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	l.stop = stop
	l.wg.Go(func() { l.heartbeat(hctx) })
	return l, nil
}

func newToken() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// tryLockSQLite takes the lease row in a write transaction: free, expired,
// or left by a process of this machine that no longer runs.
func (db *DB) tryLockSQLite(ctx context.Context, l *Lease) error {
	return db.InTx(ctx, func(tx *Tx) error {
		l.previous = nil
		now := time.Now().UTC().Truncate(time.Microsecond) // as stored
		cur, expires, machine, err := readLock(ctx, tx.tx, l.Name)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		case expires.After(now) && !(machine != "" && machine == thisMachine && !processAlive(cur.PID)):
			return &LockedError{cur}
		default:
			l.previous = &cur
		}
		l.Since = now
		return writeLock(ctx, tx.tx, l, now)
	})
}

// lockKey is the expression of the PostgreSQL advisory lock key of the
// lock named $1: per database schema, as the lock table is.
const lockKey = `hashtextextended('mhero.store.lock.' || coalesce(current_schema(), '') || '.' || $1, 0)`

// tryLockPostgres takes a session-level advisory lock on a connection kept
// for the lease, then records the holder in store_lock for others to read.
func (db *DB) tryLockPostgres(ctx context.Context, l *Lease) (err error) {
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return err
	}
	var got bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(`+lockKey+`)`, l.Name).Scan(&got); err != nil {
		conn.Close()
		return err
	}
	if !got {
		conn.Close()
		return &LockedError{db.postgresHolder(ctx, l.Name)}
	}
	defer func() {
		if err != nil {
			discard(conn)
		}
	}()
	// A row left behind is a holder whose session ended without Release.
	prev, _, _, err := readLock(ctx, conn, l.Name)
	switch {
	case err == nil:
		l.previous = &prev
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	now := time.Now().UTC().Truncate(time.Microsecond) // as stored
	l.Since = now
	if err := writeLock(ctx, conn, l, now); err != nil {
		return err
	}
	l.conn = conn
	return nil
}

// postgresHolder reads who holds a lock whose advisory lock is taken. The
// holder records itself just after taking it, so a missing or expired
// record is read again for a moment; an expired one is then reported (its
// holder is alive, since its session holds the lock, but slow to renew).
func (db *DB) postgresHolder(ctx context.Context, name string) LockInfo {
	last := LockInfo{Name: name, Holder: "an unknown holder (who has not recorded itself)"}
	for range 20 {
		cur, expires, _, err := readLock(ctx, db.r, name)
		if err == nil {
			if expires.After(time.Now()) {
				return cur
			}
			last = cur
		}
		select {
		case <-ctx.Done():
			return last
		case <-time.After(25 * time.Millisecond):
		}
	}
	return last
}

// queryRower is what readLock and writeLock need of an *sql.Tx, *sql.DB or
// *sql.Conn.
type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func readLock(ctx context.Context, q queryRower, name string) (info LockInfo, expires time.Time, machine string, err error) {
	var pid int64
	err = q.QueryRowContext(ctx, `SELECT holder, since, expires, host, pid, machine FROM store_lock WHERE name = $1`, name).
		Scan(&info.Holder, &info.Since, &expires, &info.Host, &pid, &machine)
	info.Name, info.PID = name, int(pid)
	return info, expires, machine, err
}

func writeLock(ctx context.Context, q queryRower, l *Lease, now time.Time) error {
	_, err := q.ExecContext(ctx, `
INSERT INTO store_lock (name, holder, token, since, expires, host, pid, machine) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, token = excluded.token, since = excluded.since,
	expires = excluded.expires, host = excluded.host, pid = excluded.pid, machine = excluded.machine`,
		l.Name, l.Holder, l.token, now, now.Add(l.ttl), l.Host, l.PID, thisMachine)
	return err
}

// Lease is a held lock. Release it when done; until then it is renewed in
// the background, and Done says when it was lost.
type Lease struct {
	LockInfo // this holder

	db       *DB
	token    string // this lease's own, in the lock's row
	ttl      time.Duration
	previous *LockInfo // the holder whose lease was taken over
	conn     *sql.Conn // PostgreSQL: the session holding the advisory lock

	stop context.CancelFunc // ends the heartbeat
	wg   sync.WaitGroup

	mu   sync.Mutex
	err  error // why it ended
	done chan struct{}
}

// Previous returns the holder whose lease had ended without a Release —
// its process was killed, or lost its connection — when this one was
// taken: a job that it left half done may need resuming.
func (l *Lease) Previous() (LockInfo, bool) {
	if l.previous == nil {
		return LockInfo{}, false
	}
	return *l.previous, true
}

// Done returns a channel closed when the lease ends: released, or lost.
func (l *Lease) Done() <-chan struct{} { return l.done }

// Err returns nil while the lease is held, then ErrLeaseReleased or
// ErrLeaseLost.
func (l *Lease) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// end records why the lease ended, once.
func (l *Lease) end(err error) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return false
	}
	l.err = err
	close(l.done)
	l.db.mu.Lock()
	delete(l.db.leases, l)
	l.db.mu.Unlock()
	return true
}

// Check verifies, inside a write transaction, that the lease is still this
// holder's, and renews it. Call it in each transaction that commits work
// done under the lock, last: a holder that lost its lease (paused past its
// TTL, or busy in a transaction longer than that, and taken over) then
// cannot commit over its successor's work. It returns ErrLeaseLost, or
// ErrLeaseReleased, when the lease is no longer held.
func (l *Lease) Check(ctx context.Context, tx *Tx) error {
	if err := l.Err(); err != nil {
		return err
	}
	res, err := tx.Exec(ctx, `UPDATE store_lock SET expires = $3 WHERE name = $1 AND token = $2`,
		l.Name, l.token, time.Now().Add(l.ttl))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		l.lose()
		return ErrLeaseLost
	}
	return nil
}

// renew extends the lease; ok is false when its row is no longer this
// lease's.
func (l *Lease) renew(ctx context.Context) (ok bool, err error) {
	const q = `UPDATE store_lock SET expires = $3 WHERE name = $1 AND token = $2`
	args := []any{l.Name, l.token, time.Now().Add(l.ttl)}
	var res sql.Result
	if l.conn != nil {
		res, err = l.conn.ExecContext(ctx, q, args...)
	} else {
		res, err = l.db.Exec(ctx, q, args...)
	}
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// heartbeat renews the lease every TTL/3 until it is released or lost.
// The lease is lost when its row is no longer this lease's (it expired and
// was taken over) or, on PostgreSQL, when the connection holding the lock
// fails. On SQLite a renewal that fails otherwise (the writer busy with a
// long transaction) is only tried again: nobody can take the lease over
// without the row saying so, and Check fences the holder's commits.
func (l *Lease) heartbeat(ctx context.Context) {
	every := l.ttl / 3
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		// A PostgreSQL session whose query is cancelled is closed, and its
		// lock with it: give a slow server the whole TTL. Nor does Release
		// cancel a renewal under way (it waits for it): the session it
		// would close would let go of its lock only when the server
		// notices, after Release returned, and a Lock just after it would
		// find the lock still held.
		timeout := every
		if l.conn != nil {
			timeout = l.ttl
		}
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
		ok, err := l.renew(rctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return
		case err == nil && !ok, err != nil && l.conn != nil:
			l.lose()
			return
		}
	}
}

// lose ends a lease that is no longer held.
func (l *Lease) lose() {
	if l.end(ErrLeaseLost) && l.conn != nil {
		discard(l.conn)
	}
}

// Release gives the lock up. It returns nil when the lease was held or
// already released, and ErrLeaseLost when it had been lost.
func (l *Lease) Release(ctx context.Context) error {
	if l.stop != nil {
		l.stop()
		l.wg.Wait()
	}
	if err := l.Err(); err != nil {
		if errors.Is(err, ErrLeaseReleased) {
			return nil
		}
		return err
	}
	ctx = context.WithoutCancel(ctx) // a cancelled job still lets go of its lock
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	const del = `DELETE FROM store_lock WHERE name = $1 AND token = $2`
	var err error
	if l.conn != nil {
		_, err = l.conn.ExecContext(ctx, del, l.Name, l.token)
		if err == nil {
			_, err = l.conn.ExecContext(ctx, `SELECT pg_advisory_unlock(`+lockKey+`)`, l.Name)
		}
		if err != nil {
			// Ending the session ends its advisory locks.
			discard(l.conn)
			err = nil
		} else {
			l.conn.Close()
		}
	} else {
		_, err = l.db.Exec(ctx, del, l.Name, l.token)
	}
	l.end(ErrLeaseReleased)
	if err != nil {
		return fmt.Errorf("store: release %q: %w (it expires in %s)", l.Name, err, l.ttl)
	}
	return nil
}

// discard closes a connection's session instead of returning it to the
// pool.
func discard(conn *sql.Conn) {
	conn.Raw(func(any) error { return driver.ErrBadConn })
	conn.Close()
}
