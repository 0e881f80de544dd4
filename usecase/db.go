package usecase

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/mhero-go/mhero/store"
)

// migrations are the package's tables; append only.
var migrations = []store.Migration{{
	Name: "use cases, versions, tests, approvals, audit log",
	SQL: `
CREATE TABLE usecase_case (
	id           TEXT PRIMARY KEY,
	number       BIGINT NOT NULL UNIQUE,
	title        TEXT NOT NULL,
	unit         TEXT NOT NULL,
	state        TEXT NOT NULL,
	version      INTEGER NOT NULL,
	form         TEXT NOT NULL,
	data_manager TEXT NOT NULL DEFAULT '',
	late         BOOLEAN NOT NULL,
	accepted     INTEGER NOT NULL DEFAULT 0,
	flow_uuid    TEXT NOT NULL DEFAULT '',
	start_mark   TEXT NOT NULL DEFAULT '',
	start_uuid   TEXT NOT NULL DEFAULT '',
	group_uuid   TEXT NOT NULL DEFAULT '',
	started_at   TIMESTAMPTZ,
	recipients   INTEGER NOT NULL DEFAULT 0,
	cost         TEXT NOT NULL DEFAULT '',
	monitoring   TEXT NOT NULL DEFAULT '',
	reports      TEXT NOT NULL DEFAULT '',
	reason       TEXT NOT NULL DEFAULT '',
	created_at   TIMESTAMPTZ NOT NULL,
	updated_at   TIMESTAMPTZ NOT NULL,
	audit_head   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX usecase_case_state_idx ON usecase_case (state);
CREATE TABLE usecase_version (
	case_id       TEXT NOT NULL REFERENCES usecase_case (id) ON DELETE CASCADE,
	version       INTEGER NOT NULL,
	created_at    TIMESTAMPTZ NOT NULL,
	created_by    TEXT NOT NULL,
	reason        TEXT NOT NULL,
	workflow_file TEXT NOT NULL,
	workflow      TEXT NOT NULL,
	export        TEXT NOT NULL,
	export_hash   TEXT NOT NULL,
	target        TEXT NOT NULL,
	target_hash   TEXT NOT NULL,
	send          TEXT NOT NULL,
	send_window   TEXT NOT NULL,
	binding       TEXT NOT NULL,
	PRIMARY KEY (case_id, version)
);
CREATE TABLE usecase_test (
	id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	case_id     TEXT NOT NULL REFERENCES usecase_case (id) ON DELETE CASCADE,
	version     INTEGER NOT NULL,
	kind        TEXT NOT NULL,
	at          TIMESTAMPTZ NOT NULL,
	actor       TEXT NOT NULL,
	urn         TEXT NOT NULL DEFAULT '',
	flow_start  TEXT NOT NULL DEFAULT '',
	transcripts TEXT NOT NULL DEFAULT '',
	coverage    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX usecase_test_case_idx ON usecase_test (case_id, version);
CREATE TABLE usecase_approval (
	id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	case_id      TEXT NOT NULL REFERENCES usecase_case (id) ON DELETE CASCADE,
	version      INTEGER NOT NULL,
	binding      TEXT NOT NULL,
	approver     TEXT NOT NULL,
	requested_at TIMESTAMPTZ NOT NULL,
	expires_at   TIMESTAMPTZ NOT NULL,
	code_salt    TEXT NOT NULL,
	code_hash    TEXT NOT NULL,
	broadcast    TEXT NOT NULL DEFAULT '',
	sent_on      TIMESTAMPTZ,
	status       TEXT NOT NULL,
	evidence     TEXT NOT NULL DEFAULT '',
	refused      TEXT NOT NULL DEFAULT '',
	decided_at   TIMESTAMPTZ,
	reason       TEXT NOT NULL DEFAULT '',
	request      TEXT NOT NULL
);
CREATE INDEX usecase_approval_case_idx ON usecase_approval (case_id);
CREATE TABLE usecase_audit (
	seq        BIGINT PRIMARY KEY,
	case_id    TEXT NOT NULL,
	at         TIMESTAMPTZ NOT NULL,
	actor      TEXT NOT NULL,
	action     TEXT NOT NULL,
	from_state TEXT NOT NULL,
	to_state   TEXT NOT NULL,
	reason     TEXT NOT NULL,
	data       TEXT NOT NULL,
	prev       TEXT NOT NULL,
	hash       TEXT NOT NULL
);
CREATE INDEX usecase_audit_case_idx ON usecase_audit (case_id, seq);
`,
}, {
	Name: "the Overview Report's delivery to the Requestor",
	SQL:  `ALTER TABLE usecase_case ADD COLUMN delivery TEXT NOT NULL DEFAULT '';`,
}}

