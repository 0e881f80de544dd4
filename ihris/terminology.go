package ihris

import (
	"fmt"
	"maps"
	"slices"

	models "github.com/samply/golang-fhir-models/fhir-models/fhir"
)

// Canonical URLs of the iHRIS code systems the registry reads.
const (
	JobSystem              = "http://ihris.org/fhir/CodeSystem/ihris-job"
	CadreSystem            = "http://ihris.org/fhir/CodeSystem/ihris-cadre"
	EmploymentStatusSystem = "http://ihris.org/fhir/CodeSystem/ihris-employment-status-codesystem"
)

// Job is one concept of the ihris-job CodeSystem.
type Job struct {
	Code    string `json:"code"`
	Display string `json:"display,omitempty"`
	// Cadre is the code of the job's cadre property (doctor, nurse,
	// allied-health, pharmacist), empty for jobs without one.
	Cadre string `json:"cadre,omitempty"`
	// Classification is health or non-health.
	Classification string `json:"classification,omitempty"`
	SalaryGrade    string `json:"salaryGrade,omitempty"`
}

// Terminology holds the iHRIS code systems a health worker's role is read
// through: jobs (with their cadre), cadres and employment statuses. It is
// immutable once built and safe to share.
type Terminology struct {
	jobs     map[string]Job
	cadres   map[string]string // code → display
	statuses map[string]string // code → display
	warnings []Warning
}

// NewTerminology builds the terminology from CodeSystems; those it does not
// know are ignored. Concepts nested under others are read too.
func NewTerminology(systems ...models.CodeSystem) *Terminology {
	t := &Terminology{jobs: map[string]Job{}, cadres: map[string]string{}, statuses: map[string]string{}}
	for _, cs := range systems {
		switch deref(cs.Url) {
		case JobSystem:
			walkConcepts(cs.Concept, func(c models.CodeSystemConcept) {
				t.jobs[c.Code] = jobFromConcept(c)
			})
		case CadreSystem:
			walkConcepts(cs.Concept, func(c models.CodeSystemConcept) { t.cadres[c.Code] = deref(c.Display) })
		case EmploymentStatusSystem:
			walkConcepts(cs.Concept, func(c models.CodeSystemConcept) { t.statuses[c.Code] = deref(c.Display) })
		}
	}
	for _, code := range slices.Sorted(maps.Keys(t.jobs)) {
		j := t.jobs[code]
		if _, ok := t.cadres[j.Cadre]; j.Cadre != "" && len(t.cadres) > 0 && !ok {
			t.warnings = append(t.warnings, Warning{Resource: "CodeSystem/ihris-job", Path: "concept[" + code + "].property",
				Message: fmt.Sprintf("cadre %q is not in %s", j.Cadre, CadreSystem)})
		}
	}
	return t
}

func walkConcepts(cs []models.CodeSystemConcept, fn func(models.CodeSystemConcept)) {
	for _, c := range cs {
		fn(c)
		walkConcepts(c.Concept, fn)
	}
}

func jobFromConcept(c models.CodeSystemConcept) Job {
	j := Job{Code: c.Code, Display: deref(c.Display)}
	for _, p := range c.Property {
		// The demo CodeSystem codes the cadre with the classification
		// system's URL, so only the code is trusted.
		v := firstNonEmpty(deref(p.ValueCoding.Code), p.ValueCode, p.ValueString)
		switch p.Code {
		case "cadre":
			j.Cadre = v
		case "classification":
			j.Classification = v
		case "salary-grade":
			j.SalaryGrade = v
		}
	}
	return j
}

// Job returns the job with the given code.
func (t *Terminology) Job(code string) (Job, bool) {
	j, ok := t.jobs[code]
	return j, ok
}

// Jobs returns every job, sorted by code.
func (t *Terminology) Jobs() []Job {
	out := make([]Job, 0, len(t.jobs))
	for _, code := range slices.Sorted(maps.Keys(t.jobs)) {
		out = append(out, t.jobs[code])
	}
	return out
}

// JobsInCadre returns the codes of the jobs whose cadre is the given one,
// sorted. This is how "all nurses" becomes a PractitionerRole search.
func (t *Terminology) JobsInCadre(cadre string) []string {
	var out []string
	for code, j := range t.jobs {
		if j.Cadre == cadre {
			out = append(out, code)
		}
	}
	slices.Sort(out)
	return out
}

// Cadre returns the coding of a cadre code, with its display when known.
func (t *Terminology) Cadre(code string) Coding {
	if code == "" {
		return Coding{}
	}
	return Coding{System: CadreSystem, Code: code, Display: t.cadres[code]}
}

// Cadres returns the cadre codes known to the terminology (from the cadre
// CodeSystem and from the job concepts), sorted.
func (t *Terminology) Cadres() []string {
	set := map[string]bool{}
	for c := range t.cadres {
		set[c] = true
	}
	for _, j := range t.jobs {
		if j.Cadre != "" {
			set[j.Cadre] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// EmploymentStatusDisplay returns the display of an employment status code.
func (t *Terminology) EmploymentStatusDisplay(code string) string { return t.statuses[code] }

// Warnings returns the problems met while reading the code systems.
func (t *Terminology) Warnings() []Warning { return slices.Clone(t.warnings) }
