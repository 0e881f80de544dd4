package ihristest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
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
		return fmt.Errorf("ihristest: %w", err)
	}
	if len(files) == 0 {
		return fmt.Errorf("ihristest: no *.json files in %s", dir)
	}
	slices.Sort(files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("ihristest: %w", err)
		}
		if err := s.Load(b); err != nil && !errors.Is(err, errNotFHIR) {
			return fmt.Errorf("ihristest: %s: %w", filepath.Base(f), err)
		}
	}
	return nil
}

var errNotFHIR = errors.New("not a FHIR JSON resource")

// Load stores one JSON resource or processes one transaction or batch
// Bundle, as LoadDir does for each file.
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

// loadWorkforce stores a generated workforce directly (the generator's JSON
// is already complete, with meta), keeping its lastUpdated times.
func (s *Server) loadWorkforce(w Workforce) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	truth, err := w.Generate(func(r Resource) error {
		if s.store.get(r.Type, r.ID) != nil {
			// Already present (seeded twice): store as a new version.
			m, err := decodeResource(r.JSON, r.Type)
			if err != nil {
				return err
			}
			_, err = s.write(r.Type, r.ID, "PUT", m)
			return err
		}
		s.store.put(r.Type, r.ID, "PUT", r.LastUpdated, r.JSON, r.refs)
		return nil
	})
	if err != nil {
		return fmt.Errorf("ihristest: generating the workforce: %w", err)
	}
	s.truth = truth
	return nil
}
