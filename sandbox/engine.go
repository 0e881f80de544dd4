package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mhero-go/mhero/rapidpro/rapidprotest"
	"github.com/mhero-go/mhero/workflow/flow"
	"github.com/mhero-go/mhero/workflow/sim"
)

// reply is an answer a simulated worker will send.
type reply struct {
	URN  string
	Text string
	At   time.Time
}

// Engine is a [rapidprotest.Engine] that runs flows with the module's own
// simulator (workflow/sim) and makes each contact answer as its [Persona]
// says. Replies are not delivered by the engine (it runs under the
// server's lock): they queue up until [Sandbox.Settle] delivers them in
// time order. It is safe for concurrent use.
type Engine struct {
	env  sim.Environment
	seed uint64

	mu            sync.Mutex
	flows         map[string]*flow.Flow
	personas      map[string]Persona // by URN
	fallback      func(urn string, fields map[string]string) Persona
	misunderstood map[string]float64 // by result key
	sessions      map[string]*session
	nextID        int
	pending       []reply
}

type session struct {
	id      string
	urn     string
	sim     *sim.Sim
	flow    *flow.Flow
	persona Persona
	now     time.Time
	sent    int            // messages already handed to the server
	path    int            // path steps already handed to the server
	tries   map[string]int // by node
	asked   map[string]int // by result key
	answers int
	// deadline is when the current wait times out (zero: no timeout).
	deadline time.Time
}

// NewEngine returns an engine whose contacts behave as fallback says
// unless [Engine.SetPersona] names them; nil fallback means everyone is
// Responsive.
func NewEngine(env sim.Environment, seed uint64, fallback func(urn string) Persona) *Engine {
	e := &Engine{env: env, seed: seed, flows: map[string]*flow.Flow{}, personas: map[string]Persona{},
		misunderstood: map[string]float64{}, sessions: map[string]*session{}}
	if fallback != nil {
		e.fallback = func(urn string, _ map[string]string) Persona { return fallback(urn) }
	}
	return e
}

// SetFallback sets how the contacts that SetPersona does not name behave,
// from their URN and their fields as the first flow to reach them sees
// them (district, cadre, … as a target sync writes them), so that a place
// or cadre can behave differently from the rest. A contact keeps the
// persona it is first given.
func (e *Engine) SetFallback(fallback func(urn string, fields map[string]string) Persona) {
	e.mu.Lock()
	e.fallback = fallback
	e.mu.Unlock()
}

// SetMisunderstood makes a question (by result key) misunderstood by a
// share of the workers (0 to 1, picked repeatably from the contact and the
// question): the first time they are asked it, they reply something that
// fits none of its answers, whatever their persona; asked again, they
// answer as their persona says. (A question that takes any text cannot be
// misunderstood this way.)
func (e *Engine) SetMisunderstood(resultKey string, share float64) {
	e.mu.Lock()
	e.misunderstood[resultKey] = share
	e.mu.Unlock()
}

// Misunderstands reports whether the contact with this URN misunderstands
// the question with this result key (see SetMisunderstood): ground truth
// for tests.
func (e *Engine) Misunderstands(urn, resultKey string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.misunderstandsLocked(urn, resultKey)
}

func (e *Engine) misunderstandsLocked(urn, key string) bool {
	share := e.misunderstood[key]
	if share <= 0 {
		return false
	}
	return float64(hash(urn+"|misunderstands|"+key, e.seed)%1_000_000)/1_000_000 < share
}

var _ rapidprotest.Engine = (*Engine)(nil)

// SetPersona fixes how the contact with this URN behaves.
func (e *Engine) SetPersona(urn string, p Persona) {
	e.mu.Lock()
	e.personas[urn] = p
	e.mu.Unlock()
}

// Persona returns how the contact with this URN behaves. (A contact no
// flow has reached yet, whose persona SetFallback would choose from its
// fields, is given one from its URN alone.)
func (e *Engine) Persona(urn string) Persona {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.personaLocked(urn, nil)
}

func (e *Engine) personaLocked(urn string, fields map[string]string) Persona {
	if p, ok := e.personas[urn]; ok {
		return p
	}
	p := Persona{Kind: Responsive}
	if e.fallback != nil {
		p = e.fallback(urn, fields)
	}
	e.personas[urn] = p
	return p
}

