package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/store"
	"github.com/mhero-go/mhero/usecase"
)

// syncBuffer is a bytes.Buffer that a command may write to while the test
// reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startSandboxCommand runs mhero sandbox in the background, as a Data
// Manager would in another terminal, and returns the environment its
// exported lines give. The sandbox stops when the test ends.
func startSandboxCommand(t *testing.T, args ...string) map[string]string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, now: time.Now, getenv: noEnv, ctx: ctx}
	done := make(chan int, 1)
	go func() { done <- e.run(append([]string{"sandbox"}, args...)) }()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != exitOK {
			t.Errorf("mhero sandbox exited %d after it was stopped\n%s", code, stderr.String())
		}
	})
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(stdout.String(), "Stop the sandbox") {
		select {
		case code := <-done:
			t.Fatalf("mhero sandbox exited %d\n%s%s", code, stdout.String(), stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("mhero sandbox did not start:\n%s%s", stdout.String(), stderr.String())
		}
	}
	vars := map[string]string{}
	for _, line := range strings.Split(stdout.String(), "\n") {
		if kv, ok := strings.CutPrefix(line, "export "); ok {
			k, v, _ := strings.Cut(kv, "=")
			vars[k] = v
		}
	}
	for _, k := range []string{"RAPIDPRO_URL", "RAPIDPRO_TOKEN", "IHRIS_URL", "MHERO_SANDBOX", "MHERO_DB"} {
		if vars[k] == "" {
			t.Fatalf("mhero sandbox printed no %s:\n%s", k, stdout.String())
		}
	}
	if regexp.MustCompile(`\+231\d{9}`).MatchString(stdout.String()) {
		t.Errorf("a full phone number is printed:\n%s", stdout.String())
	}
	return vars
}

// cli runs mhero commands with an environment, as a shell would.
type cli struct {
	t    *testing.T
	vars map[string]string
}

type result struct {
	code           int
	stdout, stderr string
}

func (c cli) run(args ...string) result {
	c.t.Helper()
	var stdout, stderr bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, now: time.Now,
		getenv: func(k string) string { return c.vars[k] }}
	code := e.run(args)
	return result{code, stdout.String(), stderr.String()}
}

// must runs a command that must exit with code, and returns its output.
func (c cli) must(code int, args ...string) result {
	c.t.Helper()
	r := c.run(args...)
	if r.code != code {
		c.t.Fatalf("mhero %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic") {
		c.t.Fatalf("mhero %s printed a stack trace:\n%s", strings.Join(args, " "), r.stderr)
	}
	return r
}

// approvalCode reads the code of the latest approval SMS back from
// RapidPro, as anyone holding the workspace's token could.
func approvalCode(t *testing.T, vars map[string]string) string {
	t.Helper()
	rp, err := rapidpro.NewClient(vars["RAPIDPRO_URL"], vars["RAPIDPRO_TOKEN"], rapidpro.WithoutPacing())
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`APPROVE ([0-9]{6})`)
	for b, err := range rp.Broadcasts.List(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		for _, text := range b.Text {
			if m := re.FindStringSubmatch(text); m != nil {
				return m[1]
			}
		}
	}
	t.Fatal("no approval SMS in RapidPro")
	return ""
}

