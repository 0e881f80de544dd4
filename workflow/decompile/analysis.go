package decompile

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/mhero-go/mhero/workflow/flow"
)

// An analysis reads a flow the way the workflow format sees one: a
// sequence of questions (each a wait for a reply, with its retries), and
// between them segments of actions and splits. The same analysis reads
// the original flow and the flow its decompiled workflow compiles to, so
// that the two can be compared conversation by conversation.
type analysis struct {
	f     *flow.Flow
	nodes map[string]*flow.Node
	pos   map[string]int // node UUID → index in the flow

	units  []*unit          // in the order of their first wait in the flow
	byKey  map[string]*unit // result key → unit
	entry  map[string]*unit // first wait → unit
	member map[string]*unit // every wait and retry node → unit
	splits map[string]*split

	// segs holds the segments leaving each source: the flow's start
	// (""), or a unit's category (sourceKey).
	segs map[string][]*segment

	problems *problems
}

// message is a send_msg action: its text in the flow's language and its
// translations.
type message struct {
	text  string
	trans map[string]string
	node  string
}

func (m message) equal(o message) bool {
	if m.text != o.text || len(m.trans) != len(o.trans) {
		return false
	}
	for lang, t := range m.trans {
		if o.trans[lang] != t {
			return false
		}
	}
	return true
}

type eventKind int

const (
	evMsg eventKind = iota
	evField
	evGroups
)

// event is an action run between questions.
type event struct {
	kind   eventKind
	node   string
	msg    message
	field  string   // evField: the field key
	value  string   // evField: the value template
	groups []string // evGroups: the group names
}

// segment is one way from a source (the start of the flow, or a
// question's category) to the next question or the end, through action
// nodes and splits.
type segment struct {
	guard  guard
	events []event
	// target is the key of the question reached, or "" at the end.
	target string
	// loop marks a segment that came back to a node it passed.
	loop  bool
	nodes []string
}

// last returns the last node the segment passed.
func (s *segment) last() string {
	if len(s.nodes) == 0 {
		return ""
	}
	return s.nodes[len(s.nodes)-1]
}

// unit is a question: its first wait, the waits its retries go to, and
// the retry message.
type unit struct {
	key, name string
	waits     []*flow.Node // the first wait, then one per retry
	router    *flow.Router // the first wait's
	retry     *message
	// retries is the number of retries, or -1 for a loop back to the
	// wait (retried without limit).
	retries    int
	retryNodes []string
	// cats are the category names in router order; dest where each
	// leads (the default after the last retry).
	cats       []string
	dest       map[string]string
	defaultCat string
	timeoutCat string
	timeout    int // seconds
	// chosen marks the categories a reply can take: those of a case, the
	// default and the timeout's.
	chosen map[string]bool
}

func (u *unit) node() string { return u.waits[0].UUID }

// answers returns the categories a reply can end in: every category but
// the default of a question retried without limit.
func (u *unit) answers() []string {
	var out []string
	for _, c := range u.cats {
		if c == u.defaultCat && u.retries < 0 || !u.chosen[c] {
			continue
		}
		out = append(out, c)
	}
	return out
}

func sourceKey(unitKey, category string) string { return unitKey + "\x00" + category }

// sources returns the keys of a.segs in a fixed order: the start, then
// each question's categories in flow order.
func (a *analysis) sources() []string {
	out := []string{""}
	for _, u := range a.units {
		for _, c := range u.answers() {
			out = append(out, sourceKey(u.key, c))
		}
	}
	return out
}

// analyze finds the questions of f. Problems found are added to probs
// (nil when the flow is one the package compiled itself).
func analyze(f *flow.Flow, probs *problems) *analysis {
	a := &analysis{
		f:        f,
		nodes:    map[string]*flow.Node{},
		pos:      map[string]int{},
		byKey:    map[string]*unit{},
		entry:    map[string]*unit{},
		member:   map[string]*unit{},
		splits:   map[string]*split{},
		problems: probs,
	}
	if a.problems == nil {
		a.problems = &problems{}
	}
	for i := range f.Nodes {
		n := &f.Nodes[i]
		if _, dup := a.nodes[n.UUID]; dup {
			a.problems.add(n.UUID, "a second node with this UUID")
			continue
		}
		a.nodes[n.UUID] = n
		a.pos[n.UUID] = i
	}
	a.findUnits()
	for i := range f.Nodes {
		n := &f.Nodes[i]
		if n.Router != nil && n.Router.Wait == nil && a.member[n.UUID] == nil {
			a.splits[n.UUID] = parseSplit(n)
		}
	}
	return a
}

