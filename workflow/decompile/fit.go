package decompile

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/mhero-go/mhero/workflow"
	"github.com/mhero-go/mhero/workflow/flow"
)

// maxCubes bounds the sets of conversations kept per question, and
// maxWork the steps spent comparing them: a flow beyond either is
// reported as too complex to compare, not analysed for ever.
const (
	maxCubes = 256
	maxWork  = 20_000_000
)

// fitter builds the workflow closest to a flow: its questions in an order
// every conversation keeps, what each answer is followed by, and the
// skip logic that asks each question exactly when the flow does.
type fitter struct {
	f *flow.Flow
	a *analysis
	d *domain
	p *problems
	w *workflow.Workflow

	// work counts the steps spent on sets of conversations.
	work    int
	tooBusy bool
	order   []*unit
	rank    map[string]int   // unit key → position in order
	at      map[string]cubes // unit key → the conversations that ask it
	ends    []*ending        // the ways conversations end
	qs      map[string]*workflow.Question
	// closes marks the sources whose answer ends the workflow with a
	// choice's closing message.
	closes map[string]bool
}

type ending struct {
	src   string
	seg   *segment
	cubes cubes
}

func unitOfSource(src string) string {
	k, _, _ := strings.Cut(src, "\x00")
	return k
}

// orderUnits puts the questions in an order every path through the flow
// keeps, the flow's own order breaking ties.
func (fz *fitter) orderUnits() {
	a := fz.a
	succ := map[string][]string{}
	indeg := map[string]int{}
	for src, segs := range a.segs {
		from := unitOfSource(src)
		for _, s := range segs {
			if s.target != "" && !slices.Contains(succ[from], s.target) {
				succ[from] = append(succ[from], s.target)
				if from != "" {
					indeg[s.target]++
				}
			}
		}
	}
	// The questions reachable from the start.
	reached := map[string]bool{}
	var mark func(k string)
	mark = func(k string) {
		for _, t := range succ[k] {
			if !reached[t] {
				reached[t] = true
				mark(t)
			}
		}
	}
	mark("")
	pos := func(u *unit) int { return a.pos[u.node()] }
	var ready, rest []*unit
	for _, u := range a.units {
		switch {
		case !reached[u.key]:
			fz.p.warn(u.node(), "no path from the start of the flow asks %q; the workflow leaves it out", u.name)
		case indeg[u.key] == 0:
			ready = append(ready, u)
		default:
			rest = append(rest, u)
		}
	}
	fz.rank = map[string]int{}
	for len(ready) > 0 || len(rest) > 0 {
		if len(ready) == 0 {
			// A cycle: a later question leads back to an earlier one.
			slices.SortFunc(rest, func(x, y *unit) int { return cmp.Compare(pos(x), pos(y)) })
			u := rest[0]
			fz.p.add(u.node(), "%q is asked again after a later question: a workflow asks its questions once, in order", u.name)
			ready, rest = append(ready, u), rest[1:]
		}
		slices.SortFunc(ready, func(x, y *unit) int { return cmp.Compare(pos(x), pos(y)) })
		u := ready[0]
		ready = ready[1:]
		fz.rank[u.key] = len(fz.order)
		fz.order = append(fz.order, u)
		for _, t := range succ[u.key] {
			if _, done := fz.rank[t]; done {
				continue
			}
			indeg[t]--
			if indeg[t] == 0 {
				if i := slices.IndexFunc(rest, func(x *unit) bool { return x.key == t }); i >= 0 {
					ready = append(ready, rest[i])
					rest = slices.Delete(rest, i, i+1)
				}
			}
		}
	}
}