// Start implements [rapidprotest.Engine].
func (e *Engine) Start(_ context.Context, in rapidprotest.StartInput) (rapidprotest.Outcome, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	f, err := e.flow(in.FlowUUID, in.Flow)
	if err != nil {
		return rapidprotest.Outcome{}, err
	}
	urn := ""
	if len(in.Contact.URNs) > 0 {
		urn = in.Contact.URNs[0]
	}
	// A contact waits in one run at a time: the server has just
	// interrupted any earlier one, so its session is over.
	for id, old := range e.sessions {
		if old.urn == urn {
			delete(e.sessions, id)
		}
	}
	e.nextID++
	s := &session{id: strconv.Itoa(e.nextID), urn: urn, flow: f, persona: e.personaLocked(urn, in.Contact.Fields), now: in.Now,
		tries: map[string]int{}, asked: map[string]int{}}
	var params map[string]any
	if len(in.Params) > 0 {
		if err := json.Unmarshal(in.Params, &params); err != nil {
			return rapidprotest.Outcome{}, fmt.Errorf("sandbox: flow start params: %w", err)
		}
	}
	s.sim, err = sim.NewFlow(f, sim.WithContact(simContact(in.Contact, urn)), sim.WithEnvironment(e.env),
		sim.WithParams(params), sim.WithClock(func() time.Time { return s.now }))
	if err != nil {
		return rapidprotest.Outcome{}, err
	}
	if err := s.sim.Start(); err != nil {
		return rapidprotest.Outcome{}, err
	}
	e.sessions[s.id] = s
	return e.step(s), nil
}

// Resume implements [rapidprotest.Engine].
func (e *Engine) Resume(_ context.Context, in rapidprotest.ResumeInput) (rapidprotest.Outcome, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var id string
	if err := json.Unmarshal(in.State, &id); err != nil {
		return rapidprotest.Outcome{}, fmt.Errorf("sandbox: bad run state: %w", err)
	}
	s := e.sessions[id]
	if s == nil {
		return rapidprotest.Outcome{}, fmt.Errorf("sandbox: no session %q", id)
	}
	s.now = in.Now
	var err error
	if in.Event.Kind == rapidprotest.EventTimeout {
		err = s.sim.Timeout()
	} else {
		err = s.sim.Resume(in.Event.Text)
	}
	if err != nil {
		delete(e.sessions, id)
		return rapidprotest.Outcome{}, err
	}
	return e.step(s), nil
}

// step turns what the simulator did since the last call into an Outcome,
// and queues the contact's next answer.
func (e *Engine) step(s *session) rapidprotest.Outcome {
	out := s.sim.Outcome()
	var o rapidprotest.Outcome
	for _, m := range out.Messages[s.sent:] {
		// The sandbox's channel reports delivery, as an aggregator's
		// delivery receipts do: a message reaches the phone or fails.
		// (Left "wired", every message would stay unsettled, and a
		// monitor would read it again at each refresh.)
		msg := rapidprotest.OutgoingMessage{Text: m.Text, QuickReplies: m.QuickReplies, Status: "delivered"}
		if s.persona.Kind == OutOfCoverage {
			msg.Status = "failed"
		}
		o.Messages = append(o.Messages, msg)
	}
	s.sent = len(out.Messages)
	for _, n := range out.Path[s.path:] {
		o.Path = append(o.Path, rapidprotest.PathStep{Node: n})
	}
	s.path = len(out.Path)
	for _, r := range s.sim.Results() {
		o.Results = append(o.Results, rapidprotest.Result{Key: r.Key, Name: r.Name, Value: r.Value,
			Category: r.Category, Node: r.NodeUUID, Time: r.CreatedOn})
	}
	s.deadline = time.Time{}
	switch out.Status {
	case sim.StatusWaiting:
		o.Status = rapidprotest.RunWaiting
		o.State, _ = json.Marshal(s.id)
		node := s.waitingNode()
		if node != nil && node.Router.Wait.Timeout != nil && node.Router.Wait.Timeout.Seconds > 0 {
			o.Timeout = time.Duration(node.Router.Wait.Timeout.Seconds) * time.Second
			s.deadline = s.now.Add(o.Timeout)
		}
		e.queueAnswer(s, node)
		return o
	case sim.StatusCompleted:
		o.Status = rapidprotest.RunCompleted
	case sim.StatusExpired:
		o.Status = rapidprotest.RunExpired
	case sim.StatusInterrupted:
		o.Status = rapidprotest.RunInterrupted
	default:
		o.Status = rapidprotest.RunFailed
	}
	delete(e.sessions, s.id)
	return o
}

func (s *session) waitingNode() *flow.Node {
	path := s.sim.Path()
	if len(path) == 0 {
		return nil
	}
	n := s.flow.Node(path[len(path)-1])
	if n == nil || n.Router == nil || n.Router.Wait == nil {
		return nil
	}
	return n
}

