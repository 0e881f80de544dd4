package usecase_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/store/storetest"
	"github.com/mhero-go/mhero/usecase"
	"github.com/xuri/excelize/v2"
)

// TestMonitorReportSend takes an activated use case through monitoring,
// its reports and their delivery to the Requestor, which closes it.
func TestMonitorReportSend(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, storetest.DSN(t, "sqlite"))
	rec := e.create(t, formYAML(e.district))
	e.toAccepted(t, rec.ID)
	e.approve(t, rec.ID)
	// Not yet active: nothing to monitor.
	if _, _, err := e.m.Monitor(ctx, rec.ID, dm.Name); !errors.Is(err, usecase.ErrState) {
		t.Fatalf("monitor before activation: %v, want ErrState", err)
	}
	rec, act, err := e.m.Activate(ctx, rec.ID, usecase.ActivateInput{By: dm.Name, Wait: true})
	if err != nil {
		t.Fatal(err)
	}
	e.settle(t, 4*24*time.Hour)
	dir := t.TempDir()
	if _, _, err := e.m.Report(ctx, rec.ID, usecase.ReportInput{By: dm.Name, Dir: dir, NoPDF: true}); !errors.Is(err, usecase.ErrState) {
		t.Fatalf("report before monitoring: %v, want ErrState", err)
	}
	rec, mon, err := e.m.Monitor(ctx, rec.ID, dm.Name)
	if err != nil {
		t.Fatal(err)
	}
	c := mon.Analysis.Counts
	// The test sends to the two test phones are not counted.
	if rec.State != usecase.StateMonitoring || c.Contacted != act.Sync.Reachable || rec.Monitoring.Counts != c || rec.Monitoring.Send != act.Start.UUID {
		t.Fatalf("monitored: %s, %d contacted of %d reached, headline %+v", rec.State, c.Contacted, act.Sync.Reachable, rec.Monitoring)
	}
	if c.Responded == 0 || c.Responded == c.Contacted {
		t.Errorf("%d of %d responded: the default mix has silent and unreachable workers", c.Responded, c.Contacted)
	}
	// Sending before the reports are written is refused.
	if _, _, err := e.m.SendReport(ctx, rec.ID, usecase.SendInput{By: dm.Name}); !errors.Is(err, usecase.ErrNoReport) {
		t.Fatalf("send before the reports: %v, want ErrNoReport", err)
	}
	rec, reps, err := e.m.Report(ctx, rec.ID, usecase.ReportInput{By: dm.Name, Dir: dir, NoPDF: true})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, f := range reps.Files {
		kinds[f.Kind]++
		if !strings.HasPrefix(f.Path, dir) || len(f.SHA256) != 64 {
			t.Errorf("file %+v", f)
		}
	}
	if kinds[usecase.ReportOverview] != 2 || kinds[usecase.ReportAnalysis] != 2 || kinds[usecase.ReportMonitoring] < 2 || len(rec.Reports) != len(reps.Files) {
		t.Fatalf("report files by kind %v, recorded %d", kinds, len(rec.Reports))
	}
	overview := reps.Files[0].Path
	html, err := os.ReadFile(overview)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(html), rec.ID) || !strings.Contains(string(html), "Joseph Flomo") {
		t.Errorf("the Overview Report does not name the use case and its Requestor")
	}
	// A report changed after it was written is not sent.
	if err := os.WriteFile(overview, append(html, "<!-- edited -->"...), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.m.SendReport(ctx, rec.ID, usecase.SendInput{By: dm.Name}); !errors.Is(err, usecase.ErrNoReport) {
		t.Fatalf("send of an edited report: %v, want ErrNoReport", err)
	}
	if _, _, err := e.m.Report(ctx, rec.ID, usecase.ReportInput{By: dm.Name, Dir: dir, NoPDF: true}); err != nil {
		t.Fatal(err)
	}
	rec, d, err := e.m.SendReport(ctx, rec.ID, usecase.SendInput{By: dm.Name})
	if err != nil {
		t.Fatal(err)
	}
	if rec.State != usecase.StateReported || rec.Delivery == nil || rec.Delivery.Broadcast != d.Broadcast || d.Segments.Parts != 1 {
		t.Fatalf("sent: %s, delivery %+v", rec.State, d)
	}
	t.Logf("monitoring: %s\nSMS: %s", rec.Monitoring.Summary(), d.Text)
	if !strings.Contains(d.Text, filepath.Base(overview)) {
		t.Errorf("the SMS does not say where the report is: %q", d.Text)
	}
	// The Requestor's phone got it.
	found := false
	for msg, err := range e.rp.Messages.List(ctx, &rapidpro.MessageListParams{After: d.At.Add(-time.Minute)}) {
		if err != nil {
			t.Fatal(err)
		}
		found = found || msg.URN == requestorURN && msg.Text == d.Text
	}
	if !found {
		t.Errorf("no message %q to the Requestor", d.Text)
	}
	// Closed: nothing more.
	if _, _, err := e.m.Monitor(ctx, rec.ID, dm.Name); !errors.Is(err, usecase.ErrState) {
		t.Errorf("monitor after closing: %v, want ErrState", err)
	}
	if v, err := e.m.Verify(ctx); err != nil || !v.OK() {
		t.Fatalf("verify: %v %v", v.Findings, err)
	}
	// The register shows the response rate and the date it was reported.
	var buf bytes.Buffer
	if err := e.m.WriteRegister(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := x.GetRows("Use cases")
	if err != nil {
		t.Fatal(err)
	}
	row := map[string]string{}
	for i, h := range rows[0] {
		if i < len(rows[1]) {
			row[h] = rows[1][i]
		}
	}
	if row["State"] != "reported (closed)" || row["Responded"] != strconv.Itoa(c.Responded) || row["Response rate"] == "" || row["Reported"] == "" {
		t.Errorf("register row %v", row)
	}
}
