package analytics

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"math/bits"
	"time"

	"github.com/mhero-go/mhero/internal/store"
)

// NonResponders lists the health workers of a flow's runs (those f
// selects) who did not take part as asked, each with the likely reason
// (see [Reason]), in the order the runs began. Runs still active are
// listed too, with an empty ExitType: their reason may yet change.
//
// The list is read lazily, run by run, in a read transaction held while
// the loop runs; first it reads the runs once to find the misunderstood
// questions, whose misfits do not mark a worker as needing training.
func (m *Monitor) NonResponders(ctx context.Context, flowUUID string, f Filter) iter.Seq2[NonResponder, error] {
	return func(yield func(NonResponder, error) bool) {
		stopped := false
		err := m.db.ReadTx(ctx, func(tx *store.Tx) error {
			stopped = false
			p, err := m.newPass(ctx, tx, flowUUID, f, nil)
			if err != nil {
				return err
			}
			if err := p.run(ctx, tx); err != nil {
				return err
			}
			mask := uint64(0)
			for _, fl := range p.misunderstood() {
				if fl.idx < 64 {
					mask |= 1 << fl.idx
				}
			}
			workers := newWorkerReader(m.db)
			q, args := p.runQuery(`r.send_id, r.worker_id, r.created_on, r.exit_type, r.responded, r.out_msgs, r.out_failed, r.facts,
				d.uuid, d.contact_uuid, d.urn, d.name`, true)
			rows, err := tx.Query(ctx, q+" ORDER BY r.created_on, r.id", args...)
			if err != nil {
				return fmt.Errorf("analytics: reading runs: %w", err)
			}
			defer rows.Close()
			var r runFacts
			var exit, facts []byte
			for rows.Next() {
				var n NonResponder
				if err := rows.Scan(&r.send, &r.worker, &r.created, &exit, &r.responded, &r.outMsgs, &r.outFailed, &facts,
					&n.Run, &n.Contact, &n.URN, &n.Name); err != nil {
					return fmt.Errorf("analytics: reading runs: %w", err)
				}
				r.exit = internExit(exit)
				if r.facts, err = parseFacts(r.facts[:0], facts); err != nil {
					return fmt.Errorf("analytics: run %s: %w", n.Run, err)
				}
				o := p.judge(&r)
				switch {
				case o.failed:
					n.Reason = ReasonOutOfCoverage
				case !r.responded:
					n.Reason = ReasonNoAnswer
				case bits.OnesCount64(o.misfits&^mask) >= p.th.TrainingMisfits:
					n.Reason = ReasonNeedsTraining
					n.Misfits = bits.OnesCount64(o.misfits &^ mask)
				case o.stopAt >= 0:
					n.Reason = ReasonStopped
					qu := p.fs.questions[o.stopAt]
					n.StoppedAt, n.StoppedAtPosition, n.StoppedAtText = qu.key, qu.position, qu.text
				default:
					continue
				}
				if s := p.sends[r.send]; s != nil && r.send != 0 {
					n.Send = s.key
				}
				if n.Worker, err = workers.get(ctx, r.worker); err != nil {
					return err
				}
				n.Answered = o.answered
				n.Messages, n.FailedMessages = r.outMsgs, r.outFailed
				n.StartedOn, n.ExitType = r.created, r.exit
				if !yield(n, nil) {
					stopped = true
					return nil
				}
			}
			return rows.Err()
		})
		if err != nil && !stopped {
			yield(NonResponder{}, err)
		}
	}
}

// workerReader reads workers by id, remembering them: their number is
// bounded by the workforce, not by the runs. It reads outside the
// listing's transaction, whose connection is busy streaming the runs (on
// PostgreSQL a connection runs one statement at a time); worker rows are
// never changed once written, so any snapshot that holds a run holds its
// worker.
type workerReader struct {
	q     store.Querier
	cache map[int64]Worker
}

func newWorkerReader(q store.Querier) *workerReader {
	return &workerReader{q: q, cache: map[int64]Worker{0: {}}}
}

func (w *workerReader) get(ctx context.Context, id int64) (Worker, error) {
	if x, ok := w.cache[id]; ok {
		return x, nil
	}
	var x Worker
	err := w.q.QueryRow(ctx, `SELECT ihris_id, name, gender, facility_id, facility, district_id, district, region_id, region, cadre, cadre_name
		FROM analytics_worker WHERE id = $1`, id).Scan(&x.ID, &x.Name, &x.Gender, &x.FacilityID, &x.Facility, &x.DistrictID, &x.District,
		&x.RegionID, &x.Region, &x.Cadre, &x.CadreName)
	if err != nil {
		return Worker{}, fmt.Errorf("analytics: reading worker %d: %w", id, err)
	}
	w.cache[id] = x
	return x, nil
}

