package usecase

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/mhero-go/mhero/workflow/flow"
	"github.com/mhero-go/mhero/workflow/sim"
)

// Conversation is one scripted conversation with a flow: the replies (and
// timeouts) a simulated health worker gives, in order.
type Conversation struct {
	// Name says what the conversation tries ("answers no, then 1").
	Name   string      `json:"name,omitempty"`
	Inputs []sim.Input `json:"inputs"`
	// Language is the contact's language (the flow's base when empty).
	Language string `json:"language,omitempty"`
}

// Transcript is what a conversation with a flow gave: every message each
// way, in order, the results and how the run ended. Simulated tests and
// live tests on test phones both record one.
type Transcript struct {
	Conversation string  `json:"conversation,omitempty"`
	Language     string  `json:"language,omitempty"`
	Turns        []Turn  `json:"turns"`
	Results      []Value `json:"results,omitempty"`
	// Status is how the run ended: completed, waiting, expired,
	// interrupted or failed.
	Status string `json:"status"`
	// Path is the nodes visited; Steps the category each router took.
	Path  []string `json:"path,omitempty"`
	Steps []Step   `json:"steps,omitempty"`
	// Failure says why a simulated run failed.
	Failure string `json:"failure,omitempty"`
}

// Turn is one message of a transcript.
type Turn struct {
	// Direction is "out" (the flow to the health worker) or "in" (the
	// reply); a timeout is an "in" turn with Timeout set.
	Direction string    `json:"direction"`
	Text      string    `json:"text,omitempty"`
	Timeout   bool      `json:"timeout,omitempty"`
	At        time.Time `json:"at,omitzero"`
	Segments  *Segments `json:"segments,omitempty"`
}

// Value is a result saved in a transcript.
type Value struct {
	Key      string `json:"key"`
	Value    string `json:"value"`
	Category string `json:"category"`
}

// Step is the category a router took in a run, and the exit it left by.
type Step struct {
	Node     string `json:"node"`
	Category string `json:"category"`
	Exit     string `json:"exit"`
}

// String renders the transcript as a Data Manager reads it.
func (t Transcript) String() string {
	var b strings.Builder
	if t.Conversation != "" {
		fmt.Fprintf(&b, "# %s\n", t.Conversation)
	}
	for _, turn := range t.Turns {
		switch {
		case turn.Direction == "out":
			fmt.Fprintf(&b, "  < %s\n", oneLine(turn.Text))
		case turn.Timeout:
			b.WriteString("  > (no reply: timed out)\n")
		default:
			fmt.Fprintf(&b, "  > %s\n", oneLine(turn.Text))
		}
	}
	fmt.Fprintf(&b, "  = %s", t.Status)
	for _, v := range t.Results {
		fmt.Fprintf(&b, "; %s: %s", v.Key, v.Category)
	}
	b.WriteString("\n")
	return b.String()
}

func oneLine(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), "\n", " / ") }

// costContact is the contact cost estimates are made with: templates such
// as @contact.name are filled with a name as long as most.
var costContact = sim.Contact{UUID: "00000000-0000-4000-8000-000000000001", Name: "Josephine Tarnue-Kollie",
	URN: "tel:+231770000000", Status: "active"}

// simulate plays a conversation with the export's first flow, stepping one
// input at a time so that every router's category is known, and returns
// its transcript.
func simulate(exp *flow.Export, c Conversation, clock time.Time) (Transcript, error) {
	if len(exp.Flows) == 0 {
		return Transcript{}, errors.New("usecase: the export holds no flow")
	}
	f := &exp.Flows[0]
	contact := costContact
	contact.Language = c.Language
	now := clock
	s, err := sim.New(exp, sim.WithContact(contact), sim.WithClock(func() time.Time { return now }))
	if err != nil {
		return Transcript{}, err
	}
	t := Transcript{Conversation: c.Name, Language: c.Language}
	sent := 0
	flush := func() {
		for _, m := range s.Messages()[sent:] {
			seg := Segment(m.Text)
			t.Turns = append(t.Turns, Turn{Direction: "out", Text: m.Text, Segments: &seg})
		}
		sent = len(s.Messages())
	}
	if err := s.Start(); err != nil {
		return t, err
	}
	flush()
	for _, in := range c.Inputs {
		if s.Status() != sim.StatusWaiting {
			break
		}
		if w, ok := s.Waiting(); ok && in.Timeout && w.TimeoutSeconds == 0 {
			// A question without a timeout waits for the silent worker
			// until the run expires, as in RapidPro: the conversation
			// ends here, waiting.
			break
		}
		now = now.Add(time.Minute)
		if in.Timeout {
			t.Turns = append(t.Turns, Turn{Direction: "in", Timeout: true})
			err = s.Timeout()
		} else {
			t.Turns = append(t.Turns, Turn{Direction: "in", Text: in.Text})
			err = s.Resume(in.Text)
		}
		if err != nil {
			return t, err
		}
		flush()
	}
	out := s.Outcome()
	t.Status = string(out.Status)
	t.Failure = out.Failure
	t.Path = out.Path
	for _, r := range s.Results() {
		t.Results = append(t.Results, Value{Key: r.Key, Value: r.Value, Category: r.Category})
	}
	t.Steps = steps(f, out.Path, s.Results())
	return t, nil
}

