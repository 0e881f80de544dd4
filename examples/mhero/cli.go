package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
)

// Exit statuses.
const (
	exitOK      = 0
	exitInvalid = 1 // the input (a workflow file, a reply script) is wrong
	exitUsage   = 2 // the command line is wrong
)

// env is what a subcommand works with: its streams, so tests can run the
// program in-process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// now is the clock of simulations (time.Now; fixed in tests).
	now func() time.Time
}

// command is one subcommand. Later ones (sandbox, demo, target, usecase,
// monitor, report) are added to the commands list.
type command struct {
	name    string
	args    string // the argument synopsis shown in usage
	summary string
	// run executes the command with its arguments (after the name) and
	// returns the exit status.
	run func(e *env, args []string) int
}

func commands() []*command {
	return []*command{
		{"validate", "FILE.yaml", "check a workflow and list every problem with its position", runValidate},
		{"compile", "FILE.yaml [-o export.json] [--spec VERSION]", "compile a workflow to a RapidPro export (stdout by default)", runCompile},
		{"simulate", "FILE.yaml|EXPORT.json [--reply TEXT]... [--timeout]... [--json] [--lang CODE] [--name NAME] [--flow NAME]", "run a workflow (or a RapidPro export) offline with scripted or typed replies", runSimulate},
		{"demo", "[--workflow FILE] [--cadre CODE] [--district ID] [--workers N] [--days N]", "send a workflow to a target group on in-process iHRIS and RapidPro servers with simulated health workers", runDemo},
	}
}

// run is the whole program, minus the process: arguments (without the
// program name), streams, and the exit status it returns.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, now: time.Now}
	return e.run(args)
}

// run dispatches args[0] to its subcommand and returns the exit status.
func (e *env) run(args []string) int {
	if len(args) == 0 {
		e.usage(e.stderr)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		e.usage(e.stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(e, args[1:])
		}
	}
	fmt.Fprintf(e.stderr, "mhero: unknown command %q\n", args[0])
	e.usage(e.stderr)
	return exitUsage
}

func (e *env) usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: mhero COMMAND [ARGUMENTS]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run mhero COMMAND -h for a command's arguments.")
}

// newFlagSet returns a flag set for a command that reports errors to
// stderr instead of exiting.
func (e *env) newFlagSet(c string) *flag.FlagSet {
	fs := flag.NewFlagSet(c, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	for _, cmd := range commands() {
		if cmd.name == c {
			fs.Usage = func() {
				fmt.Fprintf(e.stderr, "Usage: mhero %s %s\n", cmd.name, cmd.args)
				if hasFlags(fs) {
					fmt.Fprintln(e.stderr, "\nOptions:")
					fs.PrintDefaults()
				}
			}
		}
	}
	return fs
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// parseArgs parses flags that may come before or after the positional
// arguments (mhero simulate FILE --reply yes) and returns the positional
// ones. A "--" ends the flags.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// flag stops at "--" too; everything after it is positional.
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// parseFile parses a command's arguments, which must name exactly one
// workflow file. When ok is false the command stops with status.
func (e *env) parseFile(fs *flag.FlagSet, args []string) (file string, status int, ok bool) {
	pos, err := parseArgs(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return "", exitOK, false
	}
	if err != nil {
		return "", exitUsage, false
	}
	if len(pos) != 1 {
		if len(pos) == 0 {
			fmt.Fprintf(e.stderr, "mhero %s: missing the workflow file\n", fs.Name())
		} else {
			fmt.Fprintf(e.stderr, "mhero %s: expected one workflow file, got %s\n", fs.Name(), strings.Join(pos, " "))
		}
		fs.Usage()
		return "", exitUsage, false
	}
	return pos[0], exitOK, true
}
