package ihris

import (
	"fmt"
	"strings"
	"time"

	models "github.com/samply/golang-fhir-models/fhir-models/fhir"
)

// Extension URLs read from iHRIS roles.
const (
	EmploymentStatusExtension = "http://ihris.org/fhir/StructureDefinition/ihris-practitionerrole-employment-status"
)

// Mapper turns Practitioner and PractitionerRole resources into health
// workers, resolving places through a location tree and jobs through the
// terminology. Either may be nil (then nothing is resolved and no warning is
// given for it). A Mapper is immutable and safe to share.
type Mapper struct {
	Places      *Places
	Terminology *Terminology
}

// Worker builds the health worker of a Practitioner from its roles. Roles
// that point at another practitioner are ignored. Every problem becomes a
// warning on the worker.
func (m Mapper) Worker(p models.Practitioner, roles []models.PractitionerRole) HealthWorker {
	w := HealthWorker{ID: deref(p.Id), Active: p.Active == nil || *p.Active, BirthDate: deref(p.BirthDate)}
	ref := "Practitioner/" + w.ID
	warn := func(path, format string, args ...any) {
		w.Warnings = append(w.Warnings, Warning{Resource: ref, Path: path, Message: fmt.Sprintf(format, args...)})
	}
	if p.Meta != nil {
		w.VersionID = deref(p.Meta.VersionId)
		if t, err := parseInstant(deref(p.Meta.LastUpdated)); err != nil {
			warn("meta.lastUpdated", "%v", err)
		} else {
			w.LastUpdated = t
		}
	}
	if p.Gender != nil {
		w.Gender = p.Gender.Code()
	}
	checkExtensionURLs(p.Extension, warn)
	for _, n := range p.Name {
		name := Name{Text: deref(n.Text), Family: deref(n.Family), Given: n.Given, Prefix: n.Prefix, Suffix: n.Suffix}
		if n.Use != nil {
			name.Use = n.Use.Code()
		}
		w.Names = append(w.Names, name)
	}
	if w.DisplayName() == "" {
		warn("name", "no name")
	}
	for i, t := range p.Telecom {
		if t.System == nil {
			if deref(t.Value) != "" {
				warn(fmt.Sprintf("telecom[%d]", i), "contact point without system ignored")
			}
			continue
		}
		sys := t.System.Code()
		if sys != "phone" && sys != "sms" {
			continue
		}
		ph := Phone{Value: deref(t.Value), System: sys, Rank: deref(t.Rank)}
		if t.Use != nil {
			ph.Use = t.Use.Code()
		}
		if strings.TrimSpace(ph.Value) == "" {
			warn(fmt.Sprintf("telecom[%d]", i), "phone without a value")
		}
		w.Phones = append(w.Phones, ph)
	}
	for _, c := range p.Communication {
		lang := strings.TrimSpace(deref(c.Text))
		for _, cd := range c.Coding {
			if code := strings.TrimSpace(deref(cd.Code)); code != "" {
				lang = code
				break
			}
		}
		if lang != "" {
			w.Languages = append(w.Languages, lang)
		}
	}
	for _, id := range p.Identifier {
		ident := Identifier{System: deref(id.System), Value: deref(id.Value)}
		if id.Type != nil && len(id.Type.Coding) > 0 {
			ident.Type = deref(id.Type.Coding[0].Code)
		}
		w.Identifiers = append(w.Identifiers, ident)
	}
	for _, r := range roles {
		if r.Practitioner == nil || referenceID(deref(r.Practitioner.Reference), "Practitioner") != w.ID {
			continue
		}
		role, warnings := m.Role(r)
		w.Roles = append(w.Roles, role)
		w.Warnings = append(w.Warnings, warnings...)
	}
	return w
}