// reach finds, for each question, the conversations that ask it, and the
// ways conversations end.
func (fz *fitter) reach() {
	a, d := fz.a, fz.d
	fz.at = map[string]cubes{}
	ends := map[*segment]*ending{}
	tooMany := false
	process := func(src string, cs cubes, from int) {
		for _, seg := range a.segs[src] {
			for _, c := range cs {
				c2 := seg.guard.apply(c)
				if c2.empty() {
					continue
				}
				if seg.target == "" || seg.loop {
					e := ends[seg]
					if e == nil {
						e = &ending{src: src, seg: seg}
						ends[seg] = e
						fz.ends = append(fz.ends, e)
					}
					e.cubes = e.cubes.merge(c2)
					continue
				}
				r, ok := fz.rank[seg.target]
				if !ok || r <= from {
					continue // reported when ordering
				}
				if len(fz.at[seg.target]) >= maxCubes || !fz.spend(len(fz.at[seg.target])) {
					if !tooMany {
						fz.p.add(a.byKey[seg.target].node(), "too many different ways lead to %q to compare the workflow with the flow", seg.target)
						tooMany = true
					}
					continue
				}
				fz.at[seg.target] = fz.at[seg.target].merge(c2)
			}
		}
	}
	process("", cubes{d.start()}, -1)
	for r, u := range fz.order {
		vi := d.index[u.key]
		for _, cat := range u.answers() {
			var cs cubes
			for _, c := range fz.at[u.key] {
				c2 := c.clone()
				c2[vi] = d.categorySet(vi, cat)
				cs = append(cs, c2)
			}
			process(sourceKey(u.key, cat), cs, r)
		}
	}
}

// spend counts n steps of work, and reports (once) a flow that needs
// more than maxWork.
func (fz *fitter) spend(n int) bool {
	fz.work += n + 1
	if fz.work <= maxWork {
		return true
	}
	if !fz.tooBusy {
		fz.tooBusy = true
		fz.p.add("", "the flow has too many ways through it to compare the workflow with in full")
	}
	return false
}

// body returns a segment's events but the message asking the question it
// leads to.
func body(s *segment) []event {
	if s.target != "" && len(s.events) > 0 && s.events[len(s.events)-1].kind == evMsg {
		return s.events[:len(s.events)-1]
	}
	return s.events
}

func eventsEqual(a, b []event) bool {
	return slices.EqualFunc(a, b, func(x, y event) bool {
		if x.kind != y.kind {
			return false
		}
		switch x.kind {
		case evMsg:
			return x.msg.equal(y.msg)
		case evField:
			return x.field == y.field && normalValue(x.value) == normalValue(y.value)
		}
		return slices.Equal(x.groups, y.groups)
	})
}

// normalValue reads @results.x.value as @results.x.
func normalValue(v string) string {
	v = strings.TrimSpace(v)
	if m := resultOperand.FindStringSubmatch(v); m != nil && m[2] == ".value" {
		return "@results." + m[1]
	}
	return v
}

// fit builds the workflow.
func (fz *fitter) fit() {
	fz.orderUnits()
	fz.reach()
	fz.qs = map[string]*workflow.Question{}
	for _, u := range fz.order {
		fz.qs[u.key] = fz.questionOf(u)
	}
	fz.asks()
	fz.intro()
	fz.afters()
	for _, u := range fz.order {
		q := fz.qs[u.key]
		q.When = fz.when(u)
		fz.w.Questions = append(fz.w.Questions, *q)
	}
}

// asks finds each question's message: the last one sent before its wait,
// the same on every way to it.
func (fz *fitter) asks() {
	for _, u := range fz.order {
		var ask *message
		for _, src := range fz.a.sources() {
			segs := fz.a.segs[src]
			if _, ok := fz.rank[unitOfSource(src)]; !ok && src != "" {
				continue
			}
			for _, s := range segs {
				if s.target != u.key {
					continue
				}
				if len(s.events) == 0 || s.events[len(s.events)-1].kind != evMsg {
					fz.p.add(u.node(), "the flow comes to %q (from node %s) without a message asking it: a workflow question is asked by one message", u.name, s.last())
					continue
				}
				m := s.events[len(s.events)-1].msg
				switch {
				case ask == nil:
					ask = &m
				case !m.equal(*ask):
					fz.p.add(m.node, "%q is asked by %q here and by %q at node %s: a workflow question is asked by one message", u.name, short(m.text), short(ask.text), ask.node)
				}
			}
		}
		if ask != nil {
			fz.qs[u.key].Ask = fz.text(*ask)
		}
	}
}

