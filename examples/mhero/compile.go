package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"

	"github.com/mhero-go/mhero/workflow"
	"github.com/mhero-go/mhero/workflow/flow"
)

func runCompile(e *env, args []string) int {
	fs := e.newFlagSet("compile")
	out := fs.String("o", "", "write the export to this `file` instead of stdout")
	spec := fs.String("spec", "", "flow spec `version`: 13.0.0 (the default, imported by every RapidPro that knows spec 13) or 13.2.0")
	file, status, ok := e.parseFile(fs, args)
	if !ok {
		return status
	}
	var opts []workflow.CompileOption
	if *spec != "" {
		opts = append(opts, workflow.WithSpecVersion(*spec))
	}
	w, export, status := e.compile(file, opts...)
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

// compile loads a workflow file and compiles it with options taken from
// the command line, printing any problem to stderr. The status is exitOK,
// exitInvalid for a wrong workflow, or exitUsage for a refused option.
func (e *env) compile(file string, opts ...workflow.CompileOption) (*workflow.Workflow, *flow.Export, int) {
	w, ok := e.load(file)
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
		fmt.Fprintf(e.stderr, "mhero: %v\n", err)
		return nil, nil, exitUsage
	}
	return w, export, exitOK
}
