package ihris

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// HealthWorker is one iHRIS Practitioner joined with its roles, their jobs,
// cadres and places.
type HealthWorker struct {
	// ID is the Practitioner's logical id (for example "P10004").
	ID string `json:"id"`
	// Active is Practitioner.active; a missing value counts as active, as
	// the iHRIS profile requires the element and FHIR defaults it to true.
	Active bool `json:"active"`
	// Names as stored, official ones first as in the resource.
	Names []Name `json:"names,omitempty"`
	// Gender is the FHIR code (male, female, other, unknown) or empty.
	Gender string `json:"gender,omitempty"`
	// BirthDate is the FHIR date as stored (it may be partial, like "1979").
	BirthDate string `json:"birthDate,omitempty"`
	// Phones holds every telecom entry whose system is phone or sms, in the
	// order stored. Use [HealthWorker.SelectPhones] or
	// [HealthWorker.BestMobile] to choose the number to message.
	Phones []Phone `json:"phones,omitempty"`
	// Languages are the languages the worker communicates in
	// (Practitioner.communication), in the order stored, each as its code
	// (the first coding's: "fr", "en-LR", "kpe", as iHRIS's value set has
	// it), else its text.
	Languages []string `json:"languages,omitempty"`
	// Identifiers as stored (employee number, national id, RapidPro contact
	// UUID written back by mHero, ...).
	Identifiers []Identifier `json:"identifiers,omitempty"`
	// Roles holds every PractitionerRole that points at this worker, current
	// or not; [HealthWorker.CurrentRoles] keeps the current ones.
	Roles []Role `json:"roles,omitempty"`
	// LastUpdated is the Practitioner's meta.lastUpdated (zero if absent).
	LastUpdated time.Time `json:"lastUpdated,omitzero"`
	// VersionID is the Practitioner's meta.versionId.
	VersionID string `json:"versionId,omitempty"`
	// Warnings lists every problem met while reading this worker and its
	// roles. A worker with warnings is still a worker.
	Warnings []Warning `json:"warnings,omitempty"`
}

// Reference returns the worker's FHIR reference, "Practitioner/<id>".
func (w HealthWorker) Reference() string { return "Practitioner/" + w.ID }

// DisplayName returns the name to show or greet the worker with: the text of
// the official (else usual, else first) name, or its parts joined.
func (w HealthWorker) DisplayName() string {
	if len(w.Names) == 0 {
		return ""
	}
	best := w.Names[0]
	for _, use := range []string{"official", "usual"} {
		if i := slices.IndexFunc(w.Names, func(n Name) bool { return n.Use == use }); i >= 0 {
			best = w.Names[i]
			break
		}
	}
	return best.Display()
}

// CurrentRoles returns the roles the worker holds now: active and without an
// end date (the iHRIS convention for the current posting).
func (w HealthWorker) CurrentRoles() []Role {
	var out []Role
	for _, r := range w.Roles {
		if r.Current() {
			out = append(out, r)
		}
	}
	return out
}

// Identifier returns the value of the first identifier with the given system.
func (w HealthWorker) Identifier(system string) (string, bool) {
	for _, id := range w.Identifiers {
		if id.System == system {
			return id.Value, true
		}
	}
	return "", false
}

// Name is one HumanName.
type Name struct {
	Use    string   `json:"use,omitempty"`
	Text   string   `json:"text,omitempty"`
	Family string   `json:"family,omitempty"`
	Given  []string `json:"given,omitempty"`
	Prefix []string `json:"prefix,omitempty"`
	Suffix []string `json:"suffix,omitempty"`
}

// Display returns the name's text, or prefix, given and family names joined.
func (n Name) Display() string {
	if t := strings.TrimSpace(n.Text); t != "" {
		return t
	}
	parts := slices.Concat(n.Prefix, n.Given, []string{n.Family}, n.Suffix)
	parts = slices.DeleteFunc(parts, func(s string) bool { return strings.TrimSpace(s) == "" })
	return strings.Join(parts, " ")
}

// Identifier is one business identifier of a worker.
type Identifier struct {
	System string `json:"system,omitempty"`
	Value  string `json:"value"`
	// Type is the first coding of Identifier.type (for example "EN", the
	// employee number), empty when absent.
	Type string `json:"type,omitempty"`
}

// Phone is one telecom entry of system phone or sms, exactly as stored:
// iHRIS keeps numbers in local format, so normalising them (country code,
// operator rules) is the caller's job.
type Phone struct {
	Value string `json:"value"`
	// System is "phone" or "sms".
	System string `json:"system"`
	// Use is mobile, work, home, temp, old or empty.
	Use string `json:"use,omitempty"`
	// Rank is the ContactPoint rank: 1 is the most preferred; 0 means unranked.
	Rank int `json:"rank,omitempty"`
}