// intro reads what the flow sends before its first question.
func (fz *fitter) intro() {
	var first []event
	for i, s := range fz.a.segs[""] {
		if s.target == "" && !s.loop {
			node := s.last()
			if len(fz.order) == 0 {
				fz.p.add(node, "the flow asks no question: a workflow asks at least one")
			} else {
				fz.p.add(node, "the flow can end before its first question: a workflow asks it (it may skip later ones)")
			}
		}
		b := body(s)
		if i == 0 {
			first = b
		} else if !eventsEqual(b, first) {
			fz.p.add(s.last(), "the flow sends different messages before its first question depending on the contact: a workflow's introduction is one message")
		}
	}
	for i, e := range first {
		switch {
		case e.kind != evMsg:
			fz.p.add(e.node, "%s before the first question: a workflow only sends its introduction then", describeEvent(e))
		case i > 0 || fz.w.Intro.Base != "":
			fz.p.add(e.node, "a second message (%q) before the first question: a workflow's introduction is one message", short(e.msg.text))
		default:
			fz.w.Intro = fz.text(e.msg)
		}
	}
}

func describeEvent(e event) string {
	switch e.kind {
	case evMsg:
		return fmt.Sprintf("the message %q", short(e.msg.text))
	case evField:
		return fmt.Sprintf("setting the field %s to %q", e.field, e.value)
	}
	return fmt.Sprintf("joining %s", quoteList(e.groups))
}

// afters reads what follows each answer: the field saved, the groups
// joined, the response, and whether it ends the workflow (with the
// choice's closing) or goes on (to the closing when no question is
// left).
func (fz *fitter) afters() {
	evidence, candidates := fz.closingCandidates()
	var closing []event
	if len(evidence) > 0 {
		closing = evidence[0]
	} else {
		best := -1
		for _, c := range candidates {
			scratch := &problems{}
			fz.assign(c, scratch, true)
			if n := len(scratch.list); best < 0 || n < best {
				best, closing = n, c
			}
		}
	}
	fz.assign(closing, fz.p, false)
	for i, e := range closing {
		switch {
		case e.kind != evMsg:
			fz.p.add(e.node, "%s as the flow ends: a workflow only sends its closing message then", describeEvent(e))
		case i > 0:
			fz.p.add(e.node, "a second message (%q) as the flow ends: a workflow's closing is one message", short(e.msg.text))
		default:
			fz.w.Closing = fz.text(e.msg)
		}
	}
}

// closingCandidates returns what the flow sends as it ends after an answer
// that at other times goes on to a question (evidence: it is the
// workflow's closing), and otherwise the last messages of the endings,
// most frequent first, then nothing.
func (fz *fitter) closingCandidates() (evidence, candidates [][]event) {
	for _, u := range fz.order {
		for _, cat := range u.answers() {
			segs := fz.a.segs[sourceKey(u.key, cat)]
			var cont []*segment
			for _, s := range segs {
				if s.target != "" && !s.loop {
					cont = append(cont, s)
				}
			}
			if len(cont) == 0 {
				continue
			}
			prefix := body(cont[0])
			for _, s := range segs {
				if s.target == "" && !s.loop && len(s.events) >= len(prefix) && eventsEqual(s.events[:len(prefix)], prefix) {
					rest := s.events[len(prefix):]
					if !slices.ContainsFunc(evidence, func(e []event) bool { return eventsEqual(e, rest) }) {
						evidence = append(evidence, rest)
					}
				}
			}
		}
	}
	if len(evidence) > 1 {
		fz.p.add(lastNode(evidence[1]), "the flow ends with different messages after different answers that could also go on: a workflow has one closing message")
	}
	count := map[string]int{}
	var lasts [][]event
	for _, e := range fz.ends {
		if unitOfSource(e.src) == "" || len(e.seg.events) == 0 {
			continue
		}
		last := e.seg.events[len(e.seg.events)-1:]
		if last[0].kind != evMsg {
			continue
		}
		k := last[0].msg.text
		if count[k] == 0 {
			lasts = append(lasts, last)
		}
		count[k]++
	}
	// A closing is what several endings send, or every one; one sent by
	// one ending of several is more likely that answer's response.
	slices.SortStableFunc(lasts, func(x, y []event) int { return count[y[0].msg.text] - count[x[0].msg.text] })
	total := 0
	for _, n := range count {
		total += n
	}
	i := slices.IndexFunc(lasts, func(e []event) bool { n := count[e[0].msg.text]; return n < 2 && n < total })
	if i < 0 {
		i = len(lasts)
	}
	return evidence, slices.Concat(lasts[:i], [][]event{nil}, lasts[i:])
}

