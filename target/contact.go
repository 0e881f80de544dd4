package target

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"

	"github.com/mhero-go/mhero/ihris"
	"github.com/mhero-go/mhero/rapidpro"
	"golang.org/x/text/language"
)

// Contact fields the sync writes. RapidPro derives a field's key from its
// name; the sync creates the fields that are missing.
const (
	FieldIHRISID          = "ihris_id"
	FieldCadre            = "cadre"
	FieldJob              = "job"
	FieldFacility         = "facility"
	FieldDistrict         = "district"
	FieldRegion           = "region"
	FieldEmploymentStatus = "employment_status"
	FieldIHRISStatus      = "ihris_status"
)

// SyncedField is a contact field the sync keeps in step with iHRIS.
type SyncedField struct {
	Key, Name string
}

// SyncedFields returns the contact fields the sync writes, in order.
func SyncedFields() []SyncedField {
	return []SyncedField{
		{FieldIHRISID, "iHRIS ID"}, {FieldCadre, "Cadre"}, {FieldJob, "Job"}, {FieldFacility, "Facility"},
		{FieldDistrict, "District"}, {FieldRegion, "Region"}, {FieldEmploymentStatus, "Employment Status"},
		{FieldIHRISStatus, "iHRIS Status"},
	}
}

// maxName is RapidPro's limit on a contact name.
const maxName = 64

// desired is the contact a health worker should be.
type desired struct {
	workerID string
	name     string
	language string
	urns     []string // tel URNs in E.164, best first
	fields   [8]string
	attrs    attrs
}

// attrs are the worker's attributes recorded for analytics.
type attrs struct {
	gender, facilityID, facility, districtID, district, regionID, region string
	cadre, cadreName, job, jobName, employmentStatus                     string
	places                                                               string // "level=id:name" joined by "|", facility first
}

// primaryRole picks the role whose attributes the contact carries: the
// first current role meeting the criteria's role conditions, else the
// current role that started last, else the role that ended last.
func primaryRole(w ihris.HealthWorker, c ihris.Criteria) (ihris.Role, bool) {
	roles := slices.Clone(w.Roles)
	slices.SortStableFunc(roles, func(a, b ihris.Role) int {
		return cmp.Or(-cmp.Compare(a.Start, b.Start), cmp.Compare(a.ID, b.ID))
	})
	roleOnly := ihris.Criteria{Places: c.Places, Cadres: c.Cadres, Jobs: c.Jobs, EmploymentStatuses: c.EmploymentStatuses, Status: ihris.StatusAny}
	for _, r := range roles {
		if r.Current() && roleOnly.Match(ihris.HealthWorker{Roles: []ihris.Role{r}}) {
			return r, true
		}
	}
	for _, r := range roles {
		if r.Current() {
			return r, true
		}
	}
	slices.SortStableFunc(roles, func(a, b ihris.Role) int { return -cmp.Compare(a.End, b.End) })
	if len(roles) > 0 {
		return roles[0], true
	}
	return ihris.Role{}, false
}

// desiredContact builds the contact of a worker reachable at urns.
func desiredContact(w ihris.HealthWorker, c ihris.Criteria, urns []string) desired {
	d := desired{workerID: w.ID, urns: urns}
	name := []rune(strings.TrimSpace(w.DisplayName()))
	if len(name) > maxName {
		name = name[:maxName]
	}
	d.name = string(name)
	d.language = contactLanguage(w.Languages)
	a := attrs{gender: w.Gender}
	if r, ok := primaryRole(w, c); ok {
		a.cadre, a.cadreName = r.Cadre.Code, cmp.Or(r.Cadre.Display, r.Cadre.Code)
		a.job, a.jobName = r.Job.Code, cmp.Or(r.Job.Display, r.Job.Code)
		a.employmentStatus = cmp.Or(r.EmploymentStatus.Display, r.EmploymentStatus.Code)
		a.facilityID = r.FacilityID
		if f, ok := r.Facility(); ok {
			a.facility = f.Name
		}
		if p, ok := r.At("district"); ok {
			a.districtID, a.district = p.ID, p.Name
		}
		if p, ok := r.At("region"); ok {
			a.regionID, a.region = p.ID, p.Name
		}
		var chain []string
		for _, p := range r.Places {
			chain = append(chain, p.Level+"="+p.ID+":"+p.Name)
		}
		a.places = strings.Join(chain, "|")
	}
	status := "active"
	if !w.Active {
		status = "inactive"
	}
	d.attrs = a
	d.fields = [8]string{w.ID, a.cadreName, a.jobName, a.facility, a.district, a.region, a.employmentStatus, status}
	return d
}

