package usecase

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/target"
	"github.com/mhero-go/mhero/workflow"
)

// Form is the Use Case Request Form: what a unit asks the Data Manager to
// send, to whom, when, and who approves it. It is written in YAML (see
// [ParseForm]) or in Go, and recorded whole with the use case.
type Form struct {
	// Title names the use case ("Malaria commodity stock check").
	Title string `json:"title"`
	// Unit is the requesting unit and its Director.
	Unit Unit `json:"unit"`
	// Purpose says what the unit will do with the answers.
	Purpose string `json:"purpose"`
	// Requestor is who asks, usually a programme officer of the unit.
	Requestor Person `json:"requestor"`
	// Approver approves the workflow before it is sent: the Director of
	// the requesting unit (the default), or, when the Requestor is the
	// Director, the person named here (see [CheckApprover]).
	Approver *Person `json:"approver,omitempty"`
	// Country reads the people's phone numbers written in local format
	// (ISO 3166 alpha-2); the target's country when empty.
	Country string `json:"country,omitempty"`
	// Target is the Target Group, written inline or read from TargetFile.
	Target     target.Group `json:"target"`
	TargetFile string       `json:"targetFile,omitempty"`
	// WorkflowFile names the workflow (YAML DSL) to send; Workflow is the
	// source read from it and kept with the record, so that the record
	// does not depend on a file that may change.
	WorkflowFile string `json:"workflowFile"`
	Workflow     []byte `json:"workflow,omitempty"`
	// FollowUp lists what the unit will do with the responses ("the
	// district pharmacist calls each facility out of stock").
	FollowUp []string `json:"followUp,omitempty"`
	// Send is when the workflow is to go out.
	Send SendPlan `json:"send"`
	// ExpectedSends is how many times the workflow is expected to be sent
	// (a weekly report: one per week); 1 when zero.
	ExpectedSends int `json:"expectedSends,omitempty"`
	// Filed is when the Requestor submitted the form (a date is enough);
	// when zero, the time it is recorded.
	Filed time.Time `json:"filed,omitzero"`
	// Notes are anything else the Requestor wrote.
	Notes string `json:"notes,omitempty"`

	// badTarget is set when the YAML target could not be read: its
	// problems are reported, and the empty target is not checked again.
	badTarget bool
}

// Unit is the requesting unit ("National Malaria Control Program").
type Unit struct {
	Name     string `json:"name"`
	Director Person `json:"director"`
}

// Person is someone the SOP names: a Requestor, a Director, an approver,
// the Data Manager. A person is known by a phone number, an iHRIS
// Practitioner id, or both; with only an id, the number is read from
// iHRIS when the form is recorded.
type Person struct {
	Name  string `json:"name"`
	Title string `json:"title,omitempty"`
	// Phone is the number as written (local or international format).
	Phone string `json:"phone,omitempty"`
	// IHRIS is the Practitioner id.
	IHRIS string `json:"ihris,omitempty"`
	// URN is the tel URN of Phone in E.164, set when the form is
	// validated or the person looked up in iHRIS. It is the registered
	// phone an approval must come from.
	URN string `json:"urn,omitempty"`
}

// IsZero reports whether p names nobody.
func (p Person) IsZero() bool { return p.Name == "" && p.Phone == "" && p.IHRIS == "" && p.URN == "" }

// Same reports whether p and q are the same person: the same iHRIS id, or
// the same phone number. Names are not compared: a name can be spelt two
// ways, and two people can share one.
func (p Person) Same(q Person) bool {
	if p.IHRIS != "" && p.IHRIS == q.IHRIS {
		return true
	}
	return p.URN != "" && p.URN == q.URN
}

// String names the person with their masked number, as logs and reports
// show people.
func (p Person) String() string {
	s := p.Name
	if s == "" {
		s = "(unnamed)"
	}
	var ids []string
	if p.URN != "" {
		ids = append(ids, rapidpro.MaskURN(p.URN))
	} else if p.Phone != "" {
		ids = append(ids, rapidpro.MaskURN(p.Phone))
	}
	if p.IHRIS != "" {
		ids = append(ids, "iHRIS "+p.IHRIS)
	}
	if len(ids) > 0 {
		s += " (" + strings.Join(ids, ", ") + ")"
	}
	return s
}

