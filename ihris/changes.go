package ihris

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/mhero-go/mhero/fhir"
	models "github.com/samply/golang-fhir-models/fhir-models/fhir"
)

// maxSeenAtCheckpoint bounds the resources a checkpoint remembers at its
// instant. A bulk load can give thousands the same meta.lastUpdated; past
// the bound the instant counts as wholly seen, so only a write landing in
// that very millisecond after the read could be missed.
const maxSeenAtCheckpoint = 256

// Checkpoint marks how far a reader has followed the registry's changes: the
// newest meta.lastUpdated it has seen (the server's clock, never ours) and
// the resources seen at exactly that instant, so that asking again from it
// neither loses a change made in the same millisecond nor repeats one. The
// zero Checkpoint means "from the beginning". It is stored as text (see
// [Checkpoint.MarshalText]); treat the text as opaque.
type Checkpoint struct {
	at   time.Time
	seen []string // "Type/id" of the resources last updated at exactly at, sorted
	// full reports that more than maxSeenAtCheckpoint resources share at:
	// everything at that instant counts as seen.
	full bool
}

// Time returns the newest meta.lastUpdated seen (zero for the beginning).
func (c Checkpoint) Time() time.Time { return c.at }

// IsZero reports whether the checkpoint is the beginning.
func (c Checkpoint) IsZero() bool { return c.at.IsZero() }

// String returns the checkpoint's text.
func (c Checkpoint) String() string {
	if c.at.IsZero() {
		return ""
	}
	s := c.at.UTC().Format(time.RFC3339Nano)
	if c.full {
		return s + " *"
	}
	if len(c.seen) > 0 {
		s += " " + strings.Join(c.seen, " ")
	}
	return s
}

// MarshalText encodes the checkpoint for storage.
func (c Checkpoint) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText decodes a stored checkpoint.
func (c *Checkpoint) UnmarshalText(text []byte) error {
	fields := strings.Fields(string(text))
	if len(fields) == 0 {
		*c = Checkpoint{}
		return nil
	}
	at, err := time.Parse(time.RFC3339Nano, fields[0])
	if err != nil {
		return fmt.Errorf("ihris: checkpoint %q: %w", text, err)
	}
	if len(fields) == 2 && fields[1] == "*" {
		*c = Checkpoint{at: at, full: true}
		return nil
	}
	for _, ref := range fields[1:] {
		if typ, id, ok := strings.Cut(ref, "/"); !ok || typ == "" || id == "" {
			return fmt.Errorf("ihris: checkpoint %q: %q is not a reference", text, ref)
		}
	}
	seen := slices.Clone(fields[1:])
	slices.Sort(seen)
	*c = Checkpoint{at: at, seen: slices.Compact(seen)}
	return nil
}

// covers reports whether the resource was already seen by whoever holds the
// checkpoint.
func (c Checkpoint) covers(ref string, lastUpdated time.Time) bool {
	if c.at.IsZero() || lastUpdated.IsZero() {
		return false
	}
	if lastUpdated.Before(c.at) {
		return true
	}
	if !lastUpdated.Equal(c.at) {
		return false
	}
	_, found := slices.BinarySearch(c.seen, ref)
	return c.full || found
}

// advance records a resource seen at lastUpdated.
func (c *Checkpoint) advance(ref string, lastUpdated time.Time) {
	switch {
	case lastUpdated.IsZero() || lastUpdated.Before(c.at):
	case lastUpdated.After(c.at):
		c.at, c.seen, c.full = lastUpdated, []string{ref}, false
	case c.full:
	case len(c.seen) >= maxSeenAtCheckpoint:
		c.seen, c.full = nil, true
	default:
		if i, found := slices.BinarySearch(c.seen, ref); !found {
			c.seen = slices.Insert(c.seen, i, ref)
		}
	}
}

