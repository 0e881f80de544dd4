// Package workflows holds the example workflows, real Ministry of Health use
// cases written in the mHero workflow DSL, embedded in the binary so that a
// program (the mhero command, a test) finds them from any directory.
//
// The YAML files beside this package are the source; README.md describes
// each one.
package workflows

import (
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/mhero-go/mhero/workflow"
)

// FS holds the example workflow files (malaria-stock.yaml, ...) at its
// root.
//
//go:embed *.yaml
var FS embed.FS

// Names lists the example workflows by name (the file name without
// ".yaml"), sorted.
func Names() []string {
	files, _ := fs.Glob(FS, "*.yaml") // the pattern is valid
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = strings.TrimSuffix(f, ".yaml")
	}
	slices.Sort(names)
	return names
}

// Lookup returns the YAML source of the example workflow called name
// ("malaria-stock", or "malaria-stock.yaml") and its file name. ok is false
// when there is no such example.
func Lookup(name string) (file string, data []byte, ok bool) {
	file = strings.TrimSuffix(name, ".yaml") + ".yaml"
	if strings.ContainsAny(name, `/\`) {
		return "", nil, false
	}
	data, err := FS.ReadFile(file)
	if err != nil {
		return "", nil, false
	}
	return file, data, true
}

// Parse parses and validates the example workflow called name, as
// [workflow.Parse] does; diagnostics name its file (e.g. malaria-stock.yaml).
func Parse(name string) (*workflow.Workflow, error) {
	file, data, ok := Lookup(name)
	if !ok {
		return nil, fmt.Errorf("workflows: no example workflow %q (have %s)", name, strings.Join(Names(), ", "))
	}
	return workflow.Parse(file, data)
}