// contactLanguage returns the contact language RapidPro takes, an ISO
// 639-3 code, of the first of a worker's languages (Practitioner.
// communication) that names one, or "" when none does: RapidPro's
// language is then left as it is. It reads ISO 639-1 ("fr" is "fra"), ISO
// 639-3 ("kpe"), ISO 639-2's bibliographic codes ("fre") and BCP 47 tags
// ("en-LR" is "eng", "zh-Hant" "zho"); not language names, nor the codes
// that name no language (und, mul, zxx, mis, qaa–qtz).
func contactLanguage(langs []string) string {
	for _, l := range langs {
		l = strings.ToLower(strings.TrimSpace(l))
		if t, ok := bibliographic[l]; ok {
			l = t
		}
		base, err := language.ParseBase(l)
		if err != nil {
			tag, err := language.Parse(l)
			if err != nil {
				continue
			}
			base, _ = tag.Base()
		}
		code := base.ISO3()
		switch {
		case len(code) != 3, code == "und", code == "mul", code == "zxx", code == "mis",
			code >= "qaa" && code <= "qtz":
			continue
		}
		return code
	}
	return ""
}

// bibliographic maps the ISO 639-2/B codes that differ from the
// terminology codes ISO 639-3 uses.
var bibliographic = map[string]string{
	"alb": "sqi", "arm": "hye", "baq": "eus", "bur": "mya", "chi": "zho", "cze": "ces", "dut": "nld",
	"fre": "fra", "geo": "kat", "ger": "deu", "gre": "ell", "ice": "isl", "mac": "mkd", "mao": "mri",
	"may": "msa", "per": "fas", "rum": "ron", "slo": "slk", "tib": "bod", "wel": "cym",
}

// fingerprint identifies what the sync writes of a contact: its name, tel
// URNs and synced fields. Language is compared on its own, as iHRIS may
// have none to give.
type fingerprint [16]byte

