package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mhero-go/mhero/examples/workflows"
	"github.com/mhero-go/mhero/internal/fixtures"
	"github.com/mhero-go/mhero/workflow"
	"github.com/mhero-go/mhero/workflow/flow"
)

// fixedNow is the clock of simulations in tests: timeouts save it as their
// value.
func fixedNow() time.Time { return time.Date(2026, time.March, 2, 8, 30, 0, 0, time.UTC) }

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// fixedBuildInfo is what a binary built from a checkout records.
func fixedBuildInfo() (*debug.BuildInfo, bool) {
	return &debug.BuildInfo{GoVersion: "go1.26.0", Path: "github.com/mhero-go/mhero/examples/mhero",
		Main: debug.Module{Path: "github.com/mhero-go/mhero", Version: "v0.1.0"},
		Settings: []debug.BuildSetting{{Key: "GOOS", Value: "linux"}, {Key: "GOARCH", Value: "amd64"}, {Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "3a754c9e1f0c2d4b5a6978877665544332211000"},
			{Key: "vcs.time", Value: "2026-03-02T08:30:00Z"}, {Key: "vcs.modified", Value: "true"}}}, true
}

// testEnv runs the program in-process with fixed clocks and build
// information.
func testEnv(stdin string, stdout, stderr io.Writer) *env {
	return &env{stdin: strings.NewReader(stdin), stdout: stdout, stderr: stderr, now: fixedNow, buildInfo: fixedBuildInfo}
}

// writeFile writes a file of the test's temporary directory.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// twoFlows writes an export holding two compiled example workflows.
func twoFlows(t *testing.T, dir string) string {
	t.Helper()
	var all *flow.Export
	for _, name := range []string{"malaria-stock", "idsr-weekly"} {
		w, err := workflows.Parse(name)
		if err != nil {
			t.Fatal(err)
		}
		exp, err := workflow.Compile(w)
		if err != nil {
			t.Fatal(err)
		}
		if all == nil {
			all = exp
		} else {
			all.Flows = append(all.Flows, exp.Flows...)
			all.Fields = append(all.Fields, exp.Fields...)
			all.Groups = append(all.Groups, exp.Groups...)
		}
	}
	data, err := flow.MarshalExport(all)
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, dir, "two-flows.json", string(data))
}

// invalidWorkflow has three errors and a warning, on known lines.
const invalidWorkflow = `workflow: Broken survey
key: broken
language: eng
keyword: TWO WORDS
questions:
  - result: weeks
    ask: "How many weeks?"
    type: number
    min: 10
    max: 2
  - result: weeks
    ask: "Again?"
    type: yes_no
    colour: blue
`

// longWorkflow is valid but its question needs two SMS: a warning.
const longWorkflow = `workflow: Long question
key: long
language: eng
questions:
  - result: ok
    ask: "This question is far too long for a single text message because it keeps explaining, at length, what the Ministry of Health wants to know from every health worker and why it matters so much."
    type: yes_no
`

