package sim

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"

	"github.com/mhero-go/mhero/internal/excellent"
	"github.com/mhero-go/mhero/workflow/flow"
)

// Status is the state of a simulated session.
type Status string

// Session statuses, named as goflow names run statuses.
const (
	StatusActive      Status = "active" // not started, mid-step, or stopped by an unsupported feature
	StatusWaiting     Status = "waiting"
	StatusCompleted   Status = "completed"
	StatusExpired     Status = "expired"
	StatusInterrupted Status = "interrupted"
	StatusFailed      Status = "failed"
)

// maxStepsPerSprint is goflow's default limit on nodes visited between two
// inputs; going past it fails the run (usually a loop).
const maxStepsPerSprint = 100

// Message is a message the flow sent to the contact.
type Message struct {
	Text         string   `json:"text"`
	Attachments  []string `json:"attachments,omitempty"`
	QuickReplies []string `json:"quick_replies,omitempty"`
	// Language is the language of the translation used: the flow's
	// language when untranslated.
	Language   string `json:"language"`
	NodeUUID   string `json:"node_uuid"`
	ActionUUID string `json:"action_uuid"`
}

// Result is a run result: the answer to a question or a set_run_result.
type Result struct {
	Name string `json:"name"`
	// Key is the snakified name, as in @results.key.
	Key string `json:"key"`
	// Value is the matched part of the input (e.g. "25" for a number test),
	// the whole input for the default category, or the time of a timeout.
	Value    string `json:"value"`
	Category string `json:"category"`
	// CategoryLocalized is the category's name in the contact's language,
	// empty when untranslated.
	CategoryLocalized string `json:"category_localized,omitempty"`
	// Input is the text tested (the operand), empty for set_run_result and timeouts.
	Input     string    `json:"input"`
	NodeUUID  string    `json:"node_uuid"`
	CreatedOn time.Time `json:"created_on"`
}

// Event records something the flow did besides messaging the contact and
// saving results: contact changes, broadcasts, labels, and errors goflow
// would log (a template that failed to evaluate, a missing group...).
type Event struct {
	// Type is goflow's event type, e.g. "contact_field_changed",
	// "contact_groups_changed", "broadcast_created", "error", "failure".
	Type     string `json:"type"`
	NodeUUID string `json:"node_uuid,omitempty"`
	// Detail says what happened, e.g. "district = Bo" or the error text.
	Detail string `json:"detail"`
}

// Outcome is a plain snapshot of a simulated session, easy to compare with
// another engine's or to print as JSON.
type Outcome struct {
	Status   Status            `json:"status"`
	Messages []Message         `json:"messages"`
	Results  map[string]Result `json:"results"`
	// Path lists the UUIDs of the nodes visited, in order, across subflows.
	Path    []string `json:"path"`
	Contact Contact  `json:"contact"`
	Events  []Event  `json:"events,omitempty"`
	// RunErrors are the errors goflow keeps only in a run's own log and
	// never emits as the session's events: a router's operand, case
	// argument or case test that failed to evaluate (e.g. @fields.nope),
	// one per failing case test plus one when the default category takes
	// the failed operand. The router still picks a category, usually the
	// default, so these explain an unexpected "Other".
	RunErrors []Event `json:"run_errors,omitempty"`
	// Failure says why the session failed.
	Failure string `json:"failure,omitempty"`
	// Wait is what a waiting session waits for.
	Wait *Wait `json:"wait,omitempty"`
}

// Wait describes the question a waiting session waits at.
type Wait struct {
	NodeUUID string `json:"node_uuid"`
	// FlowUUID is the flow of the waiting run (a subflow's, perhaps).
	FlowUUID   string `json:"flow_uuid"`
	ResultName string `json:"result_name,omitempty"`
	// TimeoutSeconds is how long until Timeout applies; 0 when the wait
	// has no timeout.
	TimeoutSeconds int `json:"timeout_seconds,omitempty"`
}

