package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"runtime/debug"
	"strings"
	"time"

	"github.com/mhero-go/mhero/examples/workflows"
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
	// buildInfo reads the binary's build information (debug.ReadBuildInfo;
	// fixed in tests).
	buildInfo func() (*debug.BuildInfo, bool)
	// getenv reads the environment (os.Getenv when nil; fixed in tests).
	getenv func(string) string
	// osUser names the operating system's user, whom the audit log
	// records when neither --by, MHERO_USER nor USER does (user.Current;
	// nil in tests, so that their output does not depend on who runs
	// them).
	osUser func() string
	// ctx, when not nil, is the context commands run in (tests cancel it
	// to stop a long-running command such as sandbox).
	ctx context.Context
}

// env returns the environment variable's value.
func (e *env) env(name string) string {
	if e.getenv != nil {
		return e.getenv(name)
	}
	return os.Getenv(name)
}

// command is one subcommand. Later ones (target, usecase, monitor, report)
// are added to the commands list.
type command struct {
	name    string
	args    string // the argument synopsis shown in usage
	summary string // one line, in the list of commands
	doc     string // what mhero help NAME says after the synopsis
	// run executes the command with its arguments (after the name) and
	// returns the exit status.
	run func(e *env, args []string) int
}

// xlsformDoc tells the commands that read a workflow that an XLSForm
// workbook will do.
var xlsformDoc = "FILE may be an XLSForm workbook (.xlsx: sheets survey, choices, settings),\nwhose problems are placed at their cells: file:survey!C7 (row 7, column 3).\n"

// examplesDoc tells the commands that read a workflow where the built-in
// examples are.
var examplesDoc = "FILE may also name a built-in example workflow:\n" + strings.Join(workflows.Names(), ", ") + "."

