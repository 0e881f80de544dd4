package workflow_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mhero-go/mhero/workflow"
	"github.com/mhero-go/mhero/workflow/flow"
	"github.com/mhero-go/mhero/workflow/sim"
)

// The shapes of flows drawn in RapidPro's editor: unlimited retries and
// questions of type any (testdata/hand_built.yaml).

func TestUnlimitedRetriesLoopOnOneWait(t *testing.T) {
	t.Parallel()
	w, err := workflow.New("Loop", "loop").Language("eng").Question(
		workflow.Number("n", workflow.T("A number?")).Retry(workflow.T("A number, please."), workflow.UnlimitedRetries),
	).Build()
	if err != nil {
		t.Fatal(err)
	}
	e, err := workflow.Compile(w)
	if err != nil {
		t.Fatal(err)
	}
	f := e.Flows[0]
	var waits []*flow.Node
	for i := range f.Nodes {
		if f.Nodes[i].Router != nil && f.Nodes[i].Router.Wait != nil {
			waits = append(waits, &f.Nodes[i])
		}
	}
	if len(waits) != 1 {
		t.Fatalf("%d waits, want the one a retry loops back to", len(waits))
	}
	r := waits[0].Router
	other := r.Category(r.DefaultCategoryUUID)
	var retry *flow.Node
	for _, x := range waits[0].Exits {
		if x.UUID == other.ExitUUID {
			retry = f.Node(x.DestinationUUID)
		}
	}
	if retry == nil || len(retry.Actions) != 1 || retry.Actions[0].(*flow.SendMsg).Text != "A number, please." {
		t.Fatalf("Other leads to %+v, want the retry message", retry)
	}
	if retry.Exits[0].DestinationUUID != waits[0].UUID {
		t.Errorf("the retry goes on to %s, want back to the wait %s", retry.Exits[0].DestinationUUID, waits[0].UUID)
	}
}

