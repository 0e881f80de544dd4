package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"

	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/workflow"
	"github.com/mhero-go/mhero/workflow/flow"
	"github.com/mhero-go/mhero/workflow/sim"
)

func runSimulate(e *env, args []string) int {
	fs := e.newFlagSet("simulate")
	var sc script
	fs.Var(replyFlag{&sc}, "reply", "a reply from the health worker (repeat; played in order with --timeout)")
	fs.Var(timeoutFlag{&sc}, "timeout", "let the waiting question time out (repeat; played in order with --reply)")
	asJSON := fs.Bool("json", false, `print {"messages", "results", "status", "error"} as JSON, even when the simulation stops on an error`)
	lang := fs.String("lang", "", "the health worker's language (ISO 639-3, e.g. fra); the workflow's language by default")
	name := fs.String("name", "Test Health Worker", "the health worker's name")
	phone := fs.String("urn", "tel:+231770000001", "the health worker's URN")
	country := fs.String("country", "LR", "the workspace's country (ISO 3166 alpha-2), for reading local phone numbers")
	dateFormat := fs.String("date-format", "DD-MM-YYYY", "how dates in replies are read: DD-MM-YYYY, MM-DD-YYYY or YYYY-MM-DD")
	tzName := fs.String("tz", "UTC", "workspace time zone (IANA name, e.g. Africa/Monrovia)")
	flowName := fs.String("flow", "", "the flow to run, by name or UUID, when FILE is an export holding several")
	file, status, ok := e.parseFile(fs, args)
	if !ok {
		return status
	}
	tz, err := time.LoadLocation(*tzName)
	if err != nil {
		fmt.Fprintf(e.stderr, "mhero simulate: --tz: %v\n", err)
		return exitUsage
	}
	*country = strings.ToUpper(*country)
	if !phonenumbers.GetSupportedRegions()[*country] {
		fmt.Fprintf(e.stderr, "mhero simulate: --country %s: not a country code (ISO 3166 alpha-2, e.g. LR, SL, UG)\n", *country)
		return exitUsage
	}
	urn, err := contactURN(*phone, *country)
	if err != nil {
		fmt.Fprintf(e.stderr, "mhero simulate: --urn: %v\n", err)
		return exitUsage
	}
	var (
		w      *workflow.Workflow
		export *flow.Export
	)
	if strings.HasSuffix(file, ".json") {
		// An export from RapidPro (or from mhero compile) runs as it is.
		if export, status = e.readExport("simulate", file); status != exitOK {
			return status
		}
		if *flowName == "" && len(export.Flows) > 1 {
			// Running the first one would be a guess the Data Manager does
			// not see.
			names := make([]string, len(export.Flows))
			for i, f := range export.Flows {
				names[i] = strconv.Quote(f.Name)
			}
			fmt.Fprintf(e.stderr, "mhero simulate: %s holds %d flows: choose one with --flow NAME (%s)\n", file, len(names), strings.Join(names, ", "))
			return exitUsage
		}
	} else {
		if w, export, status = e.compile("simulate", file); status != exitOK {
			return status
		}
		if *lang != "" && !slices.Contains(w.Languages(), *lang) {
			fmt.Fprintf(e.stderr, "mhero simulate: --lang %s: the workflow is written in %s\n", *lang, strings.Join(w.Languages(), ", "))
			return exitUsage
		}
	}
	opts := []sim.Option{
		sim.WithContact(sim.Contact{Name: *name, URN: urn, Language: *lang}),
		sim.WithEnvironment(sim.Environment{Timezone: tz, DateFormat: *dateFormat, DefaultCountry: *country}),
		sim.WithClock(e.now),
	}
	if *flowName != "" {
		opts = append(opts, sim.WithFlow(*flowName))
	}
	s, err := sim.New(export, opts...)
	if err == nil && w == nil {
		warnUnsupported(e, export, *flowName)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "mhero simulate: %v\n", err)
		return exitUsage
	}

	// The transcript goes to stdout, unless stdout is for the JSON.
	t := &transcript{w: e.stdout, echo: true, timedOut: map[string]bool{}}
	if *asJSON {
		t.w = e.stderr
		t.quiet = len(sc.steps) > 0
	}
	interactive := len(sc.steps) == 0
	if interactive {
		t.printf("(one reply per line; an empty line or /timeout means no reply, so the question times out; Ctrl-D stops)\n")
	}
	err = s.Start()
	t.messages(s)
	if err == nil {
		if interactive {
			err = playInteractive(s, e.stdin, t)
		} else {
			err = playScript(s, sc.steps, t)
		}
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "mhero simulate: %v\n", err)
	}
	if *asJSON {
		// What happened up to the error is printed too: a script reading
		// stdout always gets the session's state.
		if jerr := writeJSON(e.stdout, s, t, err); jerr != nil {
			fmt.Fprintf(e.stderr, "mhero simulate: %v\n", jerr)
			return exitInvalid
		}
	} else if err == nil {
		t.summary(s, w)
	}
	if err != nil {
		return exitInvalid
	}
	return exitOK
}

