package sim_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/mhero-go/mhero/workflow/flow"
	"github.com/mhero-go/mhero/workflow/sim"
)

// uuid makes a valid v4 UUID from a small number, for hand-built flows.
func uuid(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }

func send(id int, text string) *flow.SendMsg { return &flow.SendMsg{UUID: uuid(id), Text: text} }

// subflowExport has a parent that enters a child flow asking one question,
// then reports the child's answer and status.
func subflowExport() *flow.Export {
	child := flow.Flow{UUID: uuid(100), Name: "Child", SpecVersion: "13.0.0", Language: "eng", Type: flow.TypeMessaging,
		Nodes: []flow.Node{
			{UUID: uuid(101), Actions: []flow.Action{send(102, "What district?")}, Exits: []flow.Exit{{UUID: uuid(103), DestinationUUID: uuid(104)}}},
			{UUID: uuid(104), Router: &flow.Router{Type: flow.RouterSwitch, Operand: "@input.text", ResultName: "District", Wait: &flow.Wait{Type: flow.WaitMsg},
				Categories: []flow.Category{{UUID: uuid(105), Name: "All Responses", ExitUUID: uuid(106)}}, DefaultCategoryUUID: uuid(105)},
				Exits: []flow.Exit{{UUID: uuid(106)}}},
		}}
	parent := flow.Flow{UUID: uuid(1), Name: "Parent", SpecVersion: "13.0.0", Language: "eng", Type: flow.TypeMessaging,
		Nodes: []flow.Node{
			{UUID: uuid(2), Actions: []flow.Action{&flow.EnterFlow{UUID: uuid(3), Flow: flow.Ref{UUID: child.UUID, Name: child.Name}}},
				Router: &flow.Router{Type: flow.RouterSwitch, Operand: "@child.status",
					Cases: []flow.Case{
						{UUID: uuid(4), Type: "has_only_text", Arguments: []string{"completed"}, CategoryUUID: uuid(5)},
						{UUID: uuid(6), Type: "has_only_text", Arguments: []string{"expired"}, CategoryUUID: uuid(7)},
					},
					Categories: []flow.Category{{UUID: uuid(5), Name: "Complete", ExitUUID: uuid(8)}, {UUID: uuid(7), Name: "Expired", ExitUUID: uuid(9)}},
				},
				Exits: []flow.Exit{{UUID: uuid(8), DestinationUUID: uuid(10)}, {UUID: uuid(9)}}},
			{UUID: uuid(10), Actions: []flow.Action{
				send(11, "Child said @child.results.district (@child.status)."),
				&flow.SetRunResult{UUID: uuid(12), Name: "Copied", Value: "@child.results.district", Category: "Copied"},
				&flow.SetRunResult{UUID: uuid(13), Name: "Alpha", Value: "a"},
			}, Exits: []flow.Exit{{UUID: uuid(14)}}},
		}}
	return &flow.Export{Version: flow.Version{Text: "13"}, Flows: []flow.Flow{parent, child}}
}

func TestSubflow(t *testing.T) {
	t.Parallel()
	s, err := sim.New(subflowExport(), sim.WithClock(fixedClock))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Play(sim.Input{Text: "Bong"}); err != nil {
		t.Fatal(err)
	}
	out := s.Outcome()
	if out.Status != sim.StatusCompleted {
		t.Fatalf("status %s (%s)", out.Status, out.Failure)
	}
	var texts []string
	for _, m := range out.Messages {
		texts = append(texts, m.Text)
	}
	if got := strings.Join(texts, " | "); got != "What district? | Child said Bong (completed)." {
		t.Errorf("messages %q", got)
	}
	if _, ok := out.Results["district"]; ok {
		t.Error("the child's result leaked into the parent's results")
	}
	var keys []string
	for _, r := range s.Results() {
		keys = append(keys, r.Key+"="+r.Value)
	}
	if got := strings.Join(keys, ","); got != "copied=Bong,alpha=a" {
		t.Errorf("Results() = %s, want saving order copied, alpha", got)
	}
	if want := []string{uuid(2), uuid(101), uuid(104), uuid(10)}; strings.Join(out.Path, ",") != strings.Join(want, ",") {
		t.Errorf("path %v, want %v", out.Path, want)
	}
}

