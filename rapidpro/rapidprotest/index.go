package rapidprotest

import (
	"encoding/base64"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// sortKey orders records like RapidPro's cursor pagination: a timestamp (in
// microseconds, the API's precision) broken by the record id.
type sortKey struct {
	t  int64
	id int64
}

func keyOf(t time.Time, id int64) sortKey { return sortKey{t.UnixMicro(), id} }

func (a sortKey) cmp(b sortKey) int {
	switch {
	case a.t != b.t:
		if a.t < b.t {
			return -1
		}
		return 1
	case a.id < b.id:
		return -1
	case a.id > b.id:
		return 1
	}
	return 0
}

// index keeps records sorted ascending by their sort key, so a page is a
// binary search plus a walk. A record whose key changes (modified_on) must
// go through update.
type index[T any] struct {
	items []T
	key   func(T) sortKey
}

func newIndex[T any](key func(T) sortKey) *index[T] { return &index[T]{key: key} }

func (x *index[T]) search(k sortKey) (int, bool) {
	return slices.BinarySearchFunc(x.items, k, func(v T, k sortKey) int { return x.key(v).cmp(k) })
}

func (x *index[T]) insert(v T) {
	i, _ := x.search(x.key(v))
	x.items = slices.Insert(x.items, i, v)
}

// update removes v, applies change (which may alter v's key) and reinserts.
func (x *index[T]) update(v T, change func()) {
	if i, found := x.search(x.key(v)); found {
		x.items = slices.Delete(x.items, i, i+1)
	}
	change()
	x.insert(v)
}

// find returns the first record that match accepts.
func (x *index[T]) find(match func(T) bool) (T, bool) {
	if i := slices.IndexFunc(x.items, match); i >= 0 {
		return x.items[i], true
	}
	var zero T
	return zero, false
}

func (x *index[T]) remove(v T) {
	if i, found := x.search(x.key(v)); found {
		x.items = slices.Delete(x.items, i, i+1)
	}
}

// pageQuery is a parsed list request: cursor, direction and time bounds.
type pageQuery struct {
	reverse    bool // oldest first
	after      sortKey
	before     sortKey
	cursor     *sortKey
	empty      bool // an unparseable filter: RapidPro returns nothing
	badRequest *reply
}

// parsePage reads cursor, reverse, after and before. reversible says
// whether the endpoint honours reverse (the modified_on endpoints).
func parsePage(q url.Values, reversible bool) pageQuery {
	p := pageQuery{after: sortKey{math.MinInt64, math.MinInt64}, before: sortKey{math.MaxInt64, math.MaxInt64}}
	if reversible {
		p.reverse, _ = boolParam(q, "reverse")
	}
	if v := q.Get("after"); v != "" {
		t, ok := parseTime(v)
		if !ok {
			p.empty = true
		}
		p.after = sortKey{t.UnixMicro(), math.MinInt64}
	}
	if v := q.Get("before"); v != "" {
		t, ok := parseTime(v)
		if !ok {
			p.empty = true
		}
		p.before = sortKey{t.UnixMicro(), math.MaxInt64}
	}
	if c := q.Get("cursor"); c != "" {
		k, rev, ok := decodeCursor(c)
		if !ok {
			rep := detail(http.StatusNotFound, "Invalid cursor")
			p.badRequest = &rep
			return p
		}
		p.cursor, p.reverse = &k, rev
	}
	return p
}

// page walks the index in the query's direction from the cursor, keeping
// records that match, and returns at most PageSize of them plus the cursor
// of the next page (empty on the last page).
func page[T any](x *index[T], p pageQuery, match func(T) bool) ([]T, string) {
	if p.empty {
		return nil, ""
	}
	var out []T
	emit := func(v T) bool { // reports whether the walk should stop
		if match != nil && !match(v) {
			return false
		}
		out = append(out, v)
		return len(out) > PageSize
	}
	if p.reverse {
		start := p.after
		if p.cursor != nil {
			start = sortKey{p.cursor.t, p.cursor.id + 1}
		}
		i, _ := x.search(start)
		for ; i < len(x.items); i++ {
			v := x.items[i]
			if x.key(v).cmp(p.before) > 0 || emit(v) {
				break
			}
		}
	} else {
		start := p.before
		if p.cursor != nil {
			start = *p.cursor // exclusive: search finds the first key >= it
		}
		i, found := x.search(start)
		if p.cursor != nil || !found {
			i-- // the last key strictly below the cursor, or <= before
		}
		for ; i >= 0; i-- {
			v := x.items[i]
			if x.key(v).cmp(p.after) < 0 || emit(v) {
				break
			}
		}
	}
	if len(out) <= PageSize {
		return out, ""
	}
	out = out[:PageSize]
	return out, encodeCursor(x.key(out[PageSize-1]), p.reverse)
}

// encodeCursor makes the opaque cursor: the sort position of the last record
// returned, so inserts and updates between pages neither skip nor repeat
// records.
func encodeCursor(k sortKey, reverse bool) string {
	r := 0
	if reverse {
		r = 1
	}
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "p=%d.%d&r=%d", k.t, k.id, r))
}

func decodeCursor(c string) (sortKey, bool, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return sortKey{}, false, false
	}
	pos, rev, found := strings.Cut(string(b), "&r=")
	pos, okp := strings.CutPrefix(pos, "p=")
	ts, ids, okd := strings.Cut(pos, ".")
	if !found || !okp || !okd {
		return sortKey{}, false, false
	}
	t, err1 := strconv.ParseInt(ts, 10, 64)
	id, err2 := strconv.ParseInt(ids, 10, 64)
	if err1 != nil || err2 != nil {
		return sortKey{}, false, false
	}
	return sortKey{t, id}, rev == "1", true
}

// listBody is the v2 list envelope.
type listBody[T any] struct {
	Next     *string `json:"next"`
	Previous *string `json:"previous"`
	Results  []T     `json:"results"`
}

// nextURL returns the absolute URL of the next page: the request's URL with
// its filters and the new cursor.
func nextURL(r *http.Request, cursor string) *string {
	if cursor == "" {
		return nil
	}
	q := r.URL.Query()
	q.Set("cursor", cursor)
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	u := url.URL{Scheme: scheme, Host: r.Host, Path: r.URL.Path, RawQuery: q.Encode()}
	s := u.String()
	return &s
}

// listReply builds the envelope from records converted to wire objects.
func listReply[T, W any](r *http.Request, items []T, cursor string, conv func(T) W) reply {
	out := make([]W, len(items))
	for i, v := range items {
		out[i] = conv(v)
	}
	return okReply(listBody[W]{Next: nextURL(r, cursor), Results: out})
}