// queueAnswer schedules the reply the persona gives to the question the
// session waits on, if it gives one.
func (e *Engine) queueAnswer(s *session, node *flow.Node) {
	p := s.persona
	switch {
	case node == nil, p.Kind == Silent, p.Kind == OutOfCoverage:
		return
	case p.Kind == DropsOut && s.answers >= p.Answered:
		return
	}
	key := flow.Snakify(node.Router.ResultName)
	s.tries[node.UUID]++
	s.asked[key]++
	text, ok := p.Answers[key]
	if !ok {
		text = e.fittingAnswer(s.urn, node)
	}
	if p.Kind == Confused && s.tries[node.UUID] == 1 {
		text = "sorry what do you mean"
	}
	if s.asked[key] == 1 && e.misunderstandsLocked(s.urn, key) {
		text = "I do not understand the question"
	}
	at := s.now
	if p.Kind == Late {
		at = at.Add(p.Delay)
	} else {
		at = at.Add(time.Duration(1+hash(s.urn+node.UUID, e.seed)%20) * time.Minute)
	}
	s.answers++
	e.pending = append(e.pending, reply{URN: s.urn, Text: text, At: at})
}

// fittingAnswer makes up a reply that one of the router's cases accepts,
// picking the case from the contact and node so it is repeatable.
func (e *Engine) fittingAnswer(urn string, n *flow.Node) string {
	cases := n.Router.Cases
	if len(cases) == 0 {
		return "All is well here"
	}
	c := cases[hash(urn+"|"+n.UUID, e.seed)%uint64(len(cases))]
	arg := func(i int) string {
		if i < len(c.Arguments) {
			return c.Arguments[i]
		}
		return ""
	}
	num := func(i int) float64 {
		f, _ := strconv.ParseFloat(strings.TrimSpace(arg(i)), 64)
		return f
	}
	switch c.Type {
	case "has_any_word", "has_only_phrase", "has_phrase", "has_beginning", "has_only_text", "has_all_words":
		if c.Type == "has_any_word" {
			if w := strings.Fields(arg(0)); len(w) > 0 {
				return w[0]
			}
		}
		return arg(0)
	case "has_number_between":
		return strconv.Itoa(int(math.Round((num(0) + num(1)) / 2)))
	case "has_number_eq":
		return arg(0)
	case "has_number_lt":
		return strconv.Itoa(int(math.Floor(num(0))) - 1)
	case "has_number_lte", "has_number_gte":
		return strconv.Itoa(int(math.Round(num(0))))
	case "has_number_gt":
		return strconv.Itoa(int(math.Floor(num(0))) + 1)
	case "has_number":
		return strconv.Itoa(1 + int(hash(urn, e.seed)%9))
	case "has_date", "has_date_lt", "has_date_eq", "has_date_gt":
		return "2026-01-15"
	case "has_phone":
		return "+231770000000"
	}
	return "ok"
}

func (e *Engine) flow(uuid string, def json.RawMessage) (*flow.Flow, error) {
	if f, ok := e.flows[uuid]; ok {
		return f, nil
	}
	f, err := flow.ParseFlow(def)
	if err != nil {
		return nil, err
	}
	e.flows[uuid] = f
	return f, nil
}

// next removes and returns the earliest event: a queued reply, or the
// earliest wait deadline when it comes first. ok is false when nothing is
// left to happen.
func (e *Engine) next() (r reply, deadline time.Time, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, s := range e.sessions {
		if !s.deadline.IsZero() && (deadline.IsZero() || s.deadline.Before(deadline)) {
			deadline = s.deadline
		}
	}
	if len(e.pending) > 0 {
		i := 0
		for j, p := range e.pending {
			if p.At.Before(e.pending[i].At) {
				i = j
			}
		}
		if deadline.IsZero() || !e.pending[i].At.After(deadline) {
			r = e.pending[i]
			e.pending = slices.Delete(e.pending, i, i+1)
			return r, time.Time{}, true
		}
	}
	return reply{}, deadline, !deadline.IsZero()
}

func simContact(c rapidprotest.Contact, urn string) sim.Contact {
	sc := sim.Contact{UUID: c.UUID, Name: c.Name, URN: urn, Language: c.Language, Status: "active", Fields: c.Fields}
	for _, g := range c.Groups {
		sc.Groups = append(sc.Groups, sim.Group{UUID: g.UUID, Name: g.Name})
	}
	return sc
}

// queue schedules a reply for Settle to deliver at its time.
func (e *Engine) queue(r reply) {
	e.mu.Lock()
	e.pending = append(e.pending, r)
	e.mu.Unlock()
}

func (e *Engine) requeue(r reply) {
	e.mu.Lock()
	e.pending = append(e.pending, r)
	e.mu.Unlock()
}

// clearDeadlines forgets the deadlines that have passed, and the sessions
// of runs the server has expired without asking the engine.
func (e *Engine) clearDeadlines(now time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for id, s := range e.sessions {
		if !s.deadline.IsZero() && !s.deadline.After(now) {
			s.deadline = time.Time{}
		}
		if m := s.flow.ExpireAfterMinutes; m > 0 && !s.now.Add(time.Duration(m)*time.Minute).After(now) {
			delete(e.sessions, id)
		}
	}
}

// Sessions reports how many simulated runs are still open.
func (e *Engine) Sessions() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.sessions)
}