func TestFailures(t *testing.T) {
	t.Parallel()
	loop := &flow.Flow{UUID: uuid(1), Name: "Loop", SpecVersion: "13.0.0", Language: "eng", Type: flow.TypeMessaging,
		Nodes: []flow.Node{{UUID: uuid(2), Actions: []flow.Action{send(3, "again")}, Exits: []flow.Exit{{UUID: uuid(4), DestinationUUID: uuid(2)}}}}}
	s, _ := sim.NewFlow(loop, sim.WithClock(fixedClock))
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if out := s.Outcome(); out.Status != sim.StatusFailed || len(out.Messages) != 100 || !strings.Contains(out.Failure, "maximum number of steps") {
		t.Errorf("loop: status %s, %d messages, failure %q", out.Status, len(out.Messages), out.Failure)
	}

	noDefault := &flow.Flow{UUID: uuid(1), Name: "No default", SpecVersion: "13.0.0", Language: "eng", Type: flow.TypeMessaging,
		Nodes: []flow.Node{{UUID: uuid(2), Router: &flow.Router{Type: flow.RouterSwitch, Operand: "@contact.name",
			Cases:      []flow.Case{{UUID: uuid(3), Type: "has_text", CategoryUUID: uuid(4)}},
			Categories: []flow.Category{{UUID: uuid(4), Name: "Named", ExitUUID: uuid(5)}}},
			Exits: []flow.Exit{{UUID: uuid(5)}}}}}
	s, _ = sim.NewFlow(noDefault, sim.WithClock(fixedClock))
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if out := s.Outcome(); out.Status != sim.StatusFailed || !strings.Contains(out.Failure, "failed to pick a category") {
		t.Errorf("no default: status %s, failure %q", out.Status, out.Failure)
	}
	if err := s.Resume("x"); err == nil {
		t.Error("Resume on a failed session should fail")
	}
}

func TestUnsupportedNamesTheNode(t *testing.T) {
	t.Parallel()
	f := &flow.Flow{UUID: uuid(1), Name: "Classify", SpecVersion: "13.0.0", Language: "eng", Type: flow.TypeMessaging,
		Nodes: []flow.Node{{UUID: uuid(2), Actions: []flow.Action{&flow.OtherAction{UUID: uuid(3), Type: "call_classifier"}}, Exits: []flow.Exit{{UUID: uuid(4)}}}},
		UI:    &flow.UI{Nodes: map[string]flow.UINode{uuid(2): {Type: "split_by_intent"}}}}
	s, _ := sim.NewFlow(f)
	err := s.Start()
	var ue *sim.UnsupportedError
	if !errors.As(err, &ue) {
		t.Fatalf("got %v, want an UnsupportedError", err)
	}
	if ue.NodeUUID != uuid(2) || ue.Label != "split_by_intent" || !strings.Contains(err.Error(), `"call_classifier"`) {
		t.Errorf("error %q does not name the node and action", err)
	}
	if err := s.Resume("x"); !errors.As(err, &ue) {
		t.Errorf("after an unsupported feature every call should return it, got %v", err)
	}
	if problems := sim.Check(f); len(problems) != 1 || problems[0].NodeUUID != uuid(2) {
		t.Errorf("Check = %v", problems)
	}
}

func TestSessionEnds(t *testing.T) {
	t.Parallel()
	for _, end := range []struct {
		name   string
		call   func(*sim.Sim) error
		status sim.Status
	}{
		{"expire", (*sim.Sim).Expire, sim.StatusExpired},
		{"interrupt", (*sim.Sim).Interrupt, sim.StatusInterrupted},
	} {
		s, err := sim.New(subflowExport(), sim.WithClock(fixedClock))
		if err != nil {
			t.Fatal(err)
		}
		if err := end.call(s); err == nil {
			t.Errorf("%s before start should fail", end.name)
		}
		if err := s.Start(); err != nil {
			t.Fatal(err)
		}
		if err := end.call(s); err != nil || s.Status() != end.status {
			t.Errorf("%s: %v, status %s", end.name, err, s.Status())
		}
		if err := s.Timeout(); err == nil {
			t.Errorf("%s: Timeout after the end should fail", end.name)
		}
	}
}

func TestOptionsAreChecked(t *testing.T) {
	t.Parallel()
	f := subflowExport()
	for name, opt := range map[string]sim.Option{
		"date format": sim.WithEnvironment(sim.Environment{DateFormat: "YY/MM/DD"}),
		"time format": sim.WithEnvironment(sim.Environment{TimeFormat: "hh:qq"}),
		"clock":       sim.WithClock(nil),
		"timezone":    sim.WithContact(sim.Contact{Timezone: "Mars/Olympus"}),
		"flow":        sim.WithFlow("Nope"),
	} {
		if _, err := sim.New(f, opt); err == nil {
			t.Errorf("%s: expected an error", name)
		}
	}
}

