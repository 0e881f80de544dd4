package ihris

import (
	"slices"
	"testing"
)

func TestTerminologyFromDemoCodeSystems(t *testing.T) {
	t.Parallel()
	terms := demoTerminology(t)
	if got := len(terms.Jobs()); got != 51 {
		t.Errorf("jobs = %d, want the 51 concepts of ihris-job", got)
	}
	// Cadre is a property of the job concept, coded in the demo data with
	// the classification system's URL; the code alone decides.
	nurses := terms.JobsInCadre("nurse")
	if len(nurses) != 7 || !slices.Contains(nurses, "2230-1B") {
		t.Errorf("nurse jobs = %v, want 7 including 2230-1B", nurses)
	}
	if got := len(terms.JobsInCadre("doctor")); got != 5 {
		t.Errorf("doctor jobs = %d, want 5", got)
	}
	if j, ok := terms.Job("1231-1C"); !ok || j.Cadre != "" || j.Classification != "non-health" || j.Display != "Manager" {
		t.Errorf("Job(1231-1C) = %+v, %v; want a non-health Manager without cadre", j, ok)
	}
	if c := terms.Cadre("nurse"); c.Display != "Nurse" || c.System != CadreSystem {
		t.Errorf("Cadre(nurse) = %+v", c)
	}
	if d := terms.EmploymentStatusDisplay("fullTime"); d != "Full-time" {
		t.Errorf("EmploymentStatusDisplay(fullTime) = %q", d)
	}
	if w := terms.Warnings(); len(w) != 0 {
		t.Errorf("warnings = %v", w)
	}
	want := []string{"allied-health", "doctor", "nurse", "pharmacist"}
	if got := terms.Cadres(); !slices.Equal(got, want) {
		t.Errorf("Cadres() = %v, want %v", got, want)
	}
}