func lastNode(es []event) string {
	if len(es) == 0 {
		return ""
	}
	return es[len(es)-1].node
}

// assign sets what follows each answer, given the workflow's closing.
func (fz *fitter) assign(closing []event, p *problems, trial bool) {
	fz.closes = map[string]bool{}
	for _, u := range fz.order {
		q := fz.qs[u.key]
		if !trial {
			q.Responses, q.Groups, q.SaveToField = nil, nil, ""
			for i := range q.Choices {
				q.Choices[i].Closing = workflow.Text{}
			}
		}
		fields := map[string]string{}
		for _, cat := range u.answers() {
			src := sourceKey(u.key, cat)
			var cont, ends []*segment
			for _, s := range fz.a.segs[src] {
				if s.target != "" && !s.loop {
					cont = append(cont, s)
				} else {
					ends = append(ends, s)
				}
			}
			var after []event
			var choiceClosing *message
			if len(cont) > 0 {
				after = body(cont[0])
				for _, s := range cont[1:] {
					if !eventsEqual(body(s), after) {
						p.add(s.last(), "after %s is %s, the flow does different things depending on earlier answers: a workflow does the same after each answer", u.name, cat)
					}
				}
				for _, s := range ends {
					if len(s.events) < len(after) || !eventsEqual(s.events[:len(after)], after) || !eventsEqual(s.events[len(after):], closing) {
						p.add(s.last(), "after %s is %s, the flow ends here without doing what it does when it goes on to a question then the closing: a workflow's answer is followed by the same actions either way", u.name, cat)
					}
				}
			} else if len(ends) > 0 {
				e := ends[0].events
				for _, s := range ends[1:] {
					if !eventsEqual(s.events, e) {
						p.add(s.last(), "after %s is %s, the flow ends with different messages depending on earlier answers", u.name, cat)
					}
				}
				isChoice := q.Type == workflow.TypeChoice && slices.ContainsFunc(q.Choices, func(c workflow.Choice) bool { return c.Category.Base == cat })
				switch {
				case len(closing) > 0 && len(e) >= len(closing) && eventsEqual(e[len(e)-len(closing):], closing):
					after = e[:len(e)-len(closing)]
				case isChoice && len(e) > 0 && e[len(e)-1].kind == evMsg && (len(closing) > 0 || fz.rank[u.key] < len(fz.order)-1):
					// A choice's closing rather than a response, so that
					// later questions need not be skipped (the last
					// question's answer ends the workflow either way).
					m := e[len(e)-1].msg
					choiceClosing = &m
					after = e[:len(e)-1]
					fz.closes[src] = true
				case len(closing) == 0:
					after = e
				default:
					p.add(lastNode(e), "after %s is %s, the flow ends without the closing message it sends elsewhere (%q)", u.name, cat, short(closing[0].msg.text))
					after = e
				}
			}
			fz.applyAfter(u, q, cat, after, choiceClosing, fields, p, trial)
		}
		if !trial {
			fz.saveField(u, q, fields, p)
		}
	}
}

