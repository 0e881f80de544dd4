package target

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mhero-go/mhero/fhir"
	"github.com/mhero-go/mhero/ihris"
	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/store"
)

// Preview says whom a target reaches: how many, where and in which cadre,
// and everyone it cannot reach, with the reason.
type Preview struct {
	Target string `json:"target"`
	// Selected counts the workers the criteria and additions select, and
	// the added numbers; Reachable those who will get messages.
	Selected  int `json:"selected"`
	Reachable int `json:"reachable"`
	// ByPlace counts the reachable workers by level ("region", "district",
	// "facility", or whatever levels the country uses) and place name.
	ByPlace map[string]map[string]int `json:"byPlace"`
	// ByCadre counts the reachable workers by cadre.
	ByCadre map[string]int `json:"byCadre"`
	// Unreachable lists every selected worker who will not be reached,
	// with the reason, sorted by reason.
	Unreachable []Skip `json:"unreachable"`
	// Smart compares a smart group's members with the criteria, for a
	// target that names one.
	Smart *SmartComparison `json:"smart,omitempty"`
}

// SmartComparison compares an existing smart group with the target.
type SmartComparison struct {
	Group string `json:"group"`
	Query string `json:"query"`
	// Members counts the contacts in the smart group.
	Members int `json:"members"`
	// Missing are the reachable workers the smart group leaves out;
	// Extra the workers in it the criteria do not select (their iHRIS
	// ids, or contact UUIDs for contacts not from iHRIS).
	Missing []string `json:"missing,omitempty"`
	Extra   []string `json:"extra,omitempty"`
}

// Preview reads the target's workers from iHRIS and the state of their
// contacts from RapidPro, and says whom the target reaches. It writes
// nothing to either.
func (s *Syncer) Preview(ctx context.Context, g Group) (*Preview, error) {
	r, err := s.newRun(ctx, g)
	if err != nil {
		return nil, err
	}
	if err := r.prepare(true, r.selection); err != nil {
		return nil, err
	}
	p, _, _, _, _, _ := r.counts()
	if err := r.compareSmart(&p); err != nil {
		return nil, err
	}
	return &p, nil
}

// selection streams the workers the target selects: the criteria's, then
// those added by hand.
func (r *run) selection() iter.Seq2[ihris.HealthWorker, error] {
	return func(yield func(ihris.HealthWorker, error) bool) {
		seen := map[string]bool{}
		for w, err := range r.s.reg.Find(r.ctx, r.g.Criteria) {
			if err != nil {
				yield(w, err)
				return
			}
			seen[w.ID] = true
			if !yield(w, nil) {
				return
			}
		}
		for _, id := range slices.Concat(r.g.Add.Workers, r.g.Criteria.Workers) {
			if seen[id] {
				continue
			}
			seen[id] = true
			w, err := r.s.reg.Worker(r.ctx, id)
			if errors.Is(err, fhir.ErrNotFound) || errors.Is(err, fhir.ErrGone) {
				r.skipOnly(id, ReasonNotFound, "no Practitioner with this id")
				continue
			}
			if err != nil || !yield(w, nil) {
				if err != nil {
					yield(w, err)
				}
				return
			}
		}
	}
}

// compareSmart compares a smart group's members, read from RapidPro (a
// smart group's members change without their contacts being modified, so
// the mirror may not know them), with the workers the target selects.
func (r *run) compareSmart(p *Preview) error {
	if r.g.SmartGroup == "" || r.group == nil {
		return nil
	}
	sc := &SmartComparison{Group: r.group.Name, Query: r.group.Query}
	in := map[string]bool{}
	want := map[string]bool{}
	for _, w := range r.order {
		if w.member && w.skip == nil {
			want[w.id] = true
		}
	}
	params := &rapidpro.ContactListParams{Group: r.group.UUID}
	for {
		page, err := r.s.rp.Contacts.ListPage(r.ctx, params)
		r.calls.add(ScopeContacts, 1)
		if err != nil {
			return fmt.Errorf("target: reading the members of smart group %q: %w", r.group.Name, err)
		}
		for _, c := range page.Results {
			sc.Members++
			id := c.Fields[FieldIHRISID].String()
			in[id] = true
			switch {
			case id == "":
				sc.Extra = append(sc.Extra, c.UUID)
			case !want[id]:
				sc.Extra = append(sc.Extra, id)
			}
		}
		if page.Next == "" {
			break
		}
		params = &rapidpro.ContactListParams{Cursor: page.Next}
	}
	for id := range want {
		if !in[id] {
			sc.Missing = append(sc.Missing, id)
		}
	}
	slices.Sort(sc.Missing)
	slices.Sort(sc.Extra)
	p.Smart = sc
	return nil
}