// contactURN checks the --urn flag: a URN (scheme:path), a tel: one being a
// valid number, which is written in E.164 (a local number is read in
// country).
func contactURN(s, country string) (string, error) {
	u, err := rapidpro.ParseURN(s)
	if err != nil {
		return "", fmt.Errorf("%w (e.g. tel:+231770000001)", err)
	}
	if u.Scheme != rapidpro.SchemeTel {
		return u.String(), nil
	}
	return rapidpro.PhoneURN(u.Path, country)
}

// errScriptTooLong reports replies or timeouts left when the flow stopped
// waiting.
var errScriptTooLong = errors.New("the flow stopped waiting before the script ended")

func playScript(s *sim.Sim, steps []step, t *transcript) error {
	for i, st := range steps {
		if s.Status() != sim.StatusWaiting {
			return fmt.Errorf("%w: %d of %d replies and timeouts not used (the session is %s)",
				errScriptTooLong, len(steps)-i, len(steps), s.Status())
		}
		if w, _ := s.Waiting(); st.timeout && w.TimeoutSeconds == 0 {
			return fmt.Errorf("--timeout (step %d of %d): %s has no timeout", i+1, len(steps), describeWait(w))
		}
		if err := t.play(s, st); err != nil {
			return err
		}
	}
	return nil
}

// describeWait names the question a session waits at.
func describeWait(w sim.Wait) string {
	if w.ResultName != "" {
		return fmt.Sprintf("question %q", w.ResultName)
	}
	return "the wait at node " + w.NodeUUID
}

// playInteractive reads the health worker's replies from stdin, one a line,
// while the flow waits; an empty line or /timeout lets the question time
// out, and the end of input stops the simulation.
func playInteractive(s *sim.Sim, stdin io.Reader, t *transcript) error {
	t.echo = false // the terminal already shows what was typed
	in := bufio.NewScanner(stdin)
	for s.Status() == sim.StatusWaiting {
		fmt.Fprint(t.w, "> ")
		if !in.Scan() {
			fmt.Fprintln(t.w)
			return in.Err()
		}
		line := strings.TrimSpace(in.Text())
		st := step{reply: line}
		if line == "" || line == "/timeout" {
			st = step{timeout: true}
		}
		if w, _ := s.Waiting(); st.timeout && w.TimeoutSeconds == 0 {
			// Only questions with a timeout can time out: ask again.
			fmt.Fprintf(t.w, "   (%s has no timeout: type a reply)\n", describeWait(w))
			continue
		}
		if err := t.play(s, st); err != nil {
			return err
		}
	}
	return nil
}

// transcript prints the conversation as it happens.
type transcript struct {
	w     io.Writer
	quiet bool // print nothing (a scripted run printing JSON)
	echo  bool // print the health worker's replies
	seen  int  // messages already printed
	// timedOut holds the nodes whose wait last ended in a timeout: their
	// result's value is the time of the timeout, not a reply.
	timedOut map[string]bool
}

func (t *transcript) play(s *sim.Sim, st step) error {
	var err error
	w, _ := s.Waiting()
	if st.timeout {
		if err = s.Timeout(); err == nil {
			t.timedOut[w.NodeUUID] = true
			t.printf("   (no reply: the question times out)\n")
		}
	} else {
		if t.echo {
			t.printf("> %s\n", st.reply)
		}
		delete(t.timedOut, w.NodeUUID)
		err = s.Resume(st.reply)
	}
	t.messages(s)
	return err
}

