package goflowcheck

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/nyaruka/gocommon/dates"
	"github.com/nyaruka/gocommon/i18n"
	"github.com/nyaruka/gocommon/urns"
	"github.com/nyaruka/gocommon/uuids"
	"github.com/nyaruka/goflow/assets"
	"github.com/nyaruka/goflow/envs"
	"github.com/nyaruka/goflow/flows"
	"github.com/nyaruka/goflow/flows/engine"
	"github.com/nyaruka/goflow/flows/events"
	"github.com/nyaruka/goflow/flows/resumes"
	"github.com/nyaruka/goflow/flows/triggers"
	"github.com/nyaruka/goflow/services/webhooks"
	"github.com/nyaruka/goflow/utils"
)

// The fixed environment every conversation runs in, so that dates, phone
// numbers and timestamps come out the same on every run and in both engines.
const (
	// Timezone of the workspace and the contact.
	Timezone = "Africa/Monrovia"
	// DefaultCountry is used to read local phone numbers (has_phone).
	DefaultCountry = "LR"
	// DateFormat is the workspace's date format (day first).
	DateFormat = "DD-MM-YYYY"
	// DefaultURN is the contact's URN when Contact.URN is empty.
	DefaultURN = "tel:+231770000001"
)

// Now returns the fixed time of every conversation: goflow stamps results,
// messages and timeouts with it. Give it to the other engine as its clock.
func Now() time.Time { return time.Date(2026, time.January, 5, 9, 0, 0, 0, time.UTC) }

// Contact is the person a scripted conversation is held with.
type Contact struct {
	Name string
	// URN defaults to DefaultURN.
	URN string
	// Language is an ISO 639-3 code; empty means the flow's base language.
	// Translations are used when the flow is localized in that language.
	Language string
	// Fields holds contact field values by key, as the text RapidPro would
	// store; each is parsed according to the field's declared type.
	Fields map[string]string
}

// Step is what the contact does while the flow waits: send a reply, or let
// the wait time out.
type Step struct {
	Reply   string
	Timeout bool
}

// Reply is a step that answers the waiting question with text.
func Reply(text string) Step { return Step{Reply: text} }

// Timeout is a step that lets the waiting question time out.
func Timeout() Step { return Step{Timeout: true} }

// String shows a step as a script line: the quoted reply or /timeout.
func (s Step) String() string {
	if s.Timeout {
		return "/timeout"
	}
	return fmt.Sprintf("%q", s.Reply)
}

// Result is a run result: its name as written in the flow, the value saved
// and the category chosen.
type Result struct {
	Name     string `json:"name"`
	Value    string `json:"value"`
	Category string `json:"category"`
}

// Transcript is what happened in a conversation.
type Transcript struct {
	// Messages are the texts sent to the contact, in order.
	Messages []string
	// Results of the flow's run, by result key (the snakified name).
	Results map[string]Result
	// Status is the session's final status: "waiting", "completed" or
	// "failed".
	Status string
	// Errors are goflow's error and failure events (for example a template
	// function called wrongly), which do not stop a run.
	Errors []string
}

// Option configures Run.
type Option func(*runConfig)

type runConfig struct {
	webhook func(method, url, body string) (status int, respBody string)
}

// WithWebhook answers the flow's call_webhook actions: goflow's webhook
// service is given an HTTP client that never reaches the network but asks
// answer instead. A status of 0 is a connection failure. Without it,
// goflow logs an error for each webhook and the call fails.
func WithWebhook(answer func(method, url, body string) (status int, respBody string)) Option {
	return func(c *runConfig) { c.webhook = answer }
}

// answerTransport is an http.RoundTripper answering every request with a
// function.
type answerTransport func(method, url, body string) (int, string)

// RoundTrip answers req without any network: status 0 is a connection
// failure.
func (a answerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body.Close()
	}
	status, resp := a(req.Method, req.URL.String(), string(body))
	if status == 0 {
		return nil, errors.New("connection refused")
	}
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", status, http.StatusText(status)),
		StatusCode:    status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(strings.NewReader(resp)),
		ContentLength: int64(len(resp)),
		Request:       req,
	}, nil
}

// ErrStepsLeft reports a script with more steps than the flow waited for.
var ErrStepsLeft = errors.New("the flow stopped waiting before the script ended")

// goflow keeps its clock and UUID generator in package variables; the lock
// makes concurrent Runs safe and each one deterministic.
var globalsMu sync.Mutex