// TestRun runs the program in-process and compares what it prints with
// testdata/NAME.golden (go test -update rewrites them).
func TestRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	empty := writeFile(t, dir, "empty.json", "{}")
	badJSON := writeFile(t, dir, "bad.json", "{\n  \"version\": \"13\",\n  \"flows\": [,]\n}\n")
	two := twoFlows(t, dir)
	tests := []struct {
		name  string
		args  []string
		stdin string
		code  int
	}{
		{"no-args", nil, "", exitUsage},
		{"help", []string{"help"}, "", exitOK},
		{"help-validate", []string{"help", "validate"}, "", exitOK},
		{"help-simulate", []string{"help", "simulate"}, "", exitOK},
		{"help-unknown", []string{"help", "frobnicate"}, "", exitUsage},
		{"help-two", []string{"help", "validate", "compile"}, "", exitUsage},
		{"unknown-command", []string{"frobnicate"}, "", exitUsage},
		{"version", []string{"version"}, "", exitOK},
		{"version-extra", []string{"version", "now"}, "", exitUsage},
		{"validate-ok", []string{"validate", "../workflows/malaria-stock.yaml"}, "", exitOK},
		{"validate-missing-file", []string{"validate", filepath.Join(dir, "nope.yaml")}, "", exitInvalid},
		{"validate-no-file", []string{"validate"}, "", exitUsage},
		{"validate-two-files", []string{"validate", "a.yaml", "b.yaml"}, "", exitUsage},
		{"validate-bad-flag", []string{"validate", "--frob", "a.yaml"}, "", exitUsage},
		{"validate-help", []string{"validate", "-h"}, "", exitOK},
		{"validate-example", []string{"validate", "idsr-weekly"}, "", exitOK},
		{"validate-unknown-example", []string{"validate", "malaria"}, "", exitInvalid},

		{"compile-to-file", []string{"compile", "../workflows/idsr-weekly.yaml", "-o", filepath.Join(dir, "idsr.json")}, "", exitOK},

		{"simulate-script", []string{"simulate", "../workflows/malaria-stock.yaml", "--name", "Fatu Kamara",
			"--reply", "no", "--reply", "not delivered", "--timeout"}, "", exitOK},
		{"simulate-json", []string{"simulate", "--json", "--lang", "fra", "--name", "Aminata",
			"../workflows/outbreak-staff.yaml", "--reply", "oui", "--reply", "20/03/2026", "--reply", "5", "--reply", "non"}, "", exitOK},
		{"simulate-swahili-retries", []string{"simulate", "../workflows/training-needs.yaml", "--lang", "swa", "--name", "Neema",
			"--reply", "daktari", "--reply", "muuguzi", "--reply", "ndiyo", "--reply", "4", "--timeout"}, "", exitOK},
		{"simulate-interactive", []string{"simulate", "../workflows/training-needs.yaml"}, "/timeout\n2\nyes\n1\n\n", exitOK},
		{"simulate-interactive-eof", []string{"simulate", "../workflows/idsr-weekly.yaml", "--json"}, "40\n2\n", exitOK},
		{"simulate-script-too-long", []string{"simulate", "../workflows/outbreak-staff.yaml", "--reply", "no", "--reply", "1", "--reply", "again"}, "", exitInvalid},
		{"simulate-timeout-without-timeout", []string{"simulate", "../workflows/outbreak-staff.yaml", "--reply", "yes", "--timeout"}, "", exitInvalid},
		{"simulate-bad-lang", []string{"simulate", "../workflows/outbreak-staff.yaml", "--lang", "swa"}, "", exitUsage},
		{"simulate-bad-timeout-value", []string{"simulate", "../workflows/outbreak-staff.yaml", "--timeout=maybe"}, "", exitUsage},
		{"simulate-bad-country", []string{"simulate", "malaria-stock", "--country", "ZZ", "--reply", "yes"}, "", exitUsage},
		{"simulate-bad-urn", []string{"simulate", "malaria-stock", "--urn", "notaurn", "--reply", "yes"}, "", exitUsage},
		{"simulate-bad-tel", []string{"simulate", "malaria-stock", "--urn", "tel:+23177", "--reply", "yes"}, "", exitUsage},
		{"simulate-local-tel", []string{"simulate", "idsr-weekly", "--country", "lr", "--urn", "tel:0770 000 001", "--json", "--reply", "3"}, "", exitOK},
		{"simulate-empty-export", []string{"simulate", empty}, "", exitInvalid},
		{"simulate-bad-json", []string{"simulate", badJSON}, "", exitInvalid},
		{"simulate-two-flows", []string{"simulate", two, "--reply", "yes"}, "", exitUsage},
		{"simulate-two-flows-chosen", []string{"simulate", two, "--flow", "IDSR weekly report", "--reply", "12", "--timeout"}, "", exitOK},
		{"simulate-json-too-long", []string{"simulate", "outbreak-staff", "--json", "--reply", "no", "--reply", "1", "--reply", "again"}, "", exitInvalid},
		{"simulate-json-timeout", []string{"simulate", "malaria-stock", "--json", "--timeout", "--reply", "no"}, "", exitOK},
		{"demo-help", []string{"help", "demo"}, "", exitOK},
		{"demo-bad-workers", []string{"demo", "--workers", "0"}, "", exitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := testEnv(tt.stdin, &stdout, &stderr).run(tt.args)
			if code != tt.code {
				t.Errorf("exit status %d, want %d\nstderr:\n%s", code, tt.code, stderr.String())
			}
			got := strings.ReplaceAll("== stdout\n"+stdout.String()+"== stderr\n"+stderr.String(), dir, "$TMP")
			checkGolden(t, filepath.Join("testdata", tt.name+".golden"), got)
		})
	}
}

