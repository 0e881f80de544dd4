package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mhero-go/mhero/target"
)

func noEnv(string) string { return "" }

// TestTargetWithoutServers checks that without servers the command says
// how to give them, or to use the sandbox: a message, not a stack trace.
func TestTargetWithoutServers(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	e := testEnv("", &stdout, &stderr)
	e.getenv = noEnv
	if code := e.run([]string{"target", "preview", "../targets/midwives.yaml"}); code != exitUsage {
		t.Errorf("exit status %d, want %d", code, exitUsage)
	}
	checkGolden(t, "testdata/target-no-servers.golden", stderr.String())
}

func TestTargetInvalidFile(t *testing.T) {
	t.Parallel()
	bad := writeFile(t, t.TempDir(), "bad.yaml", "name: Nurses\ncountry: LR\ncriteria:\n  cadre: [nurse]\n")
	var stdout, stderr bytes.Buffer
	e := testEnv("", &stdout, &stderr)
	e.getenv = noEnv
	if code := e.run([]string{"target", "plan", bad, "--sandbox"}); code != exitInvalid {
		t.Errorf("exit status %d, want %d", code, exitInvalid)
	}
	if want := bad + `:4:3: criteria.cadre: unknown field "cadre" (did you mean "cadres"?)` + "\n"; stderr.String() != want {
		t.Errorf("stderr %q, want %q", stderr.String(), want)
	}
	for _, args := range [][]string{{"target"}, {"target", "send", bad}, {"target", "plan"}} {
		if code := e.run(args); code != exitUsage {
			t.Errorf("%v: exit status %d, want %d", args, code, exitUsage)
		}
	}
}

// TestTargetOnTheSandbox previews, plans and syncs the example target on
// in-process servers.
func TestTargetOnTheSandbox(t *testing.T) {
	t.Parallel()
	file := "../targets/midwives.yaml"
	runJSON := func(args ...string) []byte {
		t.Helper()
		var stdout, stderr bytes.Buffer
		e := testEnv("", &stdout, &stderr)
		e.getenv = noEnv
		args = append([]string{"target"}, append(args, "--sandbox", "--workers", "800", "--json", "--db", filepath.Join(t.TempDir(), "m.db"))...)
		if code := e.run(args); code != exitOK {
			t.Fatalf("%v: exit %d\n%s", args, code, stderr.String())
		}
		return stdout.Bytes()
	}
	var pv target.Preview
	if err := json.Unmarshal(runJSON("preview", file), &pv); err != nil {
		t.Fatal(err)
	}
	if pv.Selected == 0 || pv.Reachable+len(pv.Unreachable) != pv.Selected {
		t.Errorf("preview %+v", pv)
	}
	var plan target.Plan
	if err := json.Unmarshal(runJSON("sync", file, "--dry-run"), &plan); err != nil {
		t.Fatal(err)
	}
	if plan.Creates != pv.Reachable || plan.Calls[target.ScopeContacts] < plan.Creates || plan.FlowStart == nil {
		t.Errorf("plan %+v for preview %+v", plan, pv)
	}
	var sum target.Summary
	if err := json.Unmarshal(runJSON("sync", file), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Created != pv.Reachable || sum.Added != pv.Reachable {
		t.Errorf("sync %+v", sum)
	}

	// The text forms.
	var stdout, stderr bytes.Buffer
	e := testEnv("", &stdout, &stderr)
	e.getenv = noEnv
	if code := e.run([]string{"target", "plan", file, "--sandbox", "--workers", "800", "--db", filepath.Join(t.TempDir(), "m.db")}); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{"Plan for \"Midwives\" (full", "to create", "API calls:", "cheaper first send", "equivalent smart group", "Not reachable"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("plan output lacks %q:\n%s", want, stdout.String())
		}
	}
	// Throttle scopes are named as a Data Manager knows them.
	if strings.Contains(stdout.String(), " v2") || !strings.Contains(stdout.String(), " other") {
		t.Errorf("plan output names the scopes as RapidPro does internally:\n%s", stdout.String())
	}
	if strings.Contains(stdout.String(), "+2317") || strings.Contains(stdout.String(), "+2318") {
		t.Errorf("a full number is printed:\n%s", stdout.String())
	}
}

// TestTargetMissingFile checks that a target file that cannot be read is
// named by the command, like every other error that is not positioned.
func TestTargetMissingFile(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	e := testEnv("", &stdout, &stderr)
	e.getenv = noEnv
	missing := filepath.Join(t.TempDir(), "none.yaml")
	if code := e.run([]string{"target", "preview", missing, "--sandbox"}); code != exitInvalid {
		t.Errorf("exit status %d, want %d", code, exitInvalid)
	}
	if want := "mhero target: open " + missing + ": no such file or directory\n"; stderr.String() != want {
		t.Errorf("stderr %q, want %q", stderr.String(), want)
	}
}