// steps works out the category each router on the path took. A router's
// category follows from the next node visited when only one category
// leads there; otherwise from the result it saved (RapidPro keeps a
// result's last value, so for a question asked again the earlier visits
// are read from the path alone).
func steps(f *flow.Flow, path []string, results []sim.Result) []Step {
	byNode := map[string]string{}
	for _, r := range results {
		byNode[r.NodeUUID] = r.Category
	}
	var out []Step
	for i, id := range path {
		n := f.Node(id)
		if n == nil || n.Router == nil {
			continue
		}
		next := ""
		if i+1 < len(path) {
			next = path[i+1]
		}
		exitDest := map[string]string{}
		for _, x := range n.Exits {
			exitDest[x.UUID] = x.DestinationUUID
		}
		var cands []flow.Category
		for _, c := range n.Router.Categories {
			d := exitDest[c.ExitUUID]
			if d == next || (i+1 == len(path) && d == "") {
				cands = append(cands, c)
			}
		}
		if len(cands) == 0 {
			// The run stopped here (waiting, expired): no category yet.
			continue
		}
		pick := cands[0]
		if len(cands) > 1 {
			if cat, ok := byNode[id]; ok {
				for _, c := range cands {
					if c.Name == cat {
						pick = c
					}
				}
			}
		}
		out = append(out, Step{Node: id, Category: pick.Name, Exit: pick.ExitUUID})
	}
	return out
}

// replies returns the inputs worth trying at a wait: one reply fitting
// each category (in the contact's language), one fitting none, and a
// timeout when the wait has one.
func replies(f *flow.Flow, n *flow.Node, lang string) []sim.Input {
	var out []sim.Input
	seen := map[string]bool{}
	for _, c := range n.Router.Cases {
		if seen[c.CategoryUUID] {
			continue
		}
		args := c.Arguments
		if lang != "" && lang != f.Language {
			if tr, ok := f.Localization.Translation(lang, c.UUID, "arguments"); ok {
				args = tr
			}
		}
		if text, ok := fitting(c.Type, args); ok {
			seen[c.CategoryUUID] = true
			out = append(out, sim.Input{Text: text})
		}
	}
	out = append(out, sim.Input{Text: "zzq"})
	if n.Router.Wait != nil && n.Router.Wait.Timeout != nil && n.Router.Wait.Timeout.Seconds > 0 {
		out = append(out, sim.Input{Timeout: true})
	}
	return out
}

// fitting makes up a reply the case test accepts.
func fitting(typ string, args []string) (string, bool) {
	arg := func(i int) string {
		if i < len(args) {
			return strings.TrimSpace(args[i])
		}
		return ""
	}
	num := func(i int) float64 {
		f, err := strconv.ParseFloat(arg(i), 64)
		if err != nil {
			return math.NaN()
		}
		return f
	}
	itoa := func(f float64) (string, bool) {
		if math.IsNaN(f) {
			return "", false
		}
		return strconv.FormatFloat(f, 'f', -1, 64), true
	}
	switch typ {
	case "has_any_word", "has_all_words":
		if typ == "has_any_word" {
			if w := strings.Fields(arg(0)); len(w) > 0 {
				return w[0], true
			}
		}
		return arg(0), arg(0) != ""
	case "has_phrase", "has_only_phrase", "has_beginning", "has_only_text", "has_text_eq":
		return arg(0), arg(0) != ""
	case "has_text":
		return "fine", true
	case "has_number":
		return "3", true
	case "has_number_between":
		return itoa(math.Round((num(0) + num(1)) / 2))
	case "has_number_eq", "has_number_lte", "has_number_gte":
		return itoa(num(0))
	case "has_number_lt":
		return itoa(math.Floor(num(0)) - 1)
	case "has_number_gt":
		return itoa(math.Floor(num(0)) + 1)
	case "has_date", "has_date_lt", "has_date_eq", "has_date_gt":
		return "2026-01-15", true
	case "has_time":
		return "10:30", true
	case "has_phone":
		return "+231770000001", true
	case "has_email":
		return "nurse@example.org", true
	case "has_pattern":
		return "", false
	}
	return "", false
}