// TestInvalidWorkflow checks that every command given an invalid workflow
// prints each problem at its position, in file order, then a count, and
// exits 1. (The messages themselves are the workflow package's and are
// tested there.)
func TestInvalidWorkflow(t *testing.T) {
	t.Parallel()
	bad := filepath.Join(t.TempDir(), "broken.yaml")
	if err := os.WriteFile(bad, []byte(invalidWorkflow), 0o644); err != nil {
		t.Fatal(err)
	}
	want := []string{
		bad + ":4:10: keyword: ",
		bad + ":9:10: questions[0].min: ",
		bad + ":11:13: questions[1].result: ",
		bad + ":14:5: questions[1].colour: ",
		bad + ": 4 errors",
	}
	for _, args := range [][]string{{"validate", bad}, {"compile", bad}, {"simulate", bad, "--reply", "yes"}} {
		t.Run(args[0], func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			if code := run(args, strings.NewReader(""), &stdout, &stderr); code != exitInvalid {
				t.Errorf("exit status %d, want %d", code, exitInvalid)
			}
			if stdout.Len() > 0 {
				t.Errorf("stdout %q, want nothing", stdout.String())
			}
			lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
			if len(lines) != len(want) {
				t.Fatalf("stderr has %d lines, want %d:\n%s", len(lines), len(want), stderr.String())
			}
			for i, l := range lines {
				if !strings.HasPrefix(l, want[i]) {
					t.Errorf("line %d is %q, want it to start with %q", i+1, l, want[i])
				}
			}
		})
	}
}

// TestBadSpec checks that a spec version the compiler refuses is a usage
// error naming the version.
func TestBadSpec(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"compile", "--spec", "14.0.0", "../workflows/idsr-weekly.yaml"}, strings.NewReader(""), &stdout, &stderr); code != exitUsage {
		t.Errorf("exit status %d, want %d", code, exitUsage)
	}
	if stdout.Len() > 0 || !strings.Contains(stderr.String(), `"14.0.0"`) {
		t.Errorf("stdout %q, stderr %q: want only an error naming 14.0.0", stdout.String(), stderr.String())
	}
}

// TestWarning checks that a valid workflow with a warning validates (exit
// 0) and that the warning is printed at its position on stderr.
func TestWarning(t *testing.T) {
	t.Parallel()
	long := filepath.Join(t.TempDir(), "long.yaml")
	if err := os.WriteFile(long, []byte(longWorkflow), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"validate", long}, strings.NewReader(""), &stdout, &stderr); code != exitOK {
		t.Fatalf("exit status %d, want %d: %s", code, exitOK, stderr.String())
	}
	if want := long + `: ok: "Long question", 1 question, languages eng` + "\n"; stdout.String() != want {
		t.Errorf("stdout %q, want %q", stdout.String(), want)
	}
	if want := long + ":6:10: questions[0].ask: warning: "; !strings.HasPrefix(stderr.String(), want) {
		t.Errorf("stderr %q, want a warning starting with %q", stderr.String(), want)
	}
}

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("output differs from %s\n--- want\n%s\n--- got\n%s", path, want, got)
	}
}

// TestRunMain checks the process entry point's wiring: run parses the
// arguments and reports usage errors like the program does.
func TestRunMain(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"validate", "../workflows/idsr-weekly.yaml"}, strings.NewReader(""), &stdout, &stderr); code != exitOK {
		t.Fatalf("exit status %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "IDSR weekly report") {
		t.Errorf("stdout %q does not name the workflow", stdout.String())
	}
}

// TestCompileOutput checks that compile prints exactly what the compiler
// writes, to stdout or to the -o file, and that both are the same bytes
// every time (UUIDs included).
func TestCompileOutput(t *testing.T) {
	t.Parallel()
	const file = "../workflows/malaria-stock.yaml"
	w, err := workflow.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	export, err := workflow.Compile(w, workflow.WithSpecVersion("13.2.0"))
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := workflow.WriteExport(&want, export); err != nil {
		t.Fatal(err)
	}

	var stdout, stderr bytes.Buffer
	if code := run([]string{"compile", file, "--spec", "13.2.0"}, nil, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit status %d: %s", code, stderr.String())
	}
	if !bytes.Equal(stdout.Bytes(), want.Bytes()) {
		t.Error("compile printed something else than the compiler's export")
	}
	out := filepath.Join(t.TempDir(), "export.json")
	stdout.Reset()
	if code := run([]string{"compile", "-o", out, "--spec", "13.2.0", file}, nil, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit status %d: %s", code, stderr.String())
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Error("compile -o wrote something else than the compiler's export")
	}
	if _, err := flow.ParseExport(got); err != nil {
		t.Errorf("the export does not read back: %v", err)
	}
}

// TestScriptOrder checks that --reply and --timeout are played in the order
// given, mixed.
func TestScriptOrder(t *testing.T) {
	t.Parallel()
	e := &env{stderr: io.Discard}
	fs := e.newFlagSet("simulate")
	var sc script
	fs.Var(replyFlag{&sc}, "reply", "")
	fs.Var(timeoutFlag{&sc}, "timeout", "")
	pos, err := parseArgs(fs, []string{"--timeout", "f.yaml", "--reply", "yes", "--timeout", "--reply=3", "--timeout=false", "--", "--reply"})
	if err != nil {
		t.Fatal(err)
	}
	want := []step{{timeout: true}, {reply: "yes"}, {timeout: true}, {reply: "3"}}
	if !slices.Equal(sc.steps, want) {
		t.Errorf("steps %+v, want %+v", sc.steps, want)
	}
	if !slices.Equal(pos, []string{"f.yaml", "--reply"}) {
		t.Errorf("positional arguments %q", pos)
	}
}