// Change is one health worker changed or deleted since a checkpoint.
type Change struct {
	// ID is the Practitioner's id.
	ID string
	// Deleted reports that the Practitioner was deleted; Worker is then
	// zero but for its ID.
	Deleted bool
	// Worker is the health worker as it is now, with all its roles.
	Worker HealthWorker
}

// ChangeFeed is the feed of changes since a checkpoint, from
// [Registry.ChangesSince]. Iterate it with All, then store Checkpoint.
type ChangeFeed struct {
	reg      *Registry
	since    Checkpoint
	next     Checkpoint
	done     bool
	coverage Coverage
}

// Coverage says which kinds of change a feed could look for on its server.
// Searches by _lastUpdated find every worker whose Practitioner or
// PractitionerRoles were written since the checkpoint; the rest needs
// _history, which not every FHIR server offers.
type Coverage struct {
	// Deletions is false when the server has no type-level _history:
	// deleted Practitioners, and workers who lost a role only because it
	// was deleted, do not come. Only a read from the zero checkpoint (or
	// [Registry.All]) then shows who left the registry.
	Deletions bool
	// Handovers is false when the server has no instance _history: when a
	// PractitionerRole moved to another worker, the worker who held it
	// before does not come.
	Handovers bool
}

// ChangesSince returns the feed of the health workers changed since the
// checkpoint: a Practitioner updated, one of its PractitionerRoles updated
// or deleted (a transfer, a new posting, a position handed to someone
// else: both workers change), or the Practitioner deleted (seen through
// _history, as searches do not show deletions). Each worker comes once. A
// zero checkpoint returns every worker and no deletion. Nothing is read
// until [ChangeFeed.All] runs, under the context given to it.
//
// On a server without _history the feed still brings every update (see
// [ChangeFeed.Coverage] for what it cannot see there) rather than fail.
func (r *Registry) ChangesSince(since Checkpoint) *ChangeFeed {
	return &ChangeFeed{reg: r, since: since, next: since, coverage: Coverage{Deletions: true, Handovers: true}}
}

// Checkpoint returns the checkpoint to ask from next time: the newest
// meta.lastUpdated seen, but no newer than the last write made before All
// began (changes written while it ran come again next time), once All has
// been iterated to its end without error; until then, the checkpoint the
// feed started from, so that an interrupted sync is simply done again.
func (c *ChangeFeed) Checkpoint() Checkpoint {
	if !c.done {
		return c.since
	}
	return c.next
}

// Coverage says what the last run of All could look for on the server
// (everything until All finds otherwise).
func (c *ChangeFeed) Coverage() Coverage { return c.coverage }

// All yields the changes: updated workers first, in the order they changed,
// then workers whose roles changed, then deletions. Each run reads the
// server again from the feed's checkpoint.
func (c *ChangeFeed) All(ctx context.Context) iter.Seq2[Change, error] {
	return func(yield func(Change, error) bool) {
		c.done, c.next = false, c.since
		c.coverage = Coverage{Deletions: true, Handovers: true}
		ref, err := c.reg.freshReference(ctx)
		if err != nil {
			yield(Change{}, err)
			return
		}
		horizon, err := c.reg.horizon(ctx)
		if err != nil && unsupported(err) {
			// No type-level _history: the newest update is found by a
			// search instead, and deletions cannot be seen.
			c.coverage.Deletions = c.since.IsZero() // a first sync needs none
			horizon, err = c.reg.newestUpdate(ctx)
		}
		if err != nil {
			yield(Change{}, err)
			return
		}
		f := &feed{ChangeFeed: c, ctx: ctx, m: Mapper{Places: ref.places, Terminology: ref.terms}, horizon: horizon,
			emitted: map[string]bool{}, yield: yield}
		if f.practitioners() && f.roles() && f.deletions() {
			c.done = true
		}
	}
}