// PhoneSelection says, explicitly, which of a worker's numbers to message.
// Its zero value prefers mobile numbers, then numbers without a use, then
// work, then home numbers, and never picks temp or old ones.
type PhoneSelection struct {
	// Uses lists the acceptable ContactPoint uses, most preferred first;
	// "" stands for a number stored without a use. Empty means
	// DefaultPhoneUses.
	Uses []string `json:"uses,omitempty"`
	// All returns every acceptable number rather than only the best one.
	All bool `json:"all,omitempty"`
}

// DefaultPhoneUses returns the uses a zero PhoneSelection accepts, in order.
func DefaultPhoneUses() []string { return []string{"mobile", "", "work", "home"} }

// SelectPhones returns the worker's numbers that sel accepts, best first:
// by the order of sel.Uses, then by rank (1 first, unranked last), then in
// stored order. Empty values are skipped and a number stored twice is
// returned once. Without sel.All only the best number is returned.
func (w HealthWorker) SelectPhones(sel PhoneSelection) []Phone {
	uses := sel.Uses
	if len(uses) == 0 {
		uses = DefaultPhoneUses()
	}
	type ranked struct {
		Phone
		pref, order int
	}
	var cands []ranked
	for i, p := range w.Phones {
		pref := slices.Index(uses, p.Use)
		if pref < 0 || strings.TrimSpace(p.Value) == "" {
			continue
		}
		cands = append(cands, ranked{p, pref, i})
	}
	slices.SortFunc(cands, func(a, b ranked) int {
		return cmp.Or(cmp.Compare(a.pref, b.pref), compareRank(a.Rank, b.Rank), cmp.Compare(a.order, b.order))
	})
	var out []Phone
	seen := map[string]bool{}
	for _, c := range cands {
		if seen[c.Value] {
			continue
		}
		seen[c.Value] = true
		out = append(out, c.Phone)
		if !sel.All {
			break
		}
	}
	return out
}

// BestMobile returns the worker's preferred number whose use is mobile.
func (w HealthWorker) BestMobile() (Phone, bool) {
	p := w.SelectPhones(PhoneSelection{Uses: []string{"mobile"}})
	if len(p) == 0 {
		return Phone{}, false
	}
	return p[0], true
}

// compareRank orders ranks ascending with 0 (unranked) last.
func compareRank(a, b int) int {
	switch {
	case a == b:
		return 0
	case a == 0:
		return 1
	case b == 0:
		return -1
	}
	return cmp.Compare(a, b)
}

// Coding is a code with its system and a human-readable display.
type Coding struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code"`
	Display string `json:"display,omitempty"`
}

// IsZero reports whether the coding is empty.
func (c Coding) IsZero() bool { return c.Code == "" && c.System == "" && c.Display == "" }

// Role is one PractitionerRole: a job held at a facility.
type Role struct {
	ID     string `json:"id"`
	Active bool   `json:"active"`
	// Job is the role's code from the ihris-job CodeSystem, with the display
	// taken from the terminology when the role does not carry one.
	Job Coding `json:"job"`
	// Cadre is resolved through the job concept's cadre property; it is
	// zero for jobs without a cadre (non-health jobs).
	Cadre Coding `json:"cadre,omitzero"`
	// EmploymentStatus comes from the ihris-practitionerrole-employment-status
	// extension (contract, fullTime, partTime, volunteer).
	EmploymentStatus Coding `json:"employmentStatus,omitzero"`
	// Start and End are the period's FHIR dates as stored (possibly partial).
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
	// Places is the role's facility followed by its ancestors up to the
	// root (facility, district, region, country in the demo data). It is
	// empty when the facility is unknown; FacilityID still holds the id.
	Places []Place `json:"places,omitempty"`
	// FacilityID is the id of the Location the role points at.
	FacilityID string `json:"facilityId,omitempty"`
	// LastUpdated is the PractitionerRole's meta.lastUpdated.
	LastUpdated time.Time `json:"lastUpdated,omitzero"`
}

// Current reports whether the role is held now: active and not ended.
func (r Role) Current() bool { return r.Active && r.End == "" }

// Facility returns the role's facility, if it is known.
func (r Role) Facility() (Place, bool) {
	if len(r.Places) == 0 {
		return Place{}, false
	}
	return r.Places[0], true
}

// At returns the place of the given level (for example "district") in the
// role's chain.
func (r Role) At(level string) (Place, bool) {
	for _, p := range r.Places {
		if p.Level == level {
			return p, true
		}
	}
	return Place{}, false
}

// Within reports whether the role's facility is the place with the given id
// or lies below it.
func (r Role) Within(placeID string) bool {
	if r.FacilityID == placeID {
		return true
	}
	return slices.ContainsFunc(r.Places, func(p Place) bool { return p.ID == placeID })
}
