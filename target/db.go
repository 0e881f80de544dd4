package target

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// schema is the target package's tables; see Migrate.
//
//	target_contacts    the mirror: every contact of the workspace as last
//	                   read from or written to RapidPro — uuid, ihris_id
//	                   field, status, tel URNs, other URNs, group UUIDs,
//	                   language and a fingerprint (SHA-256, first 16 bytes)
//	                   of the name, tel URNs and synced fields.
//	target_cursors     the RapidPro change checkpoints the mirror is
//	                   current to (modified contacts, deleted contacts).
//	target_groups      one row per target: its RapidPro group, the hash of
//	                   the definition last synced, the iHRIS checkpoint,
//	                   and when and how the last sync ended.
//	target_members     the contacts this module put in a target's group
//	                   (state adding, member or removing: written before
//	                   the request, so a sync killed in between still
//	                   knows whom it added); nobody else is ever removed.
//	target_journal     the writes a sync planned, in order, with their
//	                   outcome; a sync killed midway is finished by the
//	                   next one, which also reports what the first did.
//	target_attributes  the health-worker attributes of each contact, valid
//	                   from one sync to the next (see [Attributes]).
//	target_locks       one lease per workspace: who syncs it, since when.
var schema = []string{
	`CREATE TABLE IF NOT EXISTS target_contacts (
		workspace TEXT NOT NULL,
		uuid TEXT NOT NULL,
		ihris_id TEXT NOT NULL DEFAULT '',
		status TEXT NOT NULL DEFAULT '',
		urns TEXT NOT NULL DEFAULT '',
		other_urns TEXT NOT NULL DEFAULT '',
		group_uuids TEXT NOT NULL DEFAULT '',
		language TEXT NOT NULL DEFAULT '',
		fingerprint TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (workspace, uuid))`,
	`CREATE INDEX IF NOT EXISTS target_contacts_ihris ON target_contacts (workspace, ihris_id)`,
	`CREATE TABLE IF NOT EXISTS target_cursors (
		workspace TEXT NOT NULL,
		name TEXT NOT NULL,
		value TEXT NOT NULL,
		PRIMARY KEY (workspace, name))`,
	`CREATE TABLE IF NOT EXISTS target_groups (
		workspace TEXT NOT NULL,
		name TEXT NOT NULL,
		group_uuid TEXT NOT NULL DEFAULT '',
		definition_hash TEXT NOT NULL DEFAULT '',
		ihris_checkpoint TEXT NOT NULL DEFAULT '',
		last_sync TEXT NOT NULL DEFAULT '',
		last_result TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (workspace, name))`,
	`CREATE TABLE IF NOT EXISTS target_members (
		workspace TEXT NOT NULL,
		group_uuid TEXT NOT NULL,
		contact_uuid TEXT NOT NULL,
		state TEXT NOT NULL,
		PRIMARY KEY (workspace, group_uuid, contact_uuid))`,
	`CREATE TABLE IF NOT EXISTS target_journal (
		workspace TEXT NOT NULL,
		target TEXT NOT NULL,
		seq INTEGER NOT NULL,
		op TEXT NOT NULL,
		ihris_id TEXT NOT NULL DEFAULT '',
		contact_uuid TEXT NOT NULL DEFAULT '',
		payload TEXT NOT NULL DEFAULT '',
		state TEXT NOT NULL DEFAULT 'planned',
		PRIMARY KEY (workspace, target, seq))`,
	`CREATE TABLE IF NOT EXISTS target_attributes (
		workspace TEXT NOT NULL,
		contact_uuid TEXT NOT NULL,
		valid_from TEXT NOT NULL,
		valid_to TEXT NOT NULL DEFAULT '',
		ihris_id TEXT NOT NULL,
		urn TEXT NOT NULL DEFAULT '',
		name TEXT NOT NULL DEFAULT '',
		gender TEXT NOT NULL DEFAULT '',
		facility_id TEXT NOT NULL DEFAULT '',
		facility TEXT NOT NULL DEFAULT '',
		district_id TEXT NOT NULL DEFAULT '',
		district TEXT NOT NULL DEFAULT '',
		region_id TEXT NOT NULL DEFAULT '',
		region TEXT NOT NULL DEFAULT '',
		cadre TEXT NOT NULL DEFAULT '',
		cadre_name TEXT NOT NULL DEFAULT '',
		job TEXT NOT NULL DEFAULT '',
		job_name TEXT NOT NULL DEFAULT '',
		employment_status TEXT NOT NULL DEFAULT '',
		places TEXT NOT NULL DEFAULT '',
		fingerprint TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (workspace, contact_uuid, valid_from))`,
	`CREATE INDEX IF NOT EXISTS target_attributes_urn ON target_attributes (workspace, urn)`,
	`CREATE INDEX IF NOT EXISTS target_attributes_ihris ON target_attributes (workspace, ihris_id)`,
	`CREATE TABLE IF NOT EXISTS target_locks (
		workspace TEXT NOT NULL PRIMARY KEY,
		holder TEXT NOT NULL,
		started TEXT NOT NULL,
		expires TEXT NOT NULL)`,
}

