package sim_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/mhero-go/mhero/workflow/flow"
	"github.com/mhero-go/mhero/workflow/sim"
)

// surveyFlow builds a flow of n number questions, each a send_msg node
// followed by a wait with a has_number_between case, an Other category
// that re-asks and a No Response timeout, with a French translation.
func surveyFlow(n int) *flow.Flow {
	id := func(kind string, i int) string { return fmt.Sprintf("%08x-0000-4000-8000-%012d", kindCode(kind), i) }
	f := &flow.Flow{
		UUID: id("flow", 0), Name: "Survey", SpecVersion: "13.0.0", Language: "eng", Type: flow.TypeMessaging,
		Localization: flow.Localization{"fra": {}},
	}
	for i := range n {
		next := ""
		if i+1 < n {
			next = id("ask", i+1)
		}
		result := "Question " + strconv.Itoa(i+1)
		f.Nodes = append(f.Nodes,
			flow.Node{
				UUID:    id("ask", i),
				Actions: []flow.Action{&flow.SendMsg{UUID: id("msg", i), Text: "Hi @contact.first_name, question " + strconv.Itoa(i+1) + ": how many? (last: @results.question_" + strconv.Itoa(i) + ")"}},
				Exits:   []flow.Exit{{UUID: id("askexit", i), DestinationUUID: id("wait", i)}},
			},
			flow.Node{
				UUID: id("wait", i),
				Router: &flow.Router{
					Type: flow.RouterSwitch, Operand: "@input.text", ResultName: result,
					Wait:  &flow.Wait{Type: flow.WaitMsg, Timeout: &flow.Timeout{Seconds: 3600, CategoryUUID: id("catnr", i)}},
					Cases: []flow.Case{{UUID: id("case", i), Type: "has_number_between", Arguments: []string{"0", "100"}, CategoryUUID: id("catok", i)}},
					Categories: []flow.Category{
						{UUID: id("catok", i), Name: "Valid", ExitUUID: id("exitok", i)},
						{UUID: id("catother", i), Name: "Other", ExitUUID: id("exitother", i)},
						{UUID: id("catnr", i), Name: "No Response", ExitUUID: id("exitnr", i)},
					},
					DefaultCategoryUUID: id("catother", i),
				},
				Exits: []flow.Exit{
					{UUID: id("exitok", i), DestinationUUID: next},
					{UUID: id("exitother", i), DestinationUUID: id("ask", i)},
					{UUID: id("exitnr", i), DestinationUUID: next},
				},
			})
		f.Localization["fra"][id("msg", i)] = map[string][]string{"text": {"Bonjour @contact.first_name, question " + strconv.Itoa(i+1) + " : combien ?"}}
	}
	return f
}

func kindCode(kind string) int {
	code := 0
	for _, r := range kind {
		code = code*31 + int(r)
	}
	return code & 0x7fffffff
}

func TestSurveyFlow(t *testing.T) {
	t.Parallel()
	s, err := sim.NewFlow(surveyFlow(3), sim.WithContact(sim.Contact{Name: "Musa Bah", Language: "fra"}), sim.WithClock(fixedClock))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Play(sim.Input{Text: "12"}, sim.Input{Text: "lots"}, sim.Input{Text: "about 7"}); err != nil {
		t.Fatal(err)
	}
	if w, ok := s.Waiting(); !ok || w.ResultName != "Question 3" || w.TimeoutSeconds != 3600 || w.NodeUUID != s.Path()[len(s.Path())-1] {
		t.Errorf("Waiting() = %+v, %v", w, ok)
	}
	if err := s.Timeout(); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Waiting(); ok {
		t.Error("a completed session is not waiting")
	}
	out := s.Outcome()
	if out.Status != sim.StatusCompleted || len(out.Messages) != 4 {
		t.Fatalf("status %s with %d messages, want completed with 4", out.Status, len(out.Messages))
	}
	if got := out.Messages[0].Text; got != "Bonjour Musa, question 1 : combien ?" {
		t.Errorf("first message %q", got)
	}
	for key, want := range map[string]string{"question_1": "12 Valid", "question_2": "7 Valid", "question_3": "2026-01-02T03:04:05.000000Z No Response"} {
		if r := out.Results[key]; r.Value+" "+r.Category != want {
			t.Errorf("%s = %q (%s), want %s", key, r.Value, r.Category, want)
		}
	}
}

// BenchmarkRun40Questions runs a 40-question survey with one re-ask per
// question, from start to completion.
func BenchmarkRun40Questions(b *testing.B) {
	f := surveyFlow(40)
	clock := func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	inputs := make([]sim.Input, 0, 80)
	for i := range 40 {
		inputs = append(inputs, sim.Input{Text: "not sure"}, sim.Input{Text: strconv.Itoa(i)})
	}
	b.ReportAllocs()
	for b.Loop() {
		s, err := sim.NewFlow(f, sim.WithContact(sim.Contact{Name: "Musa Bah"}), sim.WithClock(clock))
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Play(inputs...); err != nil {
			b.Fatal(err)
		}
		if s.Status() != sim.StatusCompleted {
			b.Fatalf("status %s", s.Status())
		}
	}
}
