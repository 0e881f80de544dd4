package fhir

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrPageExpired matches the error of a search whose next page link the
// server no longer knows (HAPI forgets them after a while) and which could
// not carry on by itself because it is not sorted by _lastUpdated.
var ErrPageExpired = errors.New("fhir: the search's page link expired")

// SearchParams are the parameters of a search. The zero value (or nil)
// searches everything of a type, in the server's page size.
type SearchParams struct {
	// Params holds any search parameter by name, for example "name",
	// "active", modifiers ("name:exact"), chained parameters
	// ("practitioner.active", "location.partof"), reverse chains
	// ("_has:PractitionerRole:practitioner:active"), "_id", "_profile", and
	// "_lastUpdated" with a prefix ("ge2024-05-01T00:00:00Z").
	Params url.Values
	// Count is the page size (_count); 0 leaves it to the server (20 on
	// HAPI).
	Count int
	// Include adds the resources the matches reference (_include), e.g.
	// "PractitionerRole:practitioner".
	Include []string
	// RevInclude adds the resources referencing the matches (_revinclude),
	// e.g. "PractitionerRole:practitioner" on a Practitioner search.
	RevInclude []string
	// Elements asks for only these elements of the matches (_elements).
	Elements []string
	// Sort orders the matches (_sort), e.g. "_lastUpdated" or "-date".
	//
	// A search sorted by "_lastUpdated" first (ascending) can survive the
	// expiry of its page links: it then searches again from the last
	// meta.lastUpdated it returned (_lastUpdated=ge...), skipping the
	// resources it already returned with that very timestamp. Resources are
	// neither lost nor repeated, except that one updated while the search
	// runs may come again in its new version. Other searches fail with
	// [ErrPageExpired].
	Sort []string
	// Total asks the server to count the matches: "accurate", "estimate"
	// or "none" (_total).
	Total string
	// Post sends the search as POST [type]/_search with a form body, for
	// long queries and to keep the parameters (phone numbers, names) out of
	// URLs and server logs.
	Post bool
	// After carries on a search sorted by _lastUpdated from where an
	// earlier one got to (see [Page.Cursor]), even in another process: it
	// returns what was updated at or after the cursor's instant, less what
	// was already returned at exactly that instant.
	After *Cursor
}

// Cursor is where a search sorted by _lastUpdated got to: the newest
// meta.lastUpdated it returned and the resources it returned with exactly
// that timestamp. Its String form can be stored and read back with
// [ParseCursor].
type Cursor struct {
	// LastUpdated is the instant as the server wrote it, "" for a search
	// that returned nothing yet.
	LastUpdated string
	// Seen lists the references ("Practitioner/P1") returned with
	// LastUpdated. It must not be modified.
	Seen []string
}

// String encodes the cursor as "<lastUpdated> <ref> <ref>...".
func (c Cursor) String() string {
	return strings.Join(append([]string{c.LastUpdated}, c.Seen...), " ")
}

// ParseCursor reads a cursor written by [Cursor.String].
func ParseCursor(s string) (*Cursor, error) {
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return &Cursor{}, nil
	}
	if _, err := time.Parse(time.RFC3339Nano, fields[0]); err != nil {
		return nil, fmt.Errorf("fhir: bad cursor: %q is not an instant", fields[0])
	}
	for _, ref := range fields[1:] {
		typ, id, ok := strings.Cut(ref, "/")
		if !ok || checkType(typ) != nil || checkID("id", id) != nil {
			return nil, fmt.Errorf("fhir: bad cursor: %q is not a reference", ref)
		}
	}
	return &Cursor{LastUpdated: fields[0], Seen: fields[1:]}, nil
}

func (p *SearchParams) values() (url.Values, error) {
	v := url.Values{}
	if p == nil {
		return v, nil
	}
	if p.Count < 0 {
		return nil, errors.New("fhir: SearchParams.Count is negative")
	}
	for k, vs := range p.Params {
		v[k] = slices.Clone(vs)
	}
	if p.Count > 0 {
		v.Set("_count", strconv.Itoa(p.Count))
	}
	for _, s := range p.Include {
		v.Add("_include", s)
	}
	for _, s := range p.RevInclude {
		v.Add("_revinclude", s)
	}
	if len(p.Elements) > 0 {
		v.Set("_elements", strings.Join(p.Elements, ","))
	}
	if len(p.Sort) > 0 {
		v.Set("_sort", strings.Join(p.Sort, ","))
	}
	if p.Total != "" {
		v.Set("_total", p.Total)
	}
	return v, nil
}

