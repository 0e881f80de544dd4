package analytics

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"math/bits"
	"slices"
	"strings"
	"time"

	"github.com/mhero-go/mhero/store"
)

// Analyze computes everything the analytics say about a tracked flow, or
// the part of its runs f selects, from the store alone: counts and rates,
// by every dimension, per question, the funnel, trends across sends, the
// questions that seem misunderstood, the groups that answer far less, and
// the non-responders by reason.
//
// It reads the runs once, in a read transaction (a consistent snapshot),
// and keeps only per-group and per-question tallies: its memory does not
// grow with the number of runs.
func (m *Monitor) Analyze(ctx context.Context, flowUUID string, f Filter) (*Analysis, error) {
	var a *Analysis
	err := m.db.ReadTx(ctx, func(tx *store.Tx) error {
		p, err := m.newPass(ctx, tx, flowUUID, f, []Dimension{ByDistrict, ByCadre}, false)
		if err != nil {
			return err
		}
		if err := p.run(ctx, tx); err != nil {
			return err
		}
		a = p.analysis()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// CrossTabs returns, for every question, its distribution of final
// categories by the groups of each of dims (Analyze gives them by district
// and cadre).
func (m *Monitor) CrossTabs(ctx context.Context, flowUUID string, f Filter, dims ...Dimension) ([]CrossTab, error) {
	var out []CrossTab
	err := m.db.ReadTx(ctx, func(tx *store.Tx) error {
		p, err := m.newPass(ctx, tx, flowUUID, f, dims, false)
		if err != nil {
			return err
		}
		if err := p.run(ctx, tx); err != nil {
			return err
		}
		out = p.crossTabs()
		return nil
	})
	return out, err
}

// workerDims are the dimensions a run's worker decides.
var workerDims = [nWorkerDims]Dimension{ByRegion, ByDistrict, ByFacility, ByCadre, ByGender}

const nWorkerDims = 5

// acc tallies the runs of one group.
type acc struct {
	key, label string
	start      time.Time
	order      int64 // sort key for sends
	Counts
	// pending holds the runs whose reason waits for the misunderstood
	// questions to be known: those with misfits on enough questions.
	pending map[pendKey]int
}

type pendKey struct {
	mask    uint64
	stopped bool
}

// dimIndex holds the groups of one worker dimension, by code (see
// workerIndex).
type dimIndex struct {
	dim    Dimension
	groups []*acc
}

// group returns the group of a code, made on first use.
func (d *dimIndex) group(code int32, wi *workerIndex, i int) *acc {
	g := d.groups[code]
	if g == nil {
		g = &acc{key: wi.keys[i][code], label: wi.labels[i][code]}
		d.groups[code] = g
	}
	return g
}

// qacc tallies one question.
type qacc struct {
	asked, replied, answered, other, noResponse, waiting, reAsked, reAsks int
	misfit                                                                int
	stopped                                                               int
	cats                                                                  []int
	hist                                                                  waitHist
}

// pass is one reading of a flow's runs.
type pass struct {
	m     *Monitor
	fs    *flowState
	th    Thresholds
	loc   *time.Location
	f     Filter
	asOf  time.Time
	flow  Flow
	total acc

	sends   map[int64]*acc
	weeks   map[int]*acc
	dims    map[Dimension]*dimIndex
	wi      *workerIndex     // the workers' group codes
	full    map[int64]Worker // worker id → attributes, for listings
	listing bool
	scanAll bool // read the flow's runs by scanning the table, not the index

	questions []qacc
	cross     []Dimension
	crossDim  []int       // index in workerDims of each of cross
	crossTab  [][][][]int // dimension → question → group → category counts (+asked last)

	wait []bool // question idx → waits for a reply
}

func (m *Monitor) newPass(ctx context.Context, tx *store.Tx, flowUUID string, f Filter, cross []Dimension, listing bool) (*pass, error) {
	fs, err := loadFlow(ctx, tx, m.workspace, flowUUID)
	if err != nil {
		return nil, err
	}
	p := &pass{m: m, fs: fs, th: m.cfg.thresholds, loc: m.cfg.loc, f: f, sends: map[int64]*acc{}, weeks: map[int]*acc{},
		dims: map[Dimension]*dimIndex{}, full: map[int64]Worker{}, cross: cross, listing: listing}
	p.flow = Flow{UUID: fs.uuid, Name: fs.name, Questions: fs.describe()}
	var refreshed nullTime
	var last Counts
	if err := tx.QueryRow(ctx, `SELECT tracked_on, refreshed_on, counts FROM analytics_flow WHERE id = $1`, fs.id).Scan(&p.flow.TrackedOn, &refreshed, jsonScanner{&last}); err != nil {
		return nil, fmt.Errorf("analytics: reading flow %s: %w", flowUUID, err)
	}
	if tx.Dialect() == store.SQLite {
		// SQLite reads the flow's runs faster by scanning the whole table
		// than through the index when they are most of it. Their number
		// is the last refresh's count, or else counted (in the index);
		// the run ids are dense, so the largest is about the number of
		// runs.
		n, top := int64(last.Contacted), int64(0)
		q := `SELECT $1, COALESCE(MAX(id), 0) FROM analytics_run`
		if n == 0 {
			q = `SELECT (SELECT COUNT(*) FROM analytics_run WHERE flow_id = $1), (SELECT COALESCE(MAX(id), 0) FROM analytics_run)`
		}
		arg := any(fs.id)
		if n > 0 {
			arg = n
		}
		if err := tx.QueryRow(ctx, q, arg).Scan(&n, &top); err != nil {
			return nil, fmt.Errorf("analytics: reading runs: %w", err)
		}
		p.scanAll = n*2 >= top
	}
	p.flow.RefreshedOn, p.asOf = refreshed.t, refreshed.t
	p.questions = make([]qacc, len(fs.questions))
	p.wait = make([]bool, len(fs.questions))
	for i, qu := range fs.questions {
		p.questions[i].cats = make([]int, len(qu.categories))
		p.wait[i] = qu.wait
	}
	if err := p.loadSends(ctx, tx); err != nil {
		return nil, err
	}
	if err := p.loadWorkers(ctx, tx); err != nil {
		return nil, err
	}
	for _, d := range cross {
		i := slices.Index(workerDims[:], d)
		if i < 0 {
			return nil, fmt.Errorf("analytics: cross-tabulation by %s: not a worker dimension", d)
		}
		p.crossDim = append(p.crossDim, i)
	}
	return p, nil
}

// loadSends reads the flow's sends, to label them and to filter by them.
func (p *pass) loadSends(ctx context.Context, tx *store.Tx) error {
	rows, err := tx.Query(ctx, `SELECT id, uuid, created_on FROM analytics_send WHERE workspace = $1 AND flow_uuid = $2`,
		p.m.workspace, p.fs.uuid)
	if err != nil {
		return fmt.Errorf("analytics: reading sends: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var u string
		var t time.Time
		if err := rows.Scan(&id, &u, &t); err != nil {
			return err
		}
		p.sends[id] = &acc{key: u, label: sendLabel(t, p.loc), start: t, order: t.UnixMicro()}
	}
	return rows.Err()
}

// sendLabel names a send after the time it was made.
func sendLabel(t time.Time, loc *time.Location) string {
	return "Send of " + t.In(loc).Format("2 Jan 2006 15:04")
}

const noSendLabel = "Not from a flow start (keyword trigger or another flow)"

// loadWorkers reads the workers' group codes and, for listings, their
// attributes.
func (p *pass) loadWorkers(ctx context.Context, tx *store.Tx) error {
	wi, err := p.m.workers(ctx, tx)
	if err != nil {
		return err
	}
	p.wi = wi
	for i, d := range workerDims {
		p.dims[d] = &dimIndex{dim: d, groups: make([]*acc, len(wi.keys[i]))}
	}
	if p.listing {
		p.full = wi.workers
	}
	return nil
}

// workerIndex is what the analyses know of the stored workers: their
// attributes by id, and a code for their group in each of workerDims (0:
// unknown). A workerIndex is never changed once made (passes read it
// without a lock); newer workers make a new one.
type workerIndex struct {
	workers map[int64]Worker
	codes   map[int64][nWorkerDims]int32
	keys    [nWorkerDims][]string
	labels  [nWorkerDims][]string
	byKey   [nWorkerDims]map[string]int32
	max     int64 // the largest worker id read
}

// workers returns the index of every stored worker. (All of them: finding
// those of a flow's runs would cost a reading of the runs, and their
// number is bounded by the workforce.) Worker rows are never changed once
// committed, so the Monitor keeps the index and reads only newer rows.
func (m *Monitor) workers(ctx context.Context, q store.Querier) (*workerIndex, error) {
	m.wmu.Lock()
	defer m.wmu.Unlock()
	wi := m.windex
	if wi == nil {
		wi = &workerIndex{workers: map[int64]Worker{}, codes: map[int64][nWorkerDims]int32{}}
		for i := range workerDims {
			wi.keys[i], wi.labels[i] = []string{""}, []string{"(unknown)"}
			wi.byKey[i] = map[string]int32{"": 0}
		}
	}
	rows, err := q.Query(ctx, `SELECT id, ihris_id, name, gender, facility_id, facility, district_id, district, region_id, region, cadre, cadre_name
		FROM analytics_worker WHERE id > $1 ORDER BY id`, wi.max)
	if err != nil {
		return nil, fmt.Errorf("analytics: reading workers: %w", err)
	}
	defer rows.Close()
	var next *workerIndex // copied on first write
	for rows.Next() {
		var id int64
		var w Worker
		if err := rows.Scan(&id, &w.ID, &w.Name, &w.Gender, &w.FacilityID, &w.Facility, &w.DistrictID, &w.District, &w.RegionID, &w.Region, &w.Cadre, &w.CadreName); err != nil {
			return nil, err
		}
		if next == nil {
			next = &workerIndex{workers: maps.Clone(wi.workers), codes: maps.Clone(wi.codes), max: wi.max}
			for i := range workerDims {
				next.keys[i], next.labels[i] = slices.Clip(wi.keys[i]), slices.Clip(wi.labels[i])
				next.byKey[i] = maps.Clone(wi.byKey[i])
			}
		}
		var codes [nWorkerDims]int32
		for i, d := range workerDims {
			key, label := dimValue(d, &w)
			c, ok := next.byKey[i][key]
			if !ok {
				c = int32(len(next.keys[i]))
				next.keys[i] = append(next.keys[i], key)
				next.labels[i] = append(next.labels[i], label)
				next.byKey[i][key] = c
			}
			codes[i] = c
		}
		next.workers[id], next.codes[id] = w, codes
		next.max = id
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if next != nil {
		wi = next
	}
	m.windex = wi
	return wi, nil
}

// dimValue returns a worker's key and label in a dimension.
func dimValue(d Dimension, w *Worker) (key, label string) {
	switch d {
	case ByRegion:
		return w.RegionID, cmp.Or(w.Region, w.RegionID)
	case ByDistrict:
		return w.DistrictID, cmp.Or(w.District, w.DistrictID)
	case ByFacility:
		return w.FacilityID, cmp.Or(w.Facility, w.FacilityID)
	case ByCadre:
		return w.Cadre, cmp.Or(w.CadreName, w.Cadre)
	case ByGender:
		return w.Gender, genderLabel(w.Gender)
	}
	return "", ""
}

func genderLabel(g string) string {
	switch g {
	case "female":
		return "Female"
	case "male":
		return "Male"
	case "other":
		return "Other"
	case "unknown":
		return "Unknown"
	}
	return g
}

// runQuery returns the statement reading columns of the runs f selects
// (from the run table as r, joined with the detail table as d when
// detail), and its arguments.
func (p *pass) runQuery(columns string, detail bool) (string, []any) {
	var b strings.Builder
	args := []any{p.fs.id}
	b.WriteString("SELECT " + columns + " FROM analytics_run r")
	if detail {
		b.WriteString(" JOIN analytics_run_detail d ON d.id = r.id")
	}
	if p.scanAll {
		b.WriteString(" WHERE +r.flow_id = $1") // + keeps SQLite off the index
	} else {
		b.WriteString(" WHERE r.flow_id = $1")
	}
	if len(p.f.Sends) > 0 {
		var ids []string
		for _, u := range p.f.Sends {
			if u == "" {
				args = append(args, int64(0))
				ids = append(ids, fmt.Sprintf("$%d", len(args)))
				continue
			}
			for id, s := range p.sends {
				if s.key == u {
					args = append(args, id)
					ids = append(ids, fmt.Sprintf("$%d", len(args)))
				}
			}
		}
		if len(ids) == 0 {
			ids = []string{"-1"}
		}
		b.WriteString(" AND r.send_id IN (" + strings.Join(ids, ", ") + ")")
	}
	if !p.f.Since.IsZero() {
		args = append(args, p.f.Since)
		fmt.Fprintf(&b, " AND r.created_on >= $%d", len(args))
	}
	if !p.f.Until.IsZero() {
		args = append(args, p.f.Until)
		fmt.Fprintf(&b, " AND r.created_on < $%d", len(args))
	}
	return b.String(), args
}

// runFacts is what one run contributes, as the pass reads it.
type runFacts struct {
	send                  int64
	worker                int64
	created               time.Time
	exit                  string
	responded             bool
	isDelivered, isFailed bool
	outMsgs, outFailed    int // read by listings only
	outcome
	facts []fact
}

// maxMasked bounds the questions whose replies and misfits a run's masks
// (BIGINT columns) hold: questions numbered from 63 on are never found
// misunderstood, and their misfits do not mark a worker as needing
// training.
const maxMasked = 63

// outcome is what a run's facts say of the worker, computed when the run
// is written and kept in analytics_run's columns of the same names.
type outcome struct {
	answered    int    // questions answered with a fitting reply
	misfits     uint64 // questions whose replies fit no category at least once
	replied     uint64 // questions replied to at least once
	stopAt      int    // question idx the worker stopped at, -1 if none
	answeredAll bool   // exited, having replied to every question asked
}

// judge reads a run's facts against the flow's questions.
func judge(fs *flowState, exit string, facts []fact) outcome {
	o := outcome{stopAt: -1}
	lastReply := -1
	waits := 0
	allReplied := true
	for i, f := range facts {
		if f.q >= len(fs.questions) {
			continue
		}
		qu := fs.questions[f.q]
		reply := f.cat >= 0 && f.cat != qu.timeoutIdx
		if reply && f.cat != qu.otherIdx {
			o.answered++
		}
		if !qu.wait {
			continue
		}
		waits++
		if reply {
			lastReply = i
		} else {
			allReplied = false
		}
		if f.q < maxMasked {
			if reply || f.asks > 1 {
				o.replied |= 1 << f.q
			}
			if (f.cat >= 0 && f.cat == qu.otherIdx) || f.asks > 1 {
				o.misfits |= 1 << f.q
			}
		}
	}
	o.answeredAll = exit != "" && waits > 0 && allReplied
	if lastReply >= 0 {
		for _, f := range facts[lastReply+1:] {
			if f.q < len(fs.questions) && fs.questions[f.q].wait {
				o.stopAt = f.q
				break
			}
		}
	}
	return o
}

func (r *runFacts) delivered() bool { return r.isDelivered }
func (r *runFacts) failed() bool    { return r.isFailed }

// add counts a run in a group.
func (a *acc) add(r *runFacts, th *Thresholds) {
	c := &a.Counts
	o := &r.outcome
	c.Contacted++
	if r.delivered() {
		c.Delivered++
	}
	if r.failed() {
		c.Failed++
	}
	if r.responded {
		c.Responded++
	}
	if o.answeredAll {
		c.AnsweredAll++
	}
	switch r.exit {
	case "":
		c.Active++
	case "completed":
		c.Completed++
	case "interrupted":
		c.Interrupted++
	case "expired":
		c.Expired++
	default:
		c.Errored++
	}
	switch {
	case r.failed():
	case !r.responded:
		c.NoAnswer++
	case bits.OnesCount64(o.misfits) >= th.TrainingMisfits:
		if a.pending == nil {
			a.pending = map[pendKey]int{}
		}
		a.pending[pendKey{o.misfits, o.stopAt >= 0}]++
	case o.stopAt >= 0:
		c.Stopped++
	}
}

// settle gives the pending runs their reason, once the misunderstood
// questions (whose misfits do not count) are known.
func (a *acc) settle(misunderstood uint64, th *Thresholds) {
	for k, n := range a.pending {
		switch {
		case bits.OnesCount64(k.mask&^misunderstood) >= th.TrainingMisfits:
			a.NeedsTraining += n
		case k.stopped:
			a.Stopped += n
		}
	}
	a.pending = nil
}

// run reads the runs and tallies them.
func (p *pass) run(ctx context.Context, tx *store.Tx) error {
	q, args := p.runQuery(runColumns+", r.facts", false)
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("analytics: reading runs: %w", err)
	}
	defer rows.Close()
	var r runFacts
	var facts sql.RawBytes // valid until the next row: parsed at once, never kept
	for rows.Next() {
		if err := r.scan(rows, &facts); err != nil {
			return fmt.Errorf("analytics: reading runs: %w", err)
		}
		r.facts, err = parseFacts(r.facts[:0], facts)
		if err != nil {
			return fmt.Errorf("analytics: a run of flow %s: %w", p.fs.uuid, err)
		}
		p.tally(&r)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("analytics: reading runs: %w", err)
	}
	p.finish()
	return nil
}

// runColumns are the columns runFacts.scan reads before the extra ones.
// The run's state comes packed in one integer: every column handed to Go
// costs about as much as SQLite's reading of the row, and a million runs
// are read in seconds only with few of them.
const runColumns = "r.send_id, r.worker_id, r.created_on, r.misfits, " + stateExpr

// stateExpr is a run's packed state (see packState) with its delivery:
// delivered (bit 5) or failed (bit 6), which messages linked later decide.
const stateExpr = `r.state + CASE WHEN r.out_msgs = 0 THEN 0 WHEN r.out_failed = r.out_msgs THEN 64 ELSE 32 END`

// packState packs what a run's row says of it in analytics_run.state: its
// exit type (3 bits), responded (bit 3), answered all (bit 4), the
// question it stopped at plus one (bits 7 to 19) and the number of
// questions answered (from bit 20).
func packState(exit string, responded bool, o outcome) int64 {
	s := int64(slices.Index(exitTypes[:], exit))
	if s < 0 {
		s = 4 // any other exit: the engine failed
	}
	if responded {
		s |= 8
	}
	if o.answeredAll {
		s |= 16
	}
	s |= int64(min(o.stopAt+1, 1<<13-1)) << 7
	s |= int64(o.answered) << 20
	return s
}

var exitTypes = [...]string{"", "completed", "interrupted", "expired", "failed"}

// scan reads runColumns and dst's columns.
func (r *runFacts) scan(rows *sql.Rows, dst ...any) error {
	var misfits, state int64
	args := append([]any{&r.send, &r.worker, &r.created, &misfits, &state}, dst...)
	if err := rows.Scan(args...); err != nil {
		return err
	}
	r.misfits = uint64(misfits)
	r.exit = exitTypes[min(state&7, 4)]
	r.responded = state&8 != 0
	r.answeredAll = state&16 != 0
	r.isDelivered, r.isFailed = state&32 != 0, state&64 != 0
	r.stopAt = int(state>>7&(1<<13-1)) - 1
	r.answered = int(state >> 20)
	return nil
}

func (p *pass) tally(r *runFacts) {
	th := &p.th
	p.total.add(r, th)
	s := p.sends[r.send]
	if s == nil {
		s = &acc{key: "", label: noSendLabel, start: r.created, order: r.created.UnixMicro()}
		if r.send != 0 {
			s.key = fmt.Sprintf("send-%d", r.send)
		}
		p.sends[r.send] = s
	}
	if r.send == 0 && r.created.Before(s.start) {
		s.start, s.order = r.created, r.created.UnixMicro()
	}
	s.add(r, th)
	year, week := r.created.In(p.loc).ISOWeek()
	wk := p.weeks[year*100+week]
	if wk == nil {
		wk = &acc{key: fmt.Sprintf("%d-W%02d", year, week), label: weekLabel(year, week, p.loc), start: weekStart(year, week, p.loc)}
		wk.order = wk.start.UnixMicro()
		p.weeks[year*100+week] = wk
	}
	wk.add(r, th)
	codes := p.wi.codes[r.worker] // all 0, unknown, for worker 0
	for i, d := range workerDims {
		p.dims[d].group(codes[i], p.wi, i).add(r, th)
	}

	for _, f := range r.facts {
		if f.q >= len(p.questions) {
			continue
		}
		qa := &p.questions[f.q]
		qu := p.fs.questions[f.q]
		qa.asked++
		reply := f.cat >= 0 && f.cat != qu.timeoutIdx
		if reply || f.asks > 1 {
			qa.replied++
		}
		switch {
		case f.cat < 0 && r.exit == "":
			qa.waiting++
		case f.cat < 0: // the run ended while waiting (expired, interrupted)
			qa.noResponse++
		case f.cat == qu.timeoutIdx:
			qa.noResponse++
		case f.cat == qu.otherIdx:
			qa.other++
		default:
			qa.answered++
		}
		if f.cat >= 0 && f.cat < len(qa.cats) {
			qa.cats[f.cat]++
		}
		if f.asks > 1 {
			qa.reAsked++
			qa.reAsks += f.asks - 1
		}
		if (f.cat >= 0 && f.cat == qu.otherIdx) || f.asks > 1 {
			qa.misfit++
		}
		if f.wait >= 0 && reply {
			qa.hist.add(f.wait)
		}
		for di, i := range p.crossDim {
			p.crossAdd(di, f.q, int(codes[i]), f.cat)
		}
	}
	if r.stopAt >= 0 && r.stopAt < len(p.questions) && r.responded {
		p.questions[r.stopAt].stopped++
	}
}

// crossAdd counts a run's final category of question q in a group.
func (p *pass) crossAdd(di, q, code, cat int) {
	if p.crossTab == nil {
		p.crossTab = make([][][][]int, len(p.cross))
	}
	byQ := p.crossTab[di]
	if len(byQ) < len(p.questions) {
		byQ = append(byQ, make([][][]int, len(p.questions)-len(byQ))...)
		p.crossTab[di] = byQ
	}
	groups := byQ[q]
	for len(groups) <= code {
		groups = append(groups, nil)
	}
	row := groups[code]
	if row == nil {
		row = make([]int, len(p.questions[q].cats)+1)
		groups[code] = row
	}
	byQ[q] = groups
	row[len(row)-1]++ // asked
	if cat >= 0 && cat < len(row)-1 {
		row[cat]++
	}
}

// finish applies what is known only once every run is read: the
// misunderstood questions, and so the reasons of pending runs.
func (p *pass) finish() {
	mask := uint64(0)
	for _, q := range p.misunderstood() {
		mask |= 1 << q.idx
	}
	th := &p.th
	p.total.settle(mask, th)
	for _, s := range p.sends {
		s.settle(mask, th)
	}
	for _, w := range p.weeks {
		w.settle(mask, th)
	}
	for _, d := range p.dims {
		for _, g := range d.groups {
			if g != nil {
				g.settle(mask, th)
			}
		}
	}
}

// flagged is a question found misunderstood.
type flagged struct {
	idx     int
	finding Finding
}

// misunderstood returns the questions flagged as misunderstood.
func (p *pass) misunderstood() []flagged {
	var tested []int
	total := Rate{}
	for i, qa := range p.questions {
		if !p.wait[i] || i >= maxMasked {
			continue
		}
		total.N += qa.misfit
		total.Of += qa.replied
		if qa.replied >= p.th.MinGroup {
			tested = append(tested, i)
		}
	}
	if len(tested) < 2 {
		return nil
	}
	alpha := p.th.Alpha / float64(len(tested))
	var out []flagged
	for _, i := range tested {
		qa := p.questions[i]
		a := Rate{qa.misfit, qa.replied}
		b := Rate{total.N - qa.misfit, total.Of - qa.replied}
		t := TwoProportion(a, b, alpha)
		if !t.Significant || t.Diff < p.th.MinGap || a.Value() < p.th.MinMisfit {
			continue
		}
		qu := p.fs.questions[i]
		stmt := fmt.Sprintf("Question %d (%s) seems misunderstood: %s of the workers who replied to it gave a reply that fit none of its answers (Other, or asked again), against %s on the other questions. "+
			"A gap this large happens by chance %s (two-proportion z-test, z = %.1f, %s). Consider rewording it.",
			qu.position, qu.key, percent(a.Value()), percent(b.Value()), chance(t.P), t.Z, pValue(t.P))
		out = append(out, flagged{idx: i, finding: Finding{Test: t, Statement: stmt}})
	}
	return out
}

// analysis assembles the results.
func (p *pass) analysis() *Analysis {
	a := &Analysis{Flow: p.flow, Filter: p.f, AsOf: p.asOf, Counts: p.total.Counts,
		Misunderstood: []Question{}, Low: []GroupFinding{}, Trends: []Change{}}
	for _, d := range dimensions {
		a.Breakdowns = append(a.Breakdowns, p.breakdown(d))
	}
	flags := map[int]*Finding{}
	for _, fl := range p.misunderstood() {
		flags[fl.idx] = &fl.finding
	}
	for _, qu := range p.fs.ordered() {
		q := p.question(qu, flags[qu.idx])
		a.Questions = append(a.Questions, q)
		if q.Misunderstood != nil {
			a.Misunderstood = append(a.Misunderstood, q)
		}
		if qu.wait {
			qa := p.questions[qu.idx]
			a.Funnel = append(a.Funnel, FunnelStep{Key: qu.key, Name: qu.name, Position: qu.position,
				Asked: qa.asked, Replied: qa.replied, Answered: qa.answered, StoppedHere: qa.stopped})
		}
	}
	sends, _ := a.Breakdown(BySend)
	a.Trends = append(a.Trends, p.trends(sends.Groups)...)
	for _, d := range workerDims {
		b, _ := a.Breakdown(d)
		a.Low = append(a.Low, p.low(b)...)
	}
	a.NonResponders = reasonCounts(a.Counts)
	a.CrossTabs = p.crossTabs()
	return a
}

func reasonCounts(c Counts) []ReasonCount {
	return []ReasonCount{{ReasonOutOfCoverage, c.Failed}, {ReasonNoAnswer, c.NoAnswer}, {ReasonNeedsTraining, c.NeedsTraining}, {ReasonStopped, c.Stopped}}
}

func (p *pass) question(qu *question, flag *Finding) Question {
	qa := p.questions[qu.idx]
	q := Question{Key: qu.key, Name: qu.name, Text: qu.text, Position: qu.position, Wait: qu.wait, Categories: qu.display(),
		Type: qu.answer.Type, Min: qu.answer.Min, Max: qu.answer.Max,
		Asked: qa.asked, Replied: qa.replied, Answered: qa.answered, Other: qa.other, NoResponse: qa.noResponse,
		Waiting: qa.waiting, ReAsked: qa.reAsked, ReAsks: qa.reAsks, Misfit: Rate{qa.misfit, qa.replied}, Misunderstood: flag}
	if !qu.wait {
		q.Misfit = Rate{}
	}
	for _, c := range q.Categories {
		n := 0
		if i, ok := qu.catIdx[c]; ok && i < len(qa.cats) {
			n = qa.cats[i]
		}
		q.Distribution = append(q.Distribution, CategoryCount{Category: c, Count: n})
	}
	q.MedianAnswerTime, q.Timed = qa.hist.median()
	return q
}

// breakdown returns the groups of a dimension, in its order, leaving out
// groups without runs.
func (p *pass) breakdown(d Dimension) Breakdown {
	var groups []*acc
	switch d {
	case BySend:
		for _, s := range p.sends {
			groups = append(groups, s)
		}
		slices.SortFunc(groups, func(a, b *acc) int { return cmp.Or(cmp.Compare(a.order, b.order), cmp.Compare(a.key, b.key)) })
	case ByWeek:
		for _, w := range p.weeks {
			groups = append(groups, w)
		}
		slices.SortFunc(groups, func(a, b *acc) int { return cmp.Compare(a.key, b.key) })
	default:
		for _, g := range p.dims[d].groups {
			if g != nil {
				groups = append(groups, g)
			}
		}
		slices.SortFunc(groups, func(a, b *acc) int {
			if (a.key == "") != (b.key == "") {
				if a.key == "" {
					return 1
				}
				return -1
			}
			return cmp.Or(cmp.Compare(strings.ToLower(a.label), strings.ToLower(b.label)), cmp.Compare(a.key, b.key))
		})
	}
	b := Breakdown{Dimension: d, Groups: []Group{}}
	for _, g := range groups {
		if g.Contacted == 0 {
			continue
		}
		b.Groups = append(b.Groups, Group{Key: g.key, Label: g.label, Start: g.start, Counts: g.Counts})
	}
	return b
}

// low returns the groups of a worker dimension whose response rate is far
// below the rest's.
func (p *pass) low(b Breakdown) []GroupFinding {
	var tested []Group
	for _, g := range b.Groups {
		if g.Key != "" && g.Contacted >= p.th.MinGroup && p.total.Contacted-g.Contacted >= p.th.MinGroup {
			tested = append(tested, g)
		}
	}
	if len(tested) < 2 {
		return nil
	}
	alpha := p.th.Alpha / float64(len(tested))
	noun := pluralOf(dimNoun(b.Dimension))
	var out []GroupFinding
	for _, g := range tested {
		a := g.ResponseRate()
		rest := Rate{p.total.Responded - g.Responded, p.total.Contacted - g.Contacted}
		t := TwoProportion(a, rest, alpha)
		if !t.Significant || -t.Diff < p.th.MinGap {
			continue
		}
		fa := g.FailureRate()
		fr := Rate{p.total.Failed - g.Failed, p.total.Contacted - g.Contacted}
		stmt := fmt.Sprintf("%s answers far less than the other %s: %s of its health workers responded (%s), against %s (%s) elsewhere. "+
			"A gap this large happens by chance %s (two-proportion z-test, z = %.1f, %s). Out of coverage: %s there, %s elsewhere.",
			g.Label, noun, percent(a.Value()), a.counts(), percent(rest.Value()), rest.counts(), chance(t.P), t.Z, pValue(t.P), percent(fa.Value()), percent(fr.Value()))
		out = append(out, GroupFinding{Dimension: b.Dimension, Key: g.Key, Label: g.Label, Finding: Finding{Test: t, Statement: stmt}})
	}
	return out
}

func dimNoun(d Dimension) string {
	switch d {
	case ByGender:
		return "gender"
	}
	return string(d)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// trends compares each send with the one before it.
func (p *pass) trends(sends []Group) []Change {
	var out []Change
	metrics := []struct {
		m    Metric
		rate func(Counts) Rate
	}{{MetricResponse, Counts.ResponseRate}, {MetricDelivery, Counts.DeliveryRate}, {MetricCompletion, Counts.CompletionRate}}
	for i := 1; i < len(sends); i++ {
		from, to := sends[i-1], sends[i]
		for _, mt := range metrics {
			before, after := mt.rate(from.Counts), mt.rate(to.Counts)
			t := TwoProportion(after, before, p.th.Alpha)
			out = append(out, Change{Metric: mt.m, From: from, To: to, Before: before, After: after, Test: t,
				Statement: changeStatement(mt.m, from, to, before, after, t)})
		}
	}
	return out
}

func changeStatement(m Metric, from, to Group, before, after Rate, t ZTest) string {
	name := capitalize(string(m))
	if before.Of == 0 || after.Of == 0 {
		return fmt.Sprintf("%s cannot be compared between %s and %s: one of them reached nobody.", name, lowerFirst(from.Label), lowerFirst(to.Label))
	}
	if t.Diff == 0 {
		return fmt.Sprintf("%s was %s in both the %s (%s) and the %s (%s).",
			name, percent(after.Value()), lowerFirst(from.Label), before.counts(), lowerFirst(to.Label), after.counts())
	}
	move := "rose"
	if t.Diff < 0 {
		move = "fell"
	}
	head := fmt.Sprintf("%s %s from %s (%s) in the %s to %s (%s) in the %s",
		name, move, percent(before.Value()), before.counts(), lowerFirst(from.Label), percent(after.Value()), after.counts(), lowerFirst(to.Label))
	if t.Significant {
		return fmt.Sprintf("%s. A change this large happens by chance %s (two-proportion z-test, z = %.1f, %s): it is a real change.", head, chance(t.P), t.Z, pValue(t.P))
	}
	return fmt.Sprintf("%s. A change this size happens by chance %s (two-proportion z-test, z = %.1f, %s): it is not a significant change.", head, chance(t.P), t.Z, pValue(t.P))
}

func lowerFirst(s string) string {
	if s == "" || strings.HasPrefix(s, "(") {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// crossTabs assembles the cross-tabulations.
func (p *pass) crossTabs() []CrossTab {
	out := []CrossTab{}
	for di, d := range p.cross {
		groups := make([]*acc, len(p.dims[d].groups))
		for code := range groups {
			groups[code] = &acc{key: p.wi.keys[p.crossDim[di]][code], label: p.wi.labels[p.crossDim[di]][code]}
		}
		order := make([]int, len(groups))
		for i := range order {
			order[i] = i
		}
		slices.SortFunc(order, func(a, b int) int {
			ga, gb := groups[a], groups[b]
			if (ga.key == "") != (gb.key == "") {
				if ga.key == "" {
					return 1
				}
				return -1
			}
			return cmp.Or(cmp.Compare(strings.ToLower(ga.label), strings.ToLower(gb.label)), cmp.Compare(ga.key, gb.key))
		})
		for _, qu := range p.fs.ordered() {
			ct := CrossTab{Question: qu.key, Dimension: d, Categories: qu.display(), Rows: []CrossTabRow{}}
			var byGroup [][]int
			if p.crossTab != nil && len(p.crossTab[di]) > qu.idx {
				byGroup = p.crossTab[di][qu.idx]
			}
			for _, code := range order {
				if code >= len(byGroup) || byGroup[code] == nil {
					continue
				}
				row := byGroup[code]
				r := CrossTabRow{Key: groups[code].key, Label: groups[code].label, Asked: row[len(row)-1], Counts: make([]int, len(ct.Categories))}
				for j, c := range ct.Categories {
					if i, ok := qu.catIdx[c]; ok && i < len(row)-1 {
						r.Counts[j] = row[i]
					}
				}
				ct.Rows = append(ct.Rows, r)
			}
			out = append(out, ct)
		}
	}
	return out
}

// weekLabel names an ISO week: "Week 10 of 2026 (from 2 Mar)".
func weekLabel(year, week int, loc *time.Location) string {
	return fmt.Sprintf("Week %d of %d (from %s)", week, year, weekStart(year, week, loc).Format("2 Jan"))
}

// weekStart returns the Monday that starts an ISO week.
func weekStart(year, week int, loc *time.Location) time.Time {
	// 4 January is always in week 1.
	jan4 := time.Date(year, 1, 4, 0, 0, 0, 0, loc)
	monday := jan4.AddDate(0, 0, -((int(jan4.Weekday()) + 6) % 7))
	return monday.AddDate(0, 0, 7*(week-1))
}

// waitHist counts answer times: to the second under an hour, to the
// minute under a week, to the hour beyond (up to 90 days), so that the
// median is exact to that resolution in constant memory.
type waitHist struct {
	secs  []int32 // [0, 3600)
	mins  []int32 // [60, 10080) minutes
	hours []int32 // [168, 2160) hours
	over  int
	n     int
}

func (h *waitHist) add(s int64) {
	h.n++
	switch {
	case s < 3600:
		if h.secs == nil {
			h.secs = make([]int32, 3600)
		}
		h.secs[s]++
	case s < 7*24*3600:
		if h.mins == nil {
			h.mins = make([]int32, 7*24*60)
		}
		h.mins[s/60]++
	case s < 90*24*3600:
		if h.hours == nil {
			h.hours = make([]int32, 90*24)
		}
		h.hours[s/3600]++
	default:
		h.over++
	}
}

// median returns the median (the lower middle value for an even count)
// and the number of values.
func (h *waitHist) median() (time.Duration, int) {
	if h.n == 0 {
		return 0, 0
	}
	target := (h.n + 1) / 2
	seen := 0
	for s, c := range h.secs {
		if seen += int(c); seen >= target {
			return time.Duration(s) * time.Second, h.n
		}
	}
	for m, c := range h.mins {
		if seen += int(c); seen >= target {
			return time.Duration(m) * time.Minute, h.n
		}
	}
	for hr, c := range h.hours {
		if seen += int(c); seen >= target {
			return time.Duration(hr) * time.Hour, h.n
		}
	}
	return 90 * 24 * time.Hour, h.n
}
