package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// context is the context commands run in: the test's, or the background.
func (e *env) context() context.Context {
	if e.ctx != nil {
		return e.ctx
	}
	return context.Background()
}

// parseSub parses the flags of a subcommand (mhero usecase new, mhero
// sandbox advance), whose flag set is named after it, as parse does for a
// command: -h prints its help on stdout, a wrong flag the error and the
// help on stderr.
func (e *env) parseSub(fs *flag.FlagSet, args []string, synopsis, doc string) (pos []string, status int, ok bool) {
	pos, err := parseArgs(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		e.subUsage(e.stdout, fs, synopsis, doc)
		return nil, exitOK, false
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "mhero %s: %v\n", fs.Name(), err)
		e.subUsage(e.stderr, fs, synopsis, doc)
		return nil, exitUsage, false
	}
	return pos, exitOK, true
}

// subUsage prints a subcommand's help.
func (e *env) subUsage(w io.Writer, fs *flag.FlagSet, synopsis, doc string) {
	fmt.Fprintln(w, strings.TrimSpace("Usage: mhero "+fs.Name()+" "+synopsis))
	if doc != "" {
		fmt.Fprintf(w, "\n%s\n", doc)
	}
	if hasFlags(fs) {
		fmt.Fprintln(w, "\nOptions:")
		out := fs.Output()
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(out)
	}
}

// printJSON writes v as indented JSON on stdout.
func (e *env) printJSON(name string, v any) int {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		fmt.Fprintf(e.stderr, "mhero %s: %v\n", name, err)
		return exitInvalid
	}
	return exitOK
}