func TestParamsRandomAndFields(t *testing.T) {
	t.Parallel()
	f := flow.Flow{UUID: uuid(1), Name: "Mixed", SpecVersion: "13.0.0", Language: "eng", Type: flow.TypeMessaging,
		Nodes: []flow.Node{
			{UUID: uuid(2), Actions: []flow.Action{
				&flow.SetContactField{UUID: uuid(3), Field: flow.FieldRef{Key: "stock", Name: "Stock"}, Value: " @(trigger.params.boxes * 2) "},
				&flow.SetContactField{UUID: uuid(4), Field: flow.FieldRef{Key: "checked_on", Name: "Checked On"}, Value: "@trigger.params.date"},
				&flow.SetContactName{UUID: uuid(5), Name: "@(title(trigger.params.who))"},
				&flow.SetContactLanguage{UUID: uuid(6), Language: "fra"},
				&flow.AddContactGroups{UUID: uuid(7), Groups: []flow.GroupRef{{NameMatch: "@trigger.params.team"}}},
				send(8, "@contact.first_name has @(fields.stock + 1) boxes, checked @(format_date(fields.checked_on, \"D MMM YYYY\")); in @(contact.groups[0].name)"),
			}, Exits: []flow.Exit{{UUID: uuid(9), DestinationUUID: uuid(10)}}},
			{UUID: uuid(10), Router: &flow.Router{Type: flow.RouterRandom, ResultName: "Arm",
				Categories: []flow.Category{{UUID: uuid(11), Name: "A", ExitUUID: uuid(13)}, {UUID: uuid(12), Name: "B", ExitUUID: uuid(14)}}},
				Exits: []flow.Exit{{UUID: uuid(13)}, {UUID: uuid(14)}}},
		}}
	exp := &flow.Export{Version: flow.Version{Text: "13"}, Flows: []flow.Flow{f},
		Fields: []flow.Field{{Key: "stock", Name: "Stock", Type: flow.FieldNumber}, {Key: "checked_on", Name: "Checked On", Type: flow.FieldDatetime}},
		Groups: []flow.Group{{UUID: uuid(20), Name: "Bong CHWs"}}}
	s, err := sim.New(exp, sim.WithClock(fixedClock), sim.WithRandom(func() float64 { return 0.75 }),
		sim.WithParams(map[string]any{"boxes": 12.5, "date": "2026-02-03", "who": "musa BAH", "team": "bong chws"}))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	out := s.Outcome()
	if got, want := out.Messages[0].Text, "Musa has 26 boxes, checked 3 Feb 2026; in Bong CHWs"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	if r := out.Results["arm"]; r.Category != "B" || r.Value != "1" || r.Input != "0.75" {
		t.Errorf("random result %+v, want B with value 1 and input 0.75", r)
	}
	c := out.Contact
	if c.Name != "Musa Bah" || c.Language != "fra" || c.Fields["stock"] != "25" || len(c.Groups) != 1 {
		t.Errorf("contact %+v", c)
	}
}