// Runs lists the runs of a flow that f selects, with their answers in
// question order, in the order they began: what the CSV and FLOIP writers
// export. It reads lazily, in a read transaction held while the loop runs.
func (m *Monitor) Runs(ctx context.Context, flowUUID string, f Filter) iter.Seq2[Run, error] {
	return func(yield func(Run, error) bool) {
		stopped := false
		err := m.db.ReadTx(ctx, func(tx *store.Tx) error {
			stopped = false
			p, err := m.newPass(ctx, tx, flowUUID, f, nil)
			if err != nil {
				return err
			}
			workers := newWorkerReader(m.db)
			q, args := p.runQuery(`r.send_id, r.worker_id, r.exit_type, r.responded, r.out_msgs, r.out_failed, r.facts,
				d.uuid, d.contact_uuid, d.urn, d.name, d.created_on, d.modified_on, d.exited_on, d.results`, true)
			rows, err := tx.Query(ctx, q+" ORDER BY r.created_on, r.id", args...)
			if err != nil {
				return fmt.Errorf("analytics: reading runs: %w", err)
			}
			defer rows.Close()
			var factBuf []fact
			for rows.Next() {
				var run Run
				var send, worker int64
				var exit, results string
				var facts []byte
				var exited nullTime
				if err := rows.Scan(&send, &worker, &exit, &run.Responded, &run.Messages, &run.FailedMessages, &facts,
					&run.UUID, &run.Contact, &run.URN, &run.Name, &run.CreatedOn, &run.ModifiedOn, &exited, &results); err != nil {
					return fmt.Errorf("analytics: reading runs: %w", err)
				}
				run.Flow, run.ExitType, run.ExitedOn = flowUUID, exit, exited.t
				if s := p.sends[send]; s != nil && send != 0 {
					run.Send = s.key
				}
				if run.Worker, err = workers.get(ctx, worker); err != nil {
					return err
				}
				if factBuf, err = parseFacts(factBuf[:0], facts); err != nil {
					return fmt.Errorf("analytics: run %s: %w", run.UUID, err)
				}
				values, err := parseValues(results)
				if err != nil {
					return fmt.Errorf("analytics: run %s: %w", run.UUID, err)
				}
				run.Answers = p.answers(run.CreatedOn, factBuf, values)
				if !yield(run, nil) {
					stopped = true
					return nil
				}
			}
			return rows.Err()
		})
		if err != nil && !stopped {
			yield(Run{}, err)
		}
	}
}

// answers rebuilds a run's answers, in question order.
func (p *pass) answers(created time.Time, facts []fact, values []storedValue) []Answer {
	out := []Answer{}
	for _, qu := range p.fs.ordered() {
		var a Answer
		found := false
		for _, f := range facts {
			if f.q != qu.idx {
				continue
			}
			found = true
			a.Key, a.Asks = qu.key, f.asks
			if f.cat >= 0 && f.cat < len(qu.categories) {
				a.Category = qu.categories[f.cat]
			}
			for _, v := range values {
				if v.q == qu.idx {
					a.Value = v.value
					a.AnsweredOn = created.Add(time.Duration(v.ms) * time.Millisecond)
				}
			}
			if f.wait >= 0 && !a.AnsweredOn.IsZero() {
				a.AskedOn = a.AnsweredOn.Add(-time.Duration(f.wait) * time.Second)
			}
		}
		if found {
			out = append(out, a)
		}
	}
	return out
}

// Sends lists a tracked flow's sends, oldest first.
func (m *Monitor) Sends(ctx context.Context, flowUUID string) ([]Send, error) {
	if _, err := loadFlow(ctx, m.db, m.workspace, flowUUID); err != nil {
		return nil, err
	}
	rows, err := m.db.Query(ctx, `SELECT uuid, status, groups, contacts, created_on FROM analytics_send
		WHERE workspace = $1 AND flow_uuid = $2 ORDER BY created_on, uuid`, m.workspace, flowUUID)
	if err != nil {
		return nil, fmt.Errorf("analytics: reading sends: %w", err)
	}
	defer rows.Close()
	var out []Send
	for rows.Next() {
		s := Send{Flow: flowUUID}
		var groups string
		if err := rows.Scan(&s.UUID, &s.Status, &groups, &s.Contacts, &s.CreatedOn); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(groups), &s.Groups); err != nil {
			return nil, fmt.Errorf("analytics: send %s: %w", s.UUID, err)
		}
		s.Label = sendLabel(s.CreatedOn, m.cfg.loc)
		out = append(out, s)
	}
	return out, rows.Err()
}

// Month is the monthly report of the Leadership Team: every tracked
// workflow sent in the given month (its sends made that month, in the
// Monitor's time zone), with their counts, findings and non-responders.
func (m *Monitor) Month(ctx context.Context, year int, month time.Month) (*Month, error) {
	start := time.Date(year, month, 1, 0, 0, 0, 0, m.cfg.loc)
	end := start.AddDate(0, 1, 0)
	out := &Month{Start: start, End: end, Workflows: []MonthWorkflow{}}
	flows, err := m.Flows(ctx)
	if err != nil {
		return nil, err
	}
	for _, fl := range flows {
		sends, err := m.Sends(ctx, fl.UUID)
		if err != nil {
			return nil, err
		}
		var in []string
		for _, s := range sends {
			if !s.CreatedOn.Before(start) && s.CreatedOn.Before(end) {
				in = append(in, s.UUID)
			}
		}
		if len(in) == 0 {
			continue
		}
		a, err := m.Analyze(ctx, fl.UUID, Filter{Sends: in})
		if err != nil {
			return nil, err
		}
		b, _ := a.Breakdown(BySend)
		mw := MonthWorkflow{Flow: a.Flow, Sends: b.Groups, Counts: a.Counts, Misunderstood: a.Misunderstood, Low: a.Low, NonResponders: a.NonResponders}
		out.Workflows = append(out.Workflows, mw)
		out.Totals = addCounts(out.Totals, a.Counts)
	}
	return out, nil
}

func addCounts(a, b Counts) Counts {
	return Counts{
		Contacted: a.Contacted + b.Contacted, Delivered: a.Delivered + b.Delivered, Failed: a.Failed + b.Failed,
		Responded: a.Responded + b.Responded, AnsweredAll: a.AnsweredAll + b.AnsweredAll,
		Completed: a.Completed + b.Completed, Interrupted: a.Interrupted + b.Interrupted, Expired: a.Expired + b.Expired,
		Errored: a.Errored + b.Errored, Active: a.Active + b.Active,
		NoAnswer: a.NoAnswer + b.NoAnswer, Stopped: a.Stopped + b.Stopped, NeedsTraining: a.NeedsTraining + b.NeedsTraining,
	}
}
