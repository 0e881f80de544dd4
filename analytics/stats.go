package analytics

import (
	"fmt"
	"math"
	"strconv"
)

// Value returns the proportion N/Of, 0 when Of is 0.
func (r Rate) Value() float64 {
	if r.Of <= 0 {
		return 0
	}
	return float64(r.N) / float64(r.Of)
}

// Percent returns the proportion in percent.
func (r Rate) Percent() float64 { return 100 * r.Value() }

// StdErr returns the binomial standard error of the proportion,
// sqrt(p(1-p)/Of): the sampling error of a rate observed on Of workers.
func (r Rate) StdErr() float64 {
	if r.Of <= 0 {
		return 0
	}
	p := r.Value()
	return math.Sqrt(p * (1 - p) / float64(r.Of))
}

// Interval returns the 95% Wilson score interval of the proportion: the
// range the true rate lies in, given the sample. It is [0, 1] when Of is 0.
func (r Rate) Interval() (lo, hi float64) {
	if r.Of <= 0 {
		return 0, 1
	}
	const z = 1.959963984540054
	n := float64(r.Of)
	p := r.Value()
	den := 1 + z*z/n
	mid := (p + z*z/(2*n)) / den
	half := z * math.Sqrt(p*(1-p)/n+z*z/(4*n*n)) / den
	return max(0, mid-half), min(1, mid+half)
}

// String formats the rate as reports show it: "65 of 90 (72%)", "1,260 of
// 1,800 (70%)", or "0 of 0" when there is nothing to count.
func (r Rate) String() string {
	if r.Of <= 0 {
		return r.counts()
	}
	return r.counts() + " (" + percent(r.Value()) + ")"
}

// counts formats the rate without its percentage: "1,260 of 1,800".
func (r Rate) counts() string { return thousands(r.N) + " of " + thousands(r.Of) }

// thousands formats n with comma thousands separators.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var b []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	if neg {
		return "-" + string(b)
	}
	return string(b)
}

// percent formats a proportion as a whole percent, or with one decimal
// below 1% and above 99% so that 0.4% is not shown as 0%.
func percent(p float64) string {
	v := 100 * p
	if (v > 0 && v < 1) || (v > 99 && v < 100) {
		return strconv.FormatFloat(v, 'f', 1, 64) + "%"
	}
	return strconv.FormatFloat(math.Round(v), 'f', 0, 64) + "%"
}

// TwoProportion tests whether the proportions a and b differ, with the
// two-proportion z-test on the pooled proportion: z = (pa − pb) / sqrt(p̂(1
// − p̂)(1/na + 1/nb)), two-sided p-value. It judges the test at alpha.
//
// The test is the usual one for rates over tens of workers or more; with
// fewer (or all-or-nothing rates, where the pooled variance is 0) it
// reports P = 1, never a significant difference.
func TwoProportion(a, b Rate, alpha float64) ZTest {
	t := ZTest{A: a, B: b, Diff: a.Value() - b.Value(), P: 1, Alpha: alpha}
	if a.Of <= 0 || b.Of <= 0 {
		return t
	}
	pooled := float64(a.N+b.N) / float64(a.Of+b.Of)
	se := math.Sqrt(pooled * (1 - pooled) * (1/float64(a.Of) + 1/float64(b.Of)))
	if se == 0 {
		return t
	}
	t.Z = t.Diff / se
	t.P = math.Erfc(math.Abs(t.Z) / math.Sqrt2)
	t.Significant = t.P < alpha
	return t
}

// pValue formats a p-value for a sentence: "p = 0.003", "p < 0.0001".
func pValue(p float64) string {
	switch {
	case p < 0.0001:
		return "p < 0.0001"
	case p < 0.001:
		return "p = " + strconv.FormatFloat(p, 'f', 4, 64)
	case p < 0.01:
		return "p = " + strconv.FormatFloat(p, 'f', 3, 64)
	}
	return "p = " + strconv.FormatFloat(p, 'f', 2, 64)
}

// chance says how often a difference as large arises by chance alone.
func chance(p float64) string {
	switch {
	case p < 0.0001:
		return "less than once in 10,000 times"
	case p < 0.001:
		return fmt.Sprintf("about once in %s times", roundedOneIn(p))
	case p < 0.1:
		return fmt.Sprintf("about once in %s times", roundedOneIn(p))
	}
	return fmt.Sprintf("%s of the time", percent(p))
}

func roundedOneIn(p float64) string {
	n := 1 / p
	switch {
	case n >= 1000:
		n = math.Round(n/100) * 100
	case n >= 100:
		n = math.Round(n/10) * 10
	default:
		n = math.Round(n)
	}
	s := strconv.FormatFloat(n, 'f', 0, 64)
	if len(s) > 3 {
		s = s[:len(s)-3] + "," + s[len(s)-3:]
	}
	return s
}

// Thresholds decide what the analytics flag. The zero value of a field
// takes its default (see [DefaultThresholds]).
type Thresholds struct {
	// Alpha is the significance level of the tests (default 0.05). When a
	// finding is sought among many groups or questions at once, each test
	// is judged at Alpha divided by their number (Bonferroni), so that
	// ninety districts do not yield four flags by chance alone.
	Alpha float64
	// MinGap is the smallest difference between rates worth flagging
	// (default 0.10: ten percentage points). A difference can be
	// significant yet too small to act on when groups are large.
	MinGap float64
	// MinMisfit is the smallest share of replies that fit no category for
	// a question to be called misunderstood (default 0.20).
	MinMisfit float64
	// MinGroup is the smallest number of runs a group or question needs to
	// be tested at all (default 20).
	MinGroup int
	// TrainingMisfits is how many questions (among those not found
	// misunderstood) a worker's replies must have failed to fit for the
	// worker to be listed as needing training (default 2).
	TrainingMisfits int
}

// DefaultThresholds are the thresholds used for zero fields.
var DefaultThresholds = Thresholds{Alpha: 0.05, MinGap: 0.10, MinMisfit: 0.20, MinGroup: 20, TrainingMisfits: 2}

// withDefaults fills the zero fields of t.
func (t Thresholds) withDefaults() Thresholds {
	d := DefaultThresholds
	if t.Alpha <= 0 {
		t.Alpha = d.Alpha
	}
	if t.MinGap <= 0 {
		t.MinGap = d.MinGap
	}
	if t.MinMisfit <= 0 {
		t.MinMisfit = d.MinMisfit
	}
	if t.MinGroup <= 0 {
		t.MinGroup = d.MinGroup
	}
	if t.TrainingMisfits <= 0 {
		t.TrainingMisfits = d.TrainingMisfits
	}
	return t
}
