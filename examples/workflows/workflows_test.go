package workflows_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mhero-go/mhero/examples/workflows"
	"github.com/mhero-go/mhero/workflow"
)

// TestEmbedded checks that every YAML file of the folder is embedded, byte
// for byte, and parses as the file does.
func TestEmbedded(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no workflow files: %v", err)
	}
	var want []string
	for _, f := range files {
		want = append(want, strings.TrimSuffix(f, ".yaml"))
	}
	if got := workflows.Names(); !slices.Equal(got, want) {
		t.Errorf("Names() = %q, want %q", got, want)
	}
	for _, name := range workflows.Names() {
		onDisk, err := os.ReadFile(name + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		file, data, ok := workflows.Lookup(name + ".yaml")
		if !ok || file != name+".yaml" || string(data) != string(onDisk) {
			t.Errorf("Lookup(%q) = %q, %d bytes, %v: want the file's %d bytes", name+".yaml", file, len(data), ok, len(onDisk))
		}
		w, err := workflows.Parse(name)
		if err != nil {
			t.Errorf("Parse(%q): %v", name, err)
			continue
		}
		if len(w.Questions) == 0 {
			t.Errorf("%s has no questions", name)
		}
	}
}

func TestLookupUnknown(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"", "nope", "../workflows/malaria-stock", "examples/workflows/malaria-stock.yaml"} {
		if _, _, ok := workflows.Lookup(name); ok {
			t.Errorf("Lookup(%q) found an example", name)
		}
	}
	_, err := workflows.Parse("nope")
	if err == nil || !strings.Contains(err.Error(), "malaria-stock") {
		t.Errorf("Parse(nope) = %v, want an error listing the examples", err)
	}
}

// Programs find the examples wherever they run.
func Example() {
	w, err := workflows.Parse("malaria-stock")
	if err != nil {
		fmt.Println(err)
		return
	}
	exp, err := workflow.Compile(w)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s: %d questions in %s, %d flow\n", w.Name, len(w.Questions), strings.Join(w.Languages(), ", "), len(exp.Flows))
	// Output: Malaria stock check: 5 questions in eng, fra, por, 1 flow
}