// SendPlan is when the Requestor wants the workflow sent.
type SendPlan struct {
	// Date is the requested send date, "2006-01-02", in TimeZone.
	Date string `json:"date"`
	// Time is the time of day, "15:04" (08:00 when empty).
	Time string `json:"time,omitempty"`
	// TimeZone is an IANA zone ("Africa/Monrovia"); UTC when empty.
	TimeZone string `json:"timeZone,omitempty"`
	// Window is how long after the send time the start may still be made
	// (24 hours when zero); after it the approval has lapsed.
	Window time.Duration `json:"window,omitempty"`
	// AtOnce sends as soon as the use case is activated, any time from
	// its approval to the end of the window.
	AtOnce bool `json:"atOnce,omitempty"`
}

// DefaultSendWindow is the window of a send plan that gives none.
const DefaultSendWindow = 24 * time.Hour

// Window is the time span a send may start in, the part of an approval
// that says when.
type Window struct {
	// Start is the approved send time; zero for a send "at once", which
	// may start as soon as the approval is given.
	Start time.Time `json:"start,omitzero"`
	// End is when the approval lapses if the flow was not started.
	End time.Time `json:"end"`
}

// String describes the window for people.
func (w Window) String() string {
	if w.Start.IsZero() {
		return "at once, until " + w.End.Format(timeLayout)
	}
	return w.Start.Format(timeLayout) + " (until " + w.End.Format(timeLayout) + ")"
}

// timeLayout is how the texts meant for people (a send window, the tests
// an approver is shown) write a time; what is stored or hashed keeps
// RFC 3339.
const timeLayout = "Mon 2 Jan 2006 15:04 MST"

// SendWindow returns the send window the plan asks for.
func (s SendPlan) SendWindow() (Window, error) {
	at, err := s.At()
	if err != nil {
		return Window{}, err
	}
	d := s.Window
	if d <= 0 {
		d = DefaultSendWindow
	}
	w := Window{Start: at, End: at.Add(d)}
	if s.AtOnce {
		w.Start = time.Time{}
	}
	return w, nil
}

// At returns the requested send time: Date at Time in TimeZone.
func (s SendPlan) At() (time.Time, error) {
	loc := time.UTC
	if s.TimeZone != "" {
		l, err := time.LoadLocation(s.TimeZone)
		if err != nil {
			return time.Time{}, fmt.Errorf("unknown time zone %q", s.TimeZone)
		}
		loc = l
	}
	hm := s.Time
	if hm == "" {
		hm = "08:00"
	}
	t, err := time.ParseInLocation("2006-01-02 15:04", s.Date+" "+hm, loc)
	if err != nil {
		if _, derr := time.Parse("2006-01-02", s.Date); derr != nil {
			return time.Time{}, fmt.Errorf("date %q is not a date like 2026-03-09", s.Date)
		}
		return time.Time{}, fmt.Errorf("time %q is not a time of day like 08:00", s.Time)
	}
	return t, nil
}

// MinNotice is how long before the send date the SOP asks a request to
// be filed. A request filed later is flagged, not refused.
const MinNotice = 7 * 24 * time.Hour

// country returns the country that reads the form's phone numbers.
func (f *Form) country() string {
	if f.Country != "" {
		return strings.ToUpper(f.Country)
	}
	return strings.ToUpper(f.Target.Country)
}

// ApproverOrDirector returns the approver the form names, or the unit's
// Director when it names none.
func (f *Form) ApproverOrDirector() Person {
	if f.Approver != nil && !f.Approver.IsZero() {
		return *f.Approver
	}
	return f.Unit.Director
}

// Validate checks a form built in Go (or decoded from JSON) and fills the
// people's URNs from their phone numbers. now is when the form is
// recorded, the filing date when Filed is zero. The problems are
// returned whole: warnings (a late request) alone are not an error, see
// [Problems.Err].
func (f *Form) Validate(now time.Time) Problems {
	return f.problems(now, nil)
}

