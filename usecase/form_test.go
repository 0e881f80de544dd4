package usecase_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mhero-go/mhero/usecase"
)

var recorded = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func TestParseFormPositionsEveryProblem(t *testing.T) {
	t.Parallel()
	form := `title: Stock check
unit:
  name: NMCP
  director: {name: Dr. Kollie, phone: "0886 000 001"}
purpose: stock
requestor: {name: Joseph Flomo, phon: "0776 000 002"}
target:
  name: Nurses
  country: LR
  criteria: {cadres: [nurse], place: [D1]}
workflow: malaria-stock
send:
  date: 2026-13-40
  window: forever
expected_sends: many
`
	_, ps, err := usecase.ParseForm("request.yaml", []byte(form), recorded, nil)
	if !errors.Is(err, usecase.ErrInvalidForm) {
		t.Fatalf("err = %v, want ErrInvalidForm", err)
	}
	want := []string{
		`request.yaml:6:33: requestor.phon: unknown field "phon" (did you mean "phone"?)`,
		`request.yaml:10:31: target.criteria.place: unknown field "place" (did you mean "places"?)`,
		`request.yaml:13:9: send.date: date "2026-13-40" is not a date like 2026-03-09`,
		`request.yaml:14:11: send.window: "forever" is not a duration like 24h, 2d or 90m`,
		`request.yaml:15:17: expected_sends: expected a whole number, got "many"`,
	}
	got := strings.Split(err.Error(), "\n")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", err, strings.Join(want, "\n"))
	}
	if len(ps) != len(want) {
		t.Errorf("%d problems, want %d", len(ps), len(want))
	}
}

func TestParseFormValues(t *testing.T) {
	t.Parallel()
	form := `title: Stock check
unit:
  name: NMCP
  director: {name: Dr. Kollie, phone: "0886 000 001"}
purpose: stock
requestor: {name: Joseph Flomo, phone: "12"}
target:
  name: Nurses
  country: LR
  criteria: {cadres: [nurse]}
workflow: malaria-stock
send: {date: 2026-03-09, time: "25:00"}
`
	_, _, err := usecase.ParseForm("request.yaml", []byte(form), recorded, nil)
	want := []string{
		`request.yaml:6:40: requestor.phone: invalid phone number 12: too short for LR`,
		`request.yaml:12:32: send.time: time "25:00" is not a time of day like 08:00`,
	}
	for _, w := range want {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("problems:\n%v\nwant a line starting %q", err, w)
		}
	}
}

func TestLateRequestIsFlaggedNotRefused(t *testing.T) {
	t.Parallel()
	form := strings.Replace(formYAML("D1"), "filed: 2026-03-02", "filed: 2026-03-05", 1)
	f, ps, err := usecase.ParseForm("request.yaml", []byte(form), recorded, openExample)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || ps[0].Severity != usecase.SeverityWarning || ps[0].Field != "send.date" {
		t.Fatalf("problems %v, want one warning on send.date", ps)
	}
	if want := "request.yaml:17:9: send.date: warning: filed 4 days before the send date; the SOP asks for at least a week"; ps[0].String() != want {
		t.Errorf("warning %q, want %q", ps[0], want)
	}
	if len(f.Workflow) == 0 || f.Target.Name != "Nurses of the district" {
		t.Errorf("form not read whole: workflow %d bytes, target %q", len(f.Workflow), f.Target.Name)
	}
}

// TestRequestFiledAfterItsSendDate checks the warning of a request filed
// once its send date has passed: flagged, in words that say so.
func TestRequestFiledAfterItsSendDate(t *testing.T) {
	t.Parallel()
	form := strings.Replace(formYAML("D1"), "filed: 2026-03-02", "filed: 2026-03-12", 1)
	_, ps, err := usecase.ParseForm("request.yaml", []byte(form), recorded, openExample)
	if err != nil {
		t.Fatal(err)
	}
	if want := "request.yaml:17:9: send.date: warning: filed 2 days after the send date; the SOP asks for at least a week's notice"; len(ps) != 1 || ps[0].String() != want {
		t.Errorf("problems %v, want %q", ps, want)
	}
}

func TestFormNamesFilesAndTheirProblems(t *testing.T) {
	t.Parallel()
	form := strings.Replace(formYAML("D1"), "workflow: malaria-stock", "workflow: broken.yaml", 1)
	open := func(name string) ([]byte, error) {
		if name == "broken.yaml" {
			return []byte("workflow: Broken\nkey: broken\nlanguage: eng\nquestions:\n  - result: q1\n    ask: Hello?\n    type: colour\n"), nil
		}
		return openExample(name)
	}
	_, _, err := usecase.ParseForm("request.yaml", []byte(form), recorded, open)
	if err == nil || !strings.Contains(err.Error(), "broken.yaml:7:11: questions[0].type") {
		t.Errorf("err = %v, want the workflow's problem in its own file", err)
	}
}

func TestApproverRules(t *testing.T) {
	t.Parallel()
	director := usecase.Person{Name: "Dr. Kollie", URN: "tel:+231886000001"}
	requestor := usecase.Person{Name: "Joseph Flomo", URN: "tel:+231776000002"}
	dataManager := usecase.Person{Name: "Aminata Sesay", URN: "tel:+231777000003"}
	supervisor := usecase.Person{Name: "Dr. Tarr", IHRIS: "P000099"}
	for _, tt := range []struct {
		name                    string
		requestor, approver, dm usecase.Person
		ok                      bool
	}{
		{"the Director approves the Requestor's request", requestor, director, dataManager, true},
		{"someone else than the Director", requestor, supervisor, dataManager, false},
		{"the Data Manager never", requestor, dataManager, dataManager, false},
		{"the Director who requested does not approve", director, director, dataManager, false},
		{"the Director's supervisor approves the Director's request", director, supervisor, dataManager, true},
		{"same phone, other name: same person", requestor, usecase.Person{Name: "J. Flomo", URN: requestor.URN}, dataManager, false},
	} {
		err := usecase.CheckApprover(tt.requestor, director, tt.approver, tt.dm)
		if (err == nil) != tt.ok || err != nil && !errors.Is(err, usecase.ErrApprover) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}