// unsupported reports whether err is a server's way of saying it does not
// offer an interaction: 404, 400, 405 or 501.
func unsupported(err error) bool {
	if errors.Is(err, fhir.ErrNotFound) || errors.Is(err, fhir.ErrInvalid) {
		return true
	}
	status := 0
	var oo *fhir.OperationOutcomeError
	var se *fhir.StatusError
	switch {
	case errors.As(err, &oo):
		status = oo.StatusCode
	case errors.As(err, &se):
		status = se.StatusCode
	}
	return status == http.StatusMethodNotAllowed || status == http.StatusNotImplemented
}

// feed is one pass over the changes. emitted holds the ids of the workers
// already yielded: memory grows with the changes, not the registry.
//
// The passes over Practitioners, PractitionerRoles and deletions run one
// after the other, so a write landing during the feed may be seen by a
// later pass and missed by an earlier one. The checkpoint therefore moves
// no further than horizon, the newest write made before the first pass
// began, which every pass was sure to see; changes seen beyond it come
// again next time rather than being lost.
type feed struct {
	*ChangeFeed
	ctx     context.Context
	m       Mapper
	horizon time.Time
	emitted map[string]bool
	yield   func(Change, error) bool
}

// record moves the next checkpoint over a resource seen at lastUpdated,
// up to the horizon (without limit when the horizon is unknown).
func (f *feed) record(ref string, lastUpdated time.Time) {
	if f.horizon.IsZero() || !lastUpdated.After(f.horizon) {
		f.next.advance(ref, lastUpdated)
	}
}

// horizon returns the newest meta.lastUpdated of any Practitioner or
// PractitionerRole write, deletions included (the newest entry of each
// type's _history, which servers list newest first).
func (r *Registry) horizon(ctx context.Context) (time.Time, error) {
	var newest time.Time
	for _, typ := range []string{"Practitioner", "PractitionerRole"} {
		for e, err := range r.client.History(ctx, typ, "", &fhir.HistoryParams{Count: 1}) {
			if err != nil {
				return time.Time{}, fmt.Errorf("ihris: newest %s write: %w", typ, err)
			}
			if at := entryTime(e); at.After(newest) {
				newest = at
			}
			break
		}
	}
	return newest, nil
}

// newestUpdate returns the newest meta.lastUpdated of any live
// Practitioner or PractitionerRole, by searching newest first: the horizon
// on a server without _history, where deletions cannot be seen anyway.
func (r *Registry) newestUpdate(ctx context.Context) (time.Time, error) {
	var newest time.Time
	for _, typ := range []string{"Practitioner", "PractitionerRole"} {
		sp := &fhir.SearchParams{Count: 1, Sort: []string{"-_lastUpdated"}, Elements: []string{"id"}}
		for page, err := range r.client.Pages(ctx, typ, sp) {
			if err != nil {
				return time.Time{}, fmt.Errorf("ihris: newest %s update: %w", typ, err)
			}
			for _, res := range page.Matches() {
				if at := res.LastUpdatedTime(); at.After(newest) {
					newest = at
				}
			}
			break
		}
	}
	return newest, nil
}

func (f *feed) fail(err error) bool {
	f.yield(Change{}, err)
	return false
}

func (f *feed) sinceParams() url.Values {
	v := url.Values{}
	if !f.ChangeFeed.since.IsZero() {
		v.Set("_lastUpdated", "ge"+f.ChangeFeed.since.Time().UTC().Format(time.RFC3339Nano))
	}
	return v
}

func (f *feed) emit(w HealthWorker) bool {
	if f.emitted[w.ID] {
		return true
	}
	f.emitted[w.ID] = true
	return f.yield(Change{ID: w.ID, Worker: w}, nil)
}