// Run plays a scripted conversation through goflow's engine: the flow (given
// by UUID or name; empty for the export's first flow) is started for the
// contact by a manual trigger, then each step resumes the waiting session in
// order. It stops when the steps run out or the session stops waiting; steps
// left over give ErrStepsLeft along with the transcript so far. Besides the
// export's assets, goflow is given the workspace's SMS channel (a tel
// channel in LR): a real workspace has one, and without it goflow leaves
// @contact.urn empty.
func Run(export []byte, flow string, c Contact, steps []Step, opts ...Option) (*Transcript, error) {
	var cfg runConfig
	for _, o := range opts {
		o(&cfg)
	}
	globalsMu.Lock()
	defer globalsMu.Unlock()
	dates.SetNowSource(dates.NewFixedNowSource(Now()))
	defer dates.SetNowSource(dates.DefaultNowSource)
	uuids.SetGenerator(uuids.NewSeededGenerator(1234))
	defer uuids.SetGenerator(uuids.DefaultGenerator)

	e, err := readExport(export)
	if err != nil {
		return nil, err
	}
	src, err := e.source(true)
	if err != nil {
		return nil, err
	}
	tz, err := time.LoadLocation(Timezone)
	if err != nil {
		return nil, err
	}
	sa, err := engine.NewSessionAssets(envs.NewBuilder().Build(), src, nil)
	if err != nil {
		return nil, fmt.Errorf("goflow session assets: %w", err)
	}
	f, err := findFlow(sa, e, flow)
	if err != nil {
		return nil, err
	}

	langs := append([]i18n.Language{f.Language()}, f.Localization().Languages()...)
	env := envs.NewBuilder().
		WithDateFormat(envs.DateFormatDayMonthYear).
		WithTimeFormat(envs.TimeFormatHourMinute).
		WithTimezone(tz).
		WithDefaultCountry(i18n.Country(DefaultCountry)).
		WithAllowedLanguages(langs...).
		Build()

	contact, err := newContact(sa, env, c, tz)
	if err != nil {
		return nil, err
	}
	// RapidPro always has an email service; without one goflow logs an
	// error for every send_email that the real server would not.
	eb := engine.NewBuilder().WithEmailServiceFactory(func(flows.SessionAssets) (flows.EmailService, error) {
		return discardEmail{}, nil
	})
	if cfg.webhook != nil {
		client := &http.Client{Transport: answerTransport(cfg.webhook)}
		eb = eb.WithWebhookServiceFactory(webhooks.NewServiceFactory(client, nil, nil, map[string]string{"User-Agent": "goflowcheck"}, 10000))
	}
	eng := eb.Build()
	session, sprint, err := eng.NewSession(sa, triggers.NewBuilder(env, f.Reference(false), contact).Manual().Build())
	if err != nil {
		return nil, fmt.Errorf("starting %q in goflow: %w", f.Name(), err)
	}
	t := &Transcript{Results: map[string]Result{}}
	t.record(sprint.Events())

	for i, step := range steps {
		if session.Status() != flows.SessionStatusWaiting {
			t.finish(session)
			return t, fmt.Errorf("%w: step %d (%s) with the session %s", ErrStepsLeft, i+1, step, session.Status())
		}
		var resume flows.Resume
		if step.Timeout {
			resume = resumes.NewWaitTimeout(nil, nil)
		} else {
			msg := flows.NewMsgIn(flows.MsgUUID(uuids.New()), contact.URNs()[0].URN(), nil, step.Reply, []utils.Attachment{})
			resume = resumes.NewMsg(nil, nil, msg)
		}
		sprint, err := session.Resume(resume)
		if err != nil {
			return nil, fmt.Errorf("step %d (%s): %w", i+1, step, err)
		}
		t.record(sprint.Events())
	}
	t.finish(session)
	return t, nil
}

func findFlow(sa flows.SessionAssets, e *exportFile, flow string) (flows.Flow, error) {
	if flow == "" {
		if len(e.Flows) == 0 {
			return nil, errors.New("the export has no flows")
		}
		var h flowHeader
		if err := json.Unmarshal(e.Flows[0], &h); err != nil {
			return nil, err
		}
		flow = h.UUID
	}
	if uuids.IsV4(flow) {
		return sa.Flows().Get(assets.FlowUUID(flow))
	}
	return sa.Flows().FindByName(flow)
}

func newContact(sa flows.SessionAssets, env envs.Environment, c Contact, tz *time.Location) (*flows.Contact, error) {
	urn := c.URN
	if urn == "" {
		urn = DefaultURN
	}
	contact, err := flows.NewContact(sa, flows.ContactUUID(uuids.New()), 1, c.Name, i18n.Language(c.Language),
		flows.ContactStatusActive, tz, Now(), nil, []urns.URN{urns.URN(urn)}, nil, nil, nil, assets.PanicOnMissing)
	if err != nil {
		return nil, fmt.Errorf("contact: %w", err)
	}
	for key, raw := range c.Fields {
		field := sa.Fields().Get(key)
		if field == nil {
			return nil, fmt.Errorf("contact field %q is not declared in the export", key)
		}
		contact.Fields().Set(field, contact.Fields().Parse(env, sa.Fields(), field, raw))
	}
	return contact, nil
}

func (t *Transcript) record(evs []flows.Event) {
	for _, ev := range evs {
		switch ev := ev.(type) {
		case *events.MsgCreatedEvent:
			t.Messages = append(t.Messages, ev.Msg.Text())
		case *events.ErrorEvent:
			t.Errors = append(t.Errors, ev.Text)
		case *events.FailureEvent:
			t.Errors = append(t.Errors, ev.Text)
		}
	}
}

func (t *Transcript) finish(s flows.Session) {
	t.Status = string(s.Status())
	if runs := s.Runs(); len(runs) > 0 {
		for key, r := range runs[0].Results() {
			t.Results[key] = Result{Name: r.Name, Value: r.Value, Category: r.Category}
		}
	}
}

// discardEmail accepts every email and sends none.
type discardEmail struct{}

func (discardEmail) Send(addresses []string, subject, body string) error { return nil }
