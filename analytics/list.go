package analytics

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"iter"
	"math/bits"
	"strings"
	"time"

	"github.com/mhero-go/mhero/store"
)

// NonResponders lists the health workers of a flow's runs (those f
// selects) who did not take part as asked, each with the likely reason
// (see [Reason]), in the order the runs were first stored (about the order
// they began; sorting a million would cost memory). Runs still active are
// listed too, with an empty ExitType: their reason may yet change.
//
// The list is read lazily, run by run, in a read transaction held while
// the loop runs. Before it, one aggregate query finds the misunderstood
// questions, whose misfits do not mark a worker as needing training.
func (m *Monitor) NonResponders(ctx context.Context, flowUUID string, f Filter) iter.Seq2[NonResponder, error] {
	return func(yield func(NonResponder, error) bool) {
		stopped := false
		err := m.db.ReadTx(ctx, func(tx *store.Tx) error {
			stopped = false
			p, err := m.newPass(ctx, tx, flowUUID, f, nil, true)
			if err != nil {
				return err
			}
			mask, err := p.misunderstoodMask(ctx, tx)
			if err != nil {
				return err
			}
			// The message counts come packed in one integer, as the
			// state does (see runColumns): they are counts, far below 2³¹.
			q, args := p.runQuery(runColumns+", r.out_msgs * 4294967296 + r.out_failed, d.uuid, d.contact_uuid, d.urn, d.name", true)
			q += " AND " + p.listedWhere(mask) + " ORDER BY r.id"
			rows, err := tx.Query(ctx, q, args...)
			if err != nil {
				return fmt.Errorf("analytics: reading runs: %w", err)
			}
			defer rows.Close()
			var r runFacts
			var out int64
			for rows.Next() {
				var n NonResponder
				if err := r.scan(rows, &out, &n.Run, &n.Contact, &n.URN, &n.Name); err != nil {
					return fmt.Errorf("analytics: reading runs: %w", err)
				}
				r.outMsgs, r.outFailed = int(out>>32), int(out&(1<<32-1))
				switch {
				case r.failed():
					n.Reason = ReasonOutOfCoverage
				case !r.responded:
					n.Reason = ReasonNoAnswer
				case bits.OnesCount64(r.misfits&^mask) >= p.th.TrainingMisfits:
					n.Reason = ReasonNeedsTraining
					n.Misfits = bits.OnesCount64(r.misfits &^ mask)
				case r.stopAt >= 0 && r.stopAt < len(p.fs.questions):
					n.Reason = ReasonStopped
					qu := p.fs.questions[r.stopAt]
					n.StoppedAt, n.StoppedAtPosition, n.StoppedAtText = qu.key, qu.position, qu.text
				default:
					continue
				}
				if s := p.sends[r.send]; s != nil && r.send != 0 {
					n.Send = s.key
				}
				n.Worker = p.full[r.worker]
				n.Answered = r.answered
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

// listedWhere is the condition selecting the runs that may be listed:
// failed, silent, with enough misfits outside mask (the misunderstood
// questions) to need training, or stopped at a known question. Deciding
// in the database spares the join with the wide detail table, and the
// handing of a row to Go, for each run the listing would skip (a quarter
// of those with misfits or stopped). It may select more than the listing
// keeps, never less: the loop decides.
func (p *pass) listedWhere(mask uint64) string {
	training := "r.misfits <> 0"
	if th := p.th.TrainingMisfits; th > 0 {
		// Count the misfits outside mask, question by question (bit
		// counts are not portable SQL); any bit beyond the questions
		// counts as enough, as the loop decides then.
		var terms []string
		known := uint64(0)
		for i := range min(len(p.fs.questions), maxMasked) {
			bit := uint64(1) << i
			known |= bit
			if mask&bit == 0 {
				terms = append(terms, fmt.Sprintf("CASE WHEN (r.misfits & %d) <> 0 THEN 1 ELSE 0 END", bit))
			}
		}
		terms = append(terms, fmt.Sprintf("CASE WHEN r.misfits < 0 OR r.misfits > %d THEN %d ELSE 0 END", known, th))
		training += fmt.Sprintf(" AND %s >= %d", strings.Join(terms, " + "), th)
	}
	stopped := "r.stop_q >= 0"
	if n := len(p.fs.questions); n < 1<<13-1 { // stopAt is packed in 13 bits
		stopped += fmt.Sprintf(" AND r.stop_q < %d", n)
	}
	return "((r.out_msgs > 0 AND r.out_failed = r.out_msgs) OR r.responded = FALSE OR (" + training + ") OR (" + stopped + "))"
}

// misunderstoodMask finds the misunderstood questions from the runs'
// reply and misfit masks, counted by the database, and returns them as a
// mask.
func (p *pass) misunderstoodMask(ctx context.Context, tx *store.Tx) (uint64, error) {
	var cols []string
	var qs []int
	for i, qu := range p.fs.questions {
		if qu.wait && i < maxMasked {
			bit := int64(1) << i
			cols = append(cols, fmt.Sprintf("CAST(SUM(CASE WHEN (r.replied & %d) <> 0 THEN 1 ELSE 0 END) AS BIGINT)", bit),
				fmt.Sprintf("CAST(SUM(CASE WHEN (r.misfits & %d) <> 0 THEN 1 ELSE 0 END) AS BIGINT)", bit))
			qs = append(qs, i)
		}
	}
	if len(qs) == 0 {
		return 0, nil
	}
	q, args := p.runQuery(strings.Join(cols, ", "), false)
	vals := make([]sql.NullInt64, 2*len(qs))
	dst := make([]any, len(vals))
	for i := range vals {
		dst[i] = &vals[i]
	}
	if err := tx.QueryRow(ctx, q, args...).Scan(dst...); err != nil {
		return 0, fmt.Errorf("analytics: counting misfits: %w", err)
	}
	for j, i := range qs {
		p.questions[i].replied = int(vals[2*j].Int64)
		p.questions[i].misfit = int(vals[2*j+1].Int64)
	}
	mask := uint64(0)
	for _, fl := range p.misunderstood() {
		mask |= 1 << fl.idx
	}
	return mask, nil
}

// Runs lists the runs of a flow that f selects, with their answers in
// question order, in the order they were first stored (about the order
// they began): what the CSV and FLOIP writers export. It reads lazily, in a read transaction held while the loop runs.
func (m *Monitor) Runs(ctx context.Context, flowUUID string, f Filter) iter.Seq2[Run, error] {
	return func(yield func(Run, error) bool) {
		stopped := false
		err := m.db.ReadTx(ctx, func(tx *store.Tx) error {
			stopped = false
			p, err := m.newPass(ctx, tx, flowUUID, f, nil, true)
			if err != nil {
				return err
			}
			q, args := p.runQuery(`r.send_id, r.worker_id, r.exit_type, r.responded, r.out_msgs, r.out_failed, r.facts,
				d.uuid, d.contact_uuid, d.urn, d.name, d.created_on, d.modified_on, d.exited_on, d.results`, true)
			rows, err := tx.Query(ctx, q+" ORDER BY r.id", args...)
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
				run.Worker = p.full[worker]
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
