package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestMonitorErrors checks the help and the errors met first: no server,
// wrong flags, a report that does not exist, a store that does not.
func TestMonitorErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"help-monitor", []string{"help", "monitor"}, exitOK},
		{"help-report", []string{"help", "report"}, exitOK},
		{"monitor-no-servers", []string{"monitor"}, exitUsage},
		{"monitor-bad-days", []string{"monitor", "--sandbox", "--days", "0"}, exitUsage},
		{"monitor-workers-without-sandbox", []string{"monitor", "--workers", "50", "--rapidpro-url", "http://127.0.0.1:1", "--rapidpro-token", "x"}, exitUsage},
		{"monitor-extra-argument", []string{"monitor", "malaria-stock"}, exitUsage},
		{"monitor-bad-url", []string{"monitor", "--rapidpro-url", "rapidpro.example.org", "--rapidpro-token", "x", "--db", filepath.Join(dir, "m.db")}, exitInvalid},
		{"report-no-kind", []string{"report"}, exitUsage},
		{"report-unknown-kind", []string{"report", "summary"}, exitUsage},
		{"report-bad-month", []string{"report", "monthly", "--month", "2026-13"}, exitUsage},
		{"report-bad-tz", []string{"report", "overview", "--tz", "Mars/Olympus"}, exitUsage},
		{"report-monthly-flow", []string{"report", "monthly", "--flow", "malaria-stock"}, exitUsage},
		{"report-no-store", []string{"report", "overview", "--db", filepath.Join(dir, "none.db")}, exitInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			e := testEnv("", &stdout, &stderr)
			e.getenv = noEnv
			if code := e.run(tt.args); code != tt.code {
				t.Errorf("exit status %d, want %d\nstderr:\n%s", code, tt.code, stderr.String())
			}
			got := strings.ReplaceAll("== stdout\n"+stdout.String()+"== stderr\n"+stderr.String(), dir, "$TMP")
			checkGolden(t, filepath.Join("testdata", tt.name+".golden"), got)
		})
	}
}