// Waiting returns what the session waits for, and false when it isn't
// waiting.
func (s *Sim) Waiting() (Wait, bool) {
	if s.status != StatusWaiting || s.waiting == nil || s.err != nil {
		return Wait{}, false
	}
	n := s.waiting.node
	w := Wait{NodeUUID: n.UUID, FlowUUID: s.waiting.flow.UUID, ResultName: n.Router.ResultName}
	if t := n.Router.Wait.Timeout; t != nil {
		w.TimeoutSeconds = t.Seconds
	}
	return w, true
}

// Sim runs one contact through a flow offline. It is not safe for
// concurrent use.
type Sim struct {
	opts   options
	flows  map[string]*flow.Flow
	main   *flow.Flow
	fields map[string]flow.Field // declared fields; nil (a bare flow) means any field is a text field
	groups []flow.Group          // declared groups; nil (a bare flow) means any referenced group exists
	random func() float64
	// pcg is the default random source, kept so that Clone can copy it.
	pcg *rand.PCG

	contact  Contact
	country  string   // the session's country (see sessionCountry)
	allowed  []string // the default allowed languages, once computed
	status   Status
	runs     []*run
	waiting  *run
	input    *inputMsg
	messages []Message
	events   []Event
	runErrs  []Event // errors only in the runs' logs (routers)
	path     []string
	failure  string
	err      error // an unsupported feature stops the simulation
	begun    bool
	started  time.Time
	uuids    int
}

type run struct {
	uuid    string
	flow    *flow.Flow
	parent  *run
	child   *run
	results map[string]*Result
	order   []string // result keys in the order first saved
	path    []string
	status  Status
	node    *flow.Node // the node being visited or waited at
	created time.Time
	webhook excellent.Value            // @webhook: the last webhook's parsed response
	extras  map[string]excellent.Value // @results.key.extra: webhook responses by result key
	// resultsContext caches @results until the results change.
	resultsContext *excellent.Object
}

type inputMsg struct {
	uuid    string
	text    string
	created time.Time
}

// New makes a simulator for an export's flow: the first one, or the one
// chosen with WithFlow. The export's fields and groups are the assets the
// flow sees, and its other flows can be entered as subflows. The simulator
// reads the export as it runs: don't change it meanwhile.
func New(e *flow.Export, opts ...Option) (*Sim, error) {
	if e == nil || len(e.Flows) == 0 {
		return nil, errors.New("sim: the export has no flow")
	}
	s, err := newSim(opts)
	if err != nil {
		return nil, err
	}
	for i := range e.Flows {
		s.flows[e.Flows[i].UUID] = &e.Flows[i]
	}
	s.main = &e.Flows[0]
	if s.opts.flow != "" {
		s.main = nil
		for i := range e.Flows {
			if e.Flows[i].UUID == s.opts.flow || e.Flows[i].Name == s.opts.flow {
				s.main = &e.Flows[i]
				break
			}
		}
		if s.main == nil {
			return nil, fmt.Errorf("sim: the export has no flow %q", s.opts.flow)
		}
	}
	// The export's fields and groups are the workspace's assets, as goflow
	// is given them: anything else is a missing dependency.
	s.fields = make(map[string]flow.Field, len(e.Fields))
	for _, f := range e.Fields {
		s.fields[f.Key] = f
	}
	s.groups = append([]flow.Group{}, e.Groups...)
	return s, nil
}

// NewFlow makes a simulator for a single flow definition. Every field it
// sets is taken as a text field and every group it references as existing.
func NewFlow(f *flow.Flow, opts ...Option) (*Sim, error) {
	if f == nil {
		return nil, errors.New("sim: no flow")
	}
	s, err := newSim(opts)
	if err != nil {
		return nil, err
	}
	if s.opts.flow != "" && s.opts.flow != f.UUID && s.opts.flow != f.Name {
		return nil, fmt.Errorf("sim: the flow is not %q", s.opts.flow)
	}
	s.flows[f.UUID] = f
	s.main = f
	return s, nil
}