func isWait(n *flow.Node) bool { return n != nil && n.Router != nil && n.Router.Wait != nil }

// exitDest returns where a router category leads.
func exitDest(n *flow.Node, cat *flow.Category) string {
	for _, x := range n.Exits {
		if x.UUID == cat.ExitUUID {
			return x.DestinationUUID
		}
	}
	return ""
}

func categoryNamed(r *flow.Router, uuid string) string {
	if c := r.Category(uuid); c != nil {
		return c.Name
	}
	return ""
}

// retryStep follows a wait's default category through nodes that only
// send messages to a wait asking the same question again: a retry. It
// returns the messages sent and that wait.
func (a *analysis) retryStep(w *flow.Node) ([]message, []string, *flow.Node) {
	r := w.Router
	if len(r.Cases) == 0 {
		return nil, nil, nil
	}
	def := r.Category(r.DefaultCategoryUUID)
	if def == nil {
		return nil, nil, nil
	}
	var msgs []message
	var through []string
	dest := exitDest(w, def)
	seen := map[string]bool{}
	for dest != "" && !seen[dest] {
		seen[dest] = true
		n := a.nodes[dest]
		if n == nil {
			return nil, nil, nil
		}
		if isWait(n) {
			if !sameQuestion(w, n) {
				return nil, nil, nil
			}
			return append(msgs, a.messages(n)...), through, n
		}
		if n.Router != nil || len(n.Actions) == 0 {
			return nil, nil, nil
		}
		for _, act := range n.Actions {
			if _, ok := act.(*flow.SendMsg); !ok {
				return nil, nil, nil
			}
		}
		msgs = append(msgs, a.messages(n)...)
		through = append(through, n.UUID)
		if len(n.Exits) == 0 {
			return nil, nil, nil
		}
		dest = n.Exits[0].DestinationUUID
	}
	return nil, nil, nil
}

// sameQuestion reports whether two waits ask the same thing the same way:
// a retry of a question waits again with the same router.
func sameQuestion(a, b *flow.Node) bool {
	ra, rb := a.Router, b.Router
	if ra.ResultName != rb.ResultName || normalOperand(ra.Operand) != normalOperand(rb.Operand) ||
		len(ra.Cases) != len(rb.Cases) || len(ra.Categories) != len(rb.Categories) {
		return false
	}
	for i := range ra.Cases {
		ca, cb := ra.Cases[i], rb.Cases[i]
		if ca.Type != cb.Type || !slices.Equal(ca.Arguments, cb.Arguments) ||
			categoryNamed(ra, ca.CategoryUUID) != categoryNamed(rb, cb.CategoryUUID) {
			return false
		}
	}
	for i := range ra.Categories {
		if ra.Categories[i].Name != rb.Categories[i].Name {
			return false
		}
	}
	return categoryNamed(ra, ra.DefaultCategoryUUID) == categoryNamed(rb, rb.DefaultCategoryUUID) &&
		timeoutOf(ra) == timeoutOf(rb)
}

func timeoutOf(r *flow.Router) int {
	if r.Wait != nil && r.Wait.Timeout != nil {
		return r.Wait.Timeout.Seconds
	}
	return 0
}

// normalOperand reads @input as @input.text: they differ only when a
// reply has attachments, which the workflow format does not ask for.
func normalOperand(op string) string {
	op = strings.TrimSpace(op)
	if op == "@input" {
		return "@input.text"
	}
	return op
}

// findUnits groups the waits of the flow into questions.
func (a *analysis) findUnits() {
	type step struct {
		msgs    []message
		through []string
		next    *flow.Node
	}
	steps := map[string]step{}
	target := map[string]bool{}
	var waits []*flow.Node
	for i := range a.f.Nodes {
		n := &a.f.Nodes[i]
		if !isWait(n) || a.nodes[n.UUID] != n {
			continue
		}
		waits = append(waits, n)
		if msgs, through, next := a.retryStep(n); next != nil {
			steps[n.UUID] = step{msgs, through, next}
			if next != n {
				target[next.UUID] = true
			}
		}
	}
	done := map[string]bool{}
	// Heads first (waits no retry leads to), then waits left in loops.
	for _, pass := range []bool{true, false} {
		for _, w := range waits {
			if done[w.UUID] || (pass && target[w.UUID]) {
				continue
			}
			u := &unit{waits: []*flow.Node{w}, router: w.Router, dest: map[string]string{}}
			done[w.UUID] = true
			var retryMsgs [][]message
			cur := w
			for {
				s, ok := steps[cur.UUID]
				if !ok {
					break
				}
				retryMsgs = append(retryMsgs, s.msgs)
				u.retryNodes = append(u.retryNodes, s.through...)
				if slices.Contains(u.waits, s.next) {
					u.retries = -1
					break
				}
				if done[s.next.UUID] {
					break // another question's: reported when segments enter it
				}
				done[s.next.UUID] = true
				u.waits = append(u.waits, s.next)
				cur = s.next
			}
			if u.retries >= 0 {
				u.retries = len(u.waits) - 1
			}
			a.setUnit(u, retryMsgs)
		}
	}
}