// runCLI runs the program in-process without environment and returns
// what it printed; it fails the test on an unexpected exit status.
func runCLI(t *testing.T, want int, args ...string) (stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	e := testEnv("", &out, &errOut)
	e.getenv = noEnv
	if code := e.run(args); code != want {
		t.Fatalf("mhero %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, want, out.String(), errOut.String())
	}
	return out.String(), errOut.String()
}

// TestMonitorTwice runs monitor against a sandbox RapidPro as against a
// real server: the first refresh fetches everything, the second, with
// nothing changed, reports nothing new at the cost of a few calls, and a
// third, after simulated days pass, reports the runs that ended.
func TestMonitorTwice(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbFile := filepath.Join(t.TempDir(), "mhero.db")
	db, err := openStore(ctx, dbFile)
	if err != nil {
		t.Fatal(err)
	}
	// A running mhero sandbox, whose clock stays still unless advanced.
	rs, err := startSandbox(sandboxConfig{workers: 200, seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rs.Close)
	w, err := parseWorkflow("malaria-stock")
	if err != nil {
		t.Fatal(err)
	}
	world, err := sendInSandbox(ctx, rs.sb, db, w, 1, nil)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"monitor", "--rapidpro-url", rs.sb.RapidPro.URL(), "--rapidpro-token", rs.token, "--sandbox-url", rs.url, "--db", dbFile}
	monitor := func(extra ...string) monitorResult {
		t.Helper()
		out, _ := runCLI(t, exitOK, append(slices.Clone(args), append(extra, "--json")...)...)
		var r monitorResult
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("the JSON does not parse: %v\n%s", err, out)
		}
		if len(r.Workflows) != 1 {
			t.Fatalf("%d workflows, want 1:\n%s", len(r.Workflows), out)
		}
		return r
	}

	// Nothing tracked yet: monitor says to name a workflow, and which.
	_, errOut := runCLI(t, exitUsage, args...)
	if !strings.Contains(errOut, "--flow NAME|UUID") || !strings.Contains(errOut, world.flow+"  Malaria stock check") {
		t.Errorf("without a tracked workflow monitor said:\n%s", errOut)
	}

	// A wrong token is said to be one.
	bad := slices.Clone(args)
	bad[4] = "not-the-token"
	_, errOut = runCLI(t, exitInvalid, bad...)
	if !strings.HasPrefix(errOut, "mhero monitor: RapidPro refused the token: check RAPIDPRO_TOKEN") {
		t.Errorf("a wrong token: %s", errOut)
	}

	// A workflow that was never imported is named as such.
	_, errOut = runCLI(t, exitInvalid, append(slices.Clone(args), "--flow", "idsr-weekly")...)
	if !strings.Contains(errOut, "is not in the workspace: compile the workflow") {
		t.Errorf("a workflow not imported: %s", errOut)
	}

	first := monitor("--flow", "Malaria stock check")
	f := first.Workflows[0]
	if f.UUID != world.flow || f.NewRuns != world.truthInfo.Sent || f.Counts.Contacted != world.truthInfo.Sent || !f.LastRefresh.IsZero() {
		t.Errorf("first refresh: %+v; want the %d runs of flow %s, all new", f, world.truthInfo.Sent, world.flow)
	}
	if f.Counts.Active == 0 {
		t.Errorf("after one simulated day no run is active: %+v", f.Counts)
	}
	// The refresh is dated by the running sandbox's simulated clock, not
	// this machine's.
	if d := world.sb.Now().Sub(first.RefreshedAt); d < -time.Hour || d > time.Hour {
		t.Errorf("refreshed at %s, the sandbox's time is %s", first.RefreshedAt, world.sb.Now())
	}

	second := monitor("--flow", "malaria-stock") // the example, by the flow it compiles to
	f2 := second.Workflows[0]
	calls := 0
	for _, n := range second.Calls {
		calls += n
	}
	if f2.Runs != 0 || f2.NewRuns != 0 || second.Starts != 0 || f2.Counts != f.Counts || !f2.LastRefresh.Equal(first.RefreshedAt) {
		t.Errorf("second refresh, nothing changed: %+v, %d starts", f2, second.Starts)
	}
	for _, r := range f2.Rates {
		if r.Change != 0 {
			t.Errorf("rate %s changed by %v points with nothing new", r.Name, r.Change)
		}
	}
	if calls > 3 {
		t.Errorf("the second refresh made %d API calls (%v), want a few", calls, second.Calls)
	}
	t.Logf("first refresh %v, second %v", first.Calls, second.Calls)

	// Days pass: the open runs end, nobody new is contacted.
	if _, err := rs.advance(ctx, 4*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	out, _ := runCLI(t, exitOK, args...)
	t.Logf("third refresh:\n%s", out)
	for _, want := range []string{"Malaria stock check (" + world.flow + ")", "since " + strings.TrimSuffix(showTime(first.RefreshedAt, time.UTC), " UTC"), // the workspace's zone: GMT in the sandbox
		"contacted", "+0", "delivered", "failed (likely out of coverage)", "responded", " pts", "since the last refresh: 0 new runs", "non-responders:"} {
		if !strings.Contains(out, want) {
			t.Errorf("the third refresh's report lacks %q:\n%s", want, out)
		}
	}
	if regexp.MustCompile(`\+231\d{6,}`).MatchString(out) {
		t.Errorf("a full phone number is printed:\n%s", out)
	}
}

// TestMonitorSandbox runs monitor --sandbox and checks that it finds
// the behaviour the sandbox set, within sampling error.
func TestMonitorSandbox(t *testing.T) {
	t.Parallel()
	dbFile := filepath.Join(t.TempDir(), "mhero.db")
	out, errOut := runCLI(t, exitOK, "monitor", "--sandbox", "--workers", "400", "--seed", "2", "--db", dbFile, "--json")
	if !strings.HasPrefix(errOut, "Sandbox: iHRIS at http://") {
		t.Errorf("stderr:\n%s", errOut)
	}
	var r monitorResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("the JSON does not parse: %v\n%s", err, out)
	}
	if r.Sandbox == nil || len(r.Workflows) != 1 {
		t.Fatalf("result %+v", r)
	}
	f := r.Workflows[0]
	failed := f.Rates[slices.IndexFunc(f.Rates, func(h headlineRate) bool { return strings.HasPrefix(h.Name, "failed") })]
	p := r.Sandbox.OutOfCoverage
	if se := math.Sqrt(p * (1 - p) / float64(failed.Of)); math.Abs(failed.Percent/100-p) > 4*se {
		t.Errorf("out of coverage %.1f%% of %d, the sandbox set %.0f%% (± %.1f)", failed.Percent, failed.Of, 100*p, 400*se)
	}
	if f.Counts.Contacted != r.Sandbox.Sent {
		t.Errorf("%d contacted, the sandbox sent to %d", f.Counts.Contacted, r.Sandbox.Sent)
	}
	flagged := strings.Join(f.Flags, "\n")
	if !strings.Contains(flagged, "("+r.Sandbox.Misunderstood+") seems misunderstood") {
		t.Errorf("question %s not flagged:\n%s", r.Sandbox.Misunderstood, flagged)
	}
	// The sandbox's clock dates the refresh: its fieldwork began on 2
	// March 2026, whatever this machine's date.
	start := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	if d := r.RefreshedAt.Sub(start); d < time.Duration(r.Sandbox.Days)*24*time.Hour || d > time.Duration(r.Sandbox.Days+1)*24*time.Hour {
		t.Errorf("refreshed at %s: not the sandbox's time, %d days after %s", r.RefreshedAt, r.Sandbox.Days, start)
	}

	// Reports from the same store, offline: every file printed exists,
	// and nothing else is written.
	dir := t.TempDir()
	var printed []string
	for _, kind := range reportKinds {
		out, errOut := runCLI(t, exitOK, "report", kind, "--db", dbFile, "-o", dir, "--month", "2026-03")
		if errOut != "" && !strings.HasPrefix(errOut, "PDF skipped") {
			t.Errorf("report %s: stderr %q", kind, errOut)
		}
		paths := strings.Fields(out)
		if len(paths) < 2 {
			t.Errorf("report %s printed %q", kind, out)
		}
		printed = append(printed, paths...)
	}
	var found []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			found = append(found, p)
			if info, _ := d.Info(); info.Size() == 0 {
				t.Errorf("%s is empty", p)
			}
		}
		return err
	})
	slices.Sort(printed)
	slices.Sort(found)
	if !slices.Equal(printed, found) {
		t.Errorf("printed %q\nwritten %q", printed, found)
	}
	for _, want := range []string{"malaria-stock-check-overview.html", "malaria-stock-check-analysis.md", "malaria-stock-check-monitoring.xlsx",
		"monthly-2026-03.html", "malaria-stock-check-floip/datapackage.json"} {
		if !slices.Contains(found, filepath.Join(dir, want)) {
			t.Errorf("no %s among %q", want, found)
		}
	}
	// Phone numbers are masked unless asked for.
	csv, err := os.ReadFile(filepath.Join(dir, "malaria-stock-check-monitoring-csv", "non-responders.csv"))
	if err != nil {
		t.Fatal(err)
	}
	full := regexp.MustCompile(`\+231\d{7,}`)
	if full.Match(csv) || !strings.Contains(string(csv), "*") {
		t.Errorf("phone numbers not masked:\n%.400s", csv)
	}
	shown := t.TempDir()
	runCLI(t, exitOK, "report", "monitoring", "--db", dbFile, "-o", shown, "--show-phones")
	csv, err = os.ReadFile(filepath.Join(shown, "malaria-stock-check-monitoring-csv", "non-responders.csv"))
	if err != nil || !full.Match(csv) {
		t.Errorf("--show-phones: phone numbers not shown (%v):\n%.400s", err, csv)
	}
}