// Role maps one PractitionerRole, returning the problems found with it.
func (m Mapper) Role(r models.PractitionerRole) (Role, []Warning) {
	role := Role{ID: deref(r.Id), Active: r.Active == nil || *r.Active}
	ref := "PractitionerRole/" + role.ID
	var warnings []Warning
	warn := func(path, format string, args ...any) {
		warnings = append(warnings, Warning{Resource: ref, Path: path, Message: fmt.Sprintf(format, args...)})
	}
	if r.Meta != nil {
		if t, err := parseInstant(deref(r.Meta.LastUpdated)); err != nil {
			warn("meta.lastUpdated", "%v", err)
		} else {
			role.LastUpdated = t
		}
	}
	if r.Period != nil {
		role.Start, role.End = deref(r.Period.Start), deref(r.Period.End)
	}
	checkExtensionURLs(r.Extension, warn)

	role.Job = m.job(r.Code, warn)
	if role.Job.Code != "" && m.Terminology != nil {
		if j, ok := m.Terminology.Job(role.Job.Code); ok {
			role.Cadre = m.Terminology.Cadre(j.Cadre)
		}
	}

	for _, x := range r.Extension {
		if x.Url != EmploymentStatusExtension {
			continue
		}
		if x.ValueCoding == nil || deref(x.ValueCoding.Code) == "" {
			warn("extension[employment-status]", "employment status without a coding")
			continue
		}
		c := x.ValueCoding
		role.EmploymentStatus = Coding{System: deref(c.System), Code: deref(c.Code), Display: deref(c.Display)}
		if role.EmploymentStatus.Display == "" && m.Terminology != nil {
			role.EmploymentStatus.Display = m.Terminology.EmploymentStatusDisplay(role.EmploymentStatus.Code)
		}
	}

	switch len(r.Location) {
	case 0:
		warn("location", "role without a facility")
	default:
		if len(r.Location) > 1 {
			warn("location", "role lists %d locations; the first is used", len(r.Location))
		}
		role.FacilityID = referenceID(deref(r.Location[0].Reference), "Location")
		switch {
		case role.FacilityID == "":
			warn("location[0]", "reference %q is not a Location", deref(r.Location[0].Reference))
		case m.Places != nil:
			role.Places = m.Places.Chain(role.FacilityID)
			if len(role.Places) == 0 {
				warn("location[0]", "facility Location/%s is unknown", role.FacilityID)
			}
		}
	}
	return role, warnings
}

// job reads the role's code: the coding from the ihris-job system (else the
// first coding), with its display from the role or the terminology.
func (m Mapper) job(codes []models.CodeableConcept, warn func(path, format string, args ...any)) Coding {
	var job Coding
	var text string
found:
	for _, cc := range codes {
		for _, c := range cc.Coding {
			if job.Code == "" || deref(c.System) == JobSystem {
				job = Coding{System: deref(c.System), Code: deref(c.Code), Display: deref(c.Display)}
				text = deref(cc.Text)
				if job.System == JobSystem {
					break found
				}
			}
		}
	}
	if job.Code == "" {
		warn("code", "role without a job code")
		return job
	}
	if m.Terminology != nil && len(m.Terminology.jobs) > 0 && job.System == JobSystem {
		if j, ok := m.Terminology.Job(job.Code); ok {
			job.Display = firstNonEmpty(job.Display, j.Display)
		} else {
			warn("code", "job %q is not in the ihris-job CodeSystem; its cadre is unknown", job.Code)
		}
	}
	job.Display = firstNonEmpty(job.Display, text)
	return job
}

// checkExtensionURLs warns about top-level extensions whose URL is not
// absolute (emNutt writes some as "sender" or "frequency"): nobody can tell
// what they mean. Inside a complex extension relative URLs are the rule.
func checkExtensionURLs(exts []models.Extension, warn func(path, format string, args ...any)) {
	for i, x := range exts {
		if !strings.Contains(x.Url, ":") {
			warn(fmt.Sprintf("extension[%d].url", i), "relative extension URL %q; the extension is ignored", x.Url)
		}
	}
}

// parseInstant reads a FHIR instant; an empty string is the zero time.
func parseInstant(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("instant %q is not valid", s)
	}
	return t, nil
}
