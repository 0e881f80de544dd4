package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mhero-go/mhero/internal/fixtures"
	"github.com/mhero-go/mhero/workflow"
)

// TestDecompile runs mhero decompile in-process and compares what it
// prints with testdata/NAME.golden (go test -update rewrites them).
func TestDecompile(t *testing.T) {
	t.Parallel()
	flows := fixtures.Dir(t, "fixtures", "flows")
	dir := t.TempDir()
	two := twoFlows(t, dir)
	legacy := writeFile(t, dir, "legacy.json", `{"version": 8, "flows": [{"name": "Old", "uuid": "1d7e1b3b-8c9f-4a56-9c1e-2f5e8d2b6a41", "action_sets": [], "rule_sets": []}]}`)
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"help-decompile", []string{"help", "decompile"}, exitOK},
		{"decompile-fits", []string{"decompile", filepath.Join(flows, "rating_10.json")}, exitOK},
		{"decompile-differs", []string{"decompile", filepath.Join(flows, "favorites_v13.json")}, exitInvalid},
		{"decompile-chosen", []string{"decompile", two, "--flow", "IDSR weekly report", "-o", filepath.Join(dir, "idsr.yaml")}, exitOK},
		{"decompile-two-flows", []string{"decompile", two}, exitUsage},
		{"decompile-unknown-flow", []string{"decompile", two, "--flow", "Nope"}, exitInvalid},
		{"decompile-legacy", []string{"decompile", legacy}, exitInvalid},
		{"decompile-no-file", []string{"decompile"}, exitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := testEnv("", &stdout, &stderr).run(tt.args)
			if code != tt.code {
				t.Errorf("exit status %d, want %d\nstderr:\n%s", code, tt.code, stderr.String())
			}
			got := "== stdout\n" + stdout.String() + "== stderr\n" + stderr.String()
			got = strings.ReplaceAll(strings.ReplaceAll(got, dir, "$TMP"), flows, "$FLOWS")
			checkGolden(t, filepath.Join("testdata", tt.name+".golden"), got)
		})
	}
}

// TestDecompileRoundTrip: an example compiled to an export and
// decompiled with mhero gives YAML that compiles to the same export.
func TestDecompileRoundTrip(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	export := filepath.Join(dir, "export.json")
	yaml := filepath.Join(dir, "stock.yaml")
	again := filepath.Join(dir, "again.json")
	for _, args := range [][]string{
		{"compile", "malaria-stock", "-o", export},
		{"decompile", export, "-o", yaml},
		{"compile", yaml, "-o", again},
	} {
		var stdout, stderr bytes.Buffer
		if code := testEnv("", &stdout, &stderr).run(args); code != exitOK {
			t.Fatalf("mhero %s: exit status %d: %s", strings.Join(args, " "), code, stderr.String())
		}
	}
	a, err := os.ReadFile(export)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(again)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("the decompiled workflow compiles to another export")
	}
	w, err := workflow.ParseFile(yaml)
	if err != nil {
		t.Fatal(err)
	}
	if w.Key != "malaria-stock" {
		t.Errorf("key %q, want malaria-stock", w.Key)
	}
}
