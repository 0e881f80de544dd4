package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/mhero-go/mhero/workflow"
)

func runValidate(e *env, args []string) int {
	fs := e.newFlagSet("validate")
	file, status, ok := e.parseFile(fs, args)
	if !ok {
		return status
	}
	w, ok := e.load(file)
	if !ok {
		return exitInvalid
	}
	fmt.Fprintf(e.stdout, "%s: ok: %q, %d %s, languages %s\n",
		file, w.Name, len(w.Questions), plural(len(w.Questions), "question", "questions"), strings.Join(w.Languages(), ", "))
	return exitOK
}

// load parses and validates a workflow file, printing its problems (and, for
// a valid workflow, its warnings) to stderr. ok is false when the workflow
// has errors or cannot be read.
func (e *env) load(file string) (*workflow.Workflow, bool) {
	w, err := workflow.ParseFile(file)
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
		fmt.Fprintf(e.stderr, "mhero: %v\n", err)
		return nil, false
	}
	for _, d := range w.Validate().Warnings() {
		fmt.Fprintln(e.stderr, d)
	}
	return w, true
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
