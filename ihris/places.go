package ihris

import (
	"fmt"
	"slices"
	"strings"

	models "github.com/samply/golang-fhir-models/fhir-models/fhir"
)

// Level names used when a Location carries no jurisdiction type.
const (
	// LevelFacility is the level of a Location that is a facility (a
	// building where health workers are posted), whatever its type.
	LevelFacility = "facility"
)

// Code systems and profiles that identify iHRIS places.
const (
	JurisdictionSystem     = "http://ihris.org/fhir/CodeSystem/ihris-jurisdiction"
	JurisdictionTypeSystem = "http://ihris.org/fhir/CodeSystem/ihris-jurisdiction-type"
	FacilityTypeSystem     = "http://ihris.org/fhir/CodeSystem/ihris-facility-type"
	FacilityProfile        = "http://ihris.org/fhir/StructureDefinition/ihris-facility"
	mcsdFacilityCode       = "urn:ihe:iti:mcsd:2019:facility"
)

// Place is one Location of the iHRIS tree: a facility or an administrative
// area (country, region, district, zone, woreda, ...).
type Place struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	// Level is the jurisdiction type code (country, region, district, zone,
	// woreda, ...) or "facility"; empty when the Location says neither.
	Level string `json:"level,omitempty"`
	// LevelName is the human name of the level as the data spells it
	// ("District"), falling back to Level.
	LevelName string `json:"levelName,omitempty"`
	// ParentID is the id of the partOf Location, empty at the root.
	ParentID string `json:"parentId,omitempty"`
	// Facility reports whether the place is a facility rather than an
	// administrative area.
	Facility bool `json:"facility,omitempty"`
}

// Places is the location tree: every Location by id with its children. It is
// immutable once built and safe to share.
type Places struct {
	byID     map[string]Place
	children map[string][]string
	warnings []Warning
}

// NewPlaces builds the tree from Locations. Problems (a parent that is not in
// the set, a partOf cycle, a Location without id) become warnings; the
// Location itself is kept.
func NewPlaces(locations []models.Location) *Places {
	t := &Places{byID: make(map[string]Place, len(locations)), children: map[string][]string{}}
	for _, l := range locations {
		if l.Id == nil || *l.Id == "" {
			t.warnings = append(t.warnings, Warning{Resource: "Location", Message: "location without id skipped"})
			continue
		}
		p := placeFromLocation(l)
		if _, dup := t.byID[p.ID]; dup {
			t.warnings = append(t.warnings, Warning{Resource: "Location/" + p.ID, Message: "location listed twice; the last copy wins"})
		}
		t.byID[p.ID] = p
	}
	for _, p := range t.byID {
		if p.ParentID == "" {
			continue
		}
		if _, ok := t.byID[p.ParentID]; !ok {
			t.warnings = append(t.warnings, Warning{Resource: "Location/" + p.ID, Path: "partOf",
				Message: fmt.Sprintf("parent Location/%s is unknown; the place is treated as a root", p.ParentID)})
			continue
		}
		t.children[p.ParentID] = append(t.children[p.ParentID], p.ID)
	}
	for id := range t.children {
		slices.Sort(t.children[id])
	}
	// A cycle would make the chain endless; cut it at the place that closes
	// it so every chain ends.
	for _, id := range t.sortedIDs() {
		seen := map[string]bool{}
		for cur := id; cur != ""; cur = t.byID[cur].ParentID {
			if seen[cur] {
				p := t.byID[cur]
				t.warnings = append(t.warnings, Warning{Resource: "Location/" + cur, Path: "partOf",
					Message: fmt.Sprintf("partOf cycle through Location/%s; the link is ignored", p.ParentID)})
				t.children[p.ParentID] = slices.DeleteFunc(t.children[p.ParentID], func(c string) bool { return c == cur })
				p.ParentID = ""
				t.byID[cur] = p
				break
			}
			seen[cur] = true
		}
	}
	slices.SortFunc(t.warnings, func(a, b Warning) int { return strings.Compare(a.String(), b.String()) })
	return t
}

