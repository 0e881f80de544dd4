// Package usecases holds the example Use Case Request Forms, embedded in
// the binary so that the mhero command finds them from any directory
// (mhero usecase new malaria-stock). A form names its workflow as a path
// beside it (../workflows/NAME.yaml), which [Open] resolves to the
// embedded example workflows.
package usecases

import (
	"embed"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/mhero-go/mhero/examples/workflows"
)

// FS holds the example request forms (malaria-stock.yaml, ...) at its root.
//
//go:embed *.yaml
var FS embed.FS

// Names lists the example forms by name, without ".yaml".
func Names() []string {
	files, _ := fs.Glob(FS, "*.yaml") // the pattern is valid
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = strings.TrimSuffix(f, ".yaml")
	}
	slices.Sort(names)
	return names
}

// Lookup returns the example form called name ("malaria-stock", or
// "malaria-stock.yaml"), with the file name to report its problems
// against ("usecases/malaria-stock.yaml"). A name holding a path separator
// is never an example.
func Lookup(name string) (file string, data []byte, ok bool) {
	if strings.ContainsAny(name, `/\`) {
		return "", nil, false
	}
	base := strings.TrimSuffix(name, ".yaml") + ".yaml"
	data, err := FS.ReadFile(base)
	if err != nil {
		return "", nil, false
	}
	return "usecases/" + base, data, true
}

// Open reads a file an example form names, relative to the form's file
// name as Lookup gives it: "usecases/../workflows/malaria-stock.yaml" is
// the embedded example workflow. Anything else does not exist.
func Open(name string) ([]byte, error) {
	p := path.Clean(strings.ReplaceAll(name, `\`, "/"))
	if dir, file := path.Split(p); dir == "workflows/" {
		if _, data, ok := workflows.Lookup(file); ok {
			return data, nil
		}
	} else if dir == "usecases/" {
		if _, data, ok := Lookup(file); ok {
			return data, nil
		}
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}
