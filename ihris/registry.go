package ihris

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mhero-go/mhero/fhir"
	models "github.com/samply/golang-fhir-models/fhir-models/fhir"
)

// Registry reads health workers from an iHRIS FHIR server and writes mHero
// activity back. It caches the location tree and the job terminology (see
// [WithCacheTTL] and [Registry.Refresh]); each stream or search first asks
// the server whether a Location was written since the tree was read (one
// _summary=count request) and reads the tree again if so. It is safe for
// concurrent use.
//
// One read of the tree and terminology serves every caller that needs it
// meanwhile; each waits only as long as its own context allows, and the
// read stops when nobody waits for it any more. A read that fails is an
// error for those callers, even when an older copy is cached: serving a
// stale tree in silence would place workers where they no longer are, and
// a server that cannot answer a search of Locations is unlikely to answer
// the reads of workers that follow. The older copy is kept, not served;
// the next call reads again.
type Registry struct {
	client      *fhir.Client
	pageSize    int
	idsPerQuery int
	maxIncludes int
	cacheTTL    time.Duration
	now         func() time.Time

	mu      sync.Mutex     // guards the fields below; never held across the network
	ref     *referenceData // the newest copy read, nil before the first
	loading *refLoad       // the read in flight, nil when none
}

// refLoad is one read of the reference data, shared by the callers that
// need it while it runs (as fhir's token cache shares a token call).
type refLoad struct {
	done    chan struct{} // closed when ref and err are set
	ref     *referenceData
	err     error
	cancel  context.CancelFunc // stops the read once every waiter has left
	waiters int                // guarded by Registry.mu
}

// referenceData is what every health worker is read through.
type referenceData struct {
	places   *Places
	terms    *Terminology
	loadedAt time.Time
	// newestPlace is the newest meta.lastUpdated of the Locations read.
	newestPlace time.Time
}

// Option configures a [Registry].
type Option func(*Registry) error

// WithPageSize sets how many Practitioners (or PractitionerRoles) are asked
// for per page (_count), between 1 and 1000; 100 by default. Memory use is
// proportional to it, the number of requests inversely.
func WithPageSize(n int) Option {
	return func(r *Registry) error {
		if n < 1 || n > 1000 {
			return fmt.Errorf("ihris: page size %d is not between 1 and 1000", n)
		}
		r.pageSize = n
		return nil
	}
}

// WithMaxIncludes tells the registry how many resources the server adds
// to one search page through _revinclude (HAPI's
// maximumIncludesToLoadPerPage, 1000 by default, which is also ours). HAPI
// drops the rest silently, so a page of Practitioners that comes with that
// many roles may lack some: their roles are then searched for separately.
func WithMaxIncludes(n int) Option {
	return func(r *Registry) error {
		if n < 1 {
			return fmt.Errorf("ihris: max includes %d is not positive", n)
		}
		r.maxIncludes = n
		return nil
	}
}

// WithCacheTTL sets how long the location tree and terminology are kept
// before they are read again (15 minutes by default). Zero keeps them until
// [Registry.Refresh].
func WithCacheTTL(d time.Duration) Option {
	return func(r *Registry) error {
		if d < 0 {
			return fmt.Errorf("ihris: cache TTL %v is negative", d)
		}
		r.cacheTTL = d
		return nil
	}
}

// WithClock sets the clock used only to age the cache.
func WithClock(now func() time.Time) Option {
	return func(r *Registry) error {
		if now == nil {
			return errors.New("ihris: WithClock(nil)")
		}
		r.now = now
		return nil
	}
}

