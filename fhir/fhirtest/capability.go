package fhirtest

import (
	"encoding/json"
	"net/http"
	"slices"
)

// capabilities builds the CapabilityStatement from the search parameter
// table, so it always says what the server really does.
func (s *Server) capabilities() result {
	table := s.params.byType
	types := make([]string, 0, len(table))
	for t := range table {
		types = append(types, t)
	}
	slices.Sort(types)
	var resources []any
	for _, t := range types {
		names := make([]string, 0, len(table[t]))
		for n := range table[t] {
			names = append(names, n)
		}
		slices.Sort(names)
		params := []any{
			map[string]any{"name": "_id", "type": "token"},
			map[string]any{"name": "_lastUpdated", "type": "date"},
			map[string]any{"name": "_profile", "type": "uri"},
			map[string]any{"name": "_tag", "type": "token"},
			map[string]any{"name": "_security", "type": "token"},
		}
		var incs, revs []string
		for _, n := range names {
			d := table[t][n]
			params = append(params, map[string]any{"name": n, "type": d.kind.String(), "documentation": d.doc})
			if d.kind == kindReference {
				incs = append(incs, t+":"+n)
			}
		}
		for _, src := range types {
			for n, d := range table[src] {
				if d.kind == kindReference && (d.target == "" || d.target == "*" || d.target == t) {
					revs = append(revs, src+":"+n)
				}
			}
		}
		slices.Sort(revs)
		var interactions []any
		for _, i := range []string{"read", "vread", "update", "delete", "history-instance", "history-type", "create", "search-type"} {
			interactions = append(interactions, map[string]any{"code": i})
		}
		resources = append(resources, map[string]any{
			"type": t, "interaction": interactions, "versioning": "versioned",
			"conditionalCreate": true, "conditionalUpdate": true, "conditionalDelete": "multiple",
			"searchInclude": incs, "searchRevInclude": revs, "searchParam": params,
		})
	}
	b, err := json.Marshal(map[string]any{
		"resourceType": "CapabilityStatement",
		"status":       "active",
		"date":         s.now().Format(timeFormat),
		"kind":         "instance",
		"software":     map[string]any{"name": s.cfg.name},
		"implementation": map[string]any{
			"description": "In-process FHIR R4 server for tests", "url": s.base(),
		},
		"fhirVersion": "4.0.1",
		"format":      []string{"application/fhir+json"},
		"rest": []any{map[string]any{
			"mode":        "server",
			"resource":    resources,
			"interaction": []any{map[string]any{"code": "transaction"}, map[string]any{"code": "batch"}, map[string]any{"code": "history-system"}},
		}},
	})
	if err != nil {
		return errResult(err)
	}
	return result{status: http.StatusOK, body: b}
}
