package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mhero-go/mhero/workflow"
	"github.com/mhero-go/mhero/workflow/decompile"
)

const decompileDoc = `Decompile turns a flow of a RapidPro export (Settings > Export, spec 11
to 13) into a workflow written as YAML, to be reviewed, kept in git and
compiled back. What the workflow format cannot express (a webhook, a
subflow, a test it has no type for, words only some languages match) is
listed node by node, with the editor's label, on stderr and at the top of
the YAML; the status is then 1, and the YAML is a starting point that
does not do what the flow does at those nodes. Warnings (a result name
respelt, say) change nothing a health worker sees.
The key of a workflow this program compiled is found again from the
flow; otherwise it is made from the flow's name (--key sets it).`

func runDecompile(e *env, args []string) int {
	fs := e.newFlagSet("decompile")
	name := fs.String("flow", "", "the flow to decompile, by `name` or UUID (needed when the export holds several)")
	out := fs.String("o", "", "write the YAML to this `file` instead of stdout")
	key := fs.String("key", "", "the workflow `key` (by default found again, or made from the flow's name)")
	pos, status, ok := e.parse(fs, args)
	if !ok {
		return status
	}
	if len(pos) != 1 {
		if len(pos) == 0 {
			fmt.Fprintln(e.stderr, "mhero decompile: missing the export file")
		} else {
			fmt.Fprintf(e.stderr, "mhero decompile: expected one export file, got %s\n", strings.Join(pos, " "))
		}
		commandUsage(e.stderr, fs)
		return exitUsage
	}
	file := pos[0]
	if *out != "" && sameFile(file, *out) {
		fmt.Fprintf(e.stderr, "mhero decompile: -o %s is the export itself: write to another file\n", *out)
		return exitUsage
	}
	export, status := e.readExport("decompile", file)
	if status != exitOK {
		return status
	}
	r, err := decompile.Decompile(export, decompile.Options{Flow: *name, Key: *key})
	switch {
	case errors.Is(err, decompile.ErrLegacy):
		fmt.Fprintf(e.stderr, "%s: %v\n", file, err)
		return exitInvalid
	case err != nil && *name == "" && len(export.Flows) > 1:
		fmt.Fprintf(e.stderr, "mhero decompile: %s: %v with --flow NAME\n", file, err)
		return exitUsage
	case err != nil:
		fmt.Fprintf(e.stderr, "mhero decompile: %s: %v\n", file, err)
		return exitInvalid
	}
	for _, p := range r.Problems {
		fmt.Fprintf(e.stderr, "%s: %s\n", file, p)
	}
	errs := r.Problems.Errors()
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# Decompiled from the flow %q of %s by mhero decompile.\n", r.Flow.Name, filepath.Base(file))
	if len(errs) > 0 {
		fmt.Fprintf(&buf, "# It does NOT do what the flow does: %d %s.\n", len(errs), plural(len(errs), "difference", "differences"))
	}
	for _, p := range r.Problems {
		fmt.Fprintf(&buf, "# - %s\n", strings.ReplaceAll(strings.TrimPrefix(p.String(), fmt.Sprintf("flow %q: ", r.Flow.Name)), "\n", " "))
	}
	if err := workflow.WriteYAML(&buf, r.Workflow); err != nil {
		fmt.Fprintf(e.stderr, "mhero decompile: %v\n", err)
		return exitInvalid
	}
	if *out == "" {
		e.stdout.Write(buf.Bytes())
	} else {
		if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
			fmt.Fprintf(e.stderr, "mhero decompile: %v\n", err)
			return exitInvalid
		}
		n := len(r.Workflow.Questions)
		fmt.Fprintf(e.stdout, "%s: wrote the flow %q as a workflow (%d %s) to %s\n", file, r.Flow.Name, n, plural(n, "question", "questions"), *out)
	}
	if len(errs) > 0 {
		fmt.Fprintf(e.stderr, "%s: %d %s between the flow and the workflow\n", file, len(errs), plural(len(errs), "difference", "differences"))
		return exitInvalid
	}
	return exitOK
}
