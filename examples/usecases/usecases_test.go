package usecases_test

import (
	"errors"
	"io/fs"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/mhero-go/mhero/examples/usecases"
	"github.com/mhero-go/mhero/usecase"
)

// TestEmbedded checks that every form beside the package is embedded and
// reads, with its workflow, from the embedded files alone.
func TestEmbedded(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("forms beside the package: %v %v", files, err)
	}
	var names []string
	for _, f := range files {
		names = append(names, f[:len(f)-len(".yaml")])
	}
	if got := usecases.Names(); !slices.Equal(got, names) {
		t.Errorf("Names() = %v, want %v", got, names)
	}
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	for _, name := range names {
		file, data, ok := usecases.Lookup(name)
		if !ok {
			t.Fatalf("Lookup(%q) found nothing", name)
		}
		rel := func(n string) ([]byte, error) { return usecases.Open(filepath.Join(filepath.Dir(file), n)) }
		form, ps, err := usecase.ParseForm(file, data, now, rel)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(ps.Errors()) > 0 || form.Workflow == nil {
			t.Errorf("%s: problems %v, workflow %v", name, ps, form.Workflow)
		}
	}
}

func TestLookupAndOpenRefuseOtherFiles(t *testing.T) {
	t.Parallel()
	if _, _, ok := usecases.Lookup("../usecases/malaria-stock"); ok {
		t.Error("Lookup accepted a path")
	}
	for _, name := range []string{"workflows/nope.yaml", "secrets.yaml", "usecases/../../etc/passwd"} {
		if _, err := usecases.Open(name); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Open(%q) = %v, want not exist", name, err)
		}
	}
}
