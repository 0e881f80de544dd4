package ihristest

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Workforce describes a synthetic national health workforce to generate.
// The same Workforce (including Seed) always generates byte-identical
// resources. Zero fields take the defaults shown.
//
// The country is modelled on Liberia: 15 counties as regions (named after
// the real ones, beyond that numbered), districts and facilities with
// generated names, and Liberian mobile numbers in local format
// ("0770 123 456": trunk 0, operator prefix 77 or 88, seven digits; E.164
// +231770123456), as iHRIS stores them, without the country code.
type Workforce struct {
	// Seed selects the workforce; the default 0 is a valid seed.
	Seed uint64
	// Workers is the number of Practitioners (default 5,000; at most 1,000,000).
	Workers int
	// Regions (default 15), Districts (default 90, spread over the
	// regions) and Facilities (default 800, spread over the districts).
	Regions, Districts, Facilities int
	// Mix sets the share of messy records; nil means DefaultMix.
	Mix *Mix
	// RelatedGroups stamps each PractitionerRole with the
	// ihris-related-group extension iHRIS adds on save (its facility and
	// every ancestor Location), so PractitionerRole?related-location=
	// Location/<region> finds a whole subtree as on a real iHRIS. It adds
	// about 300 bytes per role, so it is off by default.
	RelatedGroups bool
	// Newest is the meta.lastUpdated of the most recently changed worker
	// (default 2026-01-01T00:00:00Z); workers and roles were last updated
	// over the year before it, places and terminology earlier.
	Newest time.Time
}

// Mix sets the share of workers (or resources, for Quirks) with each
// real-world imperfection. Each is a fraction between 0 and 1.
type Mix struct {
	// NoPhone: workers without any phone.
	NoPhone float64
	// InvalidPhone: workers whose only phone is not a valid Liberian mobile
	// number (too short, unknown prefix, a letter, a placeholder).
	InvalidPhone float64
	// SharedPhone: workers whose mobile number is also another worker's.
	SharedPhone float64
	// SecondPhone: workers with a second (work) number.
	SecondPhone float64
	// Inactive: workers with active=false (their roles ended).
	Inactive float64
	// NoRole: workers without any PractitionerRole.
	NoRole float64
	// TwoRoles: workers with two roles (a past one and a current one, or
	// two current postings).
	TwoRoles float64
	// Quirks: resources carrying one of the quirks of the real iHRIS demo
	// data: a facility's managingOrganization as a bare string, the old
	// dependents extension with valueInteger as a JSON string, a relative
	// extension URL.
	Quirks float64
}

// DefaultMix returns the Mix used when Workforce.Mix is nil.
func DefaultMix() Mix {
	return Mix{
		NoPhone: 0.06, InvalidPhone: 0.03, SharedPhone: 0.02, SecondPhone: 0.10,
		Inactive: 0.05, NoRole: 0.03, TwoRoles: 0.08, Quirks: 0.02,
	}
}

// Quirk names used as keys of Truth.Quirks.
const (
	QuirkStringReference = "managingOrganization-as-string"
	QuirkStringInteger   = "valueInteger-as-string"
	QuirkRelativeURL     = "relative-extension-url"
)

// Truth is what a generated workforce contains, for tests to check a
// client against (read it; do not modify it). Counts by place, cadre, job and employment status are of
// distinct active workers holding a current role (active, no period.end)
// there; a worker with two current roles counts in both places.
type Truth struct {
	Workers, ActiveWorkers int
	// Roles is every PractitionerRole; CurrentRoles the active ones.
	Roles, CurrentRoles int
	// Places counts Locations by level: "country", "region", "district",
	// "facility".
	Places map[string]int

	ByRegion, ByDistrict, ByFacility map[string]int // keyed by Location id
	ByCadre                          map[string]int // ihris-cadre code
	ByJob                            map[string]int // ihris-job code
	ByEmploymentStatus               map[string]int

	// Practitioner ids of workers without a phone, inactive, with no role
	// and with two roles.
	NoPhone, Inactive, NoRole, TwoRoles []string
	// InvalidPhones maps a practitioner id to its invalid number as stored.
	InvalidPhones map[string]string
	// SharedPhones maps an E.164 number to the practitioner ids sharing it.
	SharedPhones map[string][]string
	// Phones counts valid numbers (each occurrence).
	Phones int
	// Quirks maps a quirk name to the "Type/id" of the resources with it.
	Quirks map[string][]string
	// Newest is the latest meta.lastUpdated generated.
	Newest time.Time
}