// TestUsecaseSOPOnTheSandbox rehearses the whole SOP with the real-server
// commands against mhero sandbox, as a Data Manager would by hand: every
// step in order, the refusals on the way (activation without approval, a
// reply from a phone that is not the approver's, a change after the
// approval), and the audit log checked, then tampered with.
func TestUsecaseSOPOnTheSandbox(t *testing.T) {
	t.Parallel()
	vars := startSandboxCommand(t, "--workers", "600", "--speed", "0")
	vars["MHERO_USER"] = "Aminata Sesay"
	c := cli{t, vars}

	r := c.must(exitOK, "usecase", "new", "malaria-stock", "--json") // the built-in example
	var rec usecase.Record
	if err := json.Unmarshal([]byte(r.stdout), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.ID != "UC-0001" || rec.State != usecase.StateRequested || rec.Late {
		t.Fatalf("new: %s %s late=%v", rec.ID, rec.State, rec.Late)
	}
	id := rec.ID

	// Activation before anything: refused, nothing sent.
	r = c.must(exitInvalid, "usecase", "activate", id)
	checkGolden(t, "testdata/usecase-activate-unapproved.golden", r.stderr)
	// Steps out of order are refused.
	r = c.must(exitInvalid, "usecase", "test", id, "--phone", "dm")
	if !strings.Contains(r.stderr, "cannot test on the dm phone: the use case is requested") {
		t.Errorf("test before review: %s", r.stderr)
	}

	c.must(exitOK, "usecase", "review", id, "--phone", "0777 000 003", "--notes", "questions agreed with the Requestor")
	r = c.must(exitOK, "usecase", "test", id, "--sim")
	if !strings.Contains(r.stdout, "coverage: categories") || !strings.Contains(r.stdout, "Never tried") {
		t.Errorf("simulator test:\n%s", r.stdout)
	}
	c.must(exitInvalid, "usecase", "test", id, "--phone", "requestor") // not notified yet
	c.must(exitOK, "usecase", "test", id, "--phone", "dm")
	c.must(exitOK, "sandbox", "advance", "1h")
	r = c.must(exitOK, "usecase", "test", id, "--transcript")
	if !strings.Contains(r.stdout, "Do you have ACTs") || !strings.Contains(r.stdout, "> ") {
		t.Errorf("the Data Manager's test conversation:\n%s", r.stdout)
	}
	c.must(exitOK, "usecase", "notify", id)
	c.must(exitOK, "usecase", "test", id, "--phone", "requestor")
	c.must(exitOK, "sandbox", "advance", "1h")
	c.must(exitOK, "usecase", "feedback", id, "--accept", "Clear, send it")

	r = c.must(exitOK, "usecase", "request-approval", id, "--json")
	var req struct {
		Result usecase.ApprovalRequest `json:"result"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &req); err != nil {
		t.Fatal(err)
	}
	if req.Result.Recipients == 0 || req.Result.Cost.ExpectedTotal == 0 || len(req.Result.Questions) != 5 || strings.Contains(req.Result.SMS, approvalCode(t, vars)) {
		t.Errorf("approval request: %d recipients, cost %v, %d questions, SMS %q", req.Result.Recipients, req.Result.Cost, len(req.Result.Questions), req.Result.SMS)
	}
	recipients := req.Result.Recipients

	// No reply yet: not yet (3). Then the right code from the wrong
	// phone: refused (1), and activation still refused.
	c.must(exitPending, "usecase", "approve", id)
	c.must(exitOK, "sandbox", "sms", "--from", "0777 000 003", "APPROVE "+approvalCode(t, vars))
	r = c.must(exitInvalid, "usecase", "approve", id)
	checkGolden(t, "testdata/usecase-approve-wrong-phone.golden", r.stderr)
	r = c.must(exitInvalid, "usecase", "activate", id)
	if !strings.Contains(r.stderr, "refused") {
		t.Errorf("activation while the approval is pending: %s", r.stderr)
	}

	// The simulated Director answers from their own phone.
	c.must(exitOK, "sandbox", "advance", "30m")
	r = c.must(exitOK, "usecase", "approve", id)
	if !strings.Contains(r.stdout, "approved by Dr. Musu Kollie") {
		t.Errorf("approve: %s", r.stdout)
	}

	// A change after the approval voids it: activation says what changed.
	r = c.must(exitOK, "usecase", "edit", id, "--send-date", "2026-03-11", "--reason", "the county asked for a day later")
	if !strings.Contains(r.stdout, "version 2") || !strings.Contains(r.stdout, "send") {
		t.Errorf("edit: %s", r.stdout)
	}
	r = c.must(exitInvalid, "usecase", "activate", id)
	if !strings.Contains(r.stderr, "refused") || !strings.Contains(r.stderr, "does not cover version 2") {
		t.Errorf("activation after a change: %s", r.stderr)
	}
	// The tests start again, and the new request shows what changed.
	c.must(exitOK, "usecase", "test", id, "--sim")
	c.must(exitOK, "usecase", "test", id, "--phone", "dm")
	c.must(exitOK, "usecase", "notify", id)
	c.must(exitOK, "usecase", "test", id, "--phone", "requestor")
	c.must(exitOK, "sandbox", "advance", "1h")
	c.must(exitOK, "usecase", "feedback", id, "--accept", "Fine on the 11th")
	r = c.must(exitOK, "usecase", "request-approval", id)
	if !strings.Contains(r.stdout, "Changed since version 1") {
		t.Errorf("second approval request:\n%s", r.stdout)
	}
	c.must(exitOK, "sandbox", "advance", "30m")
	c.must(exitOK, "usecase", "approve", id)

	// Before the approved send time: not yet; --wait lets simulated time
	// pass until then.
	r = c.must(exitPending, "usecase", "activate", id)
	if !strings.Contains(r.stderr, "Wed 11 Mar 2026 08:00") {
		t.Errorf("early activation: %s", r.stderr)
	}
	r = c.must(exitOK, "usecase", "activate", id, "--wait", "--json")
	var act struct {
		Record usecase.Record     `json:"record"`
		Result usecase.Activation `json:"result"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &act); err != nil {
		t.Fatal(err)
	}
	if act.Record.State != usecase.StateActive || act.Result.Sync.Reachable != recipients || act.Result.Resumed {
		t.Errorf("activation: %s, %d reached (approved for %d), resumed %v", act.Record.State, act.Result.Sync.Reachable, recipients, act.Result.Resumed)
	}
	if at := act.Result.Start.CreatedOn.UTC(); at.Before(time.Date(2026, 3, 11, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("started at %v, before the approved time", at)
	}
	c.must(exitInvalid, "usecase", "activate", id) // once only

	// The flow reached the target group once each, and the test phones
	// only through the tests.
	rp, err := rapidpro.NewClient(vars["RAPIDPRO_URL"], vars["RAPIDPRO_TOKEN"], rapidpro.WithoutPacing())
	if err != nil {
		t.Fatal(err)
	}
	groupStarts, testStarts := 0, 0
	for fs, err := range rp.FlowStarts.List(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		if len(fs.Groups) > 0 {
			groupStarts++
		} else {
			testStarts++
		}
	}
	if groupStarts != 1 || testStarts != 4 {
		t.Errorf("%d group starts and %d test starts, want 1 and 4", groupStarts, testStarts)
	}
	runs := map[string]int{}
	for run, err := range rp.Runs.List(context.Background(), &rapidpro.RunListParams{Flow: act.Record.FlowUUID}) {
		if err != nil {
			t.Fatal(err)
		}
		runs[run.Contact.UUID]++
	}
	// The two test phones had two tests each; every health worker one run.
	if len(runs) != recipients+2 {
		t.Errorf("runs for %d contacts, want the %d health workers and the 2 test phones", len(runs), recipients)
	}
	twice := 0
	for _, n := range runs {
		if n == 2 {
			twice++
		} else if n != 1 {
			t.Errorf("a contact has %d runs", n)
		}
	}
	if twice != 2 {
		t.Errorf("%d contacts had 2 runs, want the 2 test phones", twice)
	}

	// Fieldwork, in simulated time; then monitoring and the reports.
	c.must(exitInvalid, "usecase", "report", id) // monitor first
	c.must(exitOK, "sandbox", "advance", "4d")
	r = c.must(exitOK, "usecase", "monitor", id, "--json")
	var mon struct {
		Record usecase.Record `json:"record"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &mon); err != nil {
		t.Fatal(err)
	}
	counts := mon.Record.Monitoring.Counts
	// The test sends are not counted; the generated mix has workers who
	// do not answer; every run has ended or waits.
	if counts.Contacted != recipients || counts.Responded == 0 || counts.Responded >= counts.Contacted ||
		counts.Completed+counts.Interrupted+counts.Expired+counts.Errored+counts.Active != counts.Contacted {
		t.Errorf("monitoring counts %+v for %d recipients", counts, recipients)
	}
	r = c.must(exitOK, "usecase", "monitor", id)
	if !strings.Contains(r.stdout, fmt.Sprintf("%d health workers reached", recipients)) || !strings.Contains(r.stdout, "act_in_stock") {
		t.Errorf("monitor:\n%s", r.stdout)
	}
	// mhero monitor counts the test phones' runs too, and says so.
	r = c.must(exitOK, "monitor")
	if want := fmt.Sprintf("contacted                         %d", recipients+4); !strings.Contains(r.stdout, want) ||
		!strings.Contains(r.stdout, "(of whom 4 by 4 flow starts naming contacts, not a group: tests") {
		t.Errorf("monitor lacks %q or the tests' line:\n%s", want, r.stdout)
	}
	dir := filepath.Join(t.TempDir(), "reports")
	r = c.must(exitOK, "usecase", "report", id, "--dir", dir, "--no-pdf")
	if !strings.Contains(r.stdout, "overview") || !strings.Contains(r.stdout, "monitoring") {
		t.Errorf("report:\n%s", r.stdout)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*")); len(files) < 4 {
		t.Errorf("report files: %v", files)
	}
	r = c.must(exitOK, "usecase", "send-report", id, "--where", "the NMCP shared folder")
	// The SMS is printed as the Requestor reads it, not as a Go string.
	if !strings.Contains(r.stdout, "reported and closed") || !strings.Contains(r.stdout, "\n  ") ||
		!strings.Contains(r.stdout, "the NMCP shared folder") || strings.Contains(r.stdout, `\"`) {
		t.Errorf("send-report: %s", r.stdout)
	}
	c.must(exitInvalid, "usecase", "cancel", id, "--reason", "too late") // closed

	r = c.must(exitOK, "usecase", "show", id)
	for _, want := range []string{"files in " + dir, "state        reported (closed)", "approval     #1 v1 void", "1 reply refused", "approval     #2 v2 approved", fmt.Sprintf("health workers reached: %d responded", counts.Responded)} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("show lacks %q:\n%s", want, r.stdout)
		}
	}
	r = c.must(exitOK, "usecase", "list")
	if !strings.Contains(r.stdout, "UC-0001  reported (closed)") {
		t.Errorf("list:\n%s", r.stdout)
	}
	c.must(exitOK, "usecase", "register", "-o", filepath.Join(t.TempDir(), "register.xlsx"))

	// The audit log: intact, then an entry changed behind its back.
	r = c.must(exitOK, "usecase", "audit", "--verify")
	if !strings.HasPrefix(r.stdout, "Audit log intact") {
		t.Errorf("verify: %s", r.stdout)
	}
	r = c.must(exitOK, "usecase", "audit", id)
	for _, want := range []string{"activation refused", "approval reply refused", "approval void", "activated", "monitored", "reports written", "report sent to the Requestor"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("audit lacks %q:\n%s", want, r.stdout)
		}
	}
	db, err := store.Open(context.Background(), vars["MHERO_DB"])
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec(context.Background(), `UPDATE usecase_audit SET reason = 'approved by the Minister' WHERE seq = 3`)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	r = c.must(exitInvalid, "usecase", "audit", "--verify")
	if !strings.Contains(r.stderr, "entry #3 (UC-0001): changed after it was written") {
		t.Errorf("verify after tampering: %s", r.stderr)
	}
}