// longest finds the conversation that makes the flow send the most SMS
// parts, trying at each wait a reply fitting each category, one fitting
// none, and a timeout. Conversations that reach the same wait with the
// same results (of those the flow reads again) and contact have the same
// future, so each such state is solved once, and each reply is tried on a
// clone of the session at that wait: a workflow of many questions costs
// states, not their product. It gives up after limit states (exhaustive
// false), with the longest found so far.
func longest(exp *flow.Export, lang string, limit int, clock time.Time) (best Transcript, states int, exhaustive bool, err error) {
	refs := referencedResults(&exp.Flows[0])
	type solved struct {
		parts  int
		suffix []sim.Input
	}
	memo := map[string]solved{}
	exhaustive = true
	var solve func(s *sim.Sim) (solved, error)
	solve = func(s *sim.Sim) (solved, error) {
		w, ok := s.Waiting()
		if !ok {
			return solved{}, nil
		}
		f, n := nodeOf(exp, w.NodeUUID)
		if n == nil || n.Router == nil {
			return solved{}, nil
		}
		key := stateKey(w.NodeUUID, s.Results(), s.Contact(), refs)
		if v, ok := memo[key]; ok {
			return v, nil
		}
		states++
		if states > limit {
			exhaustive = false
			return solved{}, nil
		}
		var best solved
		first := true
		sent := len(s.Messages())
		for _, in := range replies(f, n, lang) {
			c := s.Clone()
			if err := c.Play(in); err != nil {
				return solved{}, err
			}
			parts := 0
			for _, m := range c.Messages()[sent:] {
				parts += Segment(m.Text).Parts
			}
			rest, err := solve(c)
			if err != nil {
				return solved{}, err
			}
			if parts += rest.parts; first || parts > best.parts {
				best = solved{parts: parts, suffix: append([]sim.Input{in}, rest.suffix...)}
				first = false
			}
		}
		memo[key] = best
		return best, nil
	}
	contact := costContact
	contact.Language = lang
	s, err := sim.New(exp, sim.WithContact(contact), sim.WithClock(func() time.Time { return clock }))
	if err != nil {
		return Transcript{}, 0, false, err
	}
	if err := s.Start(); err != nil {
		return Transcript{}, 0, false, err
	}
	v, err := solve(s)
	if err != nil {
		return Transcript{}, states, false, err
	}
	best, err = simulate(exp, Conversation{Name: "longest path", Inputs: v.suffix, Language: lang}, clock)
	return best, states, exhaustive, err
}

// nodeOf finds a node in any flow of the export (a wait may be in a
// subflow).
func nodeOf(exp *flow.Export, uuid string) (*flow.Flow, *flow.Node) {
	for i := range exp.Flows {
		if n := exp.Flows[i].Node(uuid); n != nil {
			return &exp.Flows[i], n
		}
	}
	return nil, nil
}

var resultRef = regexp.MustCompile(`results\.([A-Za-z0-9_]+)`)

// referencedResults returns the result keys the flow reads (in a router's
// operand or cases, or a message), whose values can change what follows.
func referencedResults(f *flow.Flow) map[string]bool {
	data, err := flow.MarshalFlow(f)
	if err != nil {
		return nil
	}
	refs := map[string]bool{}
	for _, m := range resultRef.FindAllSubmatch(data, -1) {
		refs[strings.ToLower(string(m[1]))] = true
	}
	return refs
}

// stateKey identifies what decides a waiting conversation's future: the
// wait, the results the flow reads again, and the contact (which a flow
// can change: a field, a group, its language).
func stateKey(wait string, results []sim.Result, c sim.Contact, refs map[string]bool) string {
	var b strings.Builder
	b.WriteString(wait)
	for _, v := range results {
		if refs == nil || refs[v.Key] {
			fmt.Fprintf(&b, "|%s=%s:%s", v.Key, v.Category, v.Value)
		}
	}
	contact, _ := json.Marshal(c)
	b.Write(contact)
	return b.String()
}

// expected is the conversation of a health worker who answers every
// question once, with a reply fitting its first category: the path most
// of a target takes, and the one whose cost is "expected".
func expected(exp *flow.Export, lang string, clock time.Time) (Transcript, error) {
	f := &exp.Flows[0]
	var inputs []sim.Input
	for range 200 {
		t, err := simulate(exp, Conversation{Name: "expected path", Inputs: inputs, Language: lang}, clock)
		if err != nil || t.Status != string(sim.StatusWaiting) || len(t.Path) == 0 {
			return t, err
		}
		n := f.Node(t.Path[len(t.Path)-1])
		if n == nil || n.Router == nil {
			return t, nil
		}
		rs := replies(f, n, lang)
		inputs = append(inputs, rs[0])
	}
	return Transcript{}, errors.New("usecase: the expected path does not end")
}

// Simulate plays a conversation with the export's first flow in the
// offline simulator and returns its transcript, with the category each
// router took (what [CoverageOf] counts).
func Simulate(exp *flow.Export, c Conversation) (Transcript, error) {
	return simulate(exp, c, fixedClock)
}
