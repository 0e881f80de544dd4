package fhir

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// BatchRequest is one request of a batch or transaction Bundle.
type BatchRequest struct {
	// Method is GET, POST, PUT or DELETE.
	Method string
	// URL is relative to the base: "Practitioner/P1" for a PUT or DELETE,
	// "Practitioner" for a POST, "Practitioner?identifier=..." for a
	// conditional write or a search.
	URL string
	// Resource is the body of a POST or PUT.
	Resource *Resource
	// FullURL identifies the entry within a transaction ("urn:uuid:..."),
	// so that other entries may reference a resource being created.
	FullURL string
	// IfNoneExist makes a POST a conditional create (a search query such
	// as "identifier=http://example.org|42").
	IfNoneExist string
	// IfMatch makes a PUT or DELETE conditional on this version id.
	IfMatch string
}

// Batch sends the requests as a batch Bundle: each succeeds or fails on its
// own, and the returned entries (in the same order) carry each outcome (see
// [Entry.Err]). The error is for the batch as a whole. A batch holding a
// POST without IfNoneExist is not retried once it may have reached the
// server; if it fails that way the error is an *OutcomeUnknownError
// (see [ErrOutcomeUnknown]).
func (c *Client) Batch(ctx context.Context, reqs []BatchRequest, opts ...RequestOption) ([]Entry, *Response, error) {
	return c.bundle(ctx, "batch", reqs, opts)
}

// Transaction sends the requests as a transaction Bundle: all succeed or
// none does (an error, usually an *OperationOutcomeError, for the first
// failure). The entries describe each result in order. Retries and
// [ErrOutcomeUnknown] are as for [Client.Batch].
func (c *Client) Transaction(ctx context.Context, reqs []BatchRequest, opts ...RequestOption) ([]Entry, *Response, error) {
	return c.bundle(ctx, "transaction", reqs, opts)
}

type bundleEntryOut struct {
	FullURL  string          `json:"fullUrl,omitempty"`
	Resource json.RawMessage `json:"resource,omitempty"`
	Request  struct {
		Method      string `json:"method"`
		URL         string `json:"url"`
		IfNoneExist string `json:"ifNoneExist,omitempty"`
		IfMatch     string `json:"ifMatch,omitempty"`
	} `json:"request"`
}

func (c *Client) bundle(ctx context.Context, typ string, reqs []BatchRequest, opts []RequestOption) ([]Entry, *Response, error) {
	if len(reqs) == 0 {
		return nil, nil, fmt.Errorf("fhir: empty %s", typ)
	}
	entries := make([]bundleEntryOut, len(reqs))
	safe := true // every request may be repeated without harm
	for i, r := range reqs {
		e := &entries[i]
		e.FullURL = r.FullURL
		e.Request.Method = strings.ToUpper(r.Method)
		e.Request.URL = r.URL
		e.Request.IfNoneExist = r.IfNoneExist
		if r.IfMatch != "" {
			e.Request.IfMatch = `W/"` + r.IfMatch + `"`
		}
		switch e.Request.Method {
		case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete:
		case http.MethodPost, http.MethodPatch:
			safe = safe && r.IfNoneExist != ""
		default:
			return nil, nil, fmt.Errorf("fhir: %s entry %d: bad method %q", typ, i, r.Method)
		}
		if r.URL == "" {
			return nil, nil, fmt.Errorf("fhir: %s entry %d: empty URL", typ, i)
		}
		if r.Resource != nil {
			body, err := r.Resource.MarshalJSON()
			if err != nil {
				return nil, nil, fmt.Errorf("fhir: %s entry %d: %w", typ, i, err)
			}
			e.Resource = body
		} else if e.Request.Method == http.MethodPost || e.Request.Method == http.MethodPut {
			return nil, nil, fmt.Errorf("fhir: %s entry %d: %s without a resource", typ, i, e.Request.Method)
		}
	}
	body, err := json.Marshal(struct {
		ResourceType string           `json:"resourceType"`
		Type         string           `json:"type"`
		Entry        []bundleEntryOut `json:"entry"`
	}{"Bundle", typ, entries})
	if err != nil {
		return nil, nil, fmt.Errorf("fhir: encoding the %s: %w", typ, err)
	}
	req := &request{method: http.MethodPost, url: c.endpoint(), body: body, ctype: mediaFHIRJSON,
		header: http.Header{"Prefer": {"return=representation"}}, opts: opts, repeatable: safe}
	resp, out, err := c.do(ctx, req)
	if err != nil {
		return nil, resp, err
	}
	page, err := parsePage(out)
	if err != nil {
		return nil, resp, err
	}
	if len(page.Entries) != len(reqs) {
		return page.Entries, resp, errors.New("fhir: the server answered a different number of entries than sent")
	}
	for i := range page.Entries {
		if page.Entries[i].Request == nil {
			page.Entries[i].Request = &EntryRequest{Method: entries[i].Request.Method, URL: entries[i].Request.URL}
		}
	}
	return page.Entries, resp, nil
}