// TestUsecaseErrors checks the messages of the commands' most common
// mistakes: no servers, a bad form, wrong arguments.
func TestUsecaseErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	vars := map[string]string{"MHERO_USER": "Aminata Sesay", "MHERO_DB": filepath.Join(dir, "m.db")}
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"usecase-help", []string{"help", "usecase"}, exitOK},
		{"usecase-new-help", []string{"usecase", "new", "-h"}, exitOK},
		{"usecase-new-bad-flag", []string{"usecase", "new", "--frob", "form.yaml"}, exitUsage},
		{"usecase-no-step", []string{"usecase"}, exitUsage},
		{"usecase-unknown-step", []string{"usecase", "approuve", "1"}, exitUsage},
		{"usecase-no-servers", []string{"usecase", "notify", "UC-0001"}, exitUsage},
		{"usecase-bad-form", []string{"usecase", "new", "testdata/bad-request.yaml"}, exitInvalid},
		{"usecase-no-such-case", []string{"usecase", "show", "UC-0042"}, exitInvalid},
		{"usecase-test-which", []string{"usecase", "test", "UC-0001"}, exitUsage},
		{"sandbox-help", []string{"help", "sandbox"}, exitOK},
		{"sandbox-advance-no-sandbox", []string{"sandbox", "advance", "1h"}, exitUsage},
		{"sandbox-advance-bad-duration", []string{"sandbox", "advance", "soon"}, exitUsage},
		{"sandbox-advance-bad-flag", []string{"sandbox", "advance", "--frob", "1h"}, exitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := cli{t, vars}.run(tt.args...)
			if r.code != tt.code {
				t.Errorf("exit status %d, want %d\nstderr:\n%s", r.code, tt.code, r.stderr)
			}
			got := strings.ReplaceAll("== stdout\n"+r.stdout+"== stderr\n"+r.stderr, dir, "$TMP")
			checkGolden(t, filepath.Join("testdata", tt.name+".golden"), got)
		})
	}
}