// setUnit completes a unit's categories and destinations and records it.
func (a *analysis) setUnit(u *unit, retryMsgs [][]message) {
	w := u.waits[0]
	r := w.Router
	u.name = r.ResultName
	u.key = flow.Snakify(r.ResultName)
	if r.ResultName == "" {
		a.problems.add(w.UUID, "the wait saves no result: a workflow question always has a result name")
		u.key = "wait_" + strconv.Itoa(a.pos[w.UUID]+1)
		u.name = u.key
	}
	if r.Type != flow.RouterSwitch {
		a.problems.add(w.UUID, "a %s router with a wait", r.Type)
	}
	if r.Wait.Type != flow.WaitMsg {
		a.problems.add(w.UUID, "a %q wait: the workflow format waits for messages", r.Wait.Type)
	}
	if len(r.Wait.Hint) > 0 && string(r.Wait.Hint) != "null" {
		a.problems.add(w.UUID, "the wait hints at a reply other than text (%s)", compactJSON(r.Wait.Hint))
	}
	if op := normalOperand(r.Operand); op != "@input.text" {
		a.problems.add(w.UUID, "the reply is tested as %q: the workflow format tests the text of the reply", r.Operand)
	}
	if prev := a.byKey[u.key]; prev != nil {
		a.problems.add(w.UUID, "a second question saving the result %q (the first is at node %s): a workflow asks each result once", u.name, prev.node())
		for i := 2; ; i++ {
			k := u.key + "~" + strconv.Itoa(i)
			if a.byKey[k] == nil {
				u.key = k
				break
			}
		}
	}
	for _, c := range r.Categories {
		u.cats = append(u.cats, c.Name)
	}
	u.defaultCat = categoryNamed(r, r.DefaultCategoryUUID)
	u.chosen = map[string]bool{u.defaultCat: true}
	for _, c := range r.Cases {
		u.chosen[categoryNamed(r, c.CategoryUUID)] = true
	}
	if r.DefaultCategoryUUID == "" || u.defaultCat == "" {
		a.problems.add(w.UUID, "the router has no default category: a reply no case matches fails the run")
	}
	if t := r.Wait.Timeout; t != nil {
		u.timeout = t.Seconds
		u.timeoutCat = categoryNamed(r, t.CategoryUUID)
		u.chosen[u.timeoutCat] = true
	}
	last := u.waits[len(u.waits)-1]
	for _, c := range r.Categories {
		dest := exitDest(w, &c)
		if c.UUID == r.DefaultCategoryUUID && u.retries != 0 {
			dest = ""
			if u.retries > 0 {
				if lc := last.Router.Category(last.Router.DefaultCategoryUUID); lc != nil {
					dest = exitDest(last, lc)
				}
			}
		}
		u.dest[c.Name] = dest
	}
	for _, wt := range u.waits[1:] {
		for _, c := range wt.Router.Categories {
			if c.UUID == wt.Router.DefaultCategoryUUID {
				continue
			}
			if d := exitDest(wt, &c); d != u.dest[c.Name] {
				a.problems.add(wt.UUID, "after a retry, %s leads elsewhere than at the first asking", c.Name)
			}
		}
	}
	// One retry message, the same at every retry.
	for i, msgs := range retryMsgs {
		switch {
		case len(msgs) == 0:
			a.problems.add(w.UUID, "the question is asked again without a message: a workflow retry sends one")
		case len(msgs) > 1:
			a.problems.add(msgs[1].node, "a retry sends %d messages: a workflow retry sends one", len(msgs))
		case i == 0:
			m := msgs[0]
			u.retry = &m
		case !msgs[0].equal(*u.retry):
			a.problems.add(msgs[0].node, "the retries send different messages: a workflow retry sends one")
		}
	}
	if u.timeoutCat != "" {
		if d := u.dest[u.timeoutCat]; d != "" && (slices.ContainsFunc(u.waits, func(n *flow.Node) bool { return n.UUID == d }) || slices.Contains(u.retryNodes, d)) {
			a.problems.add(w.UUID, "a timeout asks the question again: in a workflow it takes the %s path", u.timeoutCat)
		}
	}
	a.units = append(a.units, u)
	a.byKey[u.key] = u
	a.entry[w.UUID] = u
	for _, wt := range u.waits {
		a.member[wt.UUID] = u
	}
	for _, n := range u.retryNodes {
		if a.member[n] == nil {
			a.member[n] = u
		}
	}
}

