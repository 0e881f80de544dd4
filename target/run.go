package target

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mhero-go/mhero/fhir"
	"github.com/mhero-go/mhero/ihris"
	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/store"
)

// op is what a worker's contact needs.
type op uint8

const (
	opNone   op = iota
	opCreate    // no contact yet: upsert by URN
	opUpdate    // the worker's contact differs
	opAdopt     // a contact RapidPro made for the number (a flow start, say) becomes the worker's
)

func (o op) String() string {
	return [...]string{"none", "create", "update", "adopt"}[o]
}

// worker is what a run keeps of one evaluated health worker: little, so
// that memory stays at a fingerprint's worth per worker. What the worker's
// contact should be is compared with the mirror as the worker is read, and
// spooled to the journal when it may need a write: only the outcome is
// kept.
type worker struct {
	id   string
	name string // only for skips
	urns list   // tel URNs, best first
	uuid string // the contact, when it exists
	skip *Skip
	// places and cadre index the run's interned strings, for the
	// preview's breakdown.
	places, cadre uint32
	op            op
	member        bool // belongs in the target's group
	// reported: not a member, but named by hand, so its skip is shown.
	reported bool
	// differs: the worker's contact in the mirror is not the desired one
	// (fingerprint, or a language iHRIS gives).
	differs   bool
	writeBack bool
}

// run is one preview, plan or sync of a target.
type run struct {
	s      *Syncer
	ctx    context.Context
	g      Group
	ws     string
	m      *mirror
	calls  *counter
	sync   bool // writes will follow (spool the journal)
	full   bool
	row    groupRow
	group  *rapidpro.Group
	fields []SyncedField // missing in RapidPro

	workers   map[string]*worker
	order     []*worker // evaluation order
	extra     []*extraPhone
	deleted   []string // workers deleted from iHRIS
	feedNext  ihris.Checkpoint
	refreshed []*known // contacts written, to save in the mirror
	// resetMirror: the mirror is read anew; the stored one is replaced.
	resetMirror bool
	dirty       map[string]bool
	members     map[string]string // contact uuid → state, from target_members
	attrOpen    map[string]fingerprint
	intern      map[string]uint32
	strs        []string // interned, by index
	spooled     int
	mu          sync.Mutex   // guards the mirror while contacts are written
	pending     []journalRow // journal entries not yet saved
	// lease is the workspace lock a sync holds; its transactions check it.
	lease *store.Lease
}

type extraPhone struct {
	urn  string
	uuid string
	skip *Skip
}

// groupRow is a target's stored state.
type groupRow struct {
	groupUUID, hash, checkpoint string
	found                       bool
}

func (s *Syncer) newRun(ctx context.Context, g Group) (*run, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	return &run{s: s, ctx: ctx, g: g.Canonical(), calls: &counter{}, workers: map[string]*worker{},
		dirty: map[string]bool{}, intern: map[string]uint32{"": 0}, strs: []string{""}}, nil
}

func (r *run) progress(stage Stage, done, total int, remaining map[string]int) {
	if r.s.cfg.progress == nil {
		return
	}
	r.s.cfg.progress(Progress{Stage: stage, Done: done, Total: total, Calls: r.calls.snapshot(),
		ETA: duration(remaining, r.s.cfg.ratePerHour)})
}

// str interns s, returning its index in r.strs.
func (r *run) str(s string) uint32 {
	if i, ok := r.intern[s]; ok {
		return i
	}
	i := uint32(len(r.strs))
	r.strs = append(r.strs, s)
	r.intern[s] = i
	return i
}