// NewRegistry returns a registry reading through client.
func NewRegistry(client *fhir.Client, opts ...Option) (*Registry, error) {
	if client == nil {
		return nil, errors.New("ihris: NewRegistry needs a FHIR client")
	}
	r := &Registry{client: client, pageSize: 100, idsPerQuery: 1000, maxIncludes: 1000, cacheTTL: 15 * time.Minute, now: time.Now}
	for _, opt := range opts {
		if err := opt(r); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Places returns the location tree, read once and cached.
func (r *Registry) Places(ctx context.Context) (*Places, error) {
	ref, err := r.reference(ctx)
	if err != nil {
		return nil, err
	}
	return ref.places, nil
}

// Terminology returns the job, cadre and employment-status code systems,
// read once and cached.
func (r *Registry) Terminology(ctx context.Context) (*Terminology, error) {
	ref, err := r.reference(ctx)
	if err != nil {
		return nil, err
	}
	return ref.terms, nil
}

// Refresh reads the location tree and the terminology again now (or joins
// the read already under way).
func (r *Registry) Refresh(ctx context.Context) error {
	r.mu.Lock()
	l := r.joinLoad(ctx)
	r.mu.Unlock()
	_, err := r.wait(ctx, l)
	return err
}

// reference returns the cached reference data, read again first when it
// is older than the TTL.
func (r *Registry) reference(ctx context.Context) (*referenceData, error) {
	r.mu.Lock()
	if ref := r.ref; ref != nil && (r.cacheTTL == 0 || r.now().Sub(ref.loadedAt) < r.cacheTTL) {
		r.mu.Unlock()
		return ref, nil
	}
	l := r.joinLoad(ctx)
	r.mu.Unlock()
	return r.wait(ctx, l)
}

// joinLoad returns the read in flight, starting one if there is none, and
// counts the caller among its waiters. Callers hold r.mu.
func (r *Registry) joinLoad(ctx context.Context) *refLoad {
	l := r.loading
	if l == nil {
		// The read outlives the call that starts it, keeping its values
		// but not its deadline: others may come to wait for it.
		lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		l = &refLoad{done: make(chan struct{}), cancel: cancel}
		r.loading = l
		go r.runLoad(lctx, l)
	}
	l.waiters++
	return l
}

// wait returns the result of l, or leaves when ctx ends; the last waiter
// to leave stops the read, and the next caller starts afresh.
func (r *Registry) wait(ctx context.Context, l *refLoad) (*referenceData, error) {
	select {
	case <-l.done:
		return l.ref, l.err
	case <-ctx.Done():
		r.mu.Lock()
		l.waiters--
		if l.waiters == 0 && r.loading == l {
			l.cancel()
			r.loading = nil
		}
		r.mu.Unlock()
		return nil, fmt.Errorf("ihris: waiting for the location tree and terminology: %w", context.Cause(ctx))
	}
}

// runLoad reads the reference data for l and publishes the result.
func (r *Registry) runLoad(ctx context.Context, l *refLoad) {
	defer l.cancel()
	ref, err := r.load(ctx)
	r.mu.Lock()
	if err == nil {
		r.ref = ref
	}
	if r.loading == l {
		r.loading = nil
	}
	l.ref, l.err = ref, err
	r.mu.Unlock()
	close(l.done)
}

func (r *Registry) load(ctx context.Context) (*referenceData, error) {
	var locations []models.Location
	var warnings []Warning
	var newestPlace time.Time
	// Sorted so that a tree of many pages survives an expired page link.
	for res, err := range r.client.Search(ctx, "Location", &fhir.SearchParams{Count: 1000, Sort: []string{"_lastUpdated"}}) {
		if err != nil {
			return nil, fmt.Errorf("ihris: reading the location tree: %w", err)
		}
		if at := res.LastUpdatedTime(); at.After(newestPlace) {
			newestPlace = at
		}
		if l, ok := fhir.As[models.Location](res); ok {
			locations = append(locations, *l)
			warnings = append(warnings, convertWarnings(res.Warnings)...)
		}
	}
	places := NewPlaces(locations)
	places.warnings = append(warnings, places.warnings...)

	var systems []models.CodeSystem
	params := &fhir.SearchParams{Params: url.Values{"url": {strings.Join([]string{JobSystem, CadreSystem, EmploymentStatusSystem}, ",")}}}
	for res, err := range r.client.Search(ctx, "CodeSystem", params) {
		if err != nil {
			return nil, fmt.Errorf("ihris: reading the job terminology: %w", err)
		}
		if cs, ok := fhir.As[models.CodeSystem](res); ok {
			systems = append(systems, *cs)
			warnings = append(warnings, convertWarnings(res.Warnings)...)
		}
	}
	terms := NewTerminology(systems...)
	if len(terms.jobs) == 0 {
		terms.warnings = append(terms.warnings, Warning{Resource: "CodeSystem", Path: "url",
			Message: "the ihris-job CodeSystem is not on the server; cadres cannot be resolved"})
	}
	return &referenceData{places: places, terms: terms, loadedAt: r.now(), newestPlace: newestPlace}, nil
}

// freshReference returns the cached reference data, first read again if
// it expired or if a Location was written since the tree was read (see
// freshPlaces).
func (r *Registry) freshReference(ctx context.Context) (*referenceData, error) {
	ref, err := r.reference(ctx)
	if err != nil {
		return nil, err
	}
	return r.freshPlaces(ctx, ref)
}

// freshPlaces returns reference data whose location tree holds every
// Location on the server, reading the tree again when one was written
// since it was cached (one _summary=count search finds out): a facility
// opened since must not hide the workers posted there from a search by
// place, nor leave their roles without a district.
func (r *Registry) freshPlaces(ctx context.Context, ref *referenceData) (*referenceData, error) {
	params := url.Values{"_summary": {"count"}}
	if !ref.newestPlace.IsZero() {
		params.Set("_lastUpdated", "gt"+ref.newestPlace.UTC().Format(time.RFC3339Nano))
	}
	changed := false
	for page, err := range r.client.Pages(ctx, "Location", &fhir.SearchParams{Params: params}) {
		if err != nil {
			return nil, fmt.Errorf("ihris: checking the location tree: %w", err)
		}
		changed = page.Total != nil && *page.Total > 0
		break
	}
	if !changed {
		return ref, nil
	}
	// A read already under way may have begun before the new Location was
	// written: if what it brings is no newer, read once more.
	for range 2 {
		r.mu.Lock()
		if cur := r.ref; cur != nil && cur.newestPlace.After(ref.newestPlace) {
			r.mu.Unlock()
			return cur, nil // another caller read it again meanwhile
		}
		l := r.joinLoad(ctx)
		r.mu.Unlock()
		fresh, err := r.wait(ctx, l)
		if err != nil {
			return nil, err
		}
		if fresh.newestPlace.After(ref.newestPlace) {
			return fresh, nil
		}
	}
	return r.reference(ctx)
}

func convertWarnings(ws []fhir.Warning) []Warning {
	out := make([]Warning, 0, len(ws))
	for _, w := range ws {
		res := w.ResourceType
		if w.ID != "" {
			res += "/" + w.ID
		}
		out = append(out, Warning{Resource: res, Path: w.Path, Message: w.Problem})
	}
	return out
}

// longQuery is the number of ids past which a search is POSTed to _search
// rather than sent as a URL that proxies might refuse.
const longQuery = 100

// rolesOfPractitioner brings a Practitioner's roles into its search page.
const rolesOfPractitioner = "PractitionerRole:practitioner"

// All streams every health worker of the registry, active or not, one page
// of Practitioners (with their roles, through _revinclude) at a time: the
// number of requests grows with pages, not workers, and memory stays flat.
// The search is sorted by _lastUpdated so it survives expired page links.
//
// While page links hold, the stream is the registry as it was when it
// began (the server keeps the result list), and each worker comes once.
// When a link expires the search starts again from the last lastUpdated
// streamed: nobody is lost, but a worker changed after it was streamed
// comes again, in its new version, further on. Callers that must see each
// worker once keep the ids ([Registry.Find] does); ChangesSince never
// repeats a worker within a feed.
func (r *Registry) All(ctx context.Context) iter.Seq2[HealthWorker, error] {
	return r.practitioners(ctx, nil, nil)
}

// Worker reads one health worker with their roles.
func (r *Registry) Worker(ctx context.Context, id string) (HealthWorker, error) {
	for w, err := range r.practitioners(ctx, url.Values{"_id": {id}}, nil) {
		return w, err
	}
	return HealthWorker{}, fmt.Errorf("ihris: Practitioner/%s: %w", id, fhir.ErrNotFound)
}

// practitioners streams the workers of a Practitioner search with extra
// parameters, keeping those keep accepts (all when nil).
func (r *Registry) practitioners(ctx context.Context, params url.Values, keep func(HealthWorker) bool) iter.Seq2[HealthWorker, error] {
	return func(yield func(HealthWorker, error) bool) {
		ref, err := r.freshReference(ctx)
		if err != nil {
			yield(HealthWorker{}, err)
			return
		}
		m := Mapper{Places: ref.places, Terminology: ref.terms}
		sp := &fhir.SearchParams{Params: params, Count: r.pageSize, RevInclude: []string{rolesOfPractitioner}, Sort: []string{"_lastUpdated"}}
		for page, err := range r.client.Pages(ctx, "Practitioner", sp) {
			if err != nil {
				yield(HealthWorker{}, fmt.Errorf("ihris: reading practitioners: %w", err))
				return
			}
			workers, err := r.workersOf(ctx, page, m)
			if err != nil {
				yield(HealthWorker{}, err)
				return
			}
			for _, w := range workers {
				if keep != nil && !keep(w) {
					continue
				}
				if !yield(w, nil) {
					return
				}
			}
		}
	}
}

// roleRes is a PractitionerRole with the warnings its decoding gave.
type roleRes struct {
	role     models.PractitionerRole
	warnings []Warning
}

// addRole files a PractitionerRole under its Practitioner's id.
func addRole(roles map[string][]roleRes, res *fhir.Resource) {
	if pr, ok := fhir.As[models.PractitionerRole](res); ok && pr.Practitioner != nil {
		id := referenceID(deref(pr.Practitioner.Reference), "Practitioner")
		roles[id] = append(roles[id], roleRes{*pr, convertWarnings(res.Warnings)})
	}
}

// workersOf joins the Practitioners matched on a page with their roles:
// those included beside them, unless the page holds as many included
// resources as the server adds to a page (see [WithMaxIncludes]), when
// some may have been left out and the roles are searched for instead.
func (r *Registry) workersOf(ctx context.Context, page *fhir.Page, m Mapper) ([]HealthWorker, error) {
	roles := map[string][]roleRes{}
	if len(page.Included()) < r.maxIncludes {
		for _, res := range page.Included() {
			addRole(roles, res)
		}
		return workersOfPage(page, m, roles), nil
	}
	var refs []string
	for _, res := range page.Matches() {
		if res.Type() == "Practitioner" {
			refs = append(refs, res.Reference())
		}
	}
	for chunk := range slices.Chunk(refs, r.pageSize) {
		seen := map[string]bool{} // a resumed search may bring a role again
		sp := &fhir.SearchParams{Params: url.Values{"practitioner": {strings.Join(chunk, ",")}},
			Count: r.pageSize, Sort: []string{"_lastUpdated"}, Post: len(chunk) > longQuery}
		for res, err := range r.client.Search(ctx, "PractitionerRole", sp) {
			if err != nil {
				return nil, fmt.Errorf("ihris: reading the roles of a page of practitioners: %w", err)
			}
			if !seen[res.ID()] {
				seen[res.ID()] = true
				addRole(roles, res)
			}
		}
	}
	return workersOfPage(page, m, roles), nil
}

// workersOfPage joins the Practitioners matched on a page with their roles,
// keyed by Practitioner id.
func workersOfPage(page *fhir.Page, m Mapper, roles map[string][]roleRes) []HealthWorker {
	var out []HealthWorker
	for _, res := range page.Matches() {
		p, ok := fhir.As[models.Practitioner](res)
		if !ok {
			continue
		}
		if p.Id == nil {
			// The lenient decoder may have left the id out of the model.
			id := res.ID()
			p.Id = &id
		}
		mine := roles[*p.Id]
		prs := make([]models.PractitionerRole, len(mine))
		warnings := convertWarnings(res.Warnings)
		for i, rr := range mine {
			prs[i] = rr.role
			warnings = append(warnings, rr.warnings...)
		}
		w := m.Worker(*p, prs)
		w.Warnings = append(warnings, w.Warnings...)
		out = append(out, w)
	}
	return out
}

// ErrUnknownCode is matched (errors.Is) when criteria name a place or a
// cadre the registry does not know: a typo must not silently select nobody.
var ErrUnknownCode = errors.New("ihris: unknown code")

// Find streams the health workers that meet the criteria.
//
// Role conditions are narrowed on the server: the places become the
// Locations of their subtrees (from the cached tree, read again first if a
// Location was written since) and the cadres the
// jobs that carry them (from the cached terminology), searched as
// PractitionerRole?location=...&role=...; each page of roles then brings
// its workers, with all their roles, in one more request. The criteria are
// checked again on the full worker, so the result is exact. Without role
// conditions the Practitioner search of [Registry.All] is filtered instead;
// workers picked by id are read by id.
// A worker matching through several roles is returned once (the ids
// returned so far are remembered, nothing more).
func (r *Registry) Find(ctx context.Context, c Criteria) iter.Seq2[HealthWorker, error] {
	return func(yield func(HealthWorker, error) bool) {
		if err := c.Validate(); err != nil {
			yield(HealthWorker{}, err)
			return
		}
		if len(c.Workers) > 0 {
			// Workers picked by hand: read just them, a page at a time.
			ref, err := r.freshReference(ctx)
			if err != nil {
				yield(HealthWorker{}, err)
				return
			}
			ids := slices.Clone(c.Workers)
			slices.Sort(ids)
			r.yieldWorkers(ctx, slices.Compact(ids), Mapper{Places: ref.places, Terminology: ref.terms}, c.Match, yield)
			return
		}
		if !c.hasRoleConditions() {
			// No active= on the server: a Practitioner without the element
			// counts as active here and would be missed by active=true.
			params := url.Values{}
			if len(c.Genders) > 0 {
				params.Set("gender", strings.Join(c.Genders, ","))
			}
			// A search that starts again after an expired page link
			// brings back workers changed since they were yielded.
			seen := map[string]bool{}
			for w, err := range r.practitioners(ctx, params, c.Match) {
				if err == nil && seen[w.ID] {
					continue
				}
				seen[w.ID] = true
				if !yield(w, err) || err != nil {
					return
				}
			}
			return
		}
		ref, err := r.freshReference(ctx)
		if err != nil {
			yield(HealthWorker{}, err)
			return
		}
		queries, err := roleQueries(c, ref, r.idsPerQuery)
		if err != nil {
			yield(HealthWorker{}, err)
			return
		}
		seen := map[string]bool{}
		m := Mapper{Places: ref.places, Terminology: ref.terms}
		for _, q := range queries {
			long := len(strings.Split(q.Get("location"), ",")) > longQuery
			// Sorted by _lastUpdated so that an expired page link carries on
			// (a role changed meanwhile may come again: seen drops it).
			sp := &fhir.SearchParams{Params: q, Count: r.pageSize, Elements: []string{"practitioner"},
				Sort: []string{"_lastUpdated"}, Post: long}
			for page, err := range r.client.Pages(ctx, "PractitionerRole", sp) {
				if err != nil {
					yield(HealthWorker{}, fmt.Errorf("ihris: searching roles: %w", err))
					return
				}
				var ids []string
				for _, res := range page.Matches() {
					if pr, ok := fhir.As[models.PractitionerRole](res); ok && pr.Practitioner != nil {
						if id := referenceID(deref(pr.Practitioner.Reference), "Practitioner"); id != "" && !seen[id] {
							seen[id] = true
							ids = append(ids, id)
						}
					}
				}
				if !r.yieldWorkers(ctx, ids, m, c.Match, yield) {
					return
				}
			}
		}
	}
}

// yieldWorkers reads the workers with the given ids (and all their roles)
// and yields those keep accepts. It reports whether to go on.
func (r *Registry) yieldWorkers(ctx context.Context, ids []string, m Mapper, keep func(HealthWorker) bool, yield func(HealthWorker, error) bool) bool {
	for chunk := range slices.Chunk(ids, r.pageSize) {
		// A server may clamp _count below the chunk: sorted, its later
		// pages survive an expired link.
		sp := &fhir.SearchParams{Params: url.Values{"_id": {strings.Join(chunk, ",")}}, Count: len(chunk),
			RevInclude: []string{rolesOfPractitioner}, Sort: []string{"_lastUpdated"}, Post: len(chunk) > longQuery}
		for page, err := range r.client.Pages(ctx, "Practitioner", sp) {
			if err != nil {
				yield(HealthWorker{}, fmt.Errorf("ihris: reading practitioners: %w", err))
				return false
			}
			workers, err := r.workersOf(ctx, page, m)
			if err != nil {
				yield(HealthWorker{}, err)
				return false
			}
			for _, w := range workers {
				if keep != nil && !keep(w) {
					continue
				}
				if !yield(w, nil) {
					return false
				}
			}
		}
	}
	return true
}

// roleQueries turns the role conditions into PractitionerRole searches:
// one per chunk of facilities (a region may hold hundreds).
func roleQueries(c Criteria, ref *referenceData, idsPerQuery int) ([]url.Values, error) {
	// No active=true either: a role without the element is current here.
	base := url.Values{}
	jobs := slices.Clone(c.Jobs)
	if len(c.Cadres) > 0 {
		known := ref.terms.Cadres()
		var cadreJobs []string
		for _, cadre := range c.Cadres {
			if !slices.Contains(known, cadre) {
				return nil, fmt.Errorf("%w: cadre %q is not in the terminology", ErrUnknownCode, cadre)
			}
			cadreJobs = append(cadreJobs, ref.terms.JobsInCadre(cadre)...)
		}
		if len(jobs) > 0 {
			jobs = slices.DeleteFunc(jobs, func(j string) bool { return !slices.Contains(cadreJobs, j) })
		} else {
			jobs = cadreJobs
		}
		if len(jobs) == 0 {
			return nil, nil // no job has both: nobody matches
		}
	}
	if len(jobs) > 0 {
		// Bare codes, matching any system: the mapper resolves a job coded
		// without the ihris-job system too, and Match then keeps it.
		slices.Sort(jobs)
		base.Set("role", strings.Join(slices.Compact(jobs), ","))
	}
	if len(c.Places) == 0 {
		return []url.Values{base}, nil
	}
	// Every place of the subtrees, not only facilities: a role may point
	// at a Location that does not say it is a facility.
	var facilities []string
	for _, id := range c.Places {
		if _, ok := ref.places.Get(id); !ok {
			return nil, fmt.Errorf("%w: place Location/%s is not in the location tree", ErrUnknownCode, id)
		}
		for _, p := range ref.places.Subtree(id) {
			facilities = append(facilities, p.ID)
		}
	}
	slices.Sort(facilities)
	facilities = slices.Compact(facilities)
	var out []url.Values
	for chunk := range slices.Chunk(facilities, idsPerQuery) {
		q := url.Values{}
		for k, v := range base {
			q[k] = slices.Clone(v)
		}
		refs := make([]string, len(chunk))
		for i, f := range chunk {
			refs[i] = "Location/" + f
		}
		q.Set("location", strings.Join(refs, ","))
		out = append(out, q)
	}
	return out, nil
}
