package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mhero-go/mhero/rapidpro/rapidprotest"
	"github.com/mhero-go/mhero/workflow"
	"github.com/mhero-go/mhero/workflow/flow"
)

// TestReportInWorkspaceZone checks that a report written offline shows
// times in the zone RapidPro reports for the workspace, which mhero
// monitor recorded in the store, without --tz; and that --tz still wins.
func TestReportInWorkspaceZone(t *testing.T) {
	t.Parallel()
	// Nairobi is UTC+3 all year (the sandbox's Monrovia is UTC).
	srv, err := rapidprotest.New(rapidprotest.WithWorkspace(rapidprotest.Workspace{Timezone: "Africa/Nairobi"}))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	w, err := parseWorkflow("malaria-stock")
	if err != nil {
		t.Fatal(err)
	}
	exp, err := workflow.Compile(w)
	if err != nil {
		t.Fatal(err)
	}
	data, err := flow.MarshalExport(exp)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.ImportFlows(data); err != nil {
		t.Fatal(err)
	}
	dbFile := filepath.Join(t.TempDir(), "mhero.db")
	runCLI(t, exitOK, "monitor", "--rapidpro-url", srv.URL(), "--rapidpro-token", srv.Token(), "--db", dbFile, "--flow", "malaria-stock", "--json")

	created := func(extra ...string) string {
		t.Helper()
		dir := t.TempDir()
		out, _ := runCLI(t, exitOK, append([]string{"report", "floip", "--db", dbFile, "-o", dir}, extra...)...)
		paths := strings.Fields(out)
		if len(paths) == 0 {
			t.Fatalf("report printed %q", out)
		}
		var pkg struct {
			Created string `json:"created"`
		}
		data, err := os.ReadFile(paths[0])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &pkg); err != nil {
			t.Fatal(err)
		}
		return pkg.Created
	}
	if got := created(); !strings.HasSuffix(got, "+03:00") {
		t.Errorf("without --tz the package was created at %s, want Nairobi's time (+03:00)", got)
	}
	if got := created("--tz", "UTC"); !strings.HasSuffix(got, "+00:00") {
		t.Errorf("with --tz UTC the package was created at %s, want UTC (+00:00)", got)
	}
}
