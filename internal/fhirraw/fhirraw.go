// Package fhirraw speaks FHIR's REST API at the wire level for the tests of
// the in-process FHIR servers (fhir/fhirtest, ihris/ihristest): raw
// requests, and the part of a Bundle those tests read. It is not a client:
// package fhir is.
package fhirraw

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// Server is an in-process FHIR server under test.
type Server interface {
	URL() string
	Client() *http.Client
}

// Bundle is the part of a FHIR Bundle the tests read.
type Bundle struct {
	ResourceType string `json:"resourceType"`
	Type         string `json:"type"`
	Total        *int   `json:"total"`
	Link         []struct {
		Relation string `json:"relation"`
		URL      string `json:"url"`
	} `json:"link"`
	Entry []struct {
		FullURL  string         `json:"fullUrl"`
		Resource map[string]any `json:"resource"`
		Search   struct {
			Mode string `json:"mode"`
		} `json:"search"`
		Request struct {
			Method string `json:"method"`
			URL    string `json:"url"`
		} `json:"request"`
		Response struct {
			Status   string `json:"status"`
			Location string `json:"location"`
		} `json:"response"`
	} `json:"entry"`
}

// Next returns the bundle's next link, or "" on the last page.
func (b *Bundle) Next() string {
	for _, l := range b.Link {
		if l.Relation == "next" {
			return l.URL
		}
	}
	return ""
}

// IDs returns "Type/id" of the entries with the given search mode ("" for all).
func (b *Bundle) IDs(mode string) []string {
	var out []string
	for _, e := range b.Entry {
		if mode == "" || e.Search.Mode == mode {
			out = append(out, e.Resource["resourceType"].(string)+"/"+e.Resource["id"].(string))
		}
	}
	return out
}

// Do sends a request (u relative to the server's base, or absolute) with a
// body (nil, a string, or a value encoded as JSON) and header name/value
// pairs, decodes a JSON answer into out when it is not nil, and returns the
// status code.
func Do(t testing.TB, s Server, method, u string, body any, out any, header ...string) int {
	t.Helper()
	if !strings.HasPrefix(u, "http") {
		u = s.URL() + "/" + strings.TrimPrefix(u, "/")
	}
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/fhir+json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: decoding %q: %v", method, u, b, err)
		}
	}
	return resp.StatusCode
}

// Search GETs a search and fails the test unless it answers 200.
func Search(t testing.TB, s Server, u string) *Bundle {
	t.Helper()
	var b Bundle
	if st := Do(t, s, "GET", u, nil, &b); st != http.StatusOK {
		t.Fatalf("GET %s: status %d", u, st)
	}
	return &b
}

// All follows next links from a search and returns every page.
func All(t testing.TB, s Server, u string) []*Bundle {
	t.Helper()
	var pages []*Bundle
	for u != "" {
		b := Search(t, s, u)
		pages = append(pages, b)
		u = b.Next()
	}
	return pages
}