// resumable reports whether a search with these values is sorted by
// _lastUpdated first, ascending.
func resumable(v url.Values) bool {
	first, _, _ := strings.Cut(v.Get("_sort"), ",")
	return strings.TrimSpace(first) == "_lastUpdated"
}

// Search returns the resources matching a search on resourceType, fetching
// pages as the loop asks for more. The included resources are on the pages
// (see [Client.Pages]). The iteration stops at the first error.
func (c *Client) Search(ctx context.Context, resourceType string, params *SearchParams) iter.Seq2[*Resource, error] {
	return func(yield func(*Resource, error) bool) {
		for page, err := range c.Pages(ctx, resourceType, params) {
			if err != nil {
				yield(nil, err)
				return
			}
			for _, r := range page.Matches() {
				if !yield(r, nil) {
					return
				}
			}
		}
	}
}

// Pages returns the pages of a search on resourceType, following each
// page's next link as the loop asks for more. Each page holds the matches
// and the resources brought by _include and _revinclude (see
// [Page.Resolve]). A search sorted by _lastUpdated carries on when the
// server forgets its page links (see [SearchParams.Sort]). The iteration
// stops at the first error.
func (c *Client) Pages(ctx context.Context, resourceType string, params *SearchParams) iter.Seq2[*Page, error] {
	return func(yield func(*Page, error) bool) {
		vals, err := params.values()
		if err == nil {
			err = checkType(resourceType)
		}
		if err != nil {
			yield(nil, err)
			return
		}
		s := &search{c: c, typ: resourceType, vals: vals, post: params != nil && params.Post,
			resumable: resumable(vals), seen: map[string]bool{}}
		first := vals
		if params != nil && params.After != nil && params.After.LastUpdated != "" {
			if first, err = s.startAfter(params.After); err != nil {
				yield(nil, err)
				return
			}
		}
		page, err := s.first(ctx, first)
		expiries := 0 // in a row, without a new match in between
		for {
			if err != nil {
				yield(nil, err)
				return
			}
			fresh, dropped := s.track(page)
			if fresh > 0 {
				expiries = 0
			}
			if fresh > 0 || dropped == 0 || page.Next == "" {
				if !yield(page, nil) {
					return
				}
			}
			if page.Next == "" {
				return
			}
			page, err = s.next(ctx, page.Next)
			if err != nil && expired(err) {
				expiries++
				page, err = s.resume(ctx, err, expiries)
			}
		}
	}
}

// search is the state of one Pages iteration.
type search struct {
	c         *Client
	typ       string
	vals      url.Values
	post      bool
	resumable bool

	// boundary is the newest meta.lastUpdated returned (as the server wrote
	// it), and seen the resources returned with exactly that timestamp, as
	// a set and, for cursors, in an append-only list (a new list for each
	// boundary, so that cursors already handed out never change).
	boundary     string
	boundaryTime time.Time
	seen         map[string]bool
	seenList     []string
	returned     int  // matches returned so far
	untimed      bool // a returned match had no usable meta.lastUpdated
}

// maxExpiries bounds how often in a row a search starts again without
// getting further: a server whose links expire before the next request
// would otherwise be searched forever.
const maxExpiries = 3

func (s *search) first(ctx context.Context, vals url.Values) (*Page, error) {
	if s.post {
		body := []byte(vals.Encode())
		// A search changes nothing, so its POST is safe to repeat.
		return s.c.page(ctx, &request{method: http.MethodPost, repeatable: true,
			url: s.c.endpoint(s.typ, "_search"), body: body, ctype: mediaForm})
	}
	u := s.c.endpoint(s.typ)
	u.RawQuery = vals.Encode()
	return s.c.page(ctx, &request{method: http.MethodGet, url: u})
}

