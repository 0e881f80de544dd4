package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestHelpHidesCredentials checks that a command's help, printed by -h and
// after every usage error, never shows the token or password it took from
// the environment as a flag's default: that output ends up in terminals'
// scrollback, CI logs and bug reports.
func TestHelpHidesCredentials(t *testing.T) {
	t.Parallel()
	vars := map[string]string{
		"RAPIDPRO_URL":   "http://127.0.0.1:1",
		"RAPIDPRO_TOKEN": "rp-SECRET-token",
		"IHRIS_URL":      "http://127.0.0.1:1/fhir",
		"IHRIS_USER":     "dm",
		"IHRIS_PASSWORD": "ihris-SECRET-password",
		"IHRIS_TOKEN":    "ihris-SECRET-token",
		"MHERO_SANDBOX":  "http://127.0.0.1:1",
	}
	for _, args := range [][]string{
		{"target", "-h"},
		{"target", "preview", "--no-such-flag"},
		{"monitor", "-h"},
		{"monitor", "--no-such-flag"},
		{"usecase", "review", "-h"},
		{"usecase", "review", "UC-0001", "--phone"},
		{"sandbox", "advance", "-h"},
		{"sandbox", "sms", "--no-such-flag"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			e := testEnv("", &stdout, &stderr)
			e.getenv = func(k string) string { return vars[k] }
			e.run(args)
			out := stdout.String() + stderr.String()
			if !strings.Contains(out, "rapidpro-token") {
				t.Fatalf("no help printed:\n%s", out)
			}
			if strings.Contains(out, "SECRET") {
				t.Errorf("the help shows a credential from the environment:\n%s", out)
			}
		})
	}
}

// TestCredentialsFromEnvironment checks that hiding the credentials' defaults
// does not lose them: a token in the environment is still the flag's value.
func TestCredentialsFromEnvironment(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	e := testEnv("", &stdout, &stderr)
	e.getenv = func(k string) string {
		return map[string]string{"RAPIDPRO_TOKEN": "rp-SECRET-token"}[k]
	}
	if code := e.run([]string{"target", "preview", "../targets/midwives.yaml"}); code != exitUsage {
		t.Fatalf("status %d, want %d\n%s", code, exitUsage, stderr.String())
	}
	first, _, _ := strings.Cut(stderr.String(), "\n")
	if want := "RAPIDPRO_URL, IHRIS_URL not set"; !strings.HasSuffix(first, want) {
		t.Errorf("got %q, want it to end with %q (the token was set)", first, want)
	}
}

// TestOutputDirectoryFlag checks that every command writing files takes
// -o for where they go, as compile, decompile, report and usecase
// register do: demo's --out and usecase report's --dir are kept as names
// of the same flag.
func TestOutputDirectoryFlag(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, args := range [][]string{
		{"demo", "-o", dir, "--workers", "0"},
		{"usecase", "report", "UC-0001", "-o", dir, "--db", dir + "/m.db", "--by", "dm"},
	} {
		var stdout, stderr bytes.Buffer
		e := testEnv("", &stdout, &stderr)
		e.getenv = noEnv
		e.run(args)
		if strings.Contains(stderr.String(), "flag provided but not defined") {
			t.Errorf("%v: %s", args, stderr.String())
		}
	}
}