func commands() []*command {
	return []*command{
		{"validate", "FILE.yaml|FORM.xlsx", "check a workflow and list every problem with its position",
			"Validate checks a workflow file and prints every problem at once, as\nfile:line:column: field: message, then exits 1; a valid workflow prints\nits name, questions and languages (and its warnings, on stderr).\n" + xlsformDoc + examplesDoc,
			runValidate},
		{"compile", "FILE.yaml|FORM.xlsx [-o export.json] [--spec VERSION] [--yaml]", "compile a workflow to a RapidPro export (stdout by default), or write it as YAML",
			"Compile writes the RapidPro export of a valid workflow. Import it in\nRapidPro under Settings > Import (RapidPro has no API to create flows).\nWith --yaml (or -o FILE.yaml) it writes the workflow as YAML instead:\nan XLSForm converted once is then reviewed, edited and kept in git.\n" + xlsformDoc + examplesDoc,
			runCompile},
		{"decompile", "EXPORT.json [--flow NAME] [-o FILE.yaml] [--key KEY]", "turn a flow of a RapidPro export back into a workflow, listing what does not fit",
			decompileDoc,
			runDecompile},
		{"simulate", "FILE.yaml|FORM.xlsx|EXPORT.json [--reply TEXT]... [--timeout]... [--json] [--lang CODE] [--name NAME] [--flow NAME]", "run a workflow (or a RapidPro export) offline with scripted or typed replies",
			"Simulate runs a workflow, or a flow of a RapidPro export, offline, as one\nhealth worker. Replies (--reply) and timeouts (--timeout) are played in the\norder given; with none, simulate asks for each reply at a prompt, where an\nempty line or /timeout means no reply (the question times out).\n" + xlsformDoc + examplesDoc,
			runSimulate},
		{"demo", "[--workflow FILE] [--cadre CODE] [--district ID] [--workers N] [--days N] [--seed N] [-o DIR] [--no-pdf] [--chromium PATH]", "run one use case through every step of the SOP on in-process iHRIS and RapidPro servers",
			"Demo runs one use case through every step of the Standard Operating Procedure\n" +
				"on in-process iHRIS and RapidPro servers (the sandbox), with simulated\n" +
				"health workers and a simulated Director: the Request Form, the review, the\n" +
				"simulator, the tests on the Data Manager's and the Requestor's phones, the\n" +
				"approval by SMS, the activation for a cadre of a district, simulated days\n" +
				"of answers, monitoring, the reports and their delivery to the Requestor.\n" +
				"It prints who did what at each step and the state it left, and ends with\n" +
				"the paths of the reports and of the use-case register, kept in -o DIR (a\n" +
				"new temporary directory by default) with the state database. The\n" +
				"reports' PDF copies are printed by Chromium when it is installed (or\n" +
				"named by --chromium or MHERO_CHROMIUM); --no-pdf skips them.\n" +
				"The workflow is a file or a built-in example:\n" + strings.Join(workflows.Names(), ", ") + ".",
			runDemo},
		{"target", "preview|plan|sync FILE.yaml [--sandbox] [--dry-run] [--full] [--json] [--db FILE|DSN] [--rate N] [server flags]", "preview, plan or sync a target group of health workers into RapidPro",
			targetDoc,
			runTarget},
		{"monitor", "[--flow NAME|UUID] [--json] [--db FILE|DSN] [--sandbox] [server flags]", "refresh the tracked workflows' runs from RapidPro; print their response rates and what changed",
			monitorDoc,
			runMonitor},
		{"report", "overview|analysis|monitoring|monthly|floip [--flow NAME|UUID] [--month YYYY-MM] [--tz ZONE] [-o DIR] [--show-phones] [--no-pdf] [--chromium PATH] [--db FILE|DSN] [--workspace UUID] [--sandbox] [--sandbox-url URL]", "write a report from the monitored workflows: Overview, Analysis, Monitoring Tool, monthly, FLOIP",
			reportDoc,
			runReport},
		{"usecase", "new|show|list|review|test|notify|feedback|edit|request-approval|approve|activate|monitor|report|send-report|cancel|audit|register|export ...", "follow a use case through the SOP, from the Request Form to the report, on real servers",
			usecaseDoc,
			runUsecase},
		{"sandbox", "[--workers N] [--speed X] [--director PHONE]... | advance DURATION | sms --from PHONE TEXT", "run in-process iHRIS and RapidPro with simulated health workers and Director, to rehearse the SOP",
			sandboxDoc,
			runSandbox},
		{"version", "", "print the program's module version, Go version and source revision",
			"Version prints the module version the program was built from, the Go\nversion and platform, and the source revision when the build recorded it.",
			runVersion},
	}
}

func lookupCommand(name string) *command {
	for _, c := range commands() {
		if c.name == name {
			return c
		}
	}
	return nil
}

// run is the whole program, minus the process: arguments (without the
// program name), streams, and the exit status it returns.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, now: time.Now, buildInfo: debug.ReadBuildInfo, osUser: osUserName}
	return e.run(args)
}

// osUserName is the full name of the operating system's user, else their
// login name, else "" (a container may have no user database).
func osUserName() string {
	u, err := user.Current()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(cmp.Or(u.Name, u.Username))
}

// run dispatches args[0] to its subcommand and returns the exit status.
func (e *env) run(args []string) int {
	if len(args) == 0 {
		e.usage(e.stderr)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		return e.help(args[1:])
	}
	if c := lookupCommand(args[0]); c != nil {
		return c.run(e, args[1:])
	}
	fmt.Fprintf(e.stderr, "mhero: unknown command %q\n", args[0])
	e.usage(e.stderr)
	return exitUsage
}

// help prints the general usage, or with a command name that command's
// own (as mhero COMMAND -h does), on stdout.
func (e *env) help(args []string) int {
	switch len(args) {
	case 0:
		e.usage(e.stdout)
		return exitOK
	case 1:
		if c := lookupCommand(args[0]); c != nil {
			// The flags are declared where the command parses them: ask
			// the command itself for its help.
			return c.run(e, []string{"-h"})
		}
		fmt.Fprintf(e.stderr, "mhero help: unknown command %q\n", args[0])
	default:
		fmt.Fprintf(e.stderr, "mhero help: expected one command, got %s\n", strings.Join(args, " "))
	}
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
	fmt.Fprintln(w, "Run mhero help COMMAND (or mhero COMMAND -h) for a command's arguments.")
	fmt.Fprintln(w, "Exit status: 0 success, 1 invalid input (or a step refused), 2 usage error;\nmhero usecase also exits 3 when a step cannot be taken yet.")
}