// problems checks the form; at positions a field path in its YAML file.
func (f *Form) problems(now time.Time, at func(field string) (line, col int)) Problems {
	var ps Problems
	add := func(sev Severity, field, format string, args ...any) {
		p := Problem{Field: field, Message: fmt.Sprintf(format, args...), Severity: sev}
		if at != nil {
			p.Line, p.Column = at(field)
		}
		ps = append(ps, p)
	}
	if strings.TrimSpace(f.Title) == "" {
		add(SeverityError, "title", "a use case needs a title")
	}
	if strings.TrimSpace(f.Unit.Name) == "" {
		add(SeverityError, "unit.name", "name the requesting unit")
	}
	if strings.TrimSpace(f.Purpose) == "" {
		add(SeverityError, "purpose", "say what the answers are for")
	}
	country := f.country()
	peopleOK := true
	person := func(p *Person, field string, required bool) {
		if p.IsZero() {
			if required {
				add(SeverityError, field, "missing: give a name and a phone number or iHRIS id")
				peopleOK = false
			}
			return
		}
		if strings.TrimSpace(p.Name) == "" {
			add(SeverityError, field+".name", "a person needs a name")
		}
		if p.Phone == "" && p.IHRIS == "" && p.URN == "" {
			add(SeverityError, field, "give a phone number or an iHRIS id, so that the person can be reached")
			peopleOK = false
		}
		if p.Phone != "" {
			urn, err := rapidpro.PhoneURN(p.Phone, country)
			if err != nil {
				var pe *rapidpro.PhoneError
				reason := "invalid phone number"
				if errors.As(err, &pe) {
					reason = fmt.Sprintf("invalid phone number %s: %s", pe.Masked, pe.Reason)
				}
				add(SeverityError, field+".phone", "%s", reason)
				peopleOK = false
			} else {
				p.URN = urn
			}
		}
	}
	person(&f.Unit.Director, "unit.director", true)
	person(&f.Requestor, "requestor", true)
	if f.Approver != nil {
		person(f.Approver, "approver", false)
	}
	if !f.badTarget && (f.TargetFile == "" || f.Target.Name != "") {
		if err := f.Target.Validate(); err != nil {
			ps = append(ps, position(fromTarget(err, "target."), at)...)
		}
	}
	if f.WorkflowFile == "" && len(f.Workflow) == 0 {
		add(SeverityError, "workflow", "name the workflow file to send")
	}
	if f.ExpectedSends < 0 {
		add(SeverityError, "expected_sends", "expected sends cannot be negative")
	}
	if f.Send.Window < 0 {
		add(SeverityError, "send.window", "the window cannot be negative")
	}
	filed := f.Filed
	if filed.IsZero() {
		filed = now
	}
	if f.Send.Date == "" {
		add(SeverityError, "send.date", "give the requested send date, like 2026-03-09")
	} else if sendAt, err := f.Send.At(); err != nil {
		field := "send.date"
		if strings.HasPrefix(err.Error(), "time ") {
			field = "send.time"
		} else if strings.HasPrefix(err.Error(), "unknown time zone") {
			field = "send.timezone"
		}
		add(SeverityError, field, "%v", err)
	} else if notice := sendAt.Sub(filed); notice < 0 {
		add(SeverityWarning, "send.date", "filed %s after the send date; the SOP asks for at least a week's notice", humanDays(-notice))
	} else if notice < MinNotice {
		add(SeverityWarning, "send.date", "filed %s before the send date; the SOP asks for at least a week", humanDays(notice))
	}
	if err := CheckApprover(f.Requestor, f.Unit.Director, f.ApproverOrDirector(), Person{}); err != nil && peopleOK && !f.ApproverOrDirector().IsZero() {
		field := "approver"
		if f.Approver == nil {
			field = "unit.director"
		}
		add(SeverityError, field, "%s", strings.TrimPrefix(err.Error(), ErrApprover.Error()+": "))
	}
	return ps
}

// position gives problems without a position the one of their field.
func position(ps Problems, at func(string) (int, int)) Problems {
	if at == nil {
		return ps
	}
	for i := range ps {
		if ps[i].Line == 0 {
			ps[i].Line, ps[i].Column = at(ps[i].Field)
		}
	}
	return ps
}

func humanDays(d time.Duration) string {
	switch {
	case d < 24*time.Hour:
		h := int(d.Hours())
		if h == 1 {
			return "1 hour"
		}
		return fmt.Sprintf("%d hours", h)
	}
	days := int(d / (24 * time.Hour))
	if days == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", days)
}

// ParsedWorkflow parses the form's workflow source.
func (f *Form) ParsedWorkflow() (*workflow.Workflow, error) {
	name := f.WorkflowFile
	if name == "" {
		name = "workflow.yaml"
	}
	return workflow.Parse(name, f.Workflow)
}
