package main

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/mhero-go/mhero/examples/workflows"
	"github.com/mhero-go/mhero/workflow"
	"github.com/mhero-go/mhero/workflow/xlsform"
)

func runValidate(e *env, args []string) int {
	fs := e.newFlagSet("validate")
	file, status, ok := e.parseFile(fs, args)
	if !ok {
		return status
	}
	w, ok := e.load("validate", file)
	if !ok {
		return exitInvalid
	}
	fmt.Fprintf(e.stdout, "%s: ok: %q, %d %s, languages %s\n",
		file, w.Name, len(w.Questions), plural(len(w.Questions), "question", "questions"), strings.Join(w.Languages(), ", "))
	return exitOK
}

// load parses and validates, for command cmd, a workflow file, or a built-in example named
// without an extension (malaria-stock), printing its problems (and, for a
// valid workflow, its warnings) to stderr. ok is false when the workflow
// has errors or cannot be read.
func (e *env) load(cmd, file string) (*workflow.Workflow, bool) {
	w, err := parseWorkflow(file)
	var diags workflow.Diagnostics
	if errors.As(err, &diags) {
		for _, d := range diags {
			fmt.Fprintln(e.stderr, d)
		}
		errs := len(diags.Errors())
		fmt.Fprintf(e.stderr, "%s: %d %s\n", file, errs, plural(errs, "error", "errors"))
		return nil, false
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "mhero %s: %v\n", cmd, err)
		return nil, false
	}
	for _, d := range w.Validate().Warnings() {
		fmt.Fprintln(e.stderr, d)
	}
	return w, true
}

// parseWorkflow reads the workflow file (YAML, or an XLSForm workbook),
// or, when no such file exists and the name has no extension nor folder,
// the built-in example of that name. A name with an extension is always a
// file, so a mistyped path is never silently replaced by an example.
func parseWorkflow(file string) (*workflow.Workflow, error) {
	if isWorkbook(file) {
		return xlsform.ParseFile(file)
	}
	w, err := workflow.ParseFile(file)
	if !errors.Is(err, fs.ErrNotExist) || filepath.Ext(file) != "" || strings.ContainsAny(file, `/\`) {
		return w, err
	}
	if _, _, ok := workflows.Lookup(file); !ok {
		return nil, fmt.Errorf("%w (nor is it a built-in example: %s)", err, strings.Join(workflows.Names(), ", "))
	}
	return workflows.Parse(file)
}

// isWorkbook reports whether file is named as a spreadsheet, to be read as
// an XLSForm. An old .xls (or an .xlsm) goes to the XLSForm reader too,
// which says how to save it, rather than to the YAML one, which would
// report its bytes as YAML mistakes.
func isWorkbook(file string) bool {
	switch strings.ToLower(filepath.Ext(file)) {
	case ".xlsx", ".xlsm", ".xls":
		return true
	}
	return false
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