// TestReportSandbox writes a report on the sandbox directly.
func TestReportSandbox(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out, _ := runCLI(t, exitOK, "report", "floip", "--sandbox", "--workers", "100", "--flow", "idsr-weekly", "-o", dir)
	paths := strings.Fields(out)
	if len(paths) != 2 || filepath.Base(paths[0]) != "datapackage.json" {
		t.Fatalf("printed %q", paths)
	}
	var pkg struct {
		Title    string `json:"title"`
		Modified string `json:"modified"`
	}
	data, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &pkg); err != nil {
		t.Fatal(err)
	}
	if pkg.Title != "IDSR weekly report" || !strings.HasPrefix(pkg.Modified, "2026-03-") {
		t.Errorf("package %+v: want the IDSR workflow, made at the sandbox's time", pkg)
	}
}

// TestReportChromium checks that report prints its PDFs with the browser
// --chromium names, as usecase report does.
func TestReportChromium(t *testing.T) {
	t.Parallel()
	browser := filepath.Join(t.TempDir(), "no-such-chromium")
	_, errOut := runCLI(t, exitInvalid, "report", "overview", "--sandbox", "--workers", "100", "--chromium", browser, "-o", t.TempDir())
	if !strings.Contains(errOut, browser) {
		t.Errorf("stderr %q: want the --chromium it could not run", errOut)
	}
}

// TestReportTZWithSandbox checks that --tz is refused where it would be
// ignored: with --sandbox the sandbox workspace's zone is used.
func TestReportTZWithSandbox(t *testing.T) {
	t.Parallel()
	_, errOut := runCLI(t, exitUsage, "report", "overview", "--sandbox", "--tz", "Africa/Kampala")
	if !strings.Contains(errOut, "mhero report: --tz") {
		t.Errorf("stderr %q", errOut)
	}
}