// TestSimulateExport runs flows of a real RapidPro export (the sample flows
// RapidPro ships): one within what the simulator supports, one reaching a
// webhook, which it refuses naming the node.
func TestSimulateExport(t *testing.T) {
	t.Parallel()
	export := filepath.Join(fixtures.Dir(t, "fixtures", "flows"), "sample_flows.json")
	tests := []struct {
		name      string
		args      []string
		code      int
		stderrHas []string
	}{
		{"simulate-export", []string{"simulate", export, "--flow", "Sample Flow - Simple Poll", "--name", "Fatu", "--reply", "maybe", "--reply", "Yep"}, exitOK, nil},
		{"simulate-export-webhook", []string{"simulate", export, "--flow", "Sample Flow - Order Status Checker", "--reply", "CU001"}, exitInvalid,
			[]string{"525aee83-21a1-4b50-9f84-38c4077b6198", "call_webhook"}},
		{"simulate-export-unknown-flow", []string{"simulate", export, "--flow", "Nope"}, exitUsage, []string{"Nope"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			if code := testEnv("", &stdout, &stderr).run(tt.args); code != tt.code {
				t.Errorf("exit status %d, want %d\nstderr:\n%s", code, tt.code, stderr.String())
			}
			errOut := stderr.String()
			for _, want := range tt.stderrHas {
				if !strings.Contains(errOut, want) {
					t.Errorf("stderr %q does not contain %q", errOut, want)
				}
			}
			if tt.stderrHas != nil {
				errOut = fmt.Sprintf("(checked: contains %q)\n", tt.stderrHas)
			}
			got := strings.ReplaceAll("== stdout\n"+stdout.String()+"== stderr\n"+errOut, export, "$EXPORT")
			checkGolden(t, filepath.Join("testdata", tt.name+".golden"), got)
		})
	}
}

// TestHelpEveryCommand checks that mhero help NAME prints the command's own
// help on stdout, as mhero NAME -h does, and that a wrong flag prints the
// same help on stderr after the error.
func TestHelpEveryCommand(t *testing.T) {
	t.Parallel()
	for _, c := range commands() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var help, helpErr bytes.Buffer
			if code := testEnv("", &help, &helpErr).run([]string{"help", c.name}); code != exitOK || helpErr.Len() > 0 {
				t.Fatalf("help %s: exit %d, stderr %q", c.name, code, helpErr.String())
			}
			if !strings.HasPrefix(help.String(), strings.TrimSpace("Usage: mhero "+c.name+" "+c.args)+"\n") || !strings.Contains(help.String(), c.doc) {
				t.Errorf("help %s printed:\n%s\nwant its usage line and its description", c.name, help.String())
			}
			var dashH, dashHErr bytes.Buffer
			if code := testEnv("", &dashH, &dashHErr).run([]string{c.name, "-h"}); code != exitOK || dashH.String() != help.String() || dashHErr.Len() > 0 {
				t.Errorf("%s -h: exit %d, stdout %q, stderr %q: want what help %s prints, on stdout", c.name, code, dashH.String(), dashHErr.String(), c.name)
			}
			var out, errOut bytes.Buffer
			if code := testEnv("", &out, &errOut).run([]string{c.name, "--frob"}); code != exitUsage || out.Len() > 0 ||
				errOut.String() != "mhero "+c.name+": flag provided but not defined: -frob\n"+help.String() {
				t.Errorf("%s --frob: exit %d, stdout %q, stderr %q: want the error then the help on stderr", c.name, code, out.String(), errOut.String())
			}
		})
	}
}

// TestVersionBuildInfo runs version with the test binary's own build
// information: the Go version is always known.
func TestVersionBuildInfo(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"version"}, strings.NewReader(""), &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.HasPrefix(stdout.String(), "mhero ") || !strings.Contains(stdout.String(), runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH) {
		t.Errorf("version printed %q, want the Go version and platform", stdout.String())
	}
	// A build without module information still names the toolchain.
	stdout.Reset()
	e := testEnv("", &stdout, &stderr)
	e.buildInfo = func() (*debug.BuildInfo, bool) { return nil, false }
	if code := e.run([]string{"version"}); code != exitOK || !strings.Contains(stdout.String(), runtime.Version()) {
		t.Errorf("exit %d, printed %q", code, stdout.String())
	}
}
