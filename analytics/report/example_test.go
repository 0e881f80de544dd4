package report_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/mhero-go/mhero/analytics"
	"github.com/mhero-go/mhero/analytics/report"
)

// An analysis as analytics.Monitor.Analyze returns it (here by hand).
func exampleAnalysis() *analytics.Analysis {
	c := analytics.Counts{Contacted: 120, Delivered: 100, Failed: 20, Responded: 80, AnsweredAll: 70, Completed: 110, Expired: 10, NoAnswer: 20, Stopped: 8, NeedsTraining: 2}
	q := analytics.Question{Key: "in_stock", Name: "In stock", Text: "Do you have RDTs in stock? Reply YES or NO", Position: 1, Wait: true,
		Categories: []string{"Yes", "No", "Other", "No Response"}, Asked: 100, Replied: 80, Answered: 78, Other: 2, NoResponse: 20,
		Distribution: []analytics.CategoryCount{{Category: "Yes", Count: 50}, {Category: "No", Count: 28}, {Category: "Other", Count: 2}, {Category: "No Response", Count: 20}}}
	return &analytics.Analysis{
		Flow:   analytics.Flow{UUID: "5d4f7e2a-1b3c-4d5e-8f90-a1b2c3d4e5f6", Name: "Malaria stock", Questions: []analytics.Question{q}},
		AsOf:   time.Date(2026, 3, 5, 8, 0, 0, 0, time.UTC),
		Counts: c,
		Breakdowns: []analytics.Breakdown{{Dimension: analytics.ByDistrict, Groups: []analytics.Group{
			{Key: "bong", Label: "Bong", Counts: analytics.Counts{Contacted: 60, Delivered: 52, Failed: 8, Responded: 45, AnsweredAll: 40}},
			{Key: "lofa", Label: "Lofa", Counts: analytics.Counts{Contacted: 60, Delivered: 48, Failed: 12, Responded: 35, AnsweredAll: 30}},
		}}},
		Questions:     []analytics.Question{q},
		Funnel:        []analytics.FunnelStep{{Key: "in_stock", Name: "In stock", Position: 1, Asked: 100, Replied: 80, Answered: 78}},
		NonResponders: []analytics.ReasonCount{{Reason: analytics.ReasonOutOfCoverage, Count: 20}, {Reason: analytics.ReasonNoAnswer, Count: 20}},
	}
}

// Write the Use Case Overview Report that closes a use case: HTML (with a
// PDF when Chromium is installed) and Markdown, phone numbers masked.
func ExampleOverview() {
	dir, err := os.MkdirTemp("", "reports")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	r := &report.Overview{
		Analysis: exampleAnalysis(), // monitor.Analyze(ctx, flowUUID, analytics.Filter{})
		Options: report.Options{
			UseCase: &report.UseCase{ID: "UC-2026-014", Title: "Malaria RDT stock", Requestor: "Dr. Comfort Kollie"},
			NoPDF:   true, // leave out to print the PDF with Chromium
		},
	}
	files, err := r.WriteFiles(context.Background(), dir)
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range files.Paths {
		fmt.Println(filepath.Base(p))
	}
	// Output:
	// uc-2026-014-overview.html
	// uc-2026-014-overview.md
}

// Write the Monitoring Tool: an Excel workbook and the same tables as CSV.
func ExampleMonitoringTool() {
	dir, err := os.MkdirTemp("", "reports")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	r := &report.MonitoringTool{Analysis: exampleAnalysis()}
	files, err := r.WriteFiles(context.Background(), dir)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(filepath.Base(files.Paths[0]), len(files.Paths)-1, "CSV files")
	// Output:
	// malaria-stock-monitoring.xlsx 8 CSV files
}