func TestAnyQuestionHasOneCategory(t *testing.T) {
	t.Parallel()
	q := workflow.Question{Result: "c", Type: workflow.TypeAny, Timeout: time.Hour}
	if got, want := q.Categories(), []string{"All Responses", "No Response"}; !cmp.Equal(got, want) {
		t.Errorf("categories %q, want %q", got, want)
	}
	if q.DefaultCategory() != workflow.CategoryAllResponses {
		t.Errorf("default category %q", q.DefaultCategory())
	}
	w, err := workflow.New("Any", "any").Language("eng").Question(
		workflow.AnyReply("c", workflow.T("Comments?")).SaveTo("comments").Respond("All Responses", workflow.T("Noted.")),
	).Build()
	if err != nil {
		t.Fatal(err)
	}
	e, err := workflow.Compile(w)
	if err != nil {
		t.Fatal(err)
	}
	data, err := flow.MarshalExport(e)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"cases": []`) {
		t.Errorf("the wait has no empty list of cases, which the editor expects:\n%s", data)
	}
	// Every reply, even an empty one, is All Responses, saved to the field.
	s, err := sim.New(e, sim.WithContact(sim.Contact{Name: "Ann"}))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if err := s.Resume(""); err != nil {
		t.Fatal(err)
	}
	out := s.Outcome()
	if r := out.Results["c"]; r.Category != "All Responses" || out.Status != sim.StatusCompleted {
		t.Errorf("an empty reply gave %+v, status %s", r, out.Status)
	}
	if got := out.Messages[len(out.Messages)-1].Text; got != "Noted." {
		t.Errorf("last message %q, want the response", got)
	}
}

func TestShapesValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		q    *workflow.QuestionBuilder
		want string // "" for valid
		warn string
	}{
		{"unlimited", workflow.FreeText("q", workflow.T("?")).Retry(workflow.T("again"), workflow.UnlimitedRetries), "", ""},
		{"unlimited without retry", workflow.FreeText("q", workflow.T("?")).Retry(workflow.Text{}, workflow.UnlimitedRetries), "max_retries needs a retry message", ""},
		{"negative", workflow.FreeText("q", workflow.T("?")).Retry(workflow.T("again"), -2), "max_retries cannot be negative (write unlimited", ""},
		{"any with a retry", workflow.AnyReply("q", workflow.T("?")).Retry(workflow.T("again"), 1), "an any question takes every reply: there is nothing to retry", ""},
		{"any unlimited", workflow.AnyReply("q", workflow.T("?")).Retry(workflow.Text{}, workflow.UnlimitedRetries), "an any question takes every reply", ""},
		{"any with a timeout", workflow.AnyReply("q", workflow.T("?")).Timeout(time.Hour).Respond("No Response", workflow.T("Bye")), "", ""},
		{"any has no Other", workflow.AnyReply("q", workflow.T("?")).Respond("Other", workflow.T("x")), `q has no category "Other" (its categories: All Responses)`, ""},
		{"never Other: response", workflow.YesNo("q", workflow.T("?")).Retry(workflow.T("again"), workflow.UnlimitedRetries).Respond("Other", workflow.T("x")),
			"", "q retries without limit, so its answer is never Other: this response is never sent"},
		{"never Other: group", workflow.YesNo("q", workflow.T("?")).Retry(workflow.T("again"), workflow.UnlimitedRetries).AddToGroup("other", "G"),
			"", "q retries without limit, so its answer is never Other: no contact is added"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w, err := workflow.New("V", "v").Language("eng").Question(tt.q).Build()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("got %v, want a valid workflow", err)
				}
				warnings := w.Validate().Warnings()
				switch {
				case tt.warn == "" && len(warnings) > 0:
					t.Errorf("warnings %v", warnings)
				case tt.warn != "" && (len(warnings) != 1 || !strings.Contains(warnings[0].Message, tt.warn)):
					t.Errorf("warnings %v, want %q", warnings, tt.warn)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want %q", err, tt.want)
			}
		})
	}
	// A when comparing with a category that never is warns too.
	w, err := workflow.New("V", "v").Language("eng").Question(
		workflow.YesNo("q", workflow.T("?")).Retry(workflow.T("again"), workflow.UnlimitedRetries),
		workflow.FreeText("r", workflow.T("?")).When("q == Other"),
	).Build()
	if err != nil {
		t.Fatal(err)
	}
	if ws := w.Validate().Warnings(); len(ws) != 1 || !strings.Contains(ws[0].Message, "never Other") {
		t.Errorf("warnings %v", ws)
	}
}

func TestParseUnlimitedAndAny(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ yaml, want string }{
		{"max_retries: unlimited", ""},
		{"max_retries: forever", "expected a whole number or unlimited"},
		{"max_retries: 1.5", "expected a whole number or unlimited"},
	} {
		src := "workflow: P\nkey: p\nlanguage: eng\nquestions:\n  - result: q\n    ask: \"?\"\n    type: text\n    retry: again\n    " + tt.yaml + "\n"
		w, err := workflow.Parse("p.yaml", []byte(src))
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.yaml, err)
		case tt.want == "" && w.Questions[0].MaxRetries != workflow.UnlimitedRetries:
			t.Errorf("%s: max retries %d", tt.yaml, w.Questions[0].MaxRetries)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), "p.yaml:9:18: questions[0].max_retries: "+tt.want)):
			t.Errorf("%s: got %v, want %q", tt.yaml, err, tt.want)
		}
	}
	src := "workflow: P\nkey: p\nlanguage: eng\nquestions:\n  - result: q\n    ask: \"?\"\n    type: anything\n"
	if _, err := workflow.Parse("p.yaml", []byte(src)); err == nil || !strings.Contains(err.Error(), `unknown type "anything" (use text, number, yes_no, choice, date, phone or any)`) {
		t.Errorf("got %v", err)
	}
}

// TestHandBuiltShapesRunInTheSimulator plays testdata/hand_built.yaml;
// internal/goflowcheck plays the same conversations through goflow.
func TestHandBuiltShapesRunInTheSimulator(t *testing.T) {
	t.Parallel()
	w, err := workflow.ParseFile("testdata/hand_built.yaml")
	if err != nil {
		t.Fatal(err)
	}
	e, err := workflow.Compile(w)
	if err != nil {
		t.Fatal(err)
	}
	const (
		welcome = "Welcome to the MOH registration, Ann."
		askID   = "Please reply with your employee ID."
		retryID = "We did not get it. Please reply with your employee ID."
		askCode = "What is the code of your facility (1 to 9999)?"
		retryNo = "Please reply with a number from 1 to 9999."
		askRole = "Your role? 1 Nurse 2 Midwife 3 Other"
		retryR  = "Please reply 1, 2 or 3."
		which   = "Which role?"
		noted   = "Thank you, noted."
		done    = "You are registered."
	)
	tests := []struct {
		name     string
		language string
		steps    []string
		messages []string
		results  map[string]string
		status   sim.Status
	}{
		{"retried until each reply fits", "", []string{" ", "E-204", "abc", "12000", "0", "42", "7", "nine", "2"},
			[]string{welcome, askID, retryID, askCode, retryNo, retryNo, retryNo, askRole, retryR, retryR, done},
			map[string]string{"employee_id": "E-204 (Has Text)", "facility_code": "42 (Has Number)", "role": "2 (Midwife)"}, sim.StatusCompleted},
		{"any reply to which role", "", []string{"E1", "42", "other", "cleaner"},
			[]string{welcome, askID, askCode, askRole, which, noted, done},
			map[string]string{"employee_id": "E1 (Has Text)", "facility_code": "42 (Has Number)", "role": "other (Other)", "role_other": "cleaner (All Responses)"}, sim.StatusCompleted},
		{"no response skips the role", "", []string{"E1", "/timeout"},
			[]string{welcome, askID, askCode, "We will call you to finish your registration.", done},
			map[string]string{"employee_id": "E1 (Has Text)", "facility_code": "2026-01-05T09:00:00.000000Z (No Response)"}, sim.StatusCompleted},
		{"in French", "fra", []string{"E1", "douze", "12", "autre", "agent"},
			[]string{"Bienvenue à l'enregistrement du MS, Ann.", "Répondez avec votre numéro d'employé.", "Quel est le code de votre établissement (1 à 9999) ?",
				"Répondez avec un nombre de 1 à 9999.", "Votre rôle ? 1 Infirmier 2 Sage-femme 3 Autre", "Quel rôle ?", "Merci, c'est noté.", "Vous êtes enregistré."},
			map[string]string{"employee_id": "E1 (Has Text)", "facility_code": "12 (Has Number)", "role": "autre (Other)", "role_other": "agent (All Responses)"}, sim.StatusCompleted},
		{"still waiting after many wrong replies", "", []string{"E1", "x", "y", "z"},
			[]string{welcome, askID, askCode, retryNo, retryNo, retryNo},
			map[string]string{"employee_id": "E1 (Has Text)", "facility_code": "z (Other)"}, sim.StatusWaiting},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := sim.New(e, sim.WithContact(sim.Contact{Name: "Ann", Language: tt.language}),
				sim.WithClock(func() time.Time { return time.Date(2026, time.January, 5, 9, 0, 0, 0, time.UTC) }))
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Start(); err != nil {
				t.Fatal(err)
			}
			for _, step := range tt.steps {
				if step == "/timeout" {
					err = s.Timeout()
				} else {
					err = s.Resume(step)
				}
				if err != nil {
					t.Fatalf("step %q: %v", step, err)
				}
			}
			out := s.Outcome()
			var got []string
			for _, m := range out.Messages {
				got = append(got, m.Text)
			}
			if d := cmp.Diff(tt.messages, got); d != "" {
				t.Errorf("messages (-want +sim):\n%s", d)
			}
			results := map[string]string{}
			for key, r := range out.Results {
				results[key] = r.Value + " (" + r.Category + ")"
			}
			if d := cmp.Diff(tt.results, results); d != "" {
				t.Errorf("results (-want +sim):\n%s", d)
			}
			if out.Status != tt.status {
				t.Errorf("status %s, want %s", out.Status, tt.status)
			}
		})
	}
}