// Migrate creates the package's tables in db, or brings them up to date;
// [New] calls it. The tables, all prefixed usecase_:
//
//	usecase_case      one row per use case (key: id, "UC-0001"): its
//	                  current state and version, the Request Form as JSON,
//	                  the Data Manager, whether the request came late, the
//	                  flow start made on activation (and the mark that
//	                  makes it exactly once), the latest cost estimate and
//	                  monitoring headline, the report files and their
//	                  delivery to the Requestor, and the hash of its last
//	                  audit entry.
//	usecase_version   every version of a use case's content (key: case,
//	                  version): the workflow source and its compiled
//	                  export, the target, the send plan and window, the
//	                  hash of each and the binding hash an approval covers.
//	usecase_test      every test: simulator runs with their transcripts
//	                  and path coverage, and live sends to a test phone
//	                  (the URN and flow start).
//	usecase_approval  every approval request: the version and binding
//	                  hash it covers, the approver, the one-time code (as a
//	                  salted hash), the SMS sent, the status (pending,
//	                  approved, rejected, void, expired), the evidence and
//	                  the replies refused.
//	usecase_audit     the append-only audit log (key: seq, without gaps),
//	                  each entry chained to the one before by hash.
func Migrate(ctx context.Context, db *store.DB) error {
	return db.Migrate(ctx, "usecase", migrations)
}

// ErrNotFound reports a use case that does not exist.
var ErrNotFound = errors.New("usecase: no such use case")

// ErrState is matched by a *StateError: a step taken out of the SOP's
// order.
var ErrState = errors.New("usecase: step out of order")

// ErrConflict reports a use case changed by someone else between the
// moment a step read it and the moment it wrote: run the step again.
var ErrConflict = errors.New("usecase: the use case changed meanwhile; run the step again")

