package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/mhero-go/mhero/workflow"
	"github.com/mhero-go/mhero/workflow/flow"
	"github.com/mhero-go/mhero/workflow/sim"
)

func runSimulate(e *env, args []string) int {
	fs := e.newFlagSet("simulate")
	var sc script
	fs.Var(replyFlag{&sc}, "reply", "a reply from the health worker (repeat; played in order with --timeout)")
	fs.Var(timeoutFlag{&sc}, "timeout", "let the waiting question time out (repeat; played in order with --reply)")
	asJSON := fs.Bool("json", false, `print {"messages", "results", "status"} as JSON`)
	lang := fs.String("lang", "", "the health worker's language (ISO 639-3, e.g. fra); the workflow's language by default")
	name := fs.String("name", "Test Health Worker", "the health worker's name")
	phone := fs.String("urn", "tel:+231770000001", "the health worker's URN")
	country := fs.String("country", "LR", "country code for reading local phone numbers")
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
	var (
		w      *workflow.Workflow
		export *flow.Export
	)
	if strings.HasSuffix(file, ".json") {
		// An export from RapidPro (or from mhero compile) runs as it is.
		if export, status = e.readExport(file); status != exitOK {
			return status
		}
	} else {
		if w, export, status = e.compile(file); status != exitOK {
			return status
		}
		if *lang != "" && !slices.Contains(w.Languages(), *lang) {
			fmt.Fprintf(e.stderr, "mhero simulate: --lang %s: the workflow is written in %s\n", *lang, strings.Join(w.Languages(), ", "))
			return exitUsage
		}
	}
	opts := []sim.Option{
		sim.WithContact(sim.Contact{Name: *name, URN: *phone, Language: *lang}),
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
	t := &transcript{w: e.stdout, echo: true}
	if *asJSON {
		t.w = e.stderr
		t.quiet = len(sc.steps) > 0
	}
	err = s.Start()
	t.messages(s)
	if err == nil {
		if len(sc.steps) > 0 {
			err = playScript(s, sc.steps, t)
		} else {
			err = playInteractive(s, e.stdin, t)
		}
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "mhero simulate: %v\n", err)
		return exitInvalid
	}
	if *asJSON {
		if err := writeJSON(e.stdout, s); err != nil {
			fmt.Fprintf(e.stderr, "mhero simulate: %v\n", err)
			return exitInvalid
		}
		return exitOK
	}
	t.summary(s, w)
	return exitOK
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
}

func (t *transcript) play(s *sim.Sim, st step) error {
	var err error
	if st.timeout {
		if err = s.Timeout(); err == nil {
			t.printf("   (no reply: the question times out)\n")
		}
	} else {
		if t.echo {
			t.printf("> %s\n", st.reply)
		}
		err = s.Resume(st.reply)
	}
	t.messages(s)
	return err
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

// readExport reads a RapidPro export file.
func (e *env) readExport(file string) (*flow.Export, int) {
	data, err := os.ReadFile(file)
	if err != nil {
		fmt.Fprintf(e.stderr, "mhero: %v\n", err)
		return nil, exitInvalid
	}
	export, err := flow.ParseExport(data)
	if err != nil {
		fmt.Fprintf(e.stderr, "%s: %v\n", file, err)
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
}

type simResultOut struct {
	Value    string `json:"value"`
	Category string `json:"category"`
}

func writeJSON(w io.Writer, s *sim.Sim) error {
	out := simOutput{Messages: []string{}, Results: map[string]simResultOut{}, Status: string(s.Status())}
	for _, m := range s.Messages() {
		out.Messages = append(out.Messages, m.Text)
	}
	for _, r := range s.Results() {
		out.Results[r.Name] = simResultOut{Value: r.Value, Category: r.Category}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
