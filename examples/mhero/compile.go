package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mhero-go/mhero/workflow"
	"github.com/mhero-go/mhero/workflow/flow"
)

func runCompile(e *env, args []string) int {
	fs := e.newFlagSet("compile")
	out := fs.String("o", "", "write to this `file` instead of stdout (a .yaml or .yml file gets the workflow as YAML, as with --yaml)")
	spec := fs.String("spec", "", "flow spec `version`: 13.0.0 (the default, imported by every RapidPro that knows spec 13) or 13.2.0")
	asYAML := fs.Bool("yaml", false, "write the workflow as YAML instead of the export: an XLSForm becomes a file to review, edit and keep in git")
	file, status, ok := e.parseFile(fs, args)
	if !ok {
		return status
	}
	if *out != "" && sameFile(file, *out) {
		fmt.Fprintf(e.stderr, "mhero compile: -o %s is the workflow file itself: write to another file\n", *out)
		return exitUsage
	}
	switch strings.ToLower(filepath.Ext(*out)) {
	case ".yaml", ".yml":
		*asYAML = true
	}
	if *asYAML {
		if *spec != "" {
			fmt.Fprintln(e.stderr, "mhero compile: --spec is the export's version: it has no meaning with --yaml (or -o FILE.yaml)")
			return exitUsage
		}
		return e.writeYAML(file, *out)
	}
	var opts []workflow.CompileOption
	if *spec != "" {
		opts = append(opts, workflow.WithSpecVersion(*spec))
	}
	w, export, status := e.compile("compile", file, opts...)
	if status != exitOK {
		return status
	}
	var buf bytes.Buffer
	if err := workflow.WriteExport(&buf, export); err != nil {
		fmt.Fprintf(e.stderr, "mhero compile: %v\n", err)
		return exitInvalid
	}
	if *out == "" {
		e.stdout.Write(buf.Bytes())
		return exitOK
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		fmt.Fprintf(e.stderr, "mhero compile: %v\n", err)
		return exitInvalid
	}
	fmt.Fprintf(e.stdout, "%s: wrote %q (%d %s) to %s; import it in RapidPro under Settings > Import\n",
		file, w.Name, len(w.Questions), plural(len(w.Questions), "question", "questions"), *out)
	return exitOK
}

// writeYAML writes the workflow of file as YAML (workflow.WriteYAML) to
// out, or stdout when out is empty: an XLSForm converted once can then be
// reviewed, edited and kept in git like any workflow, and compiles to the
// same export as the workbook.
func (e *env) writeYAML(file, out string) int {
	w, ok := e.load("compile", file)
	if !ok {
		return exitInvalid
	}
	var buf bytes.Buffer
	if isWorkbook(file) {
		// Whoever reads the file in git learns where it came from; the
		// base name only, so that it does not depend on who converted it.
		fmt.Fprintf(&buf, "# Converted from the XLSForm %s by mhero compile --yaml.\n", filepath.Base(file))
	}
	if err := workflow.WriteYAML(&buf, w); err != nil {
		fmt.Fprintf(e.stderr, "mhero compile: %v\n", err)
		return exitInvalid
	}
	if out == "" {
		e.stdout.Write(buf.Bytes())
		return exitOK
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		fmt.Fprintf(e.stderr, "mhero compile: %v\n", err)
		return exitInvalid
	}
	fmt.Fprintf(e.stdout, "%s: wrote %q (%d %s) as YAML to %s; edit it, then validate and compile it like any workflow\n",
		file, w.Name, len(w.Questions), plural(len(w.Questions), "question", "questions"), out)
	return exitOK
}

// sameFile reports whether out names the existing file in: writing there
// would lose the workflow.
func sameFile(in, out string) bool {
	a, err := os.Stat(in)
	if err != nil {
		return false
	}
	b, err := os.Stat(out)
	return err == nil && os.SameFile(a, b)
}

// compile loads a workflow file for command cmd and compiles it with options taken from
// the command line, printing any problem to stderr. The status is exitOK,
// exitInvalid for a wrong workflow, or exitUsage for a refused option.
func (e *env) compile(cmd, file string, opts ...workflow.CompileOption) (*workflow.Workflow, *flow.Export, int) {
	w, ok := e.load(cmd, file)
	if !ok {
		return nil, nil, exitInvalid
	}
	export, err := workflow.Compile(w, opts...)
	var diags workflow.Diagnostics
	switch {
	case errors.As(err, &diags):
		for _, d := range diags.Errors() {
			fmt.Fprintln(e.stderr, d)
		}
		return nil, nil, exitInvalid
	case err != nil:
		// The workflow is valid (load checked it): an option was refused.
		fmt.Fprintf(e.stderr, "mhero %s: %v\n", cmd, err)
		return nil, nil, exitUsage
	}
	return w, export, exitOK
}