// practitioners yields the Practitioners updated since the checkpoint.
func (f *feed) practitioners() bool {
	sp := &fhir.SearchParams{Params: f.sinceParams(), Count: f.reg.pageSize, RevInclude: []string{rolesOfPractitioner}, Sort: []string{"_lastUpdated"}}
	for page, err := range f.reg.client.Pages(f.ctx, "Practitioner", sp) {
		if err != nil {
			return f.fail(fmt.Errorf("ihris: changed practitioners: %w", err))
		}
		seenAt := map[string]time.Time{}
		for _, res := range page.Matches() {
			seenAt[res.ID()] = res.LastUpdatedTime()
		}
		workers, err := f.reg.workersOf(f.ctx, page, f.m)
		if err != nil {
			return f.fail(err)
		}
		for _, w := range workers {
			ref, at := w.Reference(), seenAt[w.ID]
			if f.ChangeFeed.since.covers(ref, at) {
				continue
			}
			f.record(ref, at)
			if !f.emit(w) {
				return false
			}
		}
	}
	return true
}

// roles yields the workers whose PractitionerRoles changed since the
// checkpoint, read again whole.
func (f *feed) roles() bool {
	sp := &fhir.SearchParams{Params: f.sinceParams(), Count: f.reg.pageSize, Sort: []string{"_lastUpdated"}}
	for page, err := range f.reg.client.Pages(f.ctx, "PractitionerRole", sp) {
		if err != nil {
			return f.fail(fmt.Errorf("ihris: changed roles: %w", err))
		}
		var ids []string
		for _, res := range page.Matches() {
			at := res.LastUpdatedTime()
			if f.ChangeFeed.since.covers(res.Reference(), at) {
				continue
			}
			f.record(res.Reference(), at)
			holders, err := f.holders(res)
			if err != nil {
				return f.fail(err)
			}
			for _, id := range holders {
				if !f.emitted[id] && !slices.Contains(ids, id) {
					ids = append(ids, id)
				}
			}
		}
		if !f.reg.yieldWorkers(f.ctx, ids, f.m, nil, func(w HealthWorker, err error) bool {
			if err != nil {
				return f.fail(err)
			}
			return f.emit(w)
		}) {
			return false
		}
	}
	return true
}