// workspace learns the workspace's UUID, the key of everything stored.
func (r *run) workspace() error {
	ws, err := r.s.rp.Workspace.Get(r.ctx)
	r.calls.add(ScopeV2, 1)
	if err != nil {
		return fmt.Errorf("target: reading the RapidPro workspace: %w", err)
	}
	if ws.Anon {
		return errors.New("target: the RapidPro workspace is anonymous: its API hides phone numbers, so contacts cannot be matched to health workers")
	}
	r.ws = ws.UUID
	if r.ws == "" {
		r.ws = r.s.rp.WorkspaceUUID()
	}
	if r.ws == "" {
		r.ws = r.s.rp.BaseURL()
	}
	return nil
}

// load reads the stored state of the workspace and the target.
func (r *run) load() error {
	m, err := loadMirror(r.ctx, r.s.db, r.ws)
	if err != nil {
		return err
	}
	r.m = m
	err = r.s.db.QueryRow(r.ctx, `SELECT group_uuid, definition_hash, ihris_checkpoint FROM target_group WHERE workspace = $1 AND name = $2`,
		r.ws, r.g.Name).Scan(&r.row.groupUUID, &r.row.hash, &r.row.checkpoint)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return fmt.Errorf("target: reading the target's state: %w", err)
	default:
		r.row.found = true
	}
	return nil
}

// refresh brings the mirror up to date with RapidPro's contacts changed or
// deleted since it was last read, a page of 250 a request. A contact whose
// synced part differs from what the mirror held was changed by someone
// else: its worker is evaluated again even when iHRIS did not change.
func (r *run) refresh() error {
	if r.sync && r.resetMirror {
		if err := r.tx(func(tx *store.Tx) error {
			_, err := tx.Exec(r.ctx, `DELETE FROM target_contact WHERE workspace = $1`, r.ws)
			return err
		}); err != nil {
			return fmt.Errorf("target: clearing the contact mirror: %w", err)
		}
	}
	total := 0
	for _, deleted := range []bool{false, true} {
		cp := &r.m.modified
		if deleted {
			cp = &r.m.deleted
		}
		params := &rapidpro.ContactListParams{Deleted: deleted, Reverse: true, After: cp.After}
		start := *cp
		for {
			page, err := r.s.rp.Contacts.ListPage(r.ctx, params)
			r.calls.add(ScopeContacts, 1)
			if err != nil {
				return fmt.Errorf("target: reading RapidPro contacts: %w", err)
			}
			var read []*known
			for i := range page.Results {
				c := &page.Results[i]
				if seen(start, c) {
					continue
				}
				k := knownFrom(c)
				if deleted {
					k.deleted = true
				}
				old := r.m.put(k)
				if old != nil && old.ihrisID != "" &&
					(old.fp != k.fp || old.status != k.status || old.groups != k.groups || k.deleted) {
					r.dirty[old.ihrisID] = true
				}
				if old == nil || !old.same(k) {
					// A contact read as the store holds it (one this
					// module wrote last, say) is not saved again.
					read = append(read, k)
				}
				cp.Observe(c.ModifiedOn.Time, c.UUID)
				total++
			}
			if r.sync {
				// Saved a page at a time with the checkpoints: memory stays
				// flat, and a long first read killed midway resumes.
				if err := r.saveMirror(read); err != nil {
					return fmt.Errorf("target: saving the contact mirror: %w", err)
				}
			}
			r.progress(StageRapidPro, total, 0, nil)
			if page.Next == "" {
				break
			}
			params = &rapidpro.ContactListParams{Cursor: page.Next}
		}
	}
	return nil
}

// saveMirror saves contacts of the mirror with its checkpoints.
func (r *run) saveMirror(ks []*known) error {
	return r.tx(func(tx *store.Tx) error {
		if err := saveContacts(r.ctx, tx, r.ws, ks); err != nil {
			return err
		}
		if err := saveCursor(r.ctx, tx, r.ws, "modified", r.m.modified); err != nil {
			return err
		}
		return saveCursor(r.ctx, tx, r.ws, "deleted", r.m.deleted)
	})
}

