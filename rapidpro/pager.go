package rapidpro

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// PageSize is the fixed number of results in a full RapidPro v2 page.
const PageSize = 250

// Page is one page of a list, with the cursor of the page after it.
type Page[T any] struct {
	// Results holds the page's objects in the endpoint's order.
	Results []T
	// Next is the cursor of the following page ("" on the last page). Save
	// it to resume later, even in another process: pass it as the Cursor of
	// the same list params.
	Next string
	// Invalid holds the records that did not decode (left out of Results).
	Invalid []*DecodeError
}

// pageBody is the JSON of a list response.
type pageBody[T any] struct {
	Next     string `json:"next"`
	Previous string `json:"previous"`
	Results  []T    `json:"results"`
}

// pageURL builds the URL of a page: the first one from the filters in q, or
// the one a cursor names. A cursor is either a "next" URL, whose query
// (filters and cursor) is applied to this client's base URL so that the
// token never goes to another host, or the bare value of its cursor
// parameter, added to q.
func (c *Client) pageURL(endpoint string, q url.Values, cursor string) (*url.URL, error) {
	if cursor == "" {
		return c.endpointURL(endpoint, q), nil
	}
	if strings.Contains(cursor, "?") {
		u, err := url.Parse(cursor)
		if err != nil {
			return nil, fmt.Errorf("rapidpro: invalid cursor: %w", err)
		}
		if endpointOf(u) != endpoint {
			return nil, fmt.Errorf("rapidpro: the cursor belongs to %s, not %s", endpointOf(u), endpoint)
		}
		return c.endpointURL(endpoint, u.Query()), nil
	}
	q = maps.Clone(q)
	if q == nil {
		q = url.Values{}
	}
	q.Set("cursor", cursor)
	return c.endpointURL(endpoint, q), nil
}

// listPage fetches one page. When a record does not fit T, the page is
// decoded again record by record, so that only that record is lost.
func listPage[T any](ctx context.Context, c *Client, endpoint string, q url.Values, cursor string) (*Page[T], error) {
	u, err := c.pageURL(endpoint, q, cursor)
	if err != nil {
		return nil, err
	}
	var body pageBody[T]
	data, err := c.get(ctx, u, &body)
	var de *DecodeError
	if errors.As(err, &de) {
		return decodeLeniently[T](endpoint, data)
	}
	if err != nil {
		return nil, err
	}
	return &Page[T]{Results: body.Results, Next: body.Next}, nil
}

// decodeLeniently decodes a page record by record.
func decodeLeniently[T any](endpoint string, data []byte) (*Page[T], error) {
	var raw pageBody[json.RawMessage]
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, &DecodeError{Endpoint: endpoint, Index: -1, Err: err}
	}
	page := &Page[T]{Next: raw.Next, Results: make([]T, 0, len(raw.Results))}
	for i, rec := range raw.Results {
		var v T
		if err := json.Unmarshal(rec, &v); err != nil {
			var id struct {
				UUID string `json:"uuid"`
				Key  string `json:"key"`
				ID   any    `json:"id"`
			}
			json.Unmarshal(rec, &id)
			name := cmp.Or(id.UUID, id.Key)
			if name == "" && id.ID != nil {
				name = fmt.Sprint(id.ID)
			}
			page.Invalid = append(page.Invalid, &DecodeError{Endpoint: endpoint, Index: i, ID: name, Err: err})
			continue
		}
		page.Results = append(page.Results, v)
	}
	return page, nil
}

// list returns a lazy iterator over every object from cursor on, fetching a
// page when the previous one has been consumed. A page is decoded in full
// before its first object is yielded, so a broken response never yields a
// partial page (and a retry never yields an object twice). Records that do
// not decode are yielded as *DecodeError after the page's other records;
// the list goes on if the loop does.
func list[T any](ctx context.Context, c *Client, endpoint string, q url.Values, cursor string) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		for {
			page, err := listPage[T](ctx, c, endpoint, q, cursor)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, r := range page.Results {
				if !yield(r, nil) {
					return
				}
			}
			for _, de := range page.Invalid {
				if !yield(zero, de) {
					return
				}
			}
			if page.Next == "" || page.Next == cursor {
				return
			}
			cursor = page.Next
		}
	}
}

// Checkpoint is the high-water mark of an incremental sync over an endpoint
// ordered by modified_on (contacts, flow starts, globals, runs, tickets):
// the latest modified_on seen and the IDs of the objects seen at exactly
// that instant (RapidPro's after filter is inclusive). The zero Checkpoint
// starts from the beginning. It encodes to JSON for storage.
type Checkpoint struct {
	After time.Time `json:"after"`
	Seen  []string  `json:"seen,omitempty"`
}

// Observe moves the checkpoint past an object once it has been processed.
func (cp *Checkpoint) Observe(modifiedOn time.Time, id string) {
	switch {
	case modifiedOn.After(cp.After):
		cp.After = modifiedOn
		cp.Seen = append(cp.Seen[:0:0], id)
	case modifiedOn.Equal(cp.After) && !slices.Contains(cp.Seen, id):
		cp.Seen = append(cp.Seen, id)
	}
}

// seen reports whether an object is at or before the checkpoint.
func (cp Checkpoint) seen(modifiedOn time.Time, id string) bool {
	if cp.After.IsZero() {
		return false
	}
	return modifiedOn.Before(cp.After) || (modifiedOn.Equal(cp.After) && slices.Contains(cp.Seen, id))
}

// changes lists the objects modified since cp, oldest first, skipping the
// ones the checkpoint has seen.
func changes[T any](ctx context.Context, c *Client, endpoint string, q url.Values, cp Checkpoint, key func(*T) (time.Time, string)) iter.Seq2[T, error] {
	q = maps.Clone(q)
	if q == nil {
		q = url.Values{}
	}
	q.Set("reverse", "true")
	q.Del("before")
	if !cp.After.IsZero() {
		q.Set("after", formatTime(cp.After))
	}
	return func(yield func(T, error) bool) {
		for r, err := range list[T](ctx, c, endpoint, q, "") {
			if err != nil {
				if !yield(r, err) || !isDecodeError(err) {
					return
				}
				continue
			}
			if t, id := key(&r); cp.seen(t, id) {
				continue
			}
			if !yield(r, nil) {
				return
			}
		}
	}
}

// query builds url.Values while skipping zero values.
type query url.Values

func (q query) str(k, v string) {
	if v != "" {
		url.Values(q).Set(k, v)
	}
}

func (q query) strs(k string, vs []string) {
	for _, v := range vs {
		if v != "" {
			url.Values(q).Add(k, v)
		}
	}
}

func (q query) time(k string, t time.Time) {
	if !t.IsZero() {
		url.Values(q).Set(k, formatTime(t))
	}
}

func (q query) boolp(k string, b *bool) {
	if b != nil {
		url.Values(q).Set(k, strconv.FormatBool(*b))
	}
}

func (q query) flag(k string, b bool) {
	if b {
		url.Values(q).Set(k, "true")
	}
}

// isDecodeError reports whether err is about one record, after which a list
// can go on.
func isDecodeError(err error) bool {
	var de *DecodeError
	return errors.As(err, &de) && de.Index >= 0
}