// newFlagSet returns the flag set of command name. The flag package
// prints nothing: e.parse prints a parsing error, prefixed with the
// command like every other error, and the usage after it (or on stdout
// for -h).
func (e *env) newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// commandUsage prints the help of the command whose flag set fs is.
func commandUsage(w io.Writer, fs *flag.FlagSet) {
	c := lookupCommand(fs.Name())
	fmt.Fprintln(w, strings.TrimSpace("Usage: mhero "+c.name+" "+c.args))
	if c.doc != "" {
		fmt.Fprintf(w, "\n%s\n", c.doc)
	}
	if hasFlags(fs) {
		fmt.Fprintln(w, "\nOptions:")
		out := fs.Output()
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(out)
	}
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// parse parses a command's flags and returns its positional arguments.
// When ok is false the command stops with status: exitOK after -h (its
// help on stdout), exitUsage after a wrong flag (the error and the help
// on stderr).
func (e *env) parse(fs *flag.FlagSet, args []string) (pos []string, status int, ok bool) {
	pos, err := parseArgs(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		commandUsage(e.stdout, fs)
		return nil, exitOK, false
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "mhero %s: %v\n", fs.Name(), err)
		commandUsage(e.stderr, fs)
		return nil, exitUsage, false
	}
	return pos, exitOK, true
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
	pos, status, ok := e.parse(fs, args)
	if !ok {
		return "", status, false
	}
	if len(pos) != 1 {
		if len(pos) == 0 {
			fmt.Fprintf(e.stderr, "mhero %s: missing the workflow file\n", fs.Name())
		} else {
			fmt.Fprintf(e.stderr, "mhero %s: expected one workflow file, got %s\n", fs.Name(), strings.Join(pos, " "))
		}
		commandUsage(e.stderr, fs)
		return "", exitUsage, false
	}
	return pos[0], exitOK, true
}

// secret is the flag.Value of a credential (a token, a password). Its
// String is always empty, so that the help never shows the value taken
// from the environment as the flag's default: the help is printed after
// every usage error, into terminals' scrollback and CI logs.
type secret struct{ p *string }

func (s secret) String() string { return "" }

func (s secret) Set(v string) error {
	*s.p = v
	return nil
}

// secretVar declares the credential flag name, whose value is that of the
// environment variable envName unless the flag is given. As in
// flag.PrintDefaults, a back-quoted word of usage names the flag's value.
func (e *env) secretVar(fs *flag.FlagSet, p *string, name, envName, usage string) {
	*p = e.env(envName)
	fs.Var(secret{p}, name, usage)
}

// secretFlag is secretVar returning the flag's variable, like fs.String.
func (e *env) secretFlag(fs *flag.FlagSet, name, envName, usage string) *string {
	p := new(string)
	e.secretVar(fs, p, name, envName, usage)
	return p
}

// Text output writes every time one way (JSON keeps RFC 3339): with
// timeLayout, in the workspace's time zone when the command knows it (a
// use case's is the zone its Request Form's send time is in; monitor's
// and report's, RapidPro's workspace setting or --tz), else in UTC. The
// zone's abbreviation always follows, so "GMT" and "UTC" never leave a
// reader guessing which clock a time is on.
const (
	timeLayout = "Mon 2 Jan 2006 15:04 MST"
	dateLayout = "Mon 2 Jan 2006"
)

// showTime writes t as text output does, in loc (UTC when nil).
func showTime(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format(timeLayout)
}

// showStamp is showTime for a time the library keeps as RFC 3339 text
// (usecase.Test.At); text that is not one is shown as it is.
func showStamp(s string, loc *time.Location) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return showTime(t, loc)
}
