package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestDemo runs the whole SOP on the in-process servers and checks that
// every step is there, in order, that each left the state it should, and
// that the numbers add up. The default workflow is the built-in one: the
// test runs in examples/mhero, where no examples/workflows folder is.
func TestDemo(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	dir := t.TempDir()
	code := run([]string{"demo", "--workers", "1500", "--seed", "4", "--out", dir, "--no-pdf"},
		strings.NewReader(""), &out, &errOut)
	if code != exitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errOut.String())
	}
	s := out.String()
	// The steps in the SOP's order, each with the state it leaves.
	steps := []struct{ title, state string }{
		{"Use Case Request Form", "requested"},
		{"Review", "reviewed"},
		{"Development and simulator test", "simulated"},
		{"Test on the Data Manager's phone", "tested on the Data Manager's phone"},
		{"Requestor notified", "Requestor notified"},
		{"Test on the Requestor's phone", "accepted by the Requestor"},
		{"Activation tried before any approval", "accepted by the Requestor"},
		{"Approval requested", "approval requested"},
		{"Approved", "approved"},
		{"Activated", "active"},
		{"Fieldwork", ""},
		{"Monitoring", "monitoring"},
		{"Reports written", "monitoring"},
		{"Overview Report sent to the Requestor", "reported (closed)"},
	}
	rest := s
	for i, st := range steps {
		head := regexp.MustCompile(`(?m)^ ?` + strconv.Itoa(i+1) + `\. ` + regexp.QuoteMeta(st.title) + ` — `)
		loc := head.FindStringIndex(rest)
		if loc == nil {
			t.Fatalf("step %d %q missing or out of order in:\n%s", i+1, st.title, s)
		}
		rest = rest[loc[1]:]
		if st.state == "" {
			continue
		}
		block := rest
		if next := regexp.MustCompile(`(?m)^ ?\d+\. `).FindStringIndex(rest); next != nil {
			block = rest[:next[0]]
		}
		if !strings.Contains(block, "state: "+st.state+" (UC-0001)") {
			t.Errorf("step %d %q does not leave the use case %s:\n%s", i+1, st.title, st.state, block)
		}
	}
	if !strings.Contains(s, "activation refused — usecase: not approved") {
		t.Error("the activation before approval is not shown refused")
	}
	num := func(re string) int {
		t.Helper()
		m := regexp.MustCompile(re).FindStringSubmatch(s)
		if m == nil {
			t.Fatalf("no %q in:\n%s", re, s)
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	reached := num(`(\d+) health workers reached \(\d+ selected`)
	synced := num(`target synced: (\d+) contacts`)
	contacted := num(`monitored — (\d+) health workers reached`)
	responded := num(`monitored — \d+ health workers reached: (\d+) responded`)
	if synced != reached || contacted != synced {
		t.Errorf("approved for %d, synced %d, monitored %d: each must be the same workers", reached, synced, contacted)
	}
	if responded == 0 || responded >= contacted {
		t.Errorf("%d of %d responded: the simulated workers include silent and unreachable ones", responded, contacted)
	}
	if !regexp.MustCompile(`Audit log: \d+ entries, intact`).MatchString(s) {
		t.Errorf("the audit log is not shown intact")
	}
	for _, f := range []string{"use-case-register.xlsx", "reports/uc-0001-overview.html", "reports/uc-0001-analysis.html",
		"reports/uc-0001-monitoring.xlsx", "mhero.db"} {
		p := filepath.Join(dir, filepath.FromSlash(f))
		if _, err := os.Stat(p); err != nil {
			t.Errorf("no %s: %v", f, err)
		}
		if f != "mhero.db" && !strings.Contains(s, p) {
			t.Errorf("the path of %s is not printed", f)
		}
	}
	if regexp.MustCompile(`\+231\d{6}`).MatchString(s) {
		t.Errorf("a full phone number is printed:\n%s", s)
	}
	// A second demo into the same directory is refused: its use cases
	// would name a sandbox that is gone.
	out.Reset()
	errOut.Reset()
	if code := run([]string{"demo", "--out", dir}, strings.NewReader(""), &out, &errOut); code != exitInvalid || !strings.Contains(errOut.String(), "earlier demo") {
		t.Errorf("a second demo into %s: exit %d, %s", dir, code, errOut.String())
	}
}