func TestMessageTrigger(t *testing.T) {
	t.Parallel()
	f := flow.Flow{UUID: uuid(1), Name: "Keyword", SpecVersion: "13.0.0", Language: "eng", Type: flow.TypeMessaging,
		Nodes: []flow.Node{
			{UUID: uuid(2), Router: &flow.Router{Type: flow.RouterSwitch, Operand: "@input.text", ResultName: "Stock", Wait: &flow.Wait{Type: flow.WaitMsg},
				Cases:      []flow.Case{{UUID: uuid(3), Type: "has_number", CategoryUUID: uuid(4)}},
				Categories: []flow.Category{{UUID: uuid(4), Name: "Number", ExitUUID: uuid(6)}, {UUID: uuid(5), Name: "Other", ExitUUID: uuid(7)}}, DefaultCategoryUUID: uuid(5)},
				Exits: []flow.Exit{{UUID: uuid(6), DestinationUUID: uuid(8)}, {UUID: uuid(7), DestinationUUID: uuid(8)}}},
			{UUID: uuid(8), Actions: []flow.Action{send(9, "Got @results.stock via @trigger.type @trigger.keyword")}, Exits: []flow.Exit{{UUID: uuid(10)}}},
		}}
	s, err := sim.NewFlow(&f, sim.WithClock(fixedClock), sim.WithMessageTrigger("stock 40", "stock"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	out := s.Outcome()
	if out.Status != sim.StatusCompleted || len(out.Messages) != 1 || out.Messages[0].Text != "Got 40 via msg stock" {
		t.Errorf("status %s, messages %+v", out.Status, out.Messages)
	}
}

// routerFlow asks nothing: its router tests operand against "Success" and
// "Failure", with the default category "Other", and saves result "Status".
func routerFlow(operand string) *flow.Flow {
	return &flow.Flow{UUID: uuid(1), Name: "Router", SpecVersion: "13.0.0", Language: "eng", Type: flow.TypeMessaging,
		Nodes: []flow.Node{{UUID: uuid(2),
			Router: &flow.Router{Type: flow.RouterSwitch, Operand: operand, ResultName: "Status",
				Cases: []flow.Case{
					{UUID: uuid(3), Type: "has_only_text", Arguments: []string{"Success"}, CategoryUUID: uuid(4)},
					{UUID: uuid(5), Type: "has_only_text", Arguments: []string{"Failure"}, CategoryUUID: uuid(6)},
				},
				Categories: []flow.Category{
					{UUID: uuid(4), Name: "Success", ExitUUID: uuid(7)},
					{UUID: uuid(6), Name: "Failure", ExitUUID: uuid(8)},
					{UUID: uuid(9), Name: "Other", ExitUUID: uuid(10)},
				},
				DefaultCategoryUUID: uuid(9)},
			Exits: []flow.Exit{{UUID: uuid(7)}, {UUID: uuid(8)}, {UUID: uuid(10)}}}}}
}

// TestRouterErrorsStayInTheRun checks goflow's rule for a router whose
// operand fails: a lone expression is an error value that every case test
// fails on (one error each) and the default category logs once more; a
// mixed template is logged once and tested as text. goflow keeps these in
// the run's log only, so no error event is emitted.
func TestRouterErrorsStayInTheRun(t *testing.T) {
	t.Parallel()
	const missing = "object has no property 'lookup'"
	tests := []struct {
		operand string
		want    []string
	}{
		{"@results.lookup.category", []string{
			"error calling test has_only_text(...): error calling has_only_text(...): " + missing,
			"error calling test has_only_text(...): error calling has_only_text(...): " + missing,
			missing,
		}},
		{"is @results.lookup.category", []string{"error evaluating @results.lookup.category: " + missing}},
		{"@(upper(results.lookup))", []string{
			"error calling test has_only_text(...): error calling has_only_text(...): error calling upper(...): " + missing,
			"error calling test has_only_text(...): error calling has_only_text(...): error calling upper(...): " + missing,
			"error calling upper(...): " + missing,
		}},
	}
	for _, tt := range tests {
		s, err := sim.NewFlow(routerFlow(tt.operand), sim.WithClock(fixedClock))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(); err != nil {
			t.Fatal(err)
		}
		out := s.Outcome()
		for _, ev := range out.Events {
			if ev.Type == "error" {
				t.Errorf("%s: error event %q, want none (goflow logs router errors in the run only)", tt.operand, ev.Detail)
			}
		}
		var got []string
		for _, ev := range out.RunErrors {
			if ev.Type != "error" || ev.NodeUUID != uuid(2) {
				t.Errorf("%s: run error %+v, want an error at the router's node", tt.operand, ev)
			}
			got = append(got, ev.Detail)
		}
		if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("%s: run errors\n%s\nwant\n%s", tt.operand, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
		}
		if r := out.Results["status"]; r.Category != "Other" {
			t.Errorf("%s: category %q, want the default", tt.operand, r.Category)
		}
	}
}

// TestSessionCountryAndLanguage checks that, as in goflow, the contact's
// phone number gives the country local numbers are read in, and the
// contact's language the names of days and months.
func TestSessionCountryAndLanguage(t *testing.T) {
	t.Parallel()
	const operand = `@(has_phone("0788 123 456").match & " " & format_date("2026-04-01", "EEEE D MMMM"))`
	f := routerFlow(operand)
	f.Localization = flow.Localization{"fra": {}}
	for _, tt := range []struct {
		contact sim.Contact
		want    string
	}{
		{sim.Contact{URN: "tel:+250788000111", Language: "fra"}, "+250788123456 mercredi 1 avril"},
		{sim.Contact{URN: "tel:+231770000001", Language: "eng"}, "+231788123456 Wednesday 1 April"},
		{sim.Contact{Language: "fra"}, "+231788123456 mercredi 1 avril"},                            // no number: the default country
		{sim.Contact{URN: "tel:+250788000111", Language: "swa"}, "+250788123456 Wednesday 1 April"}, // not an allowed language
	} {
		s, err := sim.NewFlow(f, sim.WithClock(fixedClock), sim.WithContact(tt.contact),
			sim.WithEnvironment(sim.Environment{DefaultCountry: "LR"}))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(); err != nil {
			t.Fatal(err)
		}
		if got := s.Outcome().Results["status"].Value; got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.contact, got, tt.want)
		}
	}
}