type querier interface {
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

const caseColumns = `id, number, title, unit, state, version, form, data_manager, late, accepted, flow_uuid,
	start_mark, start_uuid, group_uuid, started_at, recipients, cost, monitoring, reports, reason,
	created_at, updated_at, audit_head, delivery`

type rowScanner interface{ Scan(dest ...any) error }

func scanCase(r rowScanner) (*Record, error) {
	var rec Record
	var form, dm, cost, mon, reports, delivery string
	var started sql.NullTime
	err := r.Scan(&rec.ID, &rec.Number, &rec.Title, &rec.Unit, &rec.State, &rec.Version, &form, &dm, &rec.Late,
		&rec.AcceptedVersion, &rec.FlowUUID, &rec.startMark, &rec.StartUUID, &rec.GroupUUID, &started, &rec.Recipients,
		&cost, &mon, &reports, &rec.Reason, &rec.CreatedAt, &rec.UpdatedAt, &rec.auditHead, &delivery)
	if err != nil {
		return nil, err
	}
	if started.Valid {
		rec.StartedAt = started.Time.UTC()
	}
	rec.CreatedAt, rec.UpdatedAt = rec.CreatedAt.UTC(), rec.UpdatedAt.UTC()
	if err := json.Unmarshal([]byte(form), &rec.Form); err != nil {
		return nil, fmt.Errorf("usecase %s: reading its form: %w", rec.ID, err)
	}
	if dm != "" {
		if err := json.Unmarshal([]byte(dm), &rec.DataManager); err != nil {
			return nil, fmt.Errorf("usecase %s: reading its Data Manager: %w", rec.ID, err)
		}
	}
	if cost != "" {
		rec.Cost = &CostSummary{}
		if err := json.Unmarshal([]byte(cost), rec.Cost); err != nil {
			return nil, fmt.Errorf("usecase %s: reading its cost: %w", rec.ID, err)
		}
	}
	if mon != "" {
		rec.Monitoring = &Headline{}
		if err := json.Unmarshal([]byte(mon), rec.Monitoring); err != nil {
			return nil, fmt.Errorf("usecase %s: reading its monitoring: %w", rec.ID, err)
		}
	}
	if reports != "" {
		if err := json.Unmarshal([]byte(reports), &rec.Reports); err != nil {
			return nil, fmt.Errorf("usecase %s: reading its reports: %w", rec.ID, err)
		}
	}
	if delivery != "" {
		rec.Delivery = &Delivery{}
		if err := json.Unmarshal([]byte(delivery), rec.Delivery); err != nil {
			return nil, fmt.Errorf("usecase %s: reading its report delivery: %w", rec.ID, err)
		}
	}
	return &rec, nil
}

func getCase(ctx context.Context, q querier, id string) (*Record, error) {
	rec, err := scanCase(q.QueryRow(ctx, `SELECT `+caseColumns+` FROM usecase_case WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	return rec, err
}

const versionColumns = `case_id, version, created_at, created_by, reason, workflow_file, workflow, export, export_hash,
	target, target_hash, send, send_window, binding`

func scanVersion(r rowScanner) (*Version, error) {
	var v Version
	var workflow, export, tgt, send, window string
	err := r.Scan(&v.Case, &v.N, &v.CreatedAt, &v.CreatedBy, &v.Reason, &v.WorkflowFile, &workflow, &export,
		&v.Binding.Export, &tgt, &v.Binding.Target, &send, &window, &v.BindingHash)
	if err != nil {
		return nil, err
	}
	v.CreatedAt = v.CreatedAt.UTC()
	v.Workflow, v.Export = []byte(workflow), []byte(export)
	for _, x := range []struct {
		s string
		v any
	}{{tgt, &v.Target}, {send, &v.Send}, {window, &v.Binding.Window}} {
		if err := json.Unmarshal([]byte(x.s), x.v); err != nil {
			return nil, fmt.Errorf("usecase %s v%d: %w", v.Case, v.N, err)
		}
	}
	return &v, nil
}

func getVersion(ctx context.Context, q querier, id string, n int) (*Version, error) {
	v, err := scanVersion(q.QueryRow(ctx, `SELECT `+versionColumns+` FROM usecase_version WHERE case_id = $1 AND version = $2`, id, n))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %s version %d", ErrNotFound, id, n)
	}
	return v, err
}

func insertVersion(ctx context.Context, tx *store.Tx, v *Version) error {
	tgt, err := json.Marshal(v.Target)
	if err != nil {
		return err
	}
	send, err := json.Marshal(v.Send)
	if err != nil {
		return err
	}
	window, err := json.Marshal(v.Binding.Window)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO usecase_version (`+versionColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		v.Case, v.N, v.CreatedAt, v.CreatedBy, v.Reason, v.WorkflowFile, string(v.Workflow), string(v.Export),
		v.Binding.Export, string(tgt), v.Binding.Target, string(send), string(window), v.BindingHash)
	return err
}

// appendAudit appends an entry to the log, chained to the last one, and
// moves the case's audit head. It runs inside a serial write transaction,
// so two entries never take the same place.
func appendAudit(ctx context.Context, tx *store.Tx, e *Entry) error {
	var last sql.NullInt64
	var prev sql.NullString
	err := tx.QueryRow(ctx, `SELECT seq, hash FROM usecase_audit ORDER BY seq DESC LIMIT 1`).Scan(&last, &prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	e.Seq = last.Int64 + 1
	e.Prev = prev.String
	e.At = e.At.UTC().Truncate(time.Microsecond)
	if len(e.Data) == 0 {
		e.Data = json.RawMessage("{}")
	}
	e.Hash = e.ComputeHash()
	_, err = tx.Exec(ctx, `INSERT INTO usecase_audit (seq, case_id, at, actor, action, from_state, to_state, reason, data, prev, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		e.Seq, e.Case, e.At, e.Actor, e.Action, string(e.From), string(e.To), e.Reason, string(e.Data), e.Prev, e.Hash)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE usecase_case SET audit_head = $1 WHERE id = $2`, e.Hash, e.Case)
	return err
}

const auditColumns = `seq, case_id, at, actor, action, from_state, to_state, reason, data, prev, hash`

func scanEntry(r rowScanner) (Entry, error) {
	var e Entry
	var data string
	err := r.Scan(&e.Seq, &e.Case, &e.At, &e.Actor, &e.Action, &e.From, &e.To, &e.Reason, &data, &e.Prev, &e.Hash)
	e.At = e.At.UTC()
	e.Data = json.RawMessage(data)
	return e, err
}

func jsonText(v any) string {
	if v == nil {
		return ""
	}
	data, err := json.Marshal(v)
	if err != nil {
		panic(err) // the package's own plain types always marshal
	}
	return string(data)
}
