package fhir

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// SearchMode says why a search result entry is in a page.
type SearchMode string

// Search modes of Bundle.entry.search.mode.
const (
	ModeMatch   SearchMode = "match"   // the resource matched the search
	ModeInclude SearchMode = "include" // added by _include or _revinclude
	ModeOutcome SearchMode = "outcome" // an OperationOutcome about the search
)

// Entry is one entry of a Bundle: a search result, a history version, or
// the answer to one request of a batch or transaction.
type Entry struct {
	// FullURL is the absolute URL of the resource, if the server gave one.
	FullURL string
	// Mode is the search mode (search results only).
	Mode SearchMode
	// Resource is the resource; nil for a deletion in a history, or when
	// a batch answer carries none.
	Resource *Resource
	// Request is the request that made this version (history) or was sent
	// (batch); nil otherwise.
	Request *EntryRequest
	// Response is the outcome of the request (batch, transaction, history).
	Response *EntryResponse
}

// EntryRequest is Bundle.entry.request.
type EntryRequest struct {
	// Method is GET, POST, PUT, PATCH, DELETE or HEAD.
	Method string
	// URL is relative to the base, e.g. "Practitioner/P1".
	URL string
}

// EntryResponse is Bundle.entry.response.
type EntryResponse struct {
	// Status is the HTTP status line, e.g. "201 Created".
	Status string
	// Location is where the resource was written.
	Location string
	// ETag is the version written (W/"2").
	ETag string
	// LastModified is the server's time of the write.
	LastModified string
	// Issues are those of the OperationOutcome the server attached, if any.
	Issues []Issue
}

// StatusCode returns the code of Status (0 when it does not parse).
func (r *EntryResponse) StatusCode() int {
	code, _, _ := strings.Cut(strings.TrimSpace(r.Status), " ")
	n, _ := strconv.Atoi(code)
	return n
}

// Deleted reports whether the entry records a deletion (in a history).
func (e *Entry) Deleted() bool {
	return e.Request != nil && e.Request.Method == http.MethodDelete
}

// Err returns the error of a batch entry whose status is not 2xx, as an
// *OperationOutcomeError when the server explained it and a *StatusError
// otherwise; nil when the entry succeeded or has no response.
func (e *Entry) Err() error {
	if e.Response == nil {
		return nil
	}
	code := e.Response.StatusCode()
	if code >= 200 && code <= 299 {
		return nil
	}
	method, url := "", ""
	if e.Request != nil {
		method, url = e.Request.Method, e.Request.URL
	}
	if len(e.Response.Issues) > 0 {
		return &OperationOutcomeError{StatusCode: code, Method: method, URL: url, Issues: e.Response.Issues}
	}
	return &StatusError{StatusCode: code, Method: method, URL: url, Body: e.Response.Status}
}

// Page is one Bundle of search results or history.
type Page struct {
	// Type is the Bundle type: searchset, history, batch-response, ...
	Type string
	// Total is the number of matches across all pages, when the server
	// counted them (HAPI may not, unless asked with _total=accurate).
	Total *int
	// Entries are the entries in order: matches, included resources and
	// outcomes.
	Entries []Entry
	// Next is the URL of the next page, "" on the last page.
	Next string
	// Warnings are the lenient decoder's warnings for the page's resources
	// and for entries it could not read.
	Warnings []Warning

	cursor *Cursor
}

// Cursor returns where the search is once this page has been read, to
// carry on later with [SearchParams.After]; nil unless the search is sorted
// by _lastUpdated and every match so far had a meta.lastUpdated.
func (p *Page) Cursor() *Cursor { return p.cursor }

// Matches returns the resources that matched the search (entries without
// a mode count as matches).
func (p *Page) Matches() []*Resource {
	var out []*Resource
	for i := range p.Entries {
		e := &p.Entries[i]
		if e.Resource != nil && (e.Mode == ModeMatch || e.Mode == "") {
			out = append(out, e.Resource)
		}
	}
	return out
}