// Plan is what a sync will do and what it will cost, before it starts.
type Plan struct {
	Preview
	// Full is true when the sync reconciles every worker (first sync, a
	// changed definition, or asked for), false when it follows iHRIS's
	// changes since the last sync.
	Full bool `json:"full"`
	// Group is the RapidPro group's name; GroupUUID is empty when the sync
	// will create it.
	Group     string `json:"group"`
	GroupUUID string `json:"groupUuid,omitempty"`
	// CreateFields are the contact fields the sync will create.
	CreateFields []string `json:"createFields,omitempty"`
	// Contacts to create, update, adopt (a contact RapidPro made for the
	// number becomes the worker's) or leave unchanged.
	Creates   int `json:"creates"`
	Updates   int `json:"updates"`
	Adopts    int `json:"adopts"`
	Unchanged int `json:"unchanged"`
	// Group membership changes.
	Adds    int `json:"adds"`
	Removes int `json:"removes"`
	// Calls are the API calls the sync needs by throttle scope, and
	// Duration the time they take at RatePerHour per scope.
	Calls       map[string]int `json:"calls"`
	RatePerHour int            `json:"ratePerHour"`
	Duration    time.Duration  `json:"duration"`
	// FlowStart is the cheaper path for a first send, when contacts are
	// missing: a flow started for up to 100 URNs per call creates them.
	FlowStart *FlowStartPath `json:"flowStart,omitempty"`
	// SmartQuery is the contact query of a smart group equivalent to the
	// criteria on the synced fields, which a person can create in
	// RapidPro; empty when the criteria do not map onto them
	// (SmartQueryNote says why).
	SmartQuery     string `json:"smartQuery,omitempty"`
	SmartQueryNote string `json:"smartQueryNote,omitempty"`
}

// FlowStartPath is the cost of reaching a target by starting the flow for
// its numbers directly.
type FlowStartPath struct {
	// Calls are the flow starts, 100 URNs each.
	Calls    map[string]int `json:"calls"`
	Duration time.Duration  `json:"duration"`
	// NewContacts is how many contacts the starts create; their names and
	// fields follow when the target is synced afterwards.
	NewContacts int `json:"newContacts"`
}