// db is the caller's database with the dialect it speaks.
type db struct {
	*sql.DB
	postgres bool
}

func newDB(sqldb *sql.DB) *db {
	name := strings.ToLower(fmt.Sprintf("%T", sqldb.Driver()))
	return &db{DB: sqldb, postgres: strings.Contains(name, "pgx") || strings.Contains(name, "stdlib") || strings.Contains(name, "pq")}
}

// q rewrites ? placeholders as $n for PostgreSQL.
func (d *db) q(query string) string {
	if !d.postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (d *db) exec(ctx context.Context, query string, args ...any) error {
	return d.retry(ctx, func() error {
		_, err := d.ExecContext(ctx, d.q(query), args...)
		return err
	})
}

// busyBudget is how long a write waits for other SQLite connections (of
// this process or another) before it fails.
const busyBudget = time.Minute

// retry runs f again while SQLite says another connection holds the
// database: a connection opened without a busy timeout fails at once,
// and a transaction that read before writing fails whatever the timeout
// when another connection wrote meanwhile (SQLITE_BUSY_SNAPSHOT).
func (d *db) retry(ctx context.Context, f func() error) error {
	deadline := time.Now().Add(busyBudget)
	wait := 2 * time.Millisecond
	for {
		err := f()
		if err == nil || d.postgres || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait = min(2*wait, 100*time.Millisecond)
	}
}

// Migrate creates the target package's tables in db, or brings them up to
// date; [New] and [NewAttributeStore] call it. It is safe to call every time
// a program starts. Every table is keyed by the RapidPro workspace UUID, so
// one database can serve several workspaces:
//
//	target_contacts    the mirror: every contact of the workspace as last
//	                   read from or written to RapidPro — uuid, ihris_id
//	                   field, status, tel URNs, other URNs, group UUIDs,
//	                   language and a fingerprint (SHA-256, first 16 bytes)
//	                   of the name, tel URNs and synced fields.
//	target_cursors     the RapidPro change checkpoints the mirror is
//	                   current to (modified contacts, deleted contacts).
//	target_groups      one row per target: its RapidPro group, the hash of
//	                   the definition last synced, the iHRIS checkpoint,
//	                   and when the last sync ended.
//	target_members     the contacts this module put in a target's group
//	                   (state adding, member or removing: written before
//	                   the request, so a sync killed in between still
//	                   knows whom it added); nobody else is ever removed.
//	target_journal     the writes a sync planned, in order (the desired
//	                   contact and attributes as JSON); a sync killed
//	                   midway leaves them for the next, which reports them.
//	target_attributes  the health-worker attributes of each contact, valid
//	                   from valid_from to valid_to (fixed-width UTC text,
//	                   "" while valid); see [Attributes].
//	target_locks       one lease per workspace: holder, start, expiry.
func Migrate(ctx context.Context, sqldb *sql.DB) error {
	d := newDB(sqldb)
	if !d.postgres {
		// WAL lets readers read while a writer writes; the mode is kept
		// in the file, so once is enough.
		if err := d.retry(ctx, func() error {
			_, err := d.ExecContext(ctx, `PRAGMA journal_mode=WAL`)
			return err
		}); err != nil {
			return fmt.Errorf("target: setting SQLite's WAL mode: %w", err)
		}
	}
	for _, stmt := range schema {
		if err := d.exec(ctx, stmt); err != nil {
			return fmt.Errorf("target: migrating the store: %w", err)
		}
	}
	return nil
}

// tx runs f in a transaction, again while SQLite reports the database
// busy (see retry).
func (d *db) tx(ctx context.Context, f func(*sql.Tx) error) error {
	return d.retry(ctx, func() error { return d.tx1(ctx, f) })
}

func (d *db) tx1(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := d.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

func isBusy(err error) bool {
	s := err.Error()
	return strings.Contains(s, "database is locked") || strings.Contains(s, "SQLITE_BUSY") || strings.Contains(s, "(5)") || strings.Contains(s, "(517)")
}

const timeFormat = time.RFC3339Nano

// LockedError reports that another sync holds the workspace.
type LockedError struct {
	Workspace string
	// Holder names the process holding the lock (user@host pid).
	Holder string
	// Since is when it took the lock.
	Since time.Time
}

// Error names the holder and start time.
func (e *LockedError) Error() string {
	return fmt.Sprintf("target: workspace %s is being synced by %s since %s", e.Workspace, e.Holder, e.Since.Local().Format("2006-01-02 15:04:05"))
}

// ErrLocked is matched (errors.Is) by a *LockedError.
var ErrLocked = errors.New("target: workspace locked by another sync")

// Is matches ErrLocked.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// lease is a held workspace lock: a row with an expiry that the holder
// renews while it works, so that a killed holder's lock lapses on its own.
type lease struct {
	d         *db
	workspace string
	holder    string
	stop      chan struct{}
	done      chan struct{}
}

// leaseTTL is how long a lock survives its holder's death.
const leaseTTL = 30 * time.Second

// holderGone reports whether the holder named a process of this host that
// no longer runs (it was killed): its lock need not wait for the lease.
func holderGone(holder string) bool {
	host, _ := os.Hostname()
	at, pidText, ok := strings.Cut(holder, " pid ")
	if !ok || !strings.HasSuffix(at, "@"+host) {
		return false
	}
	pid, err := strconv.Atoi(pidText)
	return err == nil && pid != os.Getpid() && processGone(pid)
}

func defaultHolder() string {
	host, _ := os.Hostname()
	user := os.Getenv("USER")
	if user == "" {
		user = "?"
	}
	return fmt.Sprintf("%s@%s pid %d", user, host, os.Getpid())
}

// acquire takes the workspace's lock, waiting up to wait for it.
func (d *db) acquire(ctx context.Context, workspace, holder string, wait time.Duration, now func() time.Time) (*lease, error) {
	deadline := time.Now().Add(wait)
	for {
		ok, cur, err := d.tryAcquire(ctx, workspace, holder, now())
		if err != nil {
			return nil, fmt.Errorf("target: taking the workspace lock: %w", err)
		}
		if ok {
			l := &lease{d: d, workspace: workspace, holder: holder, stop: make(chan struct{}), done: make(chan struct{})}
			go l.renew(now)
			return l, nil
		}
		if time.Now().After(deadline) {
			return nil, cur
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(min(time.Second, max(time.Until(deadline), 10*time.Millisecond))):
		}
	}
}

func (d *db) tryAcquire(ctx context.Context, workspace, holder string, at time.Time) (bool, *LockedError, error) {
	var got bool
	var cur *LockedError
	err := d.tx(ctx, func(tx *sql.Tx) error {
		var h, started, expires string
		err := tx.QueryRowContext(ctx, d.q(`SELECT holder, started, expires FROM target_locks WHERE workspace = ?`), workspace).Scan(&h, &started, &expires)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(ctx, d.q(`INSERT INTO target_locks (workspace, holder, started, expires) VALUES (?, ?, ?, ?)`),
				workspace, holder, at.UTC().Format(timeFormat), at.Add(leaseTTL).UTC().Format(timeFormat))
			got = err == nil
			return err
		case err != nil:
			return err
		}
		exp, _ := time.Parse(timeFormat, expires)
		if at.Before(exp) && h != holder && !holderGone(h) {
			since, _ := time.Parse(timeFormat, started)
			cur = &LockedError{Workspace: workspace, Holder: h, Since: since}
			return nil
		}
		// Expired: its holder died. Take it over, unless another taker won.
		res, err := tx.ExecContext(ctx, d.q(`UPDATE target_locks SET holder = ?, started = ?, expires = ? WHERE workspace = ? AND holder = ? AND expires = ?`),
			holder, at.UTC().Format(timeFormat), at.Add(leaseTTL).UTC().Format(timeFormat), workspace, h, expires)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		got = n == 1
		return nil
	})
	if err != nil && !got && cur == nil && isConflict(err) {
		// Another process inserted the row first: report it as held.
		return d.tryAcquireReport(ctx, workspace)
	}
	return got, cur, err
}

func (d *db) tryAcquireReport(ctx context.Context, workspace string) (bool, *LockedError, error) {
	var h, started string
	if err := d.QueryRowContext(ctx, d.q(`SELECT holder, started FROM target_locks WHERE workspace = ?`), workspace).Scan(&h, &started); err != nil {
		return false, nil, err
	}
	since, _ := time.Parse(timeFormat, started)
	return false, &LockedError{Workspace: workspace, Holder: h, Since: since}, nil
}

func isConflict(err error) bool {
	s := strings.ToLower(err.Error())
	return strings.Contains(s, "unique") || strings.Contains(s, "duplicate") || strings.Contains(s, "locked") || strings.Contains(s, "busy")
}

func (l *lease) renew(now func() time.Time) {
	defer close(l.done)
	t := time.NewTicker(leaseTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			_ = l.d.tx(context.Background(), func(tx *sql.Tx) error {
				_, err := tx.Exec(l.d.q(`UPDATE target_locks SET expires = ? WHERE workspace = ? AND holder = ?`),
					now().Add(leaseTTL).UTC().Format(timeFormat), l.workspace, l.holder)
				return err
			})
		}
	}
}

func (l *lease) release() error {
	close(l.stop)
	<-l.done
	return l.d.exec(context.Background(), `DELETE FROM target_locks WHERE workspace = ? AND holder = ?`, l.workspace, l.holder)
}