// tx runs fn in a write transaction of the store. In a sync, the
// transaction ends by checking the workspace lock is still this sync's:
// a sync that lost it (paused past its lease, and taken over) commits
// nothing more.
func (r *run) tx(fn func(tx *store.Tx) error) error {
	return r.s.db.InTx(r.ctx, func(tx *store.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if r.lease == nil {
			return nil
		}
		if err := r.lease.Check(r.ctx, tx); err != nil {
			return fmt.Errorf("target: the workspace lock: %w", err)
		}
		return nil
	})
}

// setup finds the synced fields RapidPro lacks and the target's group.
func (r *run) setup() error {
	have := map[string]bool{}
	for f, err := range r.s.rp.Fields.List(r.ctx, nil) {
		if err != nil {
			return fmt.Errorf("target: reading RapidPro fields: %w", err)
		}
		have[f.Key] = true
	}
	r.calls.add(ScopeV2, 1)
	r.fields = nil
	for _, f := range SyncedFields() {
		if !have[f.Key] {
			r.fields = append(r.fields, f)
		}
	}
	g, err := r.s.rp.Groups.GetByName(r.ctx, r.g.GroupName())
	r.calls.add(ScopeV2, 1)
	switch {
	case errors.Is(err, rapidpro.ErrNotFound):
		if r.g.SmartGroup != "" {
			return fmt.Errorf("target: RapidPro has no smart group %q: create it in RapidPro's contacts page with the query the plan shows, or use a manual group", r.g.SmartGroup)
		}
	case err != nil:
		return fmt.Errorf("target: looking up group %q: %w", r.g.GroupName(), err)
	case r.g.SmartGroup != "" && g.Query == "":
		return fmt.Errorf("target: %q is a manual group, not a smart group", r.g.SmartGroup)
	case r.g.SmartGroup == "" && g.Query != "":
		return fmt.Errorf("target: RapidPro group %q is a smart group (query %q), which the API cannot write: to send to its members as RapidPro selects them, write \"smart_group: %s\" in the target file; to sync the target's workers, choose another rapidpro_group", g.Name, g.Query, g.Name)
	default:
		r.group = g
	}
	return nil
}

func (r *run) groupUUID() string {
	if r.group == nil {
		return ""
	}
	return r.group.UUID
}

// memberState returns a target_member state as one of the constants, so
// that the states of many contacts share one string.
func memberState(st string) string {
	for _, c := range []string{"adding", "member", "removing"} {
		if st == c {
			return c
		}
	}
	return st
}

