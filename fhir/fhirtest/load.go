package fhirtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"
)

// LoadDir loads every *.json file of dir, in name order, through the FHIR
// API's own code paths: transaction and batch Bundles are processed as if
// POSTed to the base, other resources are PUT under their id (or created
// when they have none). JSON files that are not FHIR resources (no
// resourceType, such as the Kibana export among the mHero fixtures) are
// skipped. Any other failure is returned naming the file.
func (s *Server) LoadDir(dir string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return fmt.Errorf("fhirtest: %w", err)
	}
	if len(files) == 0 {
		return fmt.Errorf("fhirtest: no *.json files in %s", dir)
	}
	slices.Sort(files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("fhirtest: %w", err)
		}
		if err := s.Load(b); err != nil && !errors.Is(err, errNotFHIR) {
			return fmt.Errorf("fhirtest: %s: %w", filepath.Base(f), err)
		}
	}
	return nil
}

var errNotFHIR = errors.New("not a FHIR JSON resource")

// Load stores one JSON resource (as a PUT of its id, or a create when it
// has none) or processes one transaction or batch Bundle, as LoadDir does
// for each file. It goes through the same code as the HTTP API but not
// through faults, authentication or the request log, so that a test can
// set the scene without disturbing what it checks. Each write is stamped
// with the server clock (see [WithClock]).
func (s *Server) Load(b []byte) error {
	var head struct {
		ResourceType string `json:"resourceType"`
		ID           string `json:"id"`
		Type         string `json:"type"`
	}
	if err := json.Unmarshal(b, &head); err != nil || head.ResourceType == "" {
		return errNotFHIR
	}
	var res result
	switch {
	case head.ResourceType == "Bundle" && (head.Type == "transaction" || head.Type == "batch"):
		res = s.transaction(b)
		if res.status == http.StatusOK && head.Type == "batch" {
			if err := batchFailure(res.body); err != nil {
				return err
			}
		}
	case head.ID != "":
		res = s.update(head.ResourceType, head.ID, b, "")
	default:
		res = s.create(head.ResourceType, b, "")
	}
	if res.status >= 300 {
		return fmt.Errorf("status %d: %s", res.status, bytes.TrimSpace(res.body))
	}
	return nil
}

func batchFailure(body []byte) error {
	var resp struct {
		Entry []struct {
			Response struct {
				Status  string          `json:"status"`
				Outcome json.RawMessage `json:"outcome"`
			} `json:"response"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return err
	}
	for i, e := range resp.Entry {
		if code, _ := strconv.Atoi(e.Response.Status[:min(3, len(e.Response.Status))]); code >= 300 {
			return fmt.Errorf("batch entry %d: %s %s", i, e.Response.Status, e.Response.Outcome)
		}
	}
	return nil
}

// Seed stores a complete resource (resourceType, id and meta included)
// quickly, to fill a server with generated data: the JSON is kept as given
// when it is the resource's first version and its meta has versionId and
// lastUpdated; otherwise the missing parts of meta are filled in (from the
// version-id scheme and the server clock) and a later version gets a new
// versionId. Like Load it bypasses faults, authentication and the log.
func (s *Server) Seed(resource []byte) error {
	d := json.NewDecoder(bytes.NewReader(resource))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil || m == nil {
		return errors.New("fhirtest: Seed: not a JSON object")
	}
	typ, _ := m["resourceType"].(string)
	id, _ := m["id"].(string)
	if !knownType(typ) || !idRE.MatchString(id) {
		return fmt.Errorf("fhirtest: Seed: resourceType %q and id %q: want a known type and a valid id", typ, id)
	}
	meta, _ := m["meta"].(map[string]any)
	vid, _ := meta["versionId"].(string)
	var at time.Time
	if lu, _ := meta["lastUpdated"].(string); lu != "" {
		t, err := time.Parse(time.RFC3339Nano, lu)
		if err != nil {
			return fmt.Errorf("fhirtest: Seed %s/%s: meta.lastUpdated %q: %w", typ, id, lu, err)
		}
		at = t
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	first := s.store.get(typ, id) == nil
	if !first || vid == "" || at.IsZero() || !canonical(resource) {
		if at.IsZero() {
			at = s.now()
		}
		_, err := s.writeAt(typ, id, "PUT", m, at)
		return err
	}
	s.store.put(typ, id, vid, "PUT", at, bytes.Clone(resource), s.params.indexRefs(typ, m, s.base()))
	return nil
}

// canonical reports whether raw is stored JSON as the search pre-filter
// expects it (see mightMatch): compact, with nothing escaped. It is a scan,
// not a parse: raw has been decoded already.
func canonical(raw []byte) bool {
	inString := false
	for _, c := range raw {
		switch {
		case c == '\\':
			return false
		case c == '"':
			inString = !inString
		case !inString && (c == ' ' || c == '\n' || c == '\r' || c == '\t'):
			return false
		}
	}
	return true
}

// Resource returns the current JSON of typ/id, or false when there is no
// such resource or it was deleted.
func (s *Server) Resource(typ, id string) ([]byte, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	v := s.store.live(typ, id)
	if v == nil {
		return nil, false
	}
	return bytes.Clone(v.raw), true
}

// Search runs a search as GET [typ]?query would and returns the current
// JSON of every match, in the result order, without paging (result
// parameters such as _count and _include are ignored). An invalid query
// is an error.
func (s *Server) Search(typ string, query url.Values) ([][]byte, error) {
	q, err := s.parseQuery(typ, query)
	if err != nil {
		return nil, fmt.Errorf("fhirtest: %s?%s: %w", typ, query.Encode(), err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out [][]byte
	for _, v := range s.search(q) {
		out = append(out, bytes.Clone(v.raw))
	}
	return out, nil
}

// Delete deletes typ/id, adding the deletion to its history, as DELETE
// does. Deleting what is already deleted is not an error; deleting what
// never existed is.
func (s *Server) Delete(typ, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.store.get(typ, id) == nil {
		return fmt.Errorf("fhirtest: %s/%s does not exist", typ, id)
	}
	s.remove(typ, id)
	return nil
}

// ExpirePages forgets every page link now, as HAPI does when it purges its
// search cache: following one answers 410 Gone (see
// [WithExpiredPageStatus]).
func (s *Server) ExpirePages() { s.pages.clear() }