func newSim(opts []Option) (*Sim, error) {
	o := defaultOptions()
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, fmt.Errorf("sim: %w", err)
		}
	}
	s := &Sim{opts: o, flows: map[string]*flow.Flow{}, status: StatusActive}
	s.random = o.random
	if s.random == nil {
		s.pcg = rand.NewPCG(1, 2)
		s.random = rand.New(s.pcg).Float64
	}
	s.contact = o.contact.clone()
	s.country = s.sessionCountry() // flows cannot change the contact's URN
	return s, nil
}

// Start runs the flow from its first node until it waits for a reply or
// ends. It returns an *UnsupportedError when the flow reaches something
// the simulator can't run.
func (s *Sim) Start() error {
	if s.begun {
		return errors.New("sim: already started")
	}
	s.begun, s.started = true, s.now()
	if t := s.opts.trigger; t != nil {
		s.input = &inputMsg{uuid: s.newUUID(), text: t.text, created: s.started}
	}
	r := s.newRun(s.main, nil)
	return s.continueFrom(r, firstNode(s.main))
}

// Resume delivers the contact's reply to the waiting flow and runs on until
// the next wait or the end.
func (s *Sim) Resume(text string) error {
	r, err := s.waitingRun()
	if err != nil {
		return err
	}
	s.input = &inputMsg{uuid: s.newUUID(), text: text, created: s.now()}
	s.status, r.status = StatusActive, StatusActive
	exit, err := s.route(r, r.node, false)
	if err != nil {
		return s.stop(err)
	}
	return s.continueAfter(r, exit)
}

// Timeout tells the waiting flow that no reply came in time: it takes the
// wait's timeout category ("No Response").
func (s *Sim) Timeout() error {
	r, err := s.waitingRun()
	if err != nil {
		return err
	}
	if w := r.node.Router.Wait; w.Timeout == nil {
		return fmt.Errorf("sim: the wait on node %s has no timeout", r.node.UUID)
	}
	s.status, r.status = StatusActive, StatusActive
	exit, err := s.route(r, r.node, true)
	if err != nil {
		return s.stop(err)
	}
	return s.continueAfter(r, exit)
}

// Expire ends a waiting session as if its runs had expired.
func (s *Sim) Expire() error { return s.end(StatusExpired) }

// Interrupt ends a waiting session as if another flow had interrupted it.
func (s *Sim) Interrupt() error { return s.end(StatusInterrupted) }

func (s *Sim) end(status Status) error {
	if _, err := s.waitingRun(); err != nil {
		return err
	}
	for _, r := range s.runs {
		if r.status == StatusActive || r.status == StatusWaiting {
			r.status = status
		}
	}
	s.status, s.waiting = status, nil
	return nil
}

// Status returns the session's status.
func (s *Sim) Status() Status { return s.status }

// Messages returns the messages sent to the contact so far.
func (s *Sim) Messages() []Message { return slices.Clone(s.messages) }

// Path returns the UUIDs of the nodes visited so far.
func (s *Sim) Path() []string { return slices.Clone(s.path) }

// Contact returns the contact as the flow has changed it.
func (s *Sim) Contact() Contact { return s.contact.clone() }

// Results returns the main run's results in the order they were first saved.
func (s *Sim) Results() []Result {
	if len(s.runs) == 0 {
		return nil
	}
	main := s.runs[0]
	out := make([]Result, 0, len(main.results))
	for _, key := range main.order {
		out = append(out, *main.results[key])
	}
	return out
}

// Outcome returns a snapshot of the session.
func (s *Sim) Outcome() Outcome {
	out := Outcome{
		Status:    s.status,
		Messages:  s.Messages(),
		Results:   map[string]Result{},
		Path:      s.Path(),
		Contact:   s.Contact(),
		Events:    slices.Clone(s.events),
		RunErrors: slices.Clone(s.runErrs),
		Failure:   s.failure,
	}
	if out.Messages == nil {
		out.Messages = []Message{}
	}
	if out.Path == nil {
		out.Path = []string{}
	}
	if w, ok := s.Waiting(); ok {
		out.Wait = &w
	}
	if len(s.runs) > 0 {
		for k, r := range s.runs[0].results {
			out.Results[k] = *r
		}
	}
	return out
}