// Included returns the resources added by _include and _revinclude.
func (p *Page) Included() []*Resource {
	var out []*Resource
	for i := range p.Entries {
		if e := &p.Entries[i]; e.Resource != nil && e.Mode == ModeInclude {
			out = append(out, e.Resource)
		}
	}
	return out
}

// Resolve finds the resource that reference (relative "Practitioner/P1",
// versioned ".../_history/2", or a full URL) points to among the page's
// entries, matches or included; nil when the page does not hold it.
func (p *Page) Resolve(reference string) *Resource {
	ref := reference
	if i := strings.Index(ref, "/_history/"); i >= 0 {
		ref = ref[:i]
	}
	for i := range p.Entries {
		e := &p.Entries[i]
		if e.Resource == nil {
			continue
		}
		if e.FullURL != "" && (e.FullURL == reference || e.FullURL == ref) {
			return e.Resource
		}
		rel := e.Resource.Reference()
		if ref == rel || strings.HasSuffix(ref, "/"+rel) {
			return e.Resource
		}
	}
	return nil
}

// bundleJSON is the envelope of a Bundle; resources stay raw until each is
// decoded leniently on its own.
type bundleJSON struct {
	ResourceType string       `json:"resourceType"`
	Type         string       `json:"type"`
	Total        *json.Number `json:"total"`
	Link         []struct {
		Relation string `json:"relation"`
		URL      string `json:"url"`
	} `json:"link"`
	Entry []struct {
		FullURL  string          `json:"fullUrl"`
		Resource json.RawMessage `json:"resource"`
		Search   *struct {
			Mode string `json:"mode"`
		} `json:"search"`
		Request  *EntryRequest `json:"request"`
		Response *struct {
			Status       string          `json:"status"`
			Location     string          `json:"location"`
			Etag         string          `json:"etag"`
			LastModified string          `json:"lastModified"`
			Outcome      json.RawMessage `json:"outcome"`
		} `json:"response"`
	} `json:"entry"`
}

// parsePage decodes a Bundle. Only a body that is not a Bundle fails; a
// resource that cannot be read at all is left out with a warning.
func parsePage(body []byte) (*Page, error) {
	var b bundleJSON
	if err := json.Unmarshal(body, &b); err != nil {
		return nil, fmt.Errorf("fhir: the server's Bundle does not parse: %w", err)
	}
	if b.ResourceType != "Bundle" {
		if issues, ok := parseOutcome(body); ok {
			// A server that refuses a search with a 200 and an outcome.
			return nil, &OperationOutcomeError{StatusCode: http.StatusOK, Issues: issues}
		}
		return nil, fmt.Errorf("fhir: expected a Bundle, got %q", b.ResourceType)
	}
	p := &Page{Type: b.Type, Entries: make([]Entry, 0, len(b.Entry))}
	if b.Total != nil {
		if n, err := b.Total.Int64(); err == nil {
			total := int(n)
			p.Total = &total
		}
	}
	for _, l := range b.Link {
		if l.Relation == "next" {
			p.Next = l.URL
		}
	}
	for i, be := range b.Entry {
		e := Entry{FullURL: be.FullURL, Request: be.Request}
		if be.Search != nil {
			e.Mode = SearchMode(be.Search.Mode)
		}
		if be.Response != nil {
			e.Response = &EntryResponse{Status: be.Response.Status, Location: be.Response.Location,
				ETag: be.Response.Etag, LastModified: be.Response.LastModified}
			if len(be.Response.Outcome) > 0 {
				e.Response.Issues, _ = parseOutcome(be.Response.Outcome)
			}
		}
		if len(be.Resource) > 0 && string(be.Resource) != "null" {
			r, err := parseResource(be.Resource)
			if err != nil {
				p.Warnings = append(p.Warnings, Warning{Path: fmt.Sprintf("Bundle.entry[%d].resource", i),
					Problem: "not a resource (no resourceType); entry kept without it"})
			} else {
				e.Resource = r
				p.Warnings = append(p.Warnings, r.Warnings...)
			}
		}
		p.Entries = append(p.Entries, e)
	}
	return p, nil
}