// A Resource is one generated FHIR resource.
type Resource struct {
	// Type and ID name the resource ("Practitioner", "P000001").
	Type, ID string
	// LastUpdated is its meta.lastUpdated.
	LastUpdated time.Time
	// JSON is the complete resource, meta included.
	JSON []byte
}

const maxWorkers = 1_000_000

func (w Workforce) withDefaults() Workforce {
	if w.Workers == 0 {
		w.Workers = 5000
	}
	if w.Regions == 0 {
		w.Regions = 15
	}
	if w.Districts == 0 {
		w.Districts = 90
	}
	if w.Facilities == 0 {
		w.Facilities = 800
	}
	if w.Mix == nil {
		m := DefaultMix()
		w.Mix = &m
	}
	if w.Newest.IsZero() {
		w.Newest = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return w
}

func (w Workforce) validate() error {
	w = w.withDefaults()
	switch {
	case w.Workers < 0 || w.Workers > maxWorkers:
		return fmt.Errorf("ihristest: %d workers: want 0..%d", w.Workers, maxWorkers)
	case w.Regions < 1 || w.Districts < w.Regions || w.Facilities < w.Districts:
		return fmt.Errorf("ihristest: want 1 <= regions (%d) <= districts (%d) <= facilities (%d)", w.Regions, w.Districts, w.Facilities)
	case w.Facilities > 100_000:
		return errors.New("ihristest: at most 100,000 facilities")
	}
	m := w.Mix
	for _, f := range []float64{m.NoPhone, m.InvalidPhone, m.SharedPhone, m.SecondPhone, m.Inactive, m.NoRole, m.TwoRoles, m.Quirks} {
		if f < 0 || f > 1 {
			return fmt.Errorf("ihristest: mix fraction %v out of [0,1]", f)
		}
	}
	if m.NoPhone+m.InvalidPhone+m.SharedPhone > 1 || m.NoRole+m.TwoRoles > 1 {
		return errors.New("ihristest: mix fractions of exclusive cases add up to more than 1")
	}
	return nil
}

// A job of the generator's ihris-job CodeSystem: real iHRIS job codes, each
// with its cadre (empty for non-health jobs) and a relative weight.
type job struct {
	code, display, cadre string
	weight               int
}

var jobs = []job{
	{"2221-1D", "Medical Doctor", "doctor", 5},
	{"2221-2D", "Specialized Doctor", "doctor", 1},
	{"2221-5D", "Surgeon", "doctor", 1},
	{"2230-1B", "Nurse", "nurse", 25},
	{"2230-2B", "Midwife", "nurse", 12},
	{"2230-1D", "Chief Nurse", "nurse", 1},
	{"5132-1A", "Nurse Aide", "nurse", 8},
	{"2224-1D", "Pharmacist", "pharmacist", 2},
	{"3228-1B", "Pharmacy Technician", "pharmacist", 3},
	{"3211-1C", "Lab Technician", "allied-health", 6},
	{"3211-3B", "Radiology Technician", "allied-health", 1},
	{"3221-1C", "Medical Assistant", "allied-health", 6},
	{"3226-1B", "Physiotherapist", "allied-health", 1},
	{"3229-3A", "Environmental Health Worker", "allied-health", 4},
	{"3431-1D", "Administrator", "", 3},
	{"4222-1A", "Receptionist", "", 3},
	{"8322-1A", "Driver", "", 2},
}

var cadres = []struct{ code, display string }{
	{"doctor", "Medical Doctor"}, {"nurse", "Nurse"}, {"allied-health", "Allied Health Professional"}, {"pharmacist", "Pharmacist"},
}

type employmentStatus struct {
	code, display string
	weight        int
}

var employmentStatuses = []employmentStatus{{"fullTime", "Full-time", 70}, {"contract", "Contract", 15}, {"partTime", "Part-Time", 8}, {"volunteer", "Volunteer", 7}}

var facilityTypes = []struct {
	code, display, roleCode string
	weight                  int // share of facilities
	staff                   int // relative staffing
}{
	{"hospital", "Hospital", "HOSP", 5, 30},
	{"HC", "Health Center", "HOSP", 25, 8},
	{"CLC", "Clinic", "OUTPHARM", 40, 3},
	{"HP", "Health Post", "COMM", 30, 1},
}

var counties = []struct{ id, name string }{
	{"BM", "Bomi"}, {"BG", "Bong"}, {"GP", "Gbarpolu"}, {"GB", "Grand Bassa"}, {"CM", "Grand Cape Mount"},
	{"GG", "Grand Gedeh"}, {"GK", "Grand Kru"}, {"LO", "Lofa"}, {"MG", "Margibi"}, {"MY", "Maryland"},
	{"MO", "Montserrado"}, {"NI", "Nimba"}, {"RI", "River Cess"}, {"RG", "River Gee"}, {"SI", "Sinoe"},
}

var (
	femaleNames = []string{"Musu", "Fatu", "Garmai", "Comfort", "Esther", "Mary", "Korto", "Yei", "Siah", "Hawa",
		"Massa", "Patience", "Princess", "Martha", "Ruth", "Tenneh", "Famatta", "Kebeh", "Bendu", "Josephine",
		"Mamie", "Sarah", "Victoria", "Oretha", "Decontee", "Annie", "Grace", "Elizabeth", "Janet", "Miatta"}
	maleNames = []string{"Joseph", "Emmanuel", "Sekou", "Momo", "Kollie", "James", "Moses", "Varney", "Samuel", "Prince",
		"Boima", "Alieu", "Jallah", "Mulbah", "George", "Augustine", "Peter", "Abraham", "Daniel", "Francis",
		"Togba", "Lansana", "Morris", "Edwin", "Thomas", "Arthur", "Amos", "Wilmot", "Isaac", "Sylvester"}
	familyNames = []string{"Kollie", "Flomo", "Kpoto", "Weah", "Johnson", "Doe", "Kamara", "Sheriff", "Kromah", "Dolo",
		"Gbowee", "Nyenpan", "Togba", "Zaza", "Sumo", "Massaquoi", "Jallah", "Karnga", "Wleh", "Tarr",
		"Kiazolu", "Boakai", "Cooper", "Freeman", "Davies", "Kpadeh", "Gono", "Sackie", "Yarkpawolo", "Fahnbulleh",
		"Wesseh", "Saah", "Tokpa", "Zinnah", "Koroma", "Barclay", "Kandakai", "Mulbah", "Nagbe", "Quaye"}
	syllables = []string{"kpa", "yea", "zo", "lo", "gba", "ta", "wo", "su", "ke", "mah", "bo", "fa", "jor", "ni", "da", "ge", "tu", "lah", "wee", "pan"}
)

func weighted[T any](r *rand.Rand, items []T, weight func(T) int) T {
	total := 0
	for _, it := range items {
		total += weight(it)
	}
	n := r.IntN(total)
	for _, it := range items {
		if n -= weight(it); n < 0 {
			return it
		}
	}
	return items[len(items)-1]
}

func placeName(r *rand.Rand) string {
	n := 2 + r.IntN(2)
	b := make([]byte, 0, 12)
	for i := range n {
		s := syllables[r.IntN(len(syllables))]
		if i == 0 {
			b = append(b, s[0]-'a'+'A')
			s = s[1:]
		}
		b = append(b, s...)
	}
	return string(b)
}

// place is a generated Location kept during generation.
type place struct {
	id, name     string
	parent       *place
	level        string
	facilityType int
	weight       float64
}

// JSON shapes of the generated resources. Fields are ordered and tagged so
// the output is compact and byte-stable.
type (
	jMeta struct {
		VersionID   string   `json:"versionId"`
		LastUpdated string   `json:"lastUpdated"`
		Profile     []string `json:"profile,omitempty"`
	}
	jCoding struct {
		System  string `json:"system,omitempty"`
		Code    string `json:"code"`
		Display string `json:"display,omitempty"`
	}
	jCodeable struct {
		Coding []jCoding `json:"coding"`
		Text   string    `json:"text,omitempty"`
	}
	jRef struct {
		Reference string `json:"reference"`
		Display   string `json:"display,omitempty"`
	}
	jExt struct {
		URL            string   `json:"url"`
		ValueCoding    *jCoding `json:"valueCoding,omitempty"`
		ValueReference *jRef    `json:"valueReference,omitempty"`
		ValueString    string   `json:"valueString,omitempty"`
		ValueInteger   any      `json:"valueInteger,omitempty"`
		Extension      []jExt   `json:"extension,omitempty"`
	}
	jIdentifier struct {
		Type   *jCodeable `json:"type,omitempty"`
		System string     `json:"system"`
		Value  string     `json:"value"`
	}
	jName struct {
		Use    string   `json:"use"`
		Text   string   `json:"text"`
		Family string   `json:"family"`
		Given  []string `json:"given"`
	}
	jContact struct {
		System string `json:"system"`
		Value  string `json:"value"`
		Use    string `json:"use"`
		Rank   int    `json:"rank"`
	}
	jPractitioner struct {
		ResourceType string        `json:"resourceType"`
		ID           string        `json:"id"`
		Meta         jMeta         `json:"meta"`
		Extension    []jExt        `json:"extension,omitempty"`
		Identifier   []jIdentifier `json:"identifier"`
		Active       bool          `json:"active"`
		Name         []jName       `json:"name"`
		Telecom      []jContact    `json:"telecom,omitempty"`
		Gender       string        `json:"gender"`
		BirthDate    string        `json:"birthDate"`
	}
	jPeriod struct {
		Start string `json:"start"`
		End   string `json:"end,omitempty"`
	}
	jRole struct {
		ResourceType string      `json:"resourceType"`
		ID           string      `json:"id"`
		Meta         jMeta       `json:"meta"`
		Extension    []jExt      `json:"extension"`
		Active       bool        `json:"active"`
		Period       jPeriod     `json:"period"`
		Practitioner jRef        `json:"practitioner"`
		Code         []jCodeable `json:"code"`
		Location     []jRef      `json:"location"`
	}
	jLocation struct {
		ResourceType         string        `json:"resourceType"`
		ID                   string        `json:"id"`
		Meta                 jMeta         `json:"meta"`
		Identifier           []jIdentifier `json:"identifier,omitempty"`
		Status               string        `json:"status"`
		Name                 string        `json:"name"`
		Type                 []jCodeable   `json:"type"`
		PhysicalType         jCodeable     `json:"physicalType"`
		ManagingOrganization any           `json:"managingOrganization,omitempty"`
		PartOf               *jRef         `json:"partOf,omitempty"`
	}
	jOrganization struct {
		ResourceType string      `json:"resourceType"`
		ID           string      `json:"id"`
		Meta         jMeta       `json:"meta"`
		Active       bool        `json:"active"`
		Type         []jCodeable `json:"type"`
		Name         string      `json:"name"`
	}
)

const (
	profilePractitioner = ihrisSD + "ihris-practitioner"
	profileRole         = ihrisSD + "ihris-practitioner-role"
	profileJurisdiction = ihrisSD + "ihris-jurisdiction"
	profileFacility     = ihrisSD + "ihris-facility"
	mcsdLocation        = "http://ihe.net/fhir/StructureDefinition/IHE.mCSD.Location"
	mcsdFacility        = "http://ihe.net/fhir/StructureDefinition/IHE.mCSD.FacilityLocation"
	mcsdOrganization    = "http://ihe.net/fhir/StructureDefinition/IHE.mCSD.FacilityOrganization"
	physicalTypeSystem  = "http://terminology.hl7.org/CodeSystem/location-physical-type"
	employeeNumberSys   = "http://moh.gov.lr/fhir/employee-number"
	nationalIDSys       = "http://moh.gov.lr/fhir/national-id"
)

// generator holds the state of one Generate call.
type generator struct {
	w     Workforce
	r     *rand.Rand
	emit  func(Resource) error
	truth *Truth
	err   error
	buf   []byte
}

// appender is a generated shape with a hand-written encoder.
type appender interface{ appendJSON([]byte) []byte }

func (g *generator) out(typ, id string, at time.Time, v any) {
	if g.err != nil {
		return
	}
	var b []byte
	if a, ok := v.(appender); ok {
		g.buf = a.appendJSON(g.buf[:0])
		b = append(make([]byte, 0, len(g.buf)), g.buf...)
	} else {
		var err error
		if b, err = json.Marshal(v); err != nil {
			g.err = err
			return
		}
	}
	if at.After(g.truth.Newest) {
		g.truth.Newest = at
	}
	g.err = g.emit(Resource{Type: typ, ID: id, LastUpdated: at, JSON: b})
}

func meta(at time.Time, profiles ...string) jMeta {
	return jMeta{VersionID: "1", LastUpdated: at.Format(timeFormat), Profile: profiles}
}

// Generate produces the workforce resource by resource, in load order
// (terminology, places, then each worker followed by their roles), calling
// emit for each; it stops at emit's first error. Memory stays small: only
// the place tree and the ground truth are kept.
func (w Workforce) Generate(emit func(Resource) error) (*Truth, error) {
	if err := w.validate(); err != nil {
		return nil, err
	}
	w = w.withDefaults()
	g := &generator{
		w:    w,
		r:    rand.New(rand.NewPCG(w.Seed, 0x1457_2026)),
		emit: emit,
		truth: &Truth{
			Places: map[string]int{}, ByRegion: map[string]int{}, ByDistrict: map[string]int{}, ByFacility: map[string]int{},
			ByCadre: map[string]int{}, ByJob: map[string]int{}, ByEmploymentStatus: map[string]int{},
			InvalidPhones: map[string]string{}, SharedPhones: map[string][]string{}, Quirks: map[string][]string{},
		},
	}
	g.terminology()
	facilities := g.places()
	g.workers(facilities)
	if g.err != nil {
		return nil, g.err
	}
	for _, ids := range g.truth.Quirks {
		slices.Sort(ids)
	}
	return g.truth, nil
}

func (g *generator) terminology() {
	at := g.w.Newest.AddDate(-2, 0, 0)
	var concepts []any
	for _, j := range jobs {
		props := []any{}
		if j.cadre != "" {
			props = append(props, map[string]any{"code": "cadre", "valueCoding": map[string]any{"system": systemCadre, "code": j.cadre}})
			props = append(props, map[string]any{"code": "classification", "valueCoding": map[string]any{"system": ihrisCS + "ihris-classification", "code": "health"}})
		} else {
			props = append(props, map[string]any{"code": "classification", "valueCoding": map[string]any{"system": ihrisCS + "ihris-classification", "code": "non-health"}})
		}
		concepts = append(concepts, map[string]any{"code": j.code, "display": j.display, "property": props})
	}
	g.codeSystem(at, "ihris-job", "IhrisJob", "iHRIS Job", concepts, []any{
		map[string]any{"code": "cadre", "type": "Coding", "uri": systemCadre},
		map[string]any{"code": "classification", "type": "Coding"},
	})
	var cs []any
	for _, c := range cadres {
		cs = append(cs, map[string]any{"code": c.code, "display": c.display})
	}
	g.codeSystem(at, "ihris-cadre", "IhrisCadre", "iHRIS Cadre", cs, nil)
	var es []any
	for _, e := range employmentStatuses {
		es = append(es, map[string]any{"code": e.code, "display": e.display})
	}
	g.codeSystem(at, "ihris-employment-status-codesystem", "IhrisEmploymentStatusCodeSystem", "iHRIS Employment Status CodeSystem", es, nil)
	g.codeSystem(at, "ihris-jurisdiction-type", "IhrisJurisdictionType", "Jurisdiction Type", []any{
		map[string]any{"code": "country", "display": "Country"},
		map[string]any{"code": "region", "display": "Region (county)"},
		map[string]any{"code": "district", "display": "District"},
	}, nil)
	var ft []any
	for _, f := range facilityTypes {
		ft = append(ft, map[string]any{"code": f.code, "display": f.display})
	}
	g.codeSystem(at, "ihris-facility-type", "IhrisFacilityType", "Facility Type", ft, nil)
}

func (g *generator) codeSystem(at time.Time, id, name, title string, concepts, props []any) {
	m := map[string]any{
		"resourceType": "CodeSystem", "id": id, "meta": meta(at),
		"url": ihrisCS + id, "name": name, "title": title, "status": "active",
		"content": "complete", "count": len(concepts), "concept": concepts,
	}
	if props != nil {
		m["property"] = props
	}
	g.out("CodeSystem", id, at, m)
}

func jurisdictionType(level, display string) []jCodeable {
	return []jCodeable{{Coding: []jCoding{{System: systemJurisdiction, Code: level}}, Text: display}}
}

var jdn = jCodeable{Coding: []jCoding{{System: physicalTypeSystem, Code: "jdn"}}, Text: "Jurisdiction"}
var bu = jCodeable{Coding: []jCoding{{System: physicalTypeSystem, Code: "bu"}}, Text: "Building"}

// places emits the country, regions, districts and facilities (each with
// its Organization) and returns the facilities.
func (g *generator) places() []*place {
	w, r, t := g.w, g.r, g.truth
	at := w.Newest.AddDate(-1, -6, 0)
	country := &place{id: "LR", name: "Liberia", level: "country"}
	g.out("Location", "LR", at, jLocation{
		ResourceType: "Location", ID: "LR", Meta: meta(at, mcsdLocation, profileJurisdiction),
		Identifier: []jIdentifier{{System: "urn:iso:std:iso:3166", Value: "LR"}},
		Status:     "active", Name: "Liberia", Type: jurisdictionType("country", "Country"), PhysicalType: jdn,
	})
	t.Places["country"]++
	jurisdiction := func(p *place, display string) {
		g.out("Location", p.id, at, jLocation{
			ResourceType: "Location", ID: p.id, Meta: meta(at, mcsdLocation, profileJurisdiction),
			Status: "active", Name: p.name, Type: jurisdictionType(p.level, display), PhysicalType: jdn,
			PartOf: &jRef{Reference: "Location/" + p.parent.id},
		})
		t.Places[p.level]++
	}
	regions := make([]*place, w.Regions)
	for i := range regions {
		p := &place{parent: country, level: "region"}
		if i < len(counties) {
			p.id, p.name = "LR."+counties[i].id, counties[i].name
		} else {
			p.id, p.name = fmt.Sprintf("LR.R%d", i+1), placeName(r)
		}
		regions[i] = p
		jurisdiction(p, "County")
	}
	districts := make([]*place, w.Districts)
	perRegion := map[*place]int{}
	for i := range districts {
		reg := regions[i%len(regions)]
		perRegion[reg]++
		p := &place{id: fmt.Sprintf("%s.D%02d", reg.id, perRegion[reg]), name: placeName(r), parent: reg, level: "district",
			weight: 0.4 + 1.6*r.Float64()}
		districts[i] = p
		jurisdiction(p, "District")
	}
	// Every district gets a facility; the rest follow district weights.
	var total float64
	for _, d := range districts {
		total += d.weight
	}
	facilities := make([]*place, w.Facilities)
	perDistrict := map[*place]int{}
	for i := range facilities {
		d := districts[i%len(districts)]
		if i >= len(districts) {
			x := r.Float64() * total
			for _, c := range districts {
				if x -= c.weight; x < 0 {
					d = c
					break
				}
			}
		}
		perDistrict[d]++
		ft := 0
		if perDistrict[d] == 1 {
			ft = 1 // each district's first facility is a health center
		} else {
			n := r.IntN(100)
			for j, f := range facilityTypes {
				if n -= f.weight; n < 0 {
					ft = j
					break
				}
			}
		}
		f := facilityTypes[ft]
		p := &place{id: fmt.Sprintf("%s.F%03d", d.id, perDistrict[d]), parent: d, level: "facility", facilityType: ft,
			weight: float64(f.staff) * (0.5 + r.Float64())}
		p.name = d.name + " " + f.display
		if perDistrict[d] > 1 {
			p.name = placeName(r) + " " + f.display
		}
		facilities[i] = p
		g.facility(p, at)
	}
	return facilities
}

func (g *generator) facility(p *place, at time.Time) {
	f := facilityTypes[p.facilityType]
	types := []jCodeable{
		{Coding: []jCoding{{System: "urn:ietf:rfc:3986", Code: "urn:ihe:iti:mcsd:2019:facility"}}, Text: "Facility"},
		{Coding: []jCoding{{System: systemFacilityType, Code: f.code, Display: f.display}}, Text: f.display},
	}
	g.out("Organization", p.id, at, jOrganization{
		ResourceType: "Organization", ID: p.id, Meta: meta(at, mcsdOrganization), Active: true, Type: types[:1], Name: p.name,
	})
	var org any = jRef{Reference: "Organization/" + p.id}
	if g.r.Float64() < g.w.Mix.Quirks {
		org = "Organization/" + p.id
		g.quirk(QuirkStringReference, "Location/"+p.id)
	}
	g.out("Location", p.id, at, jLocation{
		ResourceType: "Location", ID: p.id, Meta: meta(at, mcsdLocation, mcsdFacility, profileFacility),
		Status: "active", Name: p.name, Type: types, PhysicalType: bu, ManagingOrganization: org,
		PartOf: &jRef{Reference: "Location/" + p.parent.id},
	})
	g.truth.Places["facility"]++
}

func (g *generator) quirk(kind, ref string) {
	g.truth.Quirks[kind] = append(g.truth.Quirks[kind], ref)
}

// mobile returns the n-th distinct valid mobile number as stored (local
// format in one of the spellings seen in registries) and in E.164.
func mobile(r *rand.Rand, n int) (stored, e164 string) {
	prefix := "77"
	if r.IntN(3) == 0 {
		prefix = "88"
	}
	// 7,654,321 is coprime with 10^7, so distinct n give distinct digits.
	d := fmt.Sprintf("%07d", (n*7_654_321+1_234_567)%10_000_000)
	nsn := prefix + d
	switch x := r.IntN(20); {
	case x < 12:
		stored = "0" + nsn[:3] + " " + nsn[3:6] + " " + nsn[6:]
	case x < 17:
		stored = "0" + nsn
	case x < 19:
		stored = "0" + nsn[:3] + "-" + nsn[3:6] + "-" + nsn[6:]
	default:
		stored = "+231 " + nsn[:3] + " " + nsn[3:6] + " " + nsn[6:]
	}
	return stored, "+231" + nsn
}

// respell writes the Liberian number e164 in another local spelling than
// stored.
func respell(stored, e164 string) string {
	nsn := strings.TrimPrefix(e164, "+231")
	if spaced := "0" + nsn[:3] + " " + nsn[3:6] + " " + nsn[6:]; stored != spaced {
		return spaced
	}
	return "0" + nsn
}

// invalidPhone returns a number a careful client must reject.
func invalidPhone(r *rand.Rand) string {
	d := fmt.Sprintf("%07d", r.IntN(10_000_000))
	switch r.IntN(4) {
	case 0:
		return "077" + d[:6] // one digit short
	case 1:
		return "0990 " + d[:3] + " " + d[3:6] // no such operator
	case 2:
		return "0770 " + d[:2] + "O " + d[3:6] // a letter O for a zero
	}
	return "111-111-1111" // the demo data's placeholder
}

func date(t time.Time) string { return t.Format("2006-01-02") }

// workers emits every Practitioner followed by its roles.
func (g *generator) workers(facilities []*place) {
	w, r, t, m := g.w, g.r, g.truth, g.w.Mix
	var total float64
	for _, f := range facilities {
		total += f.weight
	}
	// Cumulative weights for a binary search per worker.
	cum := make([]float64, len(facilities))
	acc := 0.0
	for i, f := range facilities {
		acc += f.weight
		cum[i] = acc
	}
	pickFacility := func() *place {
		i, _ := slices.BinarySearch(cum, r.Float64()*total)
		return facilities[min(i, len(facilities)-1)]
	}
	year := int64(365 * 24 * time.Hour / time.Millisecond)
	var lastShareable []string // stored number and E.164 of a recent worker
	var lastShareableID string
	numbers := 0
	for i := 1; i <= w.Workers; i++ {
		id := fmt.Sprintf("P%06d", i)
		at := w.Newest.Add(-time.Duration(r.Int64N(year)) * time.Millisecond)
		if i == w.Workers {
			at = w.Newest
		}
		female := r.IntN(100) < 55
		given := maleNames[r.IntN(len(maleNames))]
		gender := "male"
		if female {
			given, gender = femaleNames[r.IntN(len(femaleNames))], "female"
		}
		family := familyNames[r.IntN(len(familyNames))]
		active := r.Float64() >= m.Inactive
		p := jPractitioner{
			ResourceType: "Practitioner", ID: id, Meta: meta(at, profilePractitioner),
			Identifier: []jIdentifier{
				{Type: &jCodeable{Coding: []jCoding{{System: "http://terminology.hl7.org/CodeSystem/v2-0203", Code: "EN"}}}, System: employeeNumberSys, Value: fmt.Sprintf("MOH-%06d", i)},
				{System: nationalIDSys, Value: fmt.Sprintf("LR%09d", (i*48_271)%1_000_000_000)},
			},
			Active:    active,
			Name:      []jName{{Use: "official", Text: given + " " + family, Family: family, Given: []string{given}}},
			Gender:    gender,
			BirthDate: date(time.Date(1962+r.IntN(42), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)),
		}
		// Phones: missing, invalid, shared with the previous sharable
		// worker, or this worker's own; sometimes a second work number.
		x := r.Float64()
		switch {
		case x < m.NoPhone:
			t.NoPhone = append(t.NoPhone, id)
		case x < m.NoPhone+m.InvalidPhone:
			bad := invalidPhone(r)
			p.Telecom = append(p.Telecom, jContact{System: "phone", Value: bad, Use: "mobile", Rank: 1})
			t.InvalidPhones[id] = bad
		case x < m.NoPhone+m.InvalidPhone+m.SharedPhone && lastShareable != nil:
			// The same number, spelled as the other worker's form did not:
			// only a client that normalises sees that it is shared.
			p.Telecom = append(p.Telecom, jContact{System: "phone", Value: respell(lastShareable[0], lastShareable[1]), Use: "mobile", Rank: 1})
			t.SharedPhones[lastShareable[1]] = []string{lastShareableID, id}
			t.Phones++
			lastShareable = nil
		default:
			stored, e164 := mobile(r, numbers)
			numbers++
			p.Telecom = append(p.Telecom, jContact{System: "phone", Value: stored, Use: "mobile", Rank: 1})
			t.Phones++
			lastShareable, lastShareableID = []string{stored, e164}, id
		}
		if len(p.Telecom) > 0 && r.Float64() < m.SecondPhone {
			stored, _ := mobile(r, numbers)
			numbers++
			p.Telecom = append(p.Telecom, jContact{System: "phone", Value: stored, Use: "work", Rank: 2})
			t.Phones++
		}
		home := pickFacility()
		p.Extension = []jExt{
			{URL: ihrisSD + "ihris-practitioner-nationality", ValueCoding: &jCoding{System: "urn:iso:std:iso:3166", Code: "LR"}},
			{URL: ihrisSD + "ihris-practitioner-residence", ValueReference: &jRef{Reference: "Location/" + home.parent.id}},
		}
		if r.Float64() < m.Quirks {
			// As in the demo bundle: the old URL, an integer as a string.
			p.Extension = append(p.Extension, jExt{URL: ihrisSD + "ihris-practitionerDependents", ValueInteger: strconv.Itoa(r.IntN(5))})
			g.quirk(QuirkStringInteger, "Practitioner/"+id)
		}
		if r.Float64() < m.Quirks {
			p.Extension = append(p.Extension, jExt{URL: "source-system", ValueString: "iHRIS4-migration"})
			g.quirk(QuirkRelativeURL, "Practitioner/"+id)
		}
		t.Workers++
		if active {
			t.ActiveWorkers++
		} else {
			t.Inactive = append(t.Inactive, id)
		}
		g.out("Practitioner", id, at, &p)
		g.roles(id, at, active, home, pickFacility)
		if g.err != nil {
			return
		}
	}
}

// roles emits the PractitionerRoles of one worker and counts them.
func (g *generator) roles(pid string, at time.Time, active bool, home *place, pick func() *place) {
	r, t, m := g.r, g.truth, g.w.Mix
	n := 1
	switch x := r.Float64(); {
	case x < m.NoRole:
		n = 0
		t.NoRole = append(t.NoRole, pid)
	case x < m.NoRole+m.TwoRoles:
		n = 2
		t.TwoRoles = append(t.TwoRoles, pid)
	}
	j := weighted(r, jobs, func(j job) int { return j.weight })
	if j.cadre == "doctor" && facilityTypes[home.facilityType].code == "HP" {
		j = jobs[3] // health posts have no doctors: a nurse instead
	}
	status := weighted(r, employmentStatuses, func(e employmentStatus) int { return e.weight })
	transfer := r.IntN(2) == 0 // with two roles: a past posting, or two current ones
	start := g.w.Newest.AddDate(-1-r.IntN(25), -r.IntN(12), 0)
	lastMonth := g.w.Newest.AddDate(0, -1, 0) // no posting ends in the future
	// clampEnd keeps an end date after start and before lastMonth.
	clampEnd := func(start, end time.Time) time.Time {
		if end.After(lastMonth) {
			end = lastMonth
		}
		if !end.After(start) {
			end = start.AddDate(0, 0, 1)
		}
		return end
	}
	counted := map[string]bool{} // place ids (and "" for the job) this worker was counted in
	for k := 1; k <= n; k++ {
		fac, current := home, active
		period := jPeriod{Start: date(start)}
		if n == 2 && k == 1 {
			fac = pick()
			if transfer {
				current = false
				ended := clampEnd(start, start.AddDate(1+r.IntN(5), 0, 0))
				period.End = date(ended)
				start = ended.AddDate(0, 0, 14) // the next posting
			}
		}
		if !active {
			current = false
			left := g.w.Newest.AddDate(0, -1-r.IntN(24), 0)
			if period.End == "" { // a transfer's first posting keeps its own end
				period.End = date(clampEnd(start, left))
			}
		}
		id := fmt.Sprintf("PR%s-%d", pid[1:], k)
		exts := []jExt{{URL: extEmploymentStatus, ValueCoding: &jCoding{System: systemEmploymentState, Code: status.code, Display: status.display}}}
		if g.w.RelatedGroups {
			group := jExt{URL: extRelatedGroup}
			for p := fac; p != nil; p = p.parent {
				group.Extension = append(group.Extension, jExt{URL: "location", ValueReference: &jRef{Reference: "Location/" + p.id}})
			}
			exts = append(exts, group)
		}
		g.out("PractitionerRole", id, at, &jRole{
			ResourceType: "PractitionerRole", ID: id, Meta: meta(at, profileRole),
			Extension: exts,
			Active:    current, Period: period,
			Practitioner: jRef{Reference: "Practitioner/" + pid},
			Code:         []jCodeable{{Coding: []jCoding{{System: systemJob, Code: j.code, Display: j.display}}, Text: j.display}},
			Location:     []jRef{{Reference: "Location/" + fac.id, Display: fac.name}},
		})
		t.Roles++
		if !current {
			continue
		}
		t.CurrentRoles++
		if !counted[fac.id] {
			counted[fac.id] = true
			t.ByFacility[fac.id]++
		}
		if d := fac.parent; !counted[d.id] {
			counted[d.id] = true
			t.ByDistrict[d.id]++
		}
		if reg := fac.parent.parent; !counted[reg.id] {
			counted[reg.id] = true
			t.ByRegion[reg.id]++
		}
		if !counted[""] { // the job is the same on both roles: count the worker once
			counted[""] = true
			if j.cadre != "" {
				t.ByCadre[j.cadre]++
			}
			t.ByJob[j.code]++
			t.ByEmploymentStatus[status.code]++
		}
	}
}