func (s *Sim) waitingRun() (*run, error) {
	if s.err != nil {
		return nil, s.err
	}
	if s.status != StatusWaiting || s.waiting == nil {
		return nil, fmt.Errorf("sim: the session is %s, not waiting", s.status)
	}
	return s.waiting, nil
}

// stop records an error that ends the simulation.
func (s *Sim) stop(err error) error {
	s.err = err
	return err
}

func (s *Sim) now() time.Time { return s.opts.clock() }

// newUUID returns a deterministic version 4 UUID, unique within the session.
func (s *Sim) newUUID() string {
	s.uuids++
	sum := sha256.Sum256([]byte(s.main.UUID + "/" + strconv.Itoa(s.uuids)))
	sum[6] = sum[6]&0x0f | 0x40
	sum[8] = sum[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
}

func (s *Sim) newRun(f *flow.Flow, parent *run) *run {
	r := &run{uuid: s.newUUID(), flow: f, parent: parent, results: map[string]*Result{}, status: StatusActive, created: s.now(),
		webhook: excellent.NewObject(map[string]excellent.Value{})} // goflow's @webhook before any call
	if parent != nil {
		parent.child = r
	}
	s.runs = append(s.runs, r)
	return r
}

func firstNode(f *flow.Flow) string {
	if len(f.Nodes) == 0 {
		return ""
	}
	return f.Nodes[0].UUID
}

// continueAfter follows an exit picked on r's current node.
func (s *Sim) continueAfter(r *run, exitUUID string) error {
	return s.continueFrom(r, exitDestination(r.node, exitUUID))
}

func exitDestination(n *flow.Node, exitUUID string) string {
	if n == nil {
		return ""
	}
	for _, x := range n.Exits {
		if x.UUID == exitUUID {
			return x.DestinationUUID
		}
	}
	return ""
}

// continueFrom runs r from the node dest until a wait or the end of the
// session, following goflow's loop: subflows, parent resumption, the step
// limit and failures.
func (s *Sim) continueFrom(r *run, dest string) error {
	steps := 0
	for {
		if dest == "" {
			if r.status == StatusActive {
				r.status = StatusCompleted
			}
			parent := r.parent
			if parent != nil && parent.status == StatusActive {
				child := r
				r = parent
				if child.status == StatusFailed {
					s.failRun(r, fmt.Sprintf("child run for flow '%s' ended in error, ending execution", child.flow.UUID))
					continue
				}
				exit, err := s.route(r, r.node, false)
				if err != nil {
					return s.stop(err)
				}
				dest = exitDestination(r.node, exit)
				continue
			}
			if r.status == StatusFailed || s.runs[0].status == StatusFailed {
				s.status = StatusFailed
			} else {
				s.status = StatusCompleted
			}
			s.waiting = nil
			return nil
		}
		steps++
		if steps > maxStepsPerSprint {
			s.failRun(r, fmt.Sprintf("reached maximum number of steps per sprint (%d)", maxStepsPerSprint))
			dest = ""
			continue
		}
		node := r.flow.Node(dest)
		if node == nil {
			return s.stop(fmt.Errorf("sim: unable to find destination node %s in flow %s", dest, r.flow.UUID))
		}
		r.node = node
		r.path = append(r.path, node.UUID)
		s.path = append(s.path, node.UUID)

		child, err := s.executeActions(r, node)
		if err != nil {
			return s.stop(err)
		}
		if r.status == StatusFailed {
			dest = ""
			continue
		}
		if child != nil {
			r = child
			dest = firstNode(child.flow)
			continue
		}
		if node.Router != nil && node.Router.Wait != nil {
			if node.Router.Wait.Type != flow.WaitMsg {
				return s.stop(s.unsupported(r, node, fmt.Sprintf("a wait of type %q", node.Router.Wait.Type)))
			}
			// goflow skips the very first wait of a session started by a
			// message: that message is the answer
			firstStep := s.opts.trigger != nil && len(s.runs) == 1 && len(r.path) == 1
			if !firstStep {
				r.status, s.status, s.waiting = StatusWaiting, StatusWaiting, r
				return nil
			}
		}
		exit, err := s.route(r, node, false)
		if err != nil {
			return s.stop(err)
		}
		if r.status == StatusFailed {
			dest = ""
			continue
		}
		dest = exitDestination(node, exit)
	}
}

func (s *Sim) failRun(r *run, reason string) {
	r.status = StatusFailed
	if s.failure == "" {
		s.failure = reason
	}
	nodeUUID := ""
	if r.node != nil {
		nodeUUID = r.node.UUID
	}
	s.events = append(s.events, Event{Type: "failure", NodeUUID: nodeUUID, Detail: reason})
}

// logError logs an error event, as goflow's actions do.
func (s *Sim) logError(n *flow.Node, detail string) {
	s.events = append(s.events, Event{Type: "error", NodeUUID: n.UUID, Detail: detail})
}

// logRunError records an error in the run's log only, as goflow's routers
// do (run.LogError): it is not one of the session's events.
func (s *Sim) logRunError(n *flow.Node, detail string) {
	s.runErrs = append(s.runErrs, Event{Type: "error", NodeUUID: n.UUID, Detail: detail})
}

// ---- localization ----

// languages returns the languages to look for translations in, in order,
// as goflow does: the contact's language if allowed, the environment's
// default language, then the flow's own.
func (s *Sim) languages(f *flow.Flow) []string {
	allowed := s.allowedLanguages(f)
	var langs []string
	if c := s.contact.Language; c != "" && slices.Contains(allowed, c) {
		langs = append(langs, c)
	}
	if len(allowed) > 0 && (len(langs) == 0 || allowed[0] != langs[0]) {
		langs = append(langs, allowed[0])
	}
	return append(langs, flowLanguage(f))
}

// allowedLanguages returns the environment's languages or, by default, the
// main flow's language followed by every language the flows are
// translated to.
func (s *Sim) allowedLanguages(*flow.Flow) []string {
	if s.opts.env.AllowedLanguages != nil {
		return s.opts.env.AllowedLanguages
	}
	if s.allowed == nil { // the flows do not change during a session
		s.allowed = s.defaultLanguages()
	}
	return s.allowed
}

// defaultLanguages are the allowed languages when the environment names
// none: the main flow's language, then the others the flows are translated
// to, sorted.
func (s *Sim) defaultLanguages() []string {
	base := flowLanguage(s.main)
	var extra []string
	for _, f := range s.flows {
		for l := range f.Localization {
			if l != base && !slices.Contains(extra, l) {
				extra = append(extra, l)
			}
		}
	}
	slices.Sort(extra)
	return append([]string{base}, extra...)
}

// flowLanguage is a flow's language as goflow reads it: spec 13.2 turns a
// language that isn't a 3-letter code (like "base") into "und".
func flowLanguage(f *flow.Flow) string {
	if isLanguageCode(f.Language) {
		return f.Language
	}
	return "und"
}

// localize returns the translation of an item's property for the contact,
// or native, and the language used.
func (s *Sim) localize(f *flow.Flow, uuid, property string, native []string) ([]string, string) {
	base := flowLanguage(f)
	for _, lang := range s.languages(f) {
		if lang == base {
			return native, lang
		}
		if t, ok := f.Localization.Translation(lang, uuid, property); ok {
			return t, lang
		}
	}
	return native, base
}

// ---- evaluation ----

// newEnv returns an evaluation environment for run r at node n.
func (s *Sim) newEnv(r *run, n *flow.Node) *excellent.Env {
	e := &excellent.Env{
		Now:        s.now(),
		Timezone:   s.opts.env.Timezone,
		DateFormat: s.opts.env.DateFormat,
		TimeFormat: s.opts.env.TimeFormat,
		Language:   s.languages(r.flow)[0],
		Country:    s.country,
	}
	if tz := s.contact.Timezone; tz != "" {
		if loc, err := time.LoadLocation(tz); err == nil {
			e.Timezone = loc
		}
	}
	e.Context = s.context(r, n, e)
	return e
}

// sessionCountry is the session's country, as goflow takes it: the
// country of the contact's phone number, else the workspace's default
// country. It reads local phone numbers (has_phone) and picks regional
// names of days and months.
func (s *Sim) sessionCountry() string {
	if scheme, path, ok := strings.Cut(s.contact.URN, ":"); ok && scheme == "tel" {
		path, _, _ = strings.Cut(path, "?")
		if num, err := phonenumbers.Parse(path, ""); err == nil {
			if region := phonenumbers.GetRegionCodeForNumber(num); region != "" {
				return region
			}
		}
	}
	return s.opts.env.DefaultCountry
}

// template evaluates a template for an action or router of node n.
func (s *Sim) template(r *run, n *flow.Node, tpl string) (string, bool, error) {
	e := s.newEnv(r, n)
	out, errText := e.EvaluateTemplate(tpl)
	out = truncateEllipsis(out, maxTemplateChars)
	if what := e.Unsupported(); what != "" {
		return "", false, s.unsupported(r, n, what)
	}
	if errText != "" {
		s.logError(n, errText)
	}
	return out, errText != "", nil
}

// ---- errors ----

// UnsupportedError reports a flow feature the simulator can't run: an
// action, router, wait, case test, function or context value. It names
// the node so the flow's author can find it in the editor. Its text is
// for the flow's author too (a CLI may print it as is); Option is for Go
// programs.
type UnsupportedError struct {
	FlowName string
	NodeUUID string
	// Label describes the node as the editor shows it: its _ui type and
	// result name, when the flow has them.
	Label string
	// Feature is what isn't supported, e.g. `the action "call_webhook"`.
	Feature string
	// Reason, when set, says why in the author's terms, e.g. "webhooks
	// are not called offline".
	Reason string
	// Option names the Option that lets the simulator run the feature
	// after all (e.g. "WithWebhook" for webhooks), empty when none does.
	Option string
}

// Error names the flow, the node and the feature.
func (e *UnsupportedError) Error() string {
	label := ""
	if e.Label != "" {
		label = " (" + e.Label + ")"
	}
	why := "is not supported by the simulator"
	if e.Reason != "" {
		why = "stops the simulation: " + e.Reason
	}
	return fmt.Sprintf("sim: flow %q, node %s%s: %s %s", e.FlowName, e.NodeUUID, label, e.Feature, why)
}

func (s *Sim) unsupported(r *run, n *flow.Node, feature string) error {
	return &UnsupportedError{FlowName: r.flow.Name, NodeUUID: n.UUID, Label: nodeLabel(r.flow, n), Feature: feature}
}

func nodeLabel(f *flow.Flow, n *flow.Node) string {
	var parts []string
	if f.UI != nil {
		if ui, ok := f.UI.Nodes[n.UUID]; ok && ui.Type != "" {
			parts = append(parts, ui.Type)
		}
	}
	if n.Router != nil && n.Router.ResultName != "" {
		parts = append(parts, fmt.Sprintf("result %q", n.Router.ResultName))
	}
	return strings.Join(parts, ", ")
}

// Input is one step of a scripted conversation: a reply, or a timeout
// when Timeout is set.
type Input struct {
	Text    string `json:"text,omitempty"`
	Timeout bool   `json:"timeout,omitempty"`
}

// Play starts the session if needed, then feeds the inputs in order while
// the session waits. Inputs left when the session ends are ignored; the
// outcome tells how far it got.
func (s *Sim) Play(inputs ...Input) error {
	if !s.begun {
		if err := s.Start(); err != nil {
			return err
		}
	}
	for _, in := range inputs {
		if s.status != StatusWaiting {
			return nil
		}
		var err error
		if in.Timeout {
			err = s.Timeout()
		} else {
			err = s.Resume(in.Text)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