func (s *search) next(ctx context.Context, link string) (*Page, error) {
	u, err := s.c.pageURL(link, s.typ)
	if err != nil {
		return nil, err
	}
	return s.c.page(ctx, &request{method: http.MethodGet, url: u})
}

// expired reports whether following a next link failed because the server
// forgot it: HAPI answers 410 Gone, or 404 or 400 with an OperationOutcome,
// for an expired _getpages id. A link the server itself gave cannot be
// otherwise missing or bad.
func expired(err error) bool {
	return errors.Is(err, ErrGone) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrInvalid)
}

// startAfter sets the search up to carry on from cursor and returns the
// parameters of its first request.
func (s *search) startAfter(cursor *Cursor) (url.Values, error) {
	if !s.resumable {
		return nil, errors.New("fhir: SearchParams.After needs a search sorted by _lastUpdated")
	}
	t, err := time.Parse(time.RFC3339Nano, cursor.LastUpdated)
	if err != nil {
		return nil, fmt.Errorf("fhir: bad cursor instant %q", cursor.LastUpdated)
	}
	s.boundary, s.boundaryTime = cursor.LastUpdated, t
	s.seenList = slices.Clone(cursor.Seen)
	for _, ref := range cursor.Seen {
		s.seen[ref] = true
	}
	vals := cloneValues(s.vals)
	vals.Add("_lastUpdated", "ge"+s.boundary)
	return vals, nil
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// resume searches again after the page links expired.
func (s *search) resume(ctx context.Context, cause error, expiries int) (*Page, error) {
	switch {
	case !s.resumable:
		return nil, fmt.Errorf("%w (sort by _lastUpdated to carry on): %w", ErrPageExpired, cause)
	case s.untimed:
		return nil, fmt.Errorf("%w (a result had no meta.lastUpdated to carry on from): %w", ErrPageExpired, cause)
	case expiries > maxExpiries:
		return nil, fmt.Errorf("%w (%d times in a row without progress): %w", ErrPageExpired, expiries, cause)
	}
	vals := cloneValues(s.vals)
	if s.boundary != "" {
		// Several _lastUpdated values are ANDed, so a caller's own range
		// still holds.
		vals.Add("_lastUpdated", "ge"+s.boundary)
	}
	s.c.hc.Logger().DebugContext(ctx, "fhir: page link expired; searching again from the last lastUpdated",
		"type", s.typ, "since", s.boundary, "returned", s.returned)
	return s.first(ctx, vals)
}

// track removes from page the matches already returned (after a resume)
// and records the boundary. It returns how many new matches the page has
// and how many it dropped.
func (s *search) track(page *Page) (fresh, dropped int) {
	kept := page.Entries[:0]
	var droppedRefs map[string]bool
	for _, e := range page.Entries {
		r := e.Resource
		if r == nil || (e.Mode != ModeMatch && e.Mode != "") {
			kept = append(kept, e)
			continue
		}
		t := r.LastUpdatedTime()
		key := r.Reference()
		if t.IsZero() {
			s.untimed = true
		} else if !s.boundaryTime.IsZero() && t.Equal(s.boundaryTime) && s.seen[key] {
			dropped++
			if droppedRefs == nil {
				droppedRefs = map[string]bool{}
			}
			droppedRefs[key] = true
			continue
		}
		switch {
		case t.IsZero():
		case t.After(s.boundaryTime):
			s.boundary, s.boundaryTime = r.LastUpdated(), t
			clear(s.seen)
			s.seen[key] = true
			s.seenList = []string{key}
		case t.Equal(s.boundaryTime):
			s.seen[key] = true
			s.seenList = append(s.seenList, key)
		}
		fresh++
		kept = append(kept, e)
	}
	clear(page.Entries[len(kept):]) // let the dropped resources be collected
	page.Entries = kept
	if droppedRefs != nil {
		// Their warnings were reported with the page that first had them.
		page.Warnings = slices.DeleteFunc(page.Warnings, func(w Warning) bool {
			return droppedRefs[w.ResourceType+"/"+w.ID]
		})
	}
	s.returned += fresh
	if s.resumable && !s.untimed {
		page.cursor = &Cursor{LastUpdated: s.boundary, Seen: s.seenList[:len(s.seenList):len(s.seenList)]}
	}
	return fresh, dropped
}

// page sends a request whose answer is a Bundle.
func (c *Client) page(ctx context.Context, req *request) (*Page, error) {
	_, body, err := c.do(ctx, req)
	if err != nil {
		return nil, err
	}
	p, err := parsePage(body)
	var oo *OperationOutcomeError
	if errors.As(err, &oo) {
		oo.Method, oo.URL = req.method, c.redactURL(req.url)
		return nil, oo
	}
	if err != nil {
		return nil, fmt.Errorf("fhir: %s %s: %w", req.method, c.redactURL(req.url), err)
	}
	return p, nil
}

// pageURL resolves a next link. HAPI builds its links on the base URL it
// believes it has, which behind a proxy (OpenHIM, a gateway) is not the one
// the client uses; such a link is moved onto the client's base rather than
// followed (with the client's credentials) to another host.
func (c *Client) pageURL(link, resourceType string) (*url.URL, error) {
	u, err := c.base.Parse(link)
	if err != nil {
		return nil, fmt.Errorf("fhir: the server's next link does not parse")
	}
	if u.Scheme == c.base.Scheme && u.Host == c.base.Host &&
		(strings.HasPrefix(u.Path, c.base.Path) || u.Path+"/" == c.base.Path) {
		return u, nil
	}
	if u.Query().Has("_getpages") {
		v := c.endpoint()
		v.RawQuery = u.RawQuery
		return v, nil
	}
	if resourceType != "" {
		if i := strings.LastIndex(u.Path, "/"+resourceType); i >= 0 {
			v := c.base.JoinPath(u.Path[i+1:])
			v.RawQuery = u.RawQuery
			return v, nil
		}
	}
	return nil, fmt.Errorf("fhir: the server's next link %s is outside its base URL; not followed", c.redactURL(u))
}

// HistoryParams narrow a history.
type HistoryParams struct {
	// Since keeps the versions written at or after this instant (_since).
	Since time.Time
	// Count is the page size (_count); 0 leaves it to the server.
	Count int
}

// History returns the versions recorded for one resource (resourceType and
// id), for every resource of a type (id ""), or for the whole server (both
// ""), newest first, following next links. A deletion is an entry without
// a resource whose Deleted reports true. Expired page links end the
// iteration with an error matching [ErrPageExpired]; ask again with Since.
func (c *Client) History(ctx context.Context, resourceType, id string, params *HistoryParams) iter.Seq2[*Entry, error] {
	return func(yield func(*Entry, error) bool) {
		var segs []string
		if resourceType != "" {
			if err := checkType(resourceType); err != nil {
				yield(nil, err)
				return
			}
			segs = append(segs, resourceType)
		}
		if id != "" {
			if resourceType == "" {
				yield(nil, errors.New("fhir: History of an id needs its resource type"))
				return
			}
			if err := checkID("id", id); err != nil {
				yield(nil, err)
				return
			}
			segs = append(segs, id)
		}
		u := c.endpoint(append(segs, "_history")...)
		q := url.Values{}
		if params != nil {
			if params.Count < 0 {
				yield(nil, errors.New("fhir: HistoryParams.Count is negative"))
				return
			}
			if !params.Since.IsZero() {
				q.Set("_since", params.Since.UTC().Format(time.RFC3339Nano))
			}
			if params.Count > 0 {
				q.Set("_count", strconv.Itoa(params.Count))
			}
		}
		u.RawQuery = q.Encode()
		page, err := c.page(ctx, &request{method: http.MethodGet, url: u})
		for {
			if err != nil {
				yield(nil, err)
				return
			}
			for i := range page.Entries {
				if !yield(&page.Entries[i], nil) {
					return
				}
			}
			if page.Next == "" {
				return
			}
			var next *url.URL
			if next, err = c.pageURL(page.Next, resourceType); err == nil {
				page, err = c.page(ctx, &request{method: http.MethodGet, url: next})
				if err != nil && expired(err) {
					err = fmt.Errorf("%w: %w", ErrPageExpired, err)
				}
			}
		}
	}
}