// applyAfter records what follows an answer in category cat.
func (fz *fitter) applyAfter(u *unit, q *workflow.Question, cat string, after []event, closing *message, fields map[string]string, p *problems, trial bool) {
	rank := map[eventKind]int{evField: 0, evGroups: 1, evMsg: 2}
	readsContact := false
	msgs := 0
	for i, e := range after {
		switch e.kind {
		case evMsg:
			msgs++
			readsContact = readsContact || strings.Contains(e.msg.text, "fields") || strings.Contains(e.msg.text, "groups") || strings.Contains(e.msg.text, "@contact")
			if msgs > 1 {
				p.add(e.node, "after %s is %s, the flow sends a second message (%q): a workflow sends one response", u.name, cat, short(e.msg.text))
				continue
			}
			if !trial {
				q.Responses = append(q.Responses, workflow.Response{Category: cat, Text: fz.text(e.msg)})
			}
		case evField:
			want := "@results." + u.key
			if normalValue(e.value) != want {
				p.add(e.node, "sets the field %s to %q: a workflow saves a question's answer (%s) to a field", e.field, e.value, want)
				continue
			}
			if old, ok := fields[cat]; ok && old != e.field {
				p.add(e.node, "saves %s to two fields (%s, %s): a workflow saves an answer to one", u.name, old, e.field)
			}
			fields[cat] = e.field
		case evGroups:
			if !trial {
				for _, g := range e.groups {
					q.Groups = append(q.Groups, workflow.GroupAdd{Category: cat, Group: g})
				}
			}
		}
		if i > 0 && rank[e.kind] < rank[after[i-1].kind] && readsContact {
			p.add(e.node, "after %s is %s, a message that reads the contact is sent before %s: a workflow saves fields and joins groups first", u.name, cat, describeEvent(e))
		}
	}
	if closing != nil && !trial {
		for i := range q.Choices {
			if q.Choices[i].Category.Base == cat {
				q.Choices[i].Closing = fz.text(*closing)
			}
		}
	}
}

// saveField sets the field a question saves its answer to, when every
// answer is saved there and nothing else is.
func (fz *fitter) saveField(u *unit, q *workflow.Question, fields map[string]string, p *problems) {
	if len(fields) == 0 {
		return
	}
	key := ""
	for _, cat := range u.answers() {
		answer := cat != q.DefaultCategory() && cat != workflow.CategoryNoResponse
		if q.Type == workflow.TypeAny {
			answer = cat != workflow.CategoryNoResponse
		}
		f, ok := fields[cat]
		switch {
		case answer && !ok:
			p.add(u.node(), "the answer is saved to the field %s after some categories but not after %s: a workflow saves every answer", firstValue(fields), cat)
		case !answer && ok:
			p.add(u.node(), "the field %s is set after %s, which is no answer: a workflow saves answers only", f, cat)
		case ok && key == "":
			key = f
		}
	}
	q.SaveToField = key
}

func firstValue(m map[string]string) string {
	for _, k := range sortedKeys(m) {
		return m[k]
	}
	return ""
}

// text turns a message into a workflow text in the workflow's languages.
// A message translated into some of them but not all is given its base
// text in the others, which is what RapidPro sends there.
func (fz *fitter) text(m message) workflow.Text {
	t := workflow.Text{Base: m.text}
	if len(m.trans) == 0 {
		return t
	}
	var missing []string
	for _, lang := range fz.w.Translations {
		if s, ok := m.trans[lang]; ok {
			t = t.In(lang, s)
		} else {
			missing = append(missing, lang)
		}
	}
	if len(t.Translations) > 0 && len(missing) > 0 {
		for _, lang := range missing {
			t = t.In(lang, m.text)
		}
		fz.p.warn(m.node, "%q has no %s translation; the workflow gives it the %s text, which RapidPro sends in its place", short(m.text), strings.Join(missing, ", "), fz.w.Language)
	}
	return t
}