func TestParseDuration(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Duration{"90m": 90 * time.Minute, "7d": 7 * 24 * time.Hour, "1.5d": 36 * time.Hour, "0s": 0} {
		if got, err := parseDuration(in); err != nil || got != want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "soon", "d", "7 days", "NaNd"} {
		if _, err := parseDuration(in); err == nil {
			t.Errorf("parseDuration(%q) accepted", in)
		}
	}
}

// TestUsecaseFlowNotImported runs the steps as on a real RapidPro, which
// has no API to import a flow: without the sandbox's control URL, a phone
// test finds the flow missing and says how to export it; once imported
// (by hand, in RapidPro's Settings > Import), the test runs.
func TestUsecaseFlowNotImported(t *testing.T) {
	t.Parallel()
	vars := startSandboxCommand(t, "--workers", "300", "--speed", "0")
	sb := newSandboxClient(vars["MHERO_SANDBOX"], vars["RAPIDPRO_TOKEN"])
	delete(vars, "MHERO_SANDBOX")
	vars["MHERO_USER"] = "Aminata Sesay"
	dir := t.TempDir()
	// Without the sandbox's clock the steps run on the wall clock: the
	// form asks for a send a month from now.
	form := strings.Replace(mustRead(t, "../usecases/malaria-stock.yaml"), "date: 2026-03-10",
		"date: "+time.Now().AddDate(0, 1, 0).Format("2006-01-02"), 1)
	form = strings.Replace(form, "workflow: ../workflows/malaria-stock.yaml", "workflow: malaria-stock", 1)
	c := cli{t, vars}
	c.must(exitOK, "usecase", "new", writeFile(t, dir, "request.yaml", form))
	c.must(exitOK, "usecase", "review", "1", "--phone", "0777 000 003")
	c.must(exitOK, "usecase", "test", "1", "--sim")
	r := c.must(exitInvalid, "usecase", "test", "1", "--phone", "dm")
	if !strings.Contains(r.stderr, "is missing") || !strings.Contains(r.stderr, "mhero usecase export UC-0001 -o UC-0001-v1.json") {
		t.Errorf("test of a flow not imported: %s", r.stderr)
	}
	export := filepath.Join(dir, "UC-0001-v1.json")
	c.must(exitOK, "usecase", "export", "UC-0001", "-o", export)
	// The Data Manager imports it in RapidPro.
	if err := sb.importFlows(context.Background(), []byte(mustRead(t, export))); err != nil {
		t.Fatal(err)
	}
	c.must(exitOK, "usecase", "test", "1", "--phone", "dm")
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestSandboxTimePasses checks that the sandbox's simulated time runs on
// its own at --speed, and that its control endpoint wants the token.
func TestSandboxTimePasses(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	rs, err := startSandbox(sandboxConfig{workers: 50, seed: 1, start: start})
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rs.run(ctx, 3600, io.Discard) }() // an hour a second
	c := newSandboxClient(rs.url, rs.token)
	for deadline := time.Now().Add(30 * time.Second); ; {
		now, err := c.readClock(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if now.Sub(start) >= time.Hour {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("simulated time is still %v", now)
		}
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("run ended with %v", err)
	}
	if _, err := newSandboxClient(rs.url, "wrong").readClock(context.Background()); err == nil || !strings.Contains(err.Error(), "needs its RapidPro token") {
		t.Errorf("control endpoint without the token: %v", err)
	}
}

// TestUsecaseWho checks who a step is recorded as when --by is not given:
// MHERO_USER, else USER, else the system account; with none of them the
// step says exactly how to name yourself.
func TestUsecaseWho(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "m.db")
	run := func(osUser func() string, args ...string) result {
		var stdout, stderr bytes.Buffer
		e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, now: time.Now,
			getenv: func(k string) string { return map[string]string{"MHERO_DB": db}[k] }, osUser: osUser}
		return result{e.run(args), stdout.String(), stderr.String()}
	}
	r := run(nil, "usecase", "new", "malaria-stock")
	if r.code != exitUsage || !strings.Contains(r.stderr, `give --by "YOUR NAME", or export MHERO_USER="YOUR NAME"`) {
		t.Errorf("no name anywhere: exit %d, stderr %q", r.code, r.stderr)
	}
	r = run(func() string { return "Aminata Sesay" }, "usecase", "new", "malaria-stock")
	if r.code != exitOK {
		t.Fatalf("named by the system account: exit %d, stderr %s", r.code, r.stderr)
	}
	r = run(nil, "usecase", "audit")
	if !strings.Contains(r.stdout, "Aminata Sesay") {
		t.Errorf("the audit log does not name the system account's user:\n%s", r.stdout)
	}
}