// loadMembers reads whom this module put in the group, and the attributes
// currently recorded.
func (r *run) loadMembers() error {
	r.members = map[string]string{}
	r.attrOpen = map[string]fingerprint{}
	d := r.s.db
	if gu := r.groupUUID(); gu != "" {
		rows, err := d.Query(r.ctx, `SELECT contact_uuid, state FROM target_member WHERE workspace = $1 AND group_uuid = $2`, r.ws, gu)
		if err != nil {
			return err
		}
		for rows.Next() {
			var u, st string
			if err := rows.Scan(&u, &st); err != nil {
				rows.Close()
				return err
			}
			if k := r.m.byUUID[u]; k != nil {
				u = k.uuid // one copy of the UUID
			}
			r.members[u] = memberState(st)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	rows, err := d.Query(r.ctx, `SELECT ihris_id, fingerprint FROM target_attribute WHERE workspace = $1 AND valid_to IS NULL`, r.ws)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, fp string
		if err := rows.Scan(&id, &fp); err != nil {
			return err
		}
		if k := r.m.byIHRIS[id]; k != nil {
			id = k.ihrisID // one copy of the id
		}
		r.attrOpen[id] = parseFingerprint(fp)
	}
	return rows.Err()
}

// source streams the workers to evaluate, each with whether the target
// selects it. A full run reads the whole registry (its feed from the
// beginning, so that the checkpoint it ends with is exact); an incremental
// run reads what changed since the stored checkpoint, plus the workers
// whose contacts someone else changed in RapidPro.
func (r *run) source() iter.Seq2[ihris.HealthWorker, error] {
	return func(yield func(ihris.HealthWorker, error) bool) {
		var since ihris.Checkpoint
		if !r.full {
			if err := since.UnmarshalText([]byte(r.row.checkpoint)); err != nil {
				yield(ihris.HealthWorker{}, err)
				return
			}
		}
		// Workers named by hand, and those whose contacts changed in
		// RapidPro, come after the feed unless it brought them.
		var extra []string
		if r.full {
			extra = slices.Concat(r.g.Add.Workers, r.g.Criteria.Workers)
		} else {
			for id := range r.dirty {
				extra = append(extra, id)
			}
			slices.Sort(extra)
		}
		pending := map[string]bool{}
		for _, id := range extra {
			pending[id] = true
		}
		feed := r.s.reg.ChangesSince(since)
		for ch, err := range feed.All(r.ctx) {
			if err != nil {
				yield(ihris.HealthWorker{}, err)
				return
			}
			delete(pending, ch.ID)
			if ch.Deleted {
				r.deleted = append(r.deleted, ch.ID)
				continue
			}
			if !yield(ch.Worker, nil) {
				return
			}
		}
		r.feedNext = feed.Checkpoint()
		for _, id := range extra {
			if !pending[id] {
				continue
			}
			delete(pending, id)
			w, err := r.s.reg.Worker(r.ctx, id)
			if errors.Is(err, fhir.ErrNotFound) || errors.Is(err, fhir.ErrGone) {
				if r.full && (slices.Contains(r.g.Add.Workers, id) || slices.Contains(r.g.Criteria.Workers, id)) {
					r.skipOnly(id, ReasonNotFound, "no Practitioner with this id")
				} else {
					r.deleted = append(r.deleted, id)
				}
				continue
			}
			if err != nil {
				yield(ihris.HealthWorker{}, err)
				return
			}
			if !yield(w, nil) {
				return
			}
		}
	}
}

func (r *run) skipOnly(id string, reason Reason, detail string) {
	w := &worker{id: id, reported: true, skip: &Skip{WorkerID: id, Reason: reason, Detail: detail}}
	r.workers[id] = w
	r.order = append(r.order, w)
}

// selected reports whether the target takes w, and if not whether to say
// why (a worker named by hand).
func (r *run) selected(w ihris.HealthWorker) (bool, *Skip) {
	if slices.Contains(r.g.Exclude.Workers, w.ID) {
		return false, &Skip{WorkerID: w.ID, Name: w.DisplayName(), Reason: ReasonExcluded, Detail: "excluded by the target"}
	}
	if slices.Contains(r.g.Add.Workers, w.ID) {
		return true, nil
	}
	if r.g.Criteria.Match(w) {
		return true, nil
	}
	if slices.Contains(r.g.Criteria.Workers, w.ID) {
		st := r.g.Criteria.Status
		if !w.Active && st != ihris.StatusInactive && st != ihris.StatusAny {
			return false, &Skip{WorkerID: w.ID, Name: w.DisplayName(), Reason: ReasonInactive}
		}
		return false, &Skip{WorkerID: w.ID, Name: w.DisplayName(), Reason: ReasonNoRole, Detail: r.g.Criteria.String()}
	}
	return false, nil
}

// evaluate reads the workers and decides, for each, whether it is reached
// and what its contact needs.
func (r *run) evaluate(src iter.Seq2[ihris.HealthWorker, error]) error {
	n := 0
	r.progress(StageIHRIS, 0, 0, nil)
	for hw, err := range src {
		if err != nil {
			return fmt.Errorf("target: reading iHRIS: %w", err)
		}
		n++
		if n%500 == 0 {
			r.progress(StageIHRIS, n, 0, nil)
		}
		if err := r.consider(hw); err != nil {
			return err
		}
	}
	r.progress(StageIHRIS, n, n, nil)
	r.shared()
	for _, w := range r.order {
		r.resolve(w)
	}
	for _, p := range r.g.Add.Phones {
		x := &extraPhone{urn: p}
		if k := r.m.byURN[p]; k != nil {
			x.uuid = k.uuid
			if k.status != "active" {
				x.skip = &Skip{Reason: statusReason(k.status), Detail: rapidpro.MaskURN(p)}
			}
		}
		r.extra = append(r.extra, x)
	}
	return nil
}

// consider evaluates one worker the source brought.
func (r *run) consider(hw ihris.HealthWorker) error {
	sel, skip := r.selected(hw)
	k := r.m.byIHRIS[hw.ID]
	recorded := k != nil && r.members[k.uuid] != ""
	if !sel && skip == nil && !recorded {
		return nil // neither in the target nor put in its group by us
	}
	// A worker leaving the target (not selected, but put in the group by
	// us) is evaluated too: its contact is kept up to date and leaves.
	w := &worker{id: hw.ID, name: hw.DisplayName(), member: sel, skip: skip, reported: skip != nil}
	if old, ok := r.workers[hw.ID]; ok {
		*old = *w
		w = old
	} else {
		r.workers[hw.ID] = w
		r.order = append(r.order, w)
	}
	urns, why := reachability(hw, r.g)
	leaving := !sel && !w.reported
	switch {
	case why != nil && leaving:
		// A worker leaving the target (who left the service, say) keeps
		// the numbers the contact has, and its fields are brought up to
		// date: a smart group on them must see the change.
		urns = k.urns.slice()
		if len(urns) == 0 {
			return nil
		}
	case why != nil:
		if w.skip == nil {
			w.skip = why
		}
		// Unreachable now: keep the contact's data as it is.
		return nil
	}
	w.urns = listOf(urns)
	d := desiredContact(hw, r.g.Criteria, urns)
	afp := attrFingerprint(d)
	w.places, w.cadre = r.str(d.attrs.places), r.str(d.attrs.cadreName)
	// The language is compared only when iHRIS gives one.
	w.differs = k != nil && (k.fp != d.fingerprint() || (d.language != "" && k.language != d.language))
	if r.s.cfg.writeBack {
		cur, _ := hw.Identifier(ihris.ContactUUIDSystem)
		w.writeBack = k == nil || cur != k.uuid
	}
	if r.sync && (k == nil || w.differs || r.attrOpen[w.id] != afp) {
		// Only what may need a write is spooled: the rest is unchanged.
		return r.spool(w, d, afp)
	}
	return nil
}

// shared marks the workers whose number another selected worker has too:
// nobody can tell which of them would answer, so neither is messaged.
func (r *run) shared() {
	owners := map[string][]*worker{}
	for _, w := range r.order {
		if w.skip != nil {
			continue
		}
		for u := range w.urns.all() {
			owners[u] = append(owners[u], w)
		}
	}
	for u, ws := range owners {
		if len(ws) < 2 {
			continue
		}
		for _, w := range ws {
			var others []string
			for _, o := range ws {
				if o != w {
					others = append(others, o.id)
				}
			}
			if w.skip == nil {
				w.skip = &Skip{WorkerID: w.id, Name: w.name, Reason: ReasonSharedPhone,
					Detail: fmt.Sprintf("%s is also the number of %s", rapidpro.MaskURN(u), strings.Join(others, ", "))}
			}
		}
	}
}

func statusReason(status string) Reason {
	switch status {
	case "stopped":
		return ReasonStopped
	case "blocked":
		return ReasonBlocked
	}
	return ReasonArchived
}

// resolve finds the worker's contact and what it needs.
func (r *run) resolve(w *worker) {
	k := r.m.byIHRIS[w.id]
	if k != nil {
		w.uuid = k.uuid
	}
	if w.skip != nil || w.urns == "" || (!w.member && k == nil) {
		return
	}
	// A number owned by another worker's contact is shared with someone
	// outside this target (or a contact made by hand).
	for u := range w.urns.all() {
		o := r.m.byURN[u]
		if o == nil || o == k {
			continue
		}
		if o.ihrisID != "" && o.ihrisID != w.id {
			w.skip = &Skip{WorkerID: w.id, Name: w.name, Reason: ReasonSharedPhone,
				Detail: fmt.Sprintf("%s is the number of worker %s's contact in RapidPro", rapidpro.MaskURN(u), o.ihrisID)}
			return
		}
		if k != nil || u != w.urns.first() {
			w.skip = &Skip{WorkerID: w.id, Name: w.name, Reason: ReasonTaken,
				Detail: fmt.Sprintf("%s belongs to contact %s, not from iHRIS", rapidpro.MaskURN(u), o.uuid)}
			return
		}
		// A contact RapidPro made for this number, by a flow start for
		// instance, becomes the worker's.
		k = o
		w.uuid, w.op = o.uuid, opAdopt
	}
	switch {
	case k == nil:
		w.op = opCreate
	case w.op == opAdopt:
	case w.differs:
		w.op = opUpdate
	}
	if k != nil && k.status != "active" {
		w.skip = &Skip{WorkerID: w.id, Name: w.name, Reason: statusReason(k.status), Detail: "contact " + k.uuid}
	}
}

// needsAdd reports whether the worker's contact must join the group.
func (r *run) needsAdd(w *worker) bool {
	if !w.member || w.skip != nil || r.g.SmartGroup != "" {
		return false
	}
	k := r.m.byIHRIS[w.id]
	return k == nil || w.op == opAdopt || !k.inGroup(r.groupUUID())
}

// removals returns the contacts this module put in the group that no
// longer belong there.
func (r *run) removals() []string {
	if r.g.SmartGroup != "" || r.groupUUID() == "" {
		return nil
	}
	keep := map[string]bool{}
	for _, w := range r.order {
		if w.member && w.skip == nil && w.uuid != "" {
			keep[w.uuid] = true
		}
	}
	for _, x := range r.extra {
		if x.uuid != "" {
			keep[x.uuid] = true
		}
	}
	var out []string
	for u, st := range r.members {
		k := r.m.byUUID[u]
		if keep[u] || k == nil || !k.inGroup(r.groupUUID()) {
			continue
		}
		w := r.workers[k.ihrisID]
		switch {
		case w != nil && (!w.member || w.skip != nil):
		case slices.Contains(r.deleted, k.ihrisID):
		case r.full && w == nil:
			// A full run saw every selected worker: this one is not.
		case st == "removing":
		default:
			continue
		}
		out = append(out, u)
	}
	slices.Sort(out)
	return out
}

// counts sums up the evaluation.
func (r *run) counts() (p Preview, creates, updates, adopts, unchanged, adds int) {
	p = Preview{Target: r.g.Name, ByPlace: map[string]map[string]int{}, ByCadre: map[string]int{}}
	byPlaces := map[uint32]int{} // reachable workers by place chain
	for _, w := range r.order {
		if !w.member {
			if w.reported {
				p.Selected++
				p.Unreachable = append(p.Unreachable, *w.skip)
			} else if w.op == opUpdate {
				// Leaving the target: its contact is kept up to date.
				updates++
			}
			continue
		}
		p.Selected++
		if w.skip != nil {
			p.Unreachable = append(p.Unreachable, *w.skip)
			continue
		}
		p.Reachable++
		byPlaces[w.places]++
		p.ByCadre[cmp.Or(r.strs[w.cadre], "(none)")]++
		switch w.op {
		case opCreate:
			creates++
		case opUpdate:
			updates++
		case opAdopt:
			adopts++
		default:
			unchanged++
		}
		if r.needsAdd(w) {
			adds++
		}
	}
	for i, n := range byPlaces {
		for part := range strings.SplitSeq(r.strs[i], "|") {
			level, rest, ok := strings.Cut(part, "=")
			if !ok {
				continue
			}
			_, name, _ := strings.Cut(rest, ":")
			if p.ByPlace[level] == nil {
				p.ByPlace[level] = map[string]int{}
			}
			p.ByPlace[level][cmp.Or(name, rest)] += n
		}
	}
	for _, x := range r.extra {
		p.Selected++
		if x.skip != nil {
			p.Unreachable = append(p.Unreachable, *x.skip)
			continue
		}
		p.Reachable++
		if x.uuid == "" {
			creates++
		}
		if k := r.m.byUUID[x.uuid]; k == nil || !k.inGroup(r.groupUUID()) {
			if r.g.SmartGroup == "" {
				adds++
			}
		}
	}
	slices.SortFunc(p.Unreachable, func(a, b Skip) int {
		return cmp.Or(cmp.Compare(a.Reason, b.Reason), cmp.Compare(a.WorkerID, b.WorkerID), cmp.Compare(a.Detail, b.Detail))
	})
	return p, creates, updates, adopts, unchanged, adds
}

// decide chooses between a full and an incremental run. A full reconcile
// asked for also reads every RapidPro contact again, rather than the
// changes since the mirror was current: it repairs a mirror that no longer
// describes the workspace (a database restored from a backup, a server
// rebuilt under the same workspace UUID).
func (r *run) decide(full bool) {
	r.full = full || !r.row.found || r.row.hash != r.g.Hash() || r.row.checkpoint == ""
	if full {
		r.m, r.resetMirror = newMirror(), true
	}
}

// prepare does what preview, plan and sync share: learn the workspace,
// load and refresh the mirror, find fields and group, evaluate workers.
func (r *run) prepare(full bool, src func() iter.Seq2[ihris.HealthWorker, error]) error {
	if err := r.workspace(); err != nil {
		return err
	}
	if err := r.load(); err != nil {
		return err
	}
	r.decide(full)
	if err := r.checkCodes(); err != nil {
		return err
	}
	if err := r.refresh(); err != nil {
		return err
	}
	if err := r.setup(); err != nil {
		return err
	}
	if err := r.loadMembers(); err != nil {
		return err
	}
	if src == nil {
		src = r.source
	}
	return r.evaluate(src())
}

// checkCodes refuses criteria naming places, cadres or jobs iHRIS does not
// know: they would select nobody, silently.
func (r *run) checkCodes() error {
	c := r.g.Criteria
	if len(c.Places)+len(c.Cadres)+len(c.Jobs) == 0 {
		return nil
	}
	places, err := r.s.reg.Places(r.ctx)
	if err != nil {
		return fmt.Errorf("target: reading iHRIS places: %w", err)
	}
	terms, err := r.s.reg.Terminology(r.ctx)
	if err != nil {
		return fmt.Errorf("target: reading iHRIS terminology: %w", err)
	}
	var errs []error
	for _, id := range c.Places {
		if _, ok := places.Get(id); !ok {
			errs = append(errs, fmt.Errorf("%w: no place %q in iHRIS's location tree", ihris.ErrUnknownCode, id))
		}
	}
	for _, code := range c.Cadres {
		if !slices.Contains(terms.Cadres(), code) {
			errs = append(errs, fmt.Errorf("%w: no cadre %q in iHRIS (its cadres: %s)", ihris.ErrUnknownCode, code, strings.Join(terms.Cadres(), ", ")))
		}
	}
	for _, code := range c.Jobs {
		if _, ok := terms.Job(code); !ok {
			errs = append(errs, fmt.Errorf("%w: no job %q in iHRIS's ihris-job CodeSystem", ihris.ErrUnknownCode, code))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("target %q: %w", r.g.Name, errors.Join(errs...))
	}
	return nil
}

// now returns the clock's time.
func (r *run) now() time.Time { return r.s.cfg.now().UTC() }