func (t *Places) sortedIDs() []string {
	ids := make([]string, 0, len(t.byID))
	for id := range t.byID {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Len returns the number of places.
func (t *Places) Len() int { return len(t.byID) }

// Warnings returns the problems met while building the tree.
func (t *Places) Warnings() []Warning { return slices.Clone(t.warnings) }

// Get returns the place with the given id.
func (t *Places) Get(id string) (Place, bool) {
	p, ok := t.byID[id]
	return p, ok
}

// Chain returns the place with the given id followed by its ancestors up to
// the root, or nil if the id is unknown.
func (t *Places) Chain(id string) []Place {
	var out []Place
	for cur := id; cur != ""; {
		p, ok := t.byID[cur]
		if !ok {
			break
		}
		out = append(out, p)
		cur = p.ParentID
	}
	return out
}

// Children returns the places directly below the given one, sorted by id.
func (t *Places) Children(id string) []Place {
	out := make([]Place, 0, len(t.children[id]))
	for _, c := range t.children[id] {
		out = append(out, t.byID[c])
	}
	return out
}

// Subtree returns the place with the given id and every place below it, in
// depth-first order (parents before children, siblings by id).
func (t *Places) Subtree(id string) []Place {
	root, ok := t.byID[id]
	if !ok {
		return nil
	}
	out := []Place{root}
	for i := 0; i < len(out); i++ {
		for _, c := range t.children[out[i].ID] {
			out = append(out, t.byID[c])
		}
	}
	return out
}

// FacilitiesUnder returns the ids of the facilities in the subtree of the
// given place (the place itself if it is a facility), sorted.
func (t *Places) FacilitiesUnder(id string) []string {
	var out []string
	for _, p := range t.Subtree(id) {
		if p.Facility {
			out = append(out, p.ID)
		}
	}
	slices.Sort(out)
	return out
}

// Roots returns the places without a parent, sorted by id.
func (t *Places) Roots() []Place {
	var out []Place
	for _, id := range t.sortedIDs() {
		if t.byID[id].ParentID == "" {
			out = append(out, t.byID[id])
		}
	}
	return out
}

// Levels returns the level codes found in the tree from the top down (the
// order in which they first appear walking down from the roots), for
// example [country region district facility].
func (t *Places) Levels() []string {
	var out []string
	for _, r := range t.Roots() {
		for _, p := range t.Subtree(r.ID) {
			if p.Level != "" && !slices.Contains(out, p.Level) {
				out = append(out, p.Level)
			}
		}
	}
	return out
}

func placeFromLocation(l models.Location) Place {
	p := Place{ID: *l.Id, Name: deref(l.Name)}
	if l.PartOf != nil {
		p.ParentID = referenceID(deref(l.PartOf.Reference), "Location")
	}
	for _, cc := range l.Type {
		for _, c := range cc.Coding {
			switch deref(c.System) {
			case JurisdictionSystem, JurisdictionTypeSystem:
				if code := deref(c.Code); code != "" && p.Level == "" {
					p.Level = code
					p.LevelName = firstNonEmpty(deref(c.Display), deref(cc.Text), code)
				}
			case FacilityTypeSystem:
				p.Facility = true
			case "urn:ietf:rfc:3986":
				if deref(c.Code) == mcsdFacilityCode {
					p.Facility = true
				}
			}
		}
	}
	if l.Meta != nil && slices.Contains(l.Meta.Profile, FacilityProfile) {
		p.Facility = true
	}
	if l.PhysicalType != nil && p.Level == "" {
		for _, c := range l.PhysicalType.Coding {
			if deref(c.Code) == "bu" {
				p.Facility = true
			}
		}
	}
	if p.Facility && p.Level == "" {
		p.Level, p.LevelName = LevelFacility, "Facility"
	}
	return p
}

// referenceID returns the id of a reference "Type/id" (also accepting
// absolute URLs and a version suffix) if its type is typ, else "".
func referenceID(ref, typ string) string {
	ref = strings.TrimSpace(ref)
	if i := strings.Index(ref, "/_history/"); i >= 0 {
		ref = ref[:i]
	}
	i := strings.LastIndex(ref, typ+"/")
	if i < 0 || (i > 0 && ref[i-1] != '/') {
		return ""
	}
	return ref[i+len(typ)+1:]
}

func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