// TestUsecaseShowWorkflowPath checks that show prints the workflow where
// the user can open it, not relative to the form that named it.
func TestUsecaseShowWorkflowPath(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, d := range []string{"forms", "workflows"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, dir, "workflows/malaria-stock.yaml", mustRead(t, "../workflows/malaria-stock.yaml"))
	form := writeFile(t, dir, "forms/request.yaml", mustRead(t, "../usecases/malaria-stock.yaml"))
	c := cli{t, map[string]string{"MHERO_DB": filepath.Join(dir, "m.db"), "MHERO_USER": "Aminata Sesay"}}
	c.must(exitOK, "usecase", "new", form)
	r := c.must(exitOK, "usecase", "show", "1")
	if want := "workflow     " + filepath.Join(dir, "workflows", "malaria-stock.yaml") + "\n"; !strings.Contains(r.stdout, want) {
		t.Errorf("show lacks %q:\n%s", want, r.stdout)
	}
	// The built-in example form names the built-in workflow by the name
	// every command takes, not by a path inside the binary.
	c.must(exitOK, "usecase", "new", "malaria-stock")
	r = c.must(exitOK, "usecase", "show", "2")
	if want := "workflow     malaria-stock\n"; !strings.Contains(r.stdout, want) {
		t.Errorf("show lacks %q:\n%s", want, r.stdout)
	}
}