// messages returns the send_msg actions of a node.
func (a *analysis) messages(n *flow.Node) []message {
	var out []message
	for _, act := range n.Actions {
		if m, ok := act.(*flow.SendMsg); ok {
			out = append(out, a.message(n, m))
		}
	}
	return out
}

func (a *analysis) message(n *flow.Node, m *flow.SendMsg) message {
	msg := message{text: m.Text, node: n.UUID}
	for lang, items := range a.f.Localization {
		if lang == a.f.Language {
			continue
		}
		if vals, ok := items[m.UUID]["text"]; ok && len(vals) > 0 && vals[0] != "" {
			if msg.trans == nil {
				msg.trans = map[string]string{}
			}
			msg.trans[lang] = vals[0]
		}
	}
	return msg
}

// events returns what a node's actions do, as events, reporting the
// actions the workflow format cannot express.
func (a *analysis) events(n *flow.Node) []event {
	var out []event
	for _, act := range n.Actions {
		switch act := act.(type) {
		case *flow.SendMsg:
			out = append(out, event{kind: evMsg, node: n.UUID, msg: a.message(n, act)})
			a.checkSendMsg(n, act)
		case *flow.SetContactField:
			out = append(out, event{kind: evField, node: n.UUID, field: act.Field.Key, value: strings.TrimSpace(act.Value)})
		case *flow.AddContactGroups:
			ev := event{kind: evGroups, node: n.UUID}
			for _, g := range act.Groups {
				if g.Name == "" || g.NameMatch != "" {
					a.problems.add(n.UUID, "adds the contact to groups matching %q: a workflow names each group", g.NameMatch)
					continue
				}
				ev.groups = append(ev.groups, g.Name)
			}
			out = append(out, ev)
		default:
			a.problems.add(n.UUID, "%s: the workflow format has no such action", describeAction(act))
		}
	}
	return out
}

func (a *analysis) checkSendMsg(n *flow.Node, m *flow.SendMsg) {
	if len(m.Attachments) > 0 {
		a.problems.add(n.UUID, "the message %q has attachments: a workflow sends text only", short(m.Text))
	}
	if len(m.QuickReplies) > 0 {
		a.problems.add(n.UUID, "the message %q has quick replies: a workflow sends text only", short(m.Text))
	}
	if len(m.Templating) > 0 && string(m.Templating) != "null" {
		a.problems.add(n.UUID, "the message %q uses a WhatsApp template", short(m.Text))
	}
	if m.AllURNs {
		a.problems.add(n.UUID, "the message %q goes to all the contact's URNs", short(m.Text))
	}
	if m.Topic != "" {
		a.problems.add(n.UUID, "the message %q has the topic %s", short(m.Text), m.Topic)
	}
	for lang, items := range a.f.Localization {
		for prop, vals := range items[m.UUID] {
			if prop != "text" && len(vals) > 0 {
				a.problems.add(n.UUID, "the %s translation of %q has %s", lang, short(m.Text), strings.ReplaceAll(prop, "_", " "))
			}
		}
	}
}

func describeAction(act flow.Action) string {
	switch act := act.(type) {
	case *flow.SetRunResult:
		return fmt.Sprintf("saves the result %q by itself (set_run_result)", act.Name)
	case *flow.RemoveContactGroups:
		return "removes the contact from groups (remove_contact_groups)"
	case *flow.CallWebhook:
		return fmt.Sprintf("calls a webhook (%s %s)", act.Method, act.URL)
	case *flow.EnterFlow:
		return fmt.Sprintf("starts the subflow %q (enter_flow)", act.Flow.Name)
	}
	t := act.ActionType()
	if t == "" {
		return "an action without a type"
	}
	if strings.ContainsRune("aeiou", rune(t[0])) {
		return "an " + t + " action"
	}
	return "a " + t + " action"
}

func short(s string) string {
	r := []rune(strings.Join(strings.Fields(s), " "))
	if len(r) > 40 {
		return string(r[:37]) + "..."
	}
	return string(r)
}
