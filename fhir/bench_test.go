package fhir

import (
	"encoding/json"
	"fmt"
	"testing"

	models "github.com/samply/golang-fhir-models/fhir-models/fhir"
)

// demoPage returns a searchset page of the first n resources of a demo
// bundle, as HAPI would serve them.
func demoPage(b *testing.B, file string, n int) []byte {
	var bundle struct {
		Entry []json.RawMessage `json:"entry"`
	}
	raw := readDemoRaw(b, file)
	if err := json.Unmarshal(raw, &bundle); err != nil {
		b.Fatal(err)
	}
	var entries []any
	for _, e := range bundle.Entry[:min(n, len(bundle.Entry))] {
		var entry struct {
			Resource json.RawMessage `json:"resource"`
		}
		json.Unmarshal(e, &entry)
		entries = append(entries, map[string]any{"resource": entry.Resource, "search": map[string]string{"mode": "match"}})
	}
	out, err := json.Marshal(map[string]any{"resourceType": "Bundle", "type": "searchset", "entry": entries,
		"link": []any{map[string]string{"relation": "next", "url": "http://h/fhir?_getpages=x"}}})
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// BenchmarkParsePage decodes a page of 200 demo practitioners (16 of
// which need repairs) or roles (none do) and, for comparison, the same page
// with samply's strict decoding alone (which loses the 16).
func BenchmarkParsePage(b *testing.B) {
	for _, tc := range []struct{ name, file string }{
		{"Practitioner", "bundle-Practitioner.json"},
		{"PractitionerRole", "bundle-PractitionerRole.json"},
	} {
		page := demoPage(b, tc.file, 200)
		b.Run(tc.name+"/lenient", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(page)))
			for b.Loop() {
				if _, err := parsePage(page); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(tc.name+"/samply-strict", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(page)))
			for b.Loop() {
				bundle, err := models.UnmarshalBundle(page)
				if err != nil {
					b.Fatal(err)
				}
				for _, e := range bundle.Entry {
					m := newModel(tc.name)
					json.Unmarshal(e.Resource, m) // errors: the resource is lost
				}
			}
		})
	}
	// Every resource needs repairs: the slow path.
	facilities := demoPage(b, "bundle-Facility.json", 30)
	b.Run("Facility-all-repaired", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(facilities)))
		for b.Loop() {
			if _, err := parsePage(facilities); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSearch streams 2,000 demo practitioners over HTTP, 200 a page,
// from the in-process server; it reports resources per second.
func BenchmarkSearch(b *testing.B) {
	s := newServer(b)
	var bundle struct {
		Entry []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(readDemoRaw(b, "bundle-Practitioner.json"), &bundle); err != nil {
		b.Fatal(err)
	}
	at := s.tick()
	for i := range 2000 {
		var m map[string]any
		json.Unmarshal(bundle.Entry[i%len(bundle.Entry)].Resource, &m)
		m["id"] = fmt.Sprintf("P%05d", i)
		raw, _ := json.Marshal(m)
		s.put(string(raw), at)
	}
	c := newTestClient(b, s)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for _, err := range c.Search(b.Context(), "Practitioner", &SearchParams{Count: 200}) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "resources/s")
}
