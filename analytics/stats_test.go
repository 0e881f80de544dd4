package analytics

import (
	"math"
	"strings"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestTwoProportion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b        Rate
		z, p        float64
		significant bool
	}{
		// 60/100 against 50/100: pooled 0.55, se 0.07036, z 1.4213.
		{Rate{60, 100}, Rate{50, 100}, 1.4213, 0.1552, false},
		// A large drop over large groups.
		{Rate{280, 1000}, Rate{700, 1000}, -18.79, 0, true},
		{Rate{50, 100}, Rate{60, 100}, -1.4213, 0.1552, false},
	} {
		got := TwoProportion(tc.a, tc.b, 0.05)
		if !near(got.Z, tc.z, 0.01) || !near(got.P, tc.p, 0.001) || got.Significant != tc.significant {
			t.Errorf("TwoProportion(%v, %v) = z %.4f p %.4f sig %v, want z %.4f p %.4f sig %v",
				tc.a, tc.b, got.Z, got.P, got.Significant, tc.z, tc.p, tc.significant)
		}
		if !near(got.Diff, tc.a.Value()-tc.b.Value(), 1e-12) {
			t.Errorf("Diff = %v", got.Diff)
		}
	}
	// Nothing to compare, or no variance: never significant.
	for _, pair := range [][2]Rate{{{0, 0}, {5, 10}}, {{10, 10}, {20, 20}}, {{0, 10}, {0, 30}}} {
		if got := TwoProportion(pair[0], pair[1], 0.05); got.Significant || got.P != 1 {
			t.Errorf("TwoProportion(%v, %v) = %+v, want p 1, not significant", pair[0], pair[1], got)
		}
	}
}

func TestRate(t *testing.T) {
	t.Parallel()
	r := Rate{8, 10}
	lo, hi := r.Interval()
	// Wilson interval of 8/10 at 95%: [0.4902, 0.9433].
	if !near(lo, 0.4902, 0.0005) || !near(hi, 0.9433, 0.0005) {
		t.Errorf("Interval(8 of 10) = [%.4f, %.4f]", lo, hi)
	}
	if got := (Rate{1, 4}).StdErr(); !near(got, math.Sqrt(0.25*0.75/4), 1e-12) {
		t.Errorf("StdErr = %v", got)
	}
	for r, want := range map[Rate]string{
		{65, 90}:     "65 of 90 (72%)",
		{0, 0}:       "0 of 0",
		{1, 300}:     "1 of 300 (0.3%)",
		{299, 300}:   "299 of 300 (99.7%)",
		{300, 300}:   "300 of 300 (100%)",
		{0, 12}:      "0 of 12 (0%)",
		{1, 2}:       "1 of 2 (50%)",
		{2, 3}:       "2 of 3 (67%)",
		{999, 1000}:  "999 of 1,000 (99.9%)",
		{1260, 1800}: "1,260 of 1,800 (70%)",
		{0, 1234567}: "0 of 1,234,567 (0%)",
	} {
		if got := r.String(); got != want {
			t.Errorf("%#v.String() = %q, want %q", r, got, want)
		}
	}
	if (Rate{3, 0}).Value() != 0 {
		t.Error("a rate of nothing is not 0")
	}
}

func TestSentences(t *testing.T) {
	t.Parallel()
	for p, want := range map[float64]string{
		0.00001: "p < 0.0001",
		0.0004:  "p = 0.0004",
		0.003:   "p = 0.003",
		0.41:    "p = 0.41",
	} {
		if got := pValue(p); got != want {
			t.Errorf("pValue(%v) = %q, want %q", p, got, want)
		}
	}
	for p, want := range map[float64]string{
		0.00001: "less than once in 10,000 times",
		0.0004:  "about once in 2,500 times",
		0.003:   "about once in 330 times",
		0.04:    "about once in 25 times",
		0.41:    "41% of the time",
	} {
		if got := chance(p); got != want {
			t.Errorf("chance(%v) = %q, want %q", p, got, want)
		}
	}
	n := NonResponder{Reason: ReasonStopped, StoppedAt: "act_weeks_left", StoppedAtPosition: 2, Answered: 1}
	if got := n.Explanation(); got != "Answered 1 question, then stopped at question 2 (act_weeks_left)." {
		t.Errorf("Explanation = %q", got)
	}
	for _, r := range reasons {
		if r.Label() == string(r) || strings.Contains(r.Label(), "_") {
			t.Errorf("reason %q has no label", r)
		}
		if (NonResponder{Reason: r}).Explanation() == "" {
			t.Errorf("reason %q has no explanation", r)
		}
	}
}

func TestThresholdDefaults(t *testing.T) {
	t.Parallel()
	if got := (Thresholds{}).withDefaults(); got != DefaultThresholds {
		t.Errorf("zero thresholds = %+v, want the defaults", got)
	}
	custom := Thresholds{Alpha: 0.01, MinGap: 0.2, MinMisfit: 0.3, MinGroup: 5, TrainingMisfits: 3}
	if got := custom.withDefaults(); got != custom {
		t.Errorf("custom thresholds changed: %+v", got)
	}
}

func TestPluralOf(t *testing.T) {
	t.Parallel()
	for noun, want := range map[string]string{
		"facility": "facilities", "county": "counties", "district": "districts", "region": "regions",
		"cadre": "cadres", "gender": "genders", "day": "days", "parish": "parishes", "box": "boxes",
		"question": "questions", "message": "messages", "": "",
	} {
		if got := pluralOf(noun); got != want {
			t.Errorf("pluralOf(%q) = %q, want %q", noun, got, want)
		}
	}
	if got := plural(3, "facility"); got != "3 facilities" {
		t.Errorf("plural(3, facility) = %q", got)
	}
	if got := plural(1, "facility"); got != "1 facility" {
		t.Errorf("plural(1, facility) = %q", got)
	}
}

// TestLowStatementPlural: a facility that answers far less is compared
// with "the other facilities".
func TestLowStatementPlural(t *testing.T) {
	t.Parallel()
	p := &pass{th: DefaultThresholds, total: acc{Counts: Counts{Contacted: 300, Responded: 200}}}
	b := Breakdown{Dimension: ByFacility, Groups: []Group{
		{Key: "F1", Label: "Clinic 1", Counts: Counts{Contacted: 100, Responded: 20}},
		{Key: "F2", Label: "Clinic 2", Counts: Counts{Contacted: 100, Responded: 90}},
		{Key: "F3", Label: "Clinic 3", Counts: Counts{Contacted: 100, Responded: 90}},
	}}
	low := p.low(b)
	if len(low) != 1 || low[0].Key != "F1" {
		t.Fatalf("low %+v, want Clinic 1", low)
	}
	if !strings.Contains(low[0].Statement, "than the other facilities:") {
		t.Errorf("statement %q", low[0].Statement)
	}
}

func TestListsAreFreshCopies(t *testing.T) {
	t.Parallel()
	Reasons()[0] = "changed"
	Dimensions()[0] = "changed"
	if Reasons()[0] != ReasonOutOfCoverage || Dimensions()[0] != BySend {
		t.Error("changing a returned list changed the package's")
	}
}