// noReply reports whether a result records a timeout rather than an answer.
func (t *transcript) noReply(r sim.Result) bool {
	return r.Input == "" && t.timedOut[r.NodeUUID]
}

func (t *transcript) messages(s *sim.Sim) {
	msgs := s.Messages()
	for _, m := range msgs[t.seen:] {
		t.printf("< %s\n", m.Text)
	}
	t.seen = len(msgs)
}

// warnUnsupported lists, before an export's flow runs, what in it the
// simulator can't run, so the Data Manager knows where a simulation may stop.
func warnUnsupported(e *env, export *flow.Export, name string) {
	for i := range export.Flows {
		f := &export.Flows[i]
		if (name == "" && i == 0) || f.Name == name || f.UUID == name {
			for _, u := range sim.Check(f) {
				fmt.Fprintf(e.stderr, "warning: %v\n", u)
			}
			return
		}
	}
}

// readExport reads a RapidPro export file for command cmd.
func (e *env) readExport(cmd, file string) (*flow.Export, int) {
	data, err := os.ReadFile(file)
	if err != nil {
		fmt.Fprintf(e.stderr, "mhero %s: %v\n", cmd, err)
		return nil, exitInvalid
	}
	export, err := flow.ParseExport(data)
	var perr *flow.Error
	switch {
	case errors.As(err, &perr):
		// The error starts with its line:column.
		fmt.Fprintf(e.stderr, "%s:%v\n", file, err)
		return nil, exitInvalid
	case err != nil:
		fmt.Fprintf(e.stderr, "%s: %v\n", file, err)
		return nil, exitInvalid
	case len(export.Flows) == 0:
		fmt.Fprintf(e.stderr, "%s: the export holds no flow\n", file)
		return nil, exitInvalid
	}
	return export, exitOK
}

// summary prints the final status and the results, in the order of the
// workflow's questions (or as saved, for an export).
func (t *transcript) summary(s *sim.Sim, w *workflow.Workflow) {
	t.printf("\nstatus: %s\n", s.Status())
	results := s.Results()
	if len(results) == 0 {
		return
	}
	order := func(r sim.Result) int {
		if w == nil {
			return 0
		}
		for i, q := range w.Questions {
			if q.Result == r.Name {
				return i
			}
		}
		return len(w.Questions)
	}
	slices.SortStableFunc(results, func(a, b sim.Result) int { return order(a) - order(b) })
	t.printf("results:\n")
	for _, r := range results {
		if t.noReply(r) {
			t.printf("  %s = no reply (%s)\n", r.Name, r.Category)
			continue
		}
		t.printf("  %s = %q (%s)\n", r.Name, r.Value, r.Category)
	}
}

func (t *transcript) printf(format string, args ...any) {
	if !t.quiet {
		fmt.Fprintf(t.w, format, args...)
	}
}

// simOutput is the JSON printed by simulate --json.
type simOutput struct {
	Messages []string                `json:"messages"`
	Results  map[string]simResultOut `json:"results"`
	Status   string                  `json:"status"`
	// Error is why the simulation stopped early, if it did.
	Error string `json:"error,omitempty"`
}

type simResultOut struct {
	// Value is the reply, or empty when the question timed out.
	Value    string `json:"value"`
	Category string `json:"category"`
	TimedOut bool   `json:"timed_out,omitempty"`
}

func writeJSON(w io.Writer, s *sim.Sim, t *transcript, simErr error) error {
	out := simOutput{Messages: []string{}, Results: map[string]simResultOut{}, Status: string(s.Status())}
	if simErr != nil {
		out.Error = simErr.Error()
	}
	for _, m := range s.Messages() {
		out.Messages = append(out.Messages, m.Text)
	}
	for _, r := range s.Results() {
		res := simResultOut{Value: r.Value, Category: r.Category}
		if t.noReply(r) {
			res = simResultOut{Category: r.Category, TimedOut: true}
		}
		out.Results[r.Name] = res
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