// Plan works out what Sync would do now and what it would cost, writing
// nothing to iHRIS or RapidPro. full asks for a full reconcile.
func (s *Syncer) Plan(ctx context.Context, g Group, full bool) (*Plan, error) {
	r, err := s.newRun(ctx, g)
	if err != nil {
		return nil, err
	}
	if err := r.prepare(full, nil); err != nil {
		return nil, err
	}
	p := r.plan()
	if err := r.compareSmart(&p.Preview); err != nil {
		return nil, err
	}
	return p, nil
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func (r *run) plan() *Plan {
	p := &Plan{Full: r.full, Group: r.g.GroupName(), GroupUUID: r.groupUUID(), RatePerHour: r.s.cfg.ratePerHour}
	p.Preview, p.Creates, p.Updates, p.Adopts, p.Unchanged, p.Adds = r.counts()
	p.Removes = len(r.removals())
	for _, f := range r.fields {
		p.CreateFields = append(p.CreateFields, f.Name)
	}
	reads := r.calls.snapshot()
	extraURNs := 0
	for _, w := range r.order {
		if w.op == opCreate && w.skip == nil && w.urns.len() > 1 {
			extraURNs++
		}
	}
	p.Calls = map[string]int{
		ScopeContacts: reads[ScopeContacts] + p.Creates + extraURNs + p.Updates + p.Adopts,
		ScopeV2:       reads[ScopeV2] + len(r.fields) + ceilDiv(p.Adds, rapidpro.MaxBatch) + ceilDiv(p.Removes, rapidpro.MaxBatch),
	}
	if r.group == nil {
		p.Calls[ScopeV2]++
	}
	p.Duration = duration(p.Calls, r.s.cfg.ratePerHour)
	if p.Creates > 0 {
		fs := &FlowStartPath{NewContacts: p.Creates, Calls: map[string]int{ScopeV2: ceilDiv(p.Reachable, rapidpro.MaxBatch)}}
		fs.Duration = duration(fs.Calls, r.s.cfg.ratePerHour)
		p.FlowStart = fs
	}
	p.SmartQuery, p.SmartQueryNote = r.smartQuery()
	return p
}

// Summary is what a sync did.
type Summary struct {
	Target    string `json:"target"`
	Group     string `json:"group"`
	GroupUUID string `json:"groupUuid"`
	Full      bool   `json:"full"`
	// Selected and Reachable count as in the preview, over the workers
	// the sync evaluated (all of them in a full sync, the changed ones
	// otherwise).
	Selected  int `json:"selected"`
	Reachable int `json:"reachable"`
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Adopted   int `json:"adopted"`
	Unchanged int `json:"unchanged"`
	Added     int `json:"added"`
	Removed   int `json:"removed"`
	// WrittenBack counts contact UUIDs written back to iHRIS.
	WrittenBack int `json:"writtenBack"`
	// Skipped lists every worker not reached, with the reason.
	Skipped []Skip `json:"skipped"`
	// Calls counts the RapidPro API calls made, by throttle scope.
	Calls map[string]int `json:"calls"`
	// Resumed counts the writes an interrupted sync had planned that this
	// one took over (some may have landed before the interruption: they
	// were recognised and not made again).
	Resumed  int           `json:"resumed"`
	Duration time.Duration `json:"duration"`
}

// Sync brings RapidPro in step with the target: one contact per reachable
// health worker (created, or updated when its name, numbers or fields
// changed; nothing written when nothing changed), the target's group
// created when missing and its membership changed 100 contacts a request,
// and the contact fields created when missing. Stopped and blocked
// contacts are never written or added to a group.
//
// Sync follows iHRIS's changes since the last sync of the same definition
// (incremental); full, a first sync or a changed definition reconcile
// every worker. A sync killed at any point and run again ends in the same
// state as an uninterrupted one: RapidPro is read back before anything is
// written, the contacts added to the group are recorded before the
// request, and the iHRIS checkpoint moves only once every write is made.
// A second sync of the same workspace, from this process or another one
// sharing the store, fails with an error naming the first — a
// [*store.LockedError] (errors.As) with its holder, host, process and start
// time — or waits for it, see [WithLockWait].
func (s *Syncer) Sync(ctx context.Context, g Group, full bool) (*Summary, error) {
	start := time.Now()
	r, err := s.newRun(ctx, g)
	if err != nil {
		return nil, err
	}
	r.sync = true
	if err := r.workspace(); err != nil {
		return nil, err
	}
	l, err := s.lock(ctx, r.ws)
	if err != nil {
		return nil, err
	}
	defer l.Release(ctx)
	r.lease = l
	if err := r.load(); err != nil {
		return nil, err
	}
	r.decide(full)
	if err := r.refresh(); err != nil {
		return nil, err
	}
	if err := r.setup(); err != nil {
		return nil, err
	}
	if err := r.create(); err != nil {
		return nil, err
	}
	if err := r.loadMembers(); err != nil {
		return nil, err
	}
	resumed, err := r.beginJournal()
	if err != nil {
		return nil, err
	}
	if err := r.evaluate(r.source()); err != nil {
		return nil, err
	}
	if err := r.endSpool(); err != nil {
		return nil, err
	}
	sum := &Summary{Target: r.g.Name, Group: r.g.GroupName(), GroupUUID: r.groupUUID(), Full: r.full, Resumed: resumed}
	if err := r.execute(sum); err != nil {
		return nil, err
	}
	if err := r.finish(); err != nil {
		return nil, err
	}
	p, _, _, _, _, _ := r.counts()
	sum.Selected, sum.Reachable, sum.Skipped = p.Selected, p.Reachable, p.Unreachable
	sum.Calls = r.calls.snapshot()
	sum.Duration = time.Since(start)
	r.progress(StageDone, 1, 1, nil)
	return sum, nil
}

// create makes the missing fields and the group.
func (r *run) create() error {
	for _, f := range r.fields {
		_, err := r.s.rp.Fields.Create(r.ctx, &rapidpro.FieldRequest{Name: f.Name, Type: "text"})
		r.calls.add(ScopeV2, 1)
		if err != nil && !isStatus(err, http.StatusBadRequest) {
			// A 400 is a field made meanwhile (by an interrupted sync
			// whose create landed): the name is taken.
			return fmt.Errorf("target: creating contact field %q: %w", f.Name, err)
		}
	}
	r.fields = nil
	if r.group == nil {
		g, err := r.s.rp.Groups.Create(r.ctx, r.g.GroupName())
		r.calls.add(ScopeV2, 1)
		if err != nil && isStatus(err, http.StatusBadRequest) {
			g, err = r.s.rp.Groups.GetByName(r.ctx, r.g.GroupName())
			r.calls.add(ScopeV2, 1)
		}
		if err != nil {
			return fmt.Errorf("target: creating group %q: %w", r.g.GroupName(), err)
		}
		r.group = g
	}
	return r.tx(func(tx *store.Tx) error {
		_, err := tx.Exec(r.ctx, `INSERT INTO target_group (workspace, name, group_uuid) VALUES ($1, $2, $3)
ON CONFLICT (workspace, name) DO UPDATE SET group_uuid = excluded.group_uuid`, r.ws, r.g.Name, r.group.UUID)
		return err
	})
}

// lock takes the workspace's sync lock, waiting for another sync as long
// as WithLockWait allows.
func (s *Syncer) lock(ctx context.Context, ws string) (*store.Lease, error) {
	var l *store.Lease
	var err error
	if s.cfg.lockWait > 0 {
		wctx, cancel := context.WithTimeout(ctx, s.cfg.lockWait)
		l, err = s.db.Lock(wctx, lockName(ws), s.cfg.holder, store.LockOptions{})
		cancel()
	} else {
		l, err = s.db.TryLock(ctx, lockName(ws), s.cfg.holder, store.LockOptions{})
	}
	if err != nil {
		return nil, fmt.Errorf("target: another sync of the workspace is running: %w", err)
	}
	return l, nil
}

func isStatus(err error, status int) bool {
	var e *rapidpro.Error
	return errors.As(err, &e) && e.StatusCode == status
}

// journalEntry is a spooled write: the desired contact and attributes,
// and the attributes' fingerprint.
type journalEntry struct {
	Name     string    `json:"n"`
	Language string    `json:"l,omitempty"`
	URNs     []string  `json:"u"`
	Fields   [8]string `json:"f"`
	Attrs    [12]string
	AttrsFP  string `json:"a"`
}

func (a attrs) list() [12]string {
	return [12]string{a.gender, a.facilityID, a.facility, a.districtID, a.district, a.regionID, a.region, a.cadre, a.cadreName, a.job, a.jobName, a.employmentStatus}
}

func attrFingerprint(d desired) fingerprint {
	l := d.attrs.list()
	first := ""
	if len(d.urns) > 0 {
		first = d.urns[0]
	}
	return fingerprintOf(d.name, []string{first}, [8]string{strings.Join(l[:], "\x00"), d.attrs.places, d.workerID})
}

// beginJournal clears the journal of the target, counting the writes an
// interrupted sync had planned and not confirmed.
func (r *run) beginJournal() (int, error) {
	var n int
	err := r.tx(func(tx *store.Tx) error {
		if err := tx.QueryRow(r.ctx, `SELECT COUNT(*) FROM target_journal WHERE workspace = $1 AND target = $2 AND NOT done`, r.ws, r.g.Name).Scan(&n); err != nil {
			return err
		}
		_, err := tx.Exec(r.ctx, `DELETE FROM target_journal WHERE workspace = $1 AND target = $2`, r.ws, r.g.Name)
		return err
	})
	return n, err
}

// journalRow is a journal entry waiting to be saved.
type journalRow struct {
	seq     int
	id      string
	payload string
}

// spoolBatch is how many journal entries are saved a transaction.
const spoolBatch = 1000

func (r *run) spool(w *worker, d desired, afp fingerprint) error {
	e := journalEntry{Name: d.name, Language: d.language, URNs: d.urns, Fields: d.fields, Attrs: d.attrs.list(), AttrsFP: afp.String()}
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	r.spooled++
	r.pending = append(r.pending, journalRow{seq: r.spooled, id: w.id, payload: string(data) + "\n" + d.attrs.places})
	if len(r.pending) >= spoolBatch {
		return r.endSpool()
	}
	return nil
}

// endSpool saves the journal entries spooled so far.
func (r *run) endSpool() error {
	if len(r.pending) == 0 {
		return nil
	}
	err := r.tx(func(tx *store.Tx) error {
		b, err := tx.Batch(store.Insert{Table: "target_journal", Columns: []string{"workspace", "target", "seq", "ihris_id", "payload"}})
		if err != nil {
			return err
		}
		for _, j := range r.pending {
			if err := b.Add(r.ctx, r.ws, r.g.Name, j.seq, j.id, j.payload); err != nil {
				return err
			}
		}
		return b.Flush(r.ctx)
	})
	if err != nil {
		return fmt.Errorf("target: saving the sync journal: %w", err)
	}
	clear(r.pending)
	r.pending = r.pending[:0]
	return nil
}

// adder adds contacts to the group 100 a request, beside the contact
// writes: the two use different throttle scopes, so neither waits for the
// other.
type adder struct {
	r     *run
	ch    chan []string
	done  chan struct{}
	mu    sync.Mutex
	added int
	err   error
}

func (r *run) newAdder() *adder {
	a := &adder{r: r, ch: make(chan []string, 4), done: make(chan struct{})}
	go func() {
		defer close(a.done)
		for batch := range a.ch {
			if err := a.add(batch); err != nil {
				a.mu.Lock()
				if a.err == nil {
					a.err = err
				}
				a.mu.Unlock()
			}
		}
	}()
	return a
}

func (a *adder) add(batch []string) error {
	r, gu := a.r, a.r.groupUUID()
	// Recorded first: a sync killed after the request knows whom it added.
	// (The adder's transactions do not check the lease: on PostgreSQL they
	// would conflict with those of the contact writes beside them, and
	// what they record matters only to a sync that ends with one that
	// does.)
	if err := r.s.db.InTx(r.ctx, func(tx *store.Tx) error {
		b, err := tx.Batch(store.Insert{Table: "target_member", Columns: []string{"workspace", "group_uuid", "contact_uuid", "state"},
			Conflict: []string{"workspace", "group_uuid", "contact_uuid"}})
		if err != nil {
			return err
		}
		for _, u := range batch {
			if r.members[u] != "" {
				continue
			}
			if err := b.Add(r.ctx, r.ws, gu, u, "adding"); err != nil {
				return err
			}
		}
		return b.Flush(r.ctx)
	}); err != nil {
		return err
	}
	_, err := r.s.rp.ContactActions.AddToGroup(r.ctx, gu, batch)
	r.calls.add(ScopeV2, 1)
	if err != nil {
		return fmt.Errorf("target: adding %d contacts to group %q: %w", len(batch), r.g.GroupName(), err)
	}
	if err := r.s.db.InTx(r.ctx, func(tx *store.Tx) error {
		st, err := tx.Prepare(r.ctx, `UPDATE target_member SET state = 'member' WHERE workspace = $1 AND group_uuid = $2 AND contact_uuid = $3`)
		if err != nil {
			return err
		}
		for _, u := range batch {
			if _, err := st.ExecContext(r.ctx, r.ws, gu, u); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	r.mu.Lock() // the contact writers change the mirror too
	for _, u := range batch {
		if k := r.m.byUUID[u]; k != nil && !k.inGroup(gu) {
			// A copy: the contact may be being saved.
			c := *k
			c.groups = k.groups.with(gu)
			r.m.put(&c)
			r.written(&c)
		}
	}
	r.mu.Unlock()
	a.mu.Lock()
	a.added += len(batch)
	a.mu.Unlock()
	return nil
}

func (a *adder) failed() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

// execute makes the writes the evaluation found.
func (r *run) execute(sum *Summary) error {
	total := 0
	for _, w := range r.order {
		if w.op != opNone && w.skip == nil {
			total++
		}
	}
	a := r.newAdder()
	var pending []string
	flush := func(all bool) {
		for len(pending) >= rapidpro.MaxBatch || (all && len(pending) > 0) {
			n := min(rapidpro.MaxBatch, len(pending))
			a.ch <- slices.Clone(pending[:n])
			pending = pending[n:]
		}
	}
	err := r.writeContacts(sum, total, func(uuid string) {
		pending = append(pending, uuid)
		flush(false)
	})
	if err == nil {
		// Workers whose contacts are unchanged but outside the group.
		for _, w := range r.order {
			r.mu.Lock() // the adder changes the mirror
			add := w.op == opNone && r.needsAdd(w) && w.uuid != ""
			r.mu.Unlock()
			if add {
				pending = append(pending, w.uuid)
				flush(false)
			}
		}
		for _, x := range r.extra {
			if x.skip != nil || r.g.SmartGroup != "" {
				continue
			}
			if x.uuid == "" {
				c, cerr := r.s.rp.Contacts.UpdateByURN(r.ctx, x.urn, &rapidpro.ContactRequest{})
				r.calls.add(ScopeContacts, 1)
				if cerr != nil {
					err = fmt.Errorf("target: creating the contact of an added number: %w", cerr)
					break
				}
				x.uuid = c.UUID
				r.mu.Lock() // the adder changes the mirror too
				r.m.put(knownFrom(c))
				r.mu.Unlock()
				sum.Created++
			}
			r.mu.Lock()
			k := r.m.byUUID[x.uuid]
			in := k != nil && k.inGroup(r.groupUUID())
			r.mu.Unlock()
			if !in {
				pending = append(pending, x.uuid)
				flush(false)
			}
		}
		flush(true)
	}
	close(a.ch)
	<-a.done
	if err != nil {
		return err
	}
	if err := a.failed(); err != nil {
		return err
	}
	sum.Added = a.added
	removed, err := r.remove()
	if err != nil {
		return err
	}
	sum.Removed = removed
	if err := r.flushWritten(); err != nil {
		return err
	}
	if r.s.cfg.writeBack {
		n, err := r.writeBack()
		sum.WrittenBack = n
		if err != nil {
			return err
		}
	}
	return nil
}

// writeContacts makes the contact writes spooled in the journal, in order,
// calling joined with each contact that must join the group.
//
// The writes are a pipeline, so that the pace the rate limit allows is
// kept from the first write to the last: a reader brings the journal 500
// entries at a time, a few writers make the writes (so the time a request
// takes does not slow the sync; the client's pacer keeps them within the
// limit), and this goroutine records each batch once its writes are made
// (mirror, attributes, journal) while the writers go on with the next.
func (r *run) writeContacts(sum *Summary, total int, joined func(string)) error {
	ctx, cancel := context.WithCancel(r.ctx)
	defer cancel()
	batches := make(chan *writeBatch, 1) // one read ahead
	work := make(chan *writeItem)
	var readErr error
	go func() {
		defer func() {
			close(work)
			close(batches)
		}()
		last := 0
		for {
			b, err := r.readJournal(ctx, last)
			if err != nil || b == nil {
				readErr = err
				return
			}
			last = b.last
			var todo []*writeItem
			for _, it := range b.items {
				if it.w.skip == nil && it.w.op != opNone {
					todo = append(todo, it)
				}
			}
			b.wg.Add(len(todo))
			select {
			case batches <- b:
			case <-ctx.Done():
				return
			}
			for i, it := range todo {
				select {
				case work <- it:
				case <-ctx.Done():
					b.wg.Add(-len(todo[i:]))
					return
				}
			}
		}
	}()
	var mu sync.Mutex
	var writeErr error
	var writers sync.WaitGroup
	for range contactWriters {
		writers.Go(func() {
			for it := range work {
				if ctx.Err() == nil {
					if err := r.writeContact(it.w, it.d, sum); err != nil {
						mu.Lock()
						if writeErr == nil {
							writeErr = err
						}
						mu.Unlock()
						cancel()
					}
				}
				it.batch.wg.Done()
			}
		})
	}
	err := r.recordWritten(ctx, batches, total, joined)
	cancel()
	for range batches {
		// The reader ends once it sees the cancellation.
	}
	writers.Wait()
	switch {
	case writeErr != nil:
		return writeErr
	case readErr != nil:
		return readErr
	}
	return err
}

// writeBatch is up to 500 journal entries, and the writes they need.
type writeBatch struct {
	items []*writeItem
	last  int            // the last journal seq read
	wg    sync.WaitGroup // the writes under way
}

// writeItem is a journal entry with its worker.
type writeItem struct {
	w      *worker
	d      desired
	e      journalEntry
	afp    fingerprint // of the attributes
	places string
	batch  *writeBatch
}

// readJournal reads the journal entries after seq last; nil when there are
// none.
func (r *run) readJournal(ctx context.Context, last int) (*writeBatch, error) {
	rows, err := r.s.db.Query(ctx, `SELECT seq, ihris_id, payload FROM target_journal WHERE workspace = $1 AND target = $2 AND seq > $3 ORDER BY seq LIMIT 500`, r.ws, r.g.Name, last)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	b := &writeBatch{last: last}
	for rows.Next() {
		var seq int
		var id, payload string
		if err := rows.Scan(&seq, &id, &payload); err != nil {
			return nil, err
		}
		b.last = seq
		w := r.workers[id]
		if w == nil {
			continue
		}
		data, places, _ := strings.Cut(payload, "\n")
		var e journalEntry
		if err := json.Unmarshal([]byte(data), &e); err != nil {
			return nil, fmt.Errorf("target: journal entry %d: %w", seq, err)
		}
		b.items = append(b.items, &writeItem{w: w, e: e, afp: parseFingerprint(e.AttrsFP), places: places, batch: b,
			d: desired{workerID: w.id, name: e.Name, language: e.Language, urns: e.URNs, fields: e.Fields}})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if b.last == last {
		return nil, nil
	}
	return b, nil
}

// recordWritten records each batch once its writes are made: progress, the
// contacts to add to the group, the mirror, the attributes and the
// journal. It stops at the first error, or when ctx ends (a write failed).
func (r *run) recordWritten(ctx context.Context, batches <-chan *writeBatch, total int, joined func(string)) error {
	done := 0
	r.progress(StageContacts, 0, total, map[string]int{ScopeContacts: total})
	for b := range batches {
		b.wg.Wait()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var attrRows []attrRow
		for _, it := range b.items {
			w := it.w
			if w.op != opNone && (w.skip == nil || w.skip.Reason == ReasonTaken) {
				done++
				if done%50 == 0 || done == total {
					r.progress(StageContacts, done, total, map[string]int{ScopeContacts: total - done})
				}
			}
			if w.skip == nil && w.op != opNone && w.member && w.uuid != "" && r.needsAddAfterWrite(w) {
				joined(w.uuid)
			}
			// (A worker comes once: the attributes recorded need not be
			// remembered, which would cost an entry per worker.)
			if w.uuid != "" && r.attrOpen[w.id] != it.afp {
				attrRows = append(attrRows, attrRow{uuid: w.uuid, id: w.id, urn: first(it.e.URNs), name: it.e.Name, a: it.e.Attrs, places: it.places, fp: it.afp})
			}
		}
		if err := r.flushWritten(); err != nil {
			return err
		}
		if err := r.recordAttributes(attrRows); err != nil {
			return err
		}
		if err := r.tx(func(tx *store.Tx) error {
			_, err := tx.Exec(r.ctx, `UPDATE target_journal SET done = TRUE WHERE workspace = $1 AND target = $2 AND seq <= $3 AND NOT done`, r.ws, r.g.Name, b.last)
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func (r *run) needsAddAfterWrite(w *worker) bool {
	if r.g.SmartGroup != "" {
		return false
	}
	r.mu.Lock() // the writers of the next batch change the mirror
	k := r.m.byUUID[w.uuid]
	defer r.mu.Unlock()
	return k == nil || !k.inGroup(r.groupUUID())
}

// writeContact makes one worker's contact write. A refusal of the contact
// itself (a 400: a number taken meanwhile, say) becomes a skip; anything
// else stops the sync, to be resumed.
func (r *run) writeContact(w *worker, d desired, sum *Summary) error {
	var c *rapidpro.Contact
	var err error
	switch w.op {
	case opCreate:
		c, err = r.s.rp.Contacts.UpdateByURN(r.ctx, d.urns[0], d.request(nil, false))
		r.calls.add(ScopeContacts, 1)
		if err == nil && len(d.urns) > 1 {
			c, err = r.s.rp.Contacts.Update(r.ctx, c.UUID, d.request(otherURNs(c), true))
			r.calls.add(ScopeContacts, 1)
		}
	case opUpdate, opAdopt:
		r.mu.Lock()
		k := r.m.byUUID[w.uuid]
		r.mu.Unlock()
		var other []string
		withURNs := true
		if k != nil {
			other = k.other.slice()
			withURNs = !sameSet(k.urns.slice(), d.urns)
		}
		c, err = r.s.rp.Contacts.Update(r.ctx, w.uuid, d.request(other, withURNs))
		r.calls.add(ScopeContacts, 1)
	}
	if isStatus(err, http.StatusBadRequest) {
		w.skip = &Skip{WorkerID: w.id, Name: w.name, Reason: ReasonTaken, Detail: refusal(err)}
		return nil
	}
	if err != nil {
		return fmt.Errorf("target: writing the contact of %s: %w", w.id, err)
	}
	k := knownFrom(c)
	// One copy of the strings the worker and its contact share.
	if k.ihrisID == w.id {
		k.ihrisID = w.id
	}
	if k.urns == w.urns {
		k.urns = w.urns
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.m.put(k)
	r.written(k)
	switch w.op {
	case opCreate:
		sum.Created++
	case opAdopt:
		sum.Adopted++
	case opUpdate:
		sum.Updated++
	}
	w.uuid = c.UUID
	return nil
}

// contactWriters is how many contact writes a sync keeps in flight.
const contactWriters = 4

func refusal(err error) string {
	var e *rapidpro.Error
	if errors.As(err, &e) {
		var parts []string
		for f, msgs := range e.Fields {
			parts = append(parts, f+": "+strings.Join(msgs, " "))
		}
		slices.Sort(parts)
		if len(parts) > 0 {
			return "RapidPro refused the contact: " + strings.Join(parts, "; ")
		}
		if e.Detail != "" {
			return "RapidPro refused the contact: " + e.Detail
		}
	}
	return "RapidPro refused the contact"
}

func otherURNs(c *rapidpro.Contact) []string {
	var out []string
	for _, u := range c.URNs {
		if !strings.HasPrefix(u, "tel:") {
			out = append(out, u)
		}
	}
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// written queues a contact of the mirror to be saved.
func (r *run) written(k *known) { r.refreshed = append(r.refreshed, k) }

func (r *run) flushWritten() error {
	r.mu.Lock() // contact writes may be under way
	ks := r.refreshed
	r.refreshed = nil
	r.mu.Unlock()
	if len(ks) == 0 {
		return nil
	}
	return r.tx(func(tx *store.Tx) error { return saveContacts(r.ctx, tx, r.ws, ks) })
}

// remove takes out of the group the contacts this module put there that no
// longer belong, 100 a request.
func (r *run) remove() (int, error) {
	out := r.removals()
	gu := r.groupUUID()
	n := 0
	for len(out) > 0 {
		batch := out[:min(rapidpro.MaxBatch, len(out))]
		out = out[len(batch):]
		if err := r.tx(func(tx *store.Tx) error {
			for _, u := range batch {
				if _, err := tx.Exec(r.ctx, `UPDATE target_member SET state = 'removing' WHERE workspace = $1 AND group_uuid = $2 AND contact_uuid = $3`, r.ws, gu, u); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return n, err
		}
		_, err := r.s.rp.ContactActions.RemoveFromGroup(r.ctx, gu, batch)
		r.calls.add(ScopeV2, 1)
		if err != nil {
			return n, fmt.Errorf("target: removing %d contacts from group %q: %w", len(batch), r.g.GroupName(), err)
		}
		if err := r.tx(func(tx *store.Tx) error {
			for _, u := range batch {
				if _, err := tx.Exec(r.ctx, `DELETE FROM target_member WHERE workspace = $1 AND group_uuid = $2 AND contact_uuid = $3`, r.ws, gu, u); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return n, err
		}
		for _, u := range batch {
			if k := r.m.byUUID[u]; k != nil {
				r.m.setGroups(k, k.groups.without(gu))
				r.written(k)
			}
			delete(r.members, u)
		}
		n += len(batch)
		r.progress(StageGroup, n, n+len(out), map[string]int{ScopeV2: ceilDiv(len(out), rapidpro.MaxBatch)})
	}
	return n, nil
}

// finish tidies the membership records and moves the checkpoint, now that
// every write it covers is made.
func (r *run) finish() error {
	gu := r.groupUUID()
	cp, err := r.feedNext.MarshalText()
	if err != nil {
		return err
	}
	return r.tx(func(tx *store.Tx) error {
		// Records of contacts no longer in the group (stopped, removed
		// by hand, deleted) go; those found in it are members.
		rows, err := tx.Query(r.ctx, `SELECT contact_uuid FROM target_member WHERE workspace = $1 AND group_uuid = $2`, r.ws, gu)
		if err != nil {
			return err
		}
		var stale, confirmed []string
		for rows.Next() {
			var u string
			if err := rows.Scan(&u); err != nil {
				rows.Close()
				return err
			}
			if k := r.m.byUUID[u]; k == nil || !k.inGroup(gu) {
				stale = append(stale, u)
			} else {
				confirmed = append(confirmed, u)
			}
		}
		if err := rows.Err(); err != nil {
			rows.Close()
			return err
		}
		rows.Close()
		for _, u := range stale {
			if _, err := tx.Exec(r.ctx, `DELETE FROM target_member WHERE workspace = $1 AND group_uuid = $2 AND contact_uuid = $3`, r.ws, gu, u); err != nil {
				return err
			}
		}
		for _, u := range confirmed {
			if _, err := tx.Exec(r.ctx, `UPDATE target_member SET state = 'member' WHERE workspace = $1 AND group_uuid = $2 AND contact_uuid = $3 AND state <> 'member'`, r.ws, gu, u); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(r.ctx, `UPDATE target_group SET definition_hash = $1, ihris_checkpoint = $2, last_sync = $3 WHERE workspace = $4 AND name = $5`,
			r.g.Hash(), string(cp), r.now(), r.ws, r.g.Name); err != nil {
			return err
		}
		_, err = tx.Exec(r.ctx, `DELETE FROM target_journal WHERE workspace = $1 AND target = $2`, r.ws, r.g.Name)
		return err
	})
}

// writeBack records each new contact's UUID on its Practitioner.
func (r *run) writeBack() (int, error) {
	n := 0
	for _, w := range r.order {
		if !w.writeBack || w.uuid == "" || w.skip != nil {
			continue
		}
		if err := r.s.reg.SetIdentifier(r.ctx, w.id, ihris.ContactUUIDSystem, w.uuid); err != nil {
			return n, fmt.Errorf("target: writing the contact UUID back to %s: %w", w.id, err)
		}
		n++
	}
	return n, nil
}
