package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/mhero-go/mhero/analytics"
	"github.com/mhero-go/mhero/rapidpro"
)

// percent formats a proportion as the analytics do (analytics.Rate.String):
// a whole percent, or one decimal below 1% and above 99% so that 0.4% is
// not shown as 0% nor 99.6% as 100%.
func percent(p float64) string {
	v := 100 * p
	if fine(p) {
		return strconv.FormatFloat(v, 'f', 1, 64) + "%"
	}
	return strconv.FormatFloat(math.Round(v), 'f', 0, 64) + "%"
}

// fine reports whether a proportion is shown with one decimal.
func fine(p float64) bool {
	v := 100 * p
	return (v > 0 && v < 1) || (v > 99 && v < 100)
}

// rateText is "72%", or "–" when there is nothing to count.
func rateText(r analytics.Rate) string {
	if r.Of <= 0 {
		return "–"
	}
	return percent(r.Value())
}

// count formats a count with thousands separators: 1,234,567.
func count(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// duration formats a time to answer: "45 s", "12 min", "3.5 h", "2.1 days".
func duration(d time.Duration) string {
	switch {
	case d <= 0:
		return "–"
	case d < time.Minute:
		return fmt.Sprintf("%.0f s", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%.0f min", d.Minutes())
	case d < 48*time.Hour:
		return fmt.Sprintf("%.1f h", d.Hours())
	}
	return fmt.Sprintf("%.1f days", d.Hours()/24)
}

// day formats a date as reports show it: "2 Mar 2026".
func day(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.Format("2 Jan 2006")
}

// stamp formats a time as reports show it: "2 Mar 2026 08:30 UTC".
func stamp(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.Format("2 Jan 2006 15:04 MST")
}

// showURN is the address as a report shows it under o.
func (o *Options) showURN(urn string) string {
	if urn == "" {
		return ""
	}
	if o.ShowPhones {
		if _, path, ok := strings.Cut(urn, ":"); ok {
			return path
		}
		return urn
	}
	return rapidpro.MaskURN(urn)
}

// slug makes a file name part of a title: lower case letters, digits and
// dashes.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(c)
		default:
			dash = true
		}
		if b.Len() >= 60 {
			break
		}
	}
	if b.Len() == 0 {
		return "workflow"
	}
	return b.String()
}