// holders returns the Practitioners a changed PractitionerRole belongs to
// now and belonged to since the checkpoint: a position handed to someone
// else changes the worker who held it too. The earlier versions come from
// the role's _history (newest first, back to the one current at the
// checkpoint): version ids are opaque strings, not numbers to count down.
// That costs a request per role changed since the checkpoint, unless it is
// a first version.
func (f *feed) holders(res *fhir.Resource) ([]string, error) {
	var out []string
	add := func(res *fhir.Resource) {
		if pr, ok := fhir.As[models.PractitionerRole](res); ok && pr.Practitioner != nil {
			if id := referenceID(deref(pr.Practitioner.Reference), "Practitioner"); id != "" && !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	add(res)
	if f.ChangeFeed.since.IsZero() || res.VersionID() == "1" || !f.coverage.Handovers {
		return out, nil // every worker comes anyway, or there is no earlier version, or no way to read it
	}
	for e, err := range f.reg.client.History(f.ctx, "PractitionerRole", res.ID(), &fhir.HistoryParams{Count: f.reg.pageSize}) {
		switch {
		case err != nil && unsupported(err):
			f.coverage.Handovers = false
			return out, nil
		case errors.Is(err, fhir.ErrGone):
			return out, nil // expunged meanwhile: nobody to add
		case err != nil:
			return nil, fmt.Errorf("ihris: earlier versions of %s: %w", res.Reference(), err)
		}
		if e.Resource == nil {
			continue // a deletion, then a re-creation: no holder in it
		}
		add(e.Resource)
		if e.Resource.LastUpdatedTime().Before(f.ChangeFeed.since.Time()) {
			break // the version the last feed saw
		}
	}
	return out, nil
}

// deletions yields the Practitioners deleted since the checkpoint, and the
// workers who lost a role to a deletion. A zero checkpoint has none.
func (f *feed) deletions() bool {
	if f.ChangeFeed.since.IsZero() || !f.coverage.Deletions {
		return true
	}
	hp := &fhir.HistoryParams{Since: f.ChangeFeed.since.Time(), Count: f.reg.pageSize}
	var deleted []string
	for e, err := range f.reg.client.History(f.ctx, "Practitioner", "", hp) {
		if err != nil {
			return f.fail(fmt.Errorf("ihris: practitioner history: %w", err))
		}
		if id, at, ok := deletion(e, "Practitioner"); ok && !f.ChangeFeed.since.covers("Practitioner/"+id, at) {
			f.record("Practitioner/"+id, at)
			if !slices.Contains(deleted, id) {
				deleted = append(deleted, id)
			}
		}
	}
	var roleWorkers []string
	for e, err := range f.reg.client.History(f.ctx, "PractitionerRole", "", hp) {
		if err != nil {
			return f.fail(fmt.Errorf("ihris: role history: %w", err))
		}
		id, at, ok := deletion(e, "PractitionerRole")
		if !ok || f.ChangeFeed.since.covers("PractitionerRole/"+id, at) {
			continue
		}
		f.record("PractitionerRole/"+id, at)
		worker, err := f.reg.workerOfDeletedRole(f.ctx, id)
		if err != nil {
			return f.fail(err)
		}
		if worker != "" && !f.emitted[worker] && !slices.Contains(deleted, worker) && !slices.Contains(roleWorkers, worker) {
			roleWorkers = append(roleWorkers, worker)
		}
	}
	// A worker deleted and then re-created is a change, not a deletion.
	for _, id := range deleted {
		if f.emitted[id] {
			continue
		}
		if _, err := f.reg.Worker(f.ctx, id); err == nil {
			roleWorkers = append(roleWorkers, id)
			continue
		} else if !errors.Is(err, fhir.ErrNotFound) && !errors.Is(err, fhir.ErrGone) {
			return f.fail(err)
		}
		f.emitted[id] = true
		if !f.yield(Change{ID: id, Deleted: true, Worker: HealthWorker{ID: id}}, nil) {
			return false
		}
	}
	return f.reg.yieldWorkers(f.ctx, roleWorkers, f.m, nil, func(w HealthWorker, err error) bool {
		if err != nil {
			return f.fail(err)
		}
		return f.emit(w)
	})
}

// deletion reads a history entry recording the deletion of a resource of
// the given type: its id and when it happened.
func deletion(e *fhir.Entry, typ string) (id string, at time.Time, ok bool) {
	if !e.Deleted() || e.Request == nil {
		return "", time.Time{}, false
	}
	id = referenceID(e.Request.URL, typ)
	if id == "" {
		return "", time.Time{}, false
	}
	return id, entryTime(e), true
}

// entryTime is when a history entry was written: its response's
// lastModified, else its resource's meta.lastUpdated.
func entryTime(e *fhir.Entry) time.Time {
	var at time.Time
	if e.Response != nil {
		at, _ = time.Parse(time.RFC3339Nano, e.Response.LastModified)
		if at.IsZero() {
			at, _ = time.Parse(time.RFC1123, e.Response.LastModified)
		}
	}
	if at.IsZero() && e.Resource != nil {
		at = e.Resource.LastUpdatedTime()
	}
	return at
}

// workerOfDeletedRole finds, in the role's history, the Practitioner a
// deleted role belonged to ("" when no version says).
func (r *Registry) workerOfDeletedRole(ctx context.Context, roleID string) (string, error) {
	for e, err := range r.client.History(ctx, "PractitionerRole", roleID, nil) {
		if err != nil && (unsupported(err) || errors.Is(err, fhir.ErrGone)) {
			return "", nil // expunged, or no instance history: nobody known
		}
		if err != nil {
			return "", fmt.Errorf("ihris: history of PractitionerRole/%s: %w", roleID, err)
		}
		if pr, ok := fhir.As[models.PractitionerRole](e.Resource); ok && pr.Practitioner != nil {
			return referenceID(deref(pr.Practitioner.Reference), "Practitioner"), nil
		}
	}
	return "", nil
}