func fingerprintOf(name string, urns []string, fields [8]string) fingerprint {
	h := sha256.New()
	write := func(s string) {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	write(name)
	sorted := slices.Clone(urns)
	slices.Sort(sorted)
	for _, u := range sorted {
		write(u)
	}
	h.Write([]byte{1})
	for _, f := range fields {
		write(f)
	}
	var fp fingerprint
	copy(fp[:], h.Sum(nil))
	return fp
}

func (d desired) fingerprint() fingerprint { return fingerprintOf(d.name, d.urns, d.fields) }

func (fp fingerprint) String() string { return hex.EncodeToString(fp[:]) }

func parseFingerprint(s string) fingerprint {
	var fp fingerprint
	b, err := hex.DecodeString(s)
	if err == nil && len(b) == len(fp) {
		copy(fp[:], b)
	}
	return fp
}

// request builds the write that makes a contact the desired one. other
// are the contact's URNs of other schemes, kept as they are.
func (d desired) request(other []string, withURNs bool) *rapidpro.ContactRequest {
	req := &rapidpro.ContactRequest{Name: rapidpro.Ptr(d.name), Fields: map[string]*string{}}
	if d.language != "" {
		req.Language = rapidpro.Ptr(d.language)
	}
	for i, f := range SyncedFields() {
		if d.fields[i] == "" {
			req.Fields[f.Key] = nil
		} else {
			req.Fields[f.Key] = rapidpro.Ptr(d.fields[i])
		}
	}
	if withURNs {
		req.URNs = append(slices.Clone(d.urns), other...)
	}
	return req
}

// Reason says why a health worker cannot be reached.
type Reason string

// The reasons a worker is left out. Nobody selected disappears without one.
const (
	ReasonNoPhone      Reason = "no phone"
	ReasonInvalidPhone Reason = "invalid number"
	ReasonSharedPhone  Reason = "number shared"
	ReasonInactive     Reason = "inactive"
	ReasonNoRole       Reason = "no current role matching"
	ReasonNotFound     Reason = "not in iHRIS"
	ReasonStopped      Reason = "stopped in RapidPro"
	ReasonBlocked      Reason = "blocked in RapidPro"
	ReasonArchived     Reason = "archived in RapidPro"
	ReasonExcluded     Reason = "excluded"
	ReasonTaken        Reason = "number used by another RapidPro contact"
)

// Skip is a selected health worker (or added number) who will not be
// reached, and why.
type Skip struct {
	// WorkerID is the Practitioner id; empty for an added phone number.
	WorkerID string `json:"workerId,omitempty"`
	Name     string `json:"name,omitempty"`
	Reason   Reason `json:"reason"`
	// Detail explains, with phone numbers masked: the invalid number and
	// what is wrong with it, the workers sharing a number, the contact
	// owning it.
	Detail string `json:"detail,omitempty"`
}

// String describes the skip in one line.
func (s Skip) String() string {
	who := s.WorkerID
	if s.Name != "" {
		who += " (" + s.Name + ")"
	}
	if who == "" {
		who = "number"
	}
	if s.Detail != "" {
		return who + ": " + string(s.Reason) + ": " + s.Detail
	}
	return who + ": " + string(s.Reason)
}

// reachability works out which numbers of w to message, or why none.
func reachability(w ihris.HealthWorker, g Group) ([]string, *Skip) {
	skip := func(r Reason, detail string) *Skip {
		return &Skip{WorkerID: w.ID, Name: w.DisplayName(), Reason: r, Detail: detail}
	}
	if !w.Active && g.Criteria.Status != ihris.StatusInactive && g.Criteria.Status != ihris.StatusAny {
		return nil, skip(ReasonInactive, "")
	}
	phones := w.SelectPhones(g.Phones)
	if len(phones) == 0 {
		if len(w.Phones) > 0 {
			return nil, skip(ReasonNoPhone, "no number of an accepted use ("+usesText(g.Phones)+")")
		}
		return nil, skip(ReasonNoPhone, "")
	}
	var urns, bad []string
	for _, p := range phones {
		urn, err := rapidpro.PhoneURN(p.Value, g.Country)
		if err != nil {
			bad = append(bad, phoneReason(err))
			continue
		}
		if slices.Contains(g.Exclude.Phones, urn) {
			continue
		}
		if !slices.Contains(urns, urn) {
			urns = append(urns, urn)
		}
	}
	if len(urns) == 0 {
		if len(bad) > 0 {
			return nil, skip(ReasonInvalidPhone, strings.Join(bad, "; "))
		}
		return nil, skip(ReasonExcluded, "number excluded")
	}
	return urns, nil
}

func usesText(sel ihris.PhoneSelection) string {
	uses := sel.Uses
	if len(uses) == 0 {
		uses = ihris.DefaultPhoneUses()
	}
	out := make([]string, len(uses))
	for i, u := range uses {
		out[i] = cmp.Or(u, "none")
	}
	return strings.Join(out, ", ")
}

func phoneReason(err error) string {
	if pe, ok := err.(*rapidpro.PhoneError); ok {
		return pe.Masked + " " + pe.Reason
	}
	return err.Error()
}
