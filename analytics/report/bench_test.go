package report

import (
	"fmt"
	"io"
	"testing"

	"github.com/mhero-go/mhero/analytics"
)

// wideAnalysis is the sample with n districts, as a national workflow has.
func wideAnalysis(n int) *analytics.Analysis {
	a := sampleAnalysis()
	var groups []analytics.Group
	for i := range n {
		groups = append(groups, analytics.Group{Key: fmt.Sprintf("d%03d", i), Label: fmt.Sprintf("District %03d", i), Counts: counts(100, 80, 50+i%30, 40, 70, 1, 29, 0, 5, 2)})
	}
	for i, b := range a.Breakdowns {
		if b.Dimension == analytics.ByDistrict {
			a.Breakdowns[i].Groups = groups
		}
	}
	return a
}

// BenchmarkOverviewHTML renders the Overview of a workflow sent to 90
// districts.
func BenchmarkOverviewHTML(b *testing.B) {
	r := &Overview{Analysis: wideAnalysis(90), NonResponders: sampleNonResponders(), Options: sampleOptions}
	for b.Loop() {
		if err := r.WriteHTML(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNonResponderCSV streams 100,000 non-responders to CSV: memory
// per op stays that of one row.
func BenchmarkNonResponderCSV(b *testing.B) {
	const n = 100_000
	list := func(yield func(analytics.NonResponder, error) bool) {
		w := analytics.Worker{ID: "p", District: "Bong", DistrictID: "d1", Facility: "Phebe", CadreName: "Nurse"}
		for i := range n {
			if !yield(analytics.NonResponder{Run: fmt.Sprint(i), URN: "tel:+231770123456", Name: "Worker", Worker: w, Reason: analytics.ReasonNoAnswer}, nil) {
				return
			}
		}
	}
	r := &MonitoringTool{Analysis: sampleAnalysis(), NonResponders: list, Options: sampleOptions}
	sends := sendLabels(r.Analysis)
	b.ReportAllocs()
	for b.Loop() {
		c := newCSVTable(io.Discard, &table{Cols: nonResponderCols})
		var d districtCounter
		for nr := range list {
			d.add(nr)
			c.row(r.nonResponderRow(nr, sends))
		}
		if err := c.close(); err != nil {
			b.Fatal(err)
		}
	}
}
