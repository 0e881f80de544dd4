package decompile

import (
	"fmt"
	"slices"

	"github.com/mhero-go/mhero/workflow/flow"
)

// maxSegments bounds the ways out of one source, so that a flow of
// splits upon splits cannot make the analysis run for ever.
const maxSegments = 256

// newDomain makes the variables of the questions of the analyses given,
// with the bounds their number tests compare with.
func newDomain(as ...*analysis) (*domain, error) {
	d := &domain{index: map[string]int{}}
	for _, a := range as {
		for _, u := range a.units {
			v := d.variable(u.key)
			if v == nil {
				v = &variable{key: u.key, name: u.name}
				d.index[u.key] = len(d.vars)
				d.vars = append(d.vars, v)
			}
			r := u.router
			for _, c := range r.Cases {
				if slices.Contains(numberTests, c.Type) {
					if name := categoryNamed(r, c.CategoryUUID); name != "" && !slices.Contains(v.numeric, name) {
						v.numeric = append(v.numeric, name)
					}
				}
			}
		}
	}
	for _, a := range as {
		for _, s := range a.splits {
			if v := d.variable(s.key); v != nil && s.kind == splitNumber {
				v.bounds = append(v.bounds, s.bounds()...)
			}
		}
	}
	for _, v := range d.vars {
		v.bounds = sortedBounds(v.bounds)
		v.values = []value{{region: -1}}
		add := func(cat string) {
			if slices.ContainsFunc(v.values, func(x value) bool { return x.category == cat }) {
				return
			}
			if slices.Contains(v.numeric, cat) && len(v.bounds) > 0 {
				for r := range v.regions() {
					v.values = append(v.values, value{category: cat, region: r})
				}
				return
			}
			v.values = append(v.values, value{category: cat, region: -1})
		}
		for _, a := range as {
			if u := a.byKey[v.key]; u != nil {
				for _, c := range u.cats {
					add(c)
				}
			}
		}
		if len(v.values) > maxValues {
			return nil, fmt.Errorf("the question %q has too many categories and number ranges to analyse (%d, at most %d)", v.name, len(v.values), maxValues)
		}
	}
	return d, nil
}

// explore finds the segments leaving the start of the flow and each
// question's categories.
func (a *analysis) explore(d *domain) {
	a.segs = map[string][]*segment{}
	start := ""
	if len(a.f.Nodes) > 0 {
		start = a.f.Nodes[0].UUID
	}
	a.segs[""] = a.walk(d, start, guard{})
	for _, u := range a.units {
		vi := d.index[u.key]
		for _, c := range u.answers() {
			// The answer is known on the way: a split on it tests its
			// category, and only its values.
			a.segs[sourceKey(u.key, c)] = a.walk(d, u.dest[c], guard{vi: d.categorySet(vi, c)})
		}
	}
}

type walker struct {
	from    string // the node walked from, for problems
	tooMany bool
	a       *analysis
	d       *domain
	out     []*segment
	onPath  map[string]bool
}

func (a *analysis) walk(d *domain, dest string, g guard) []*segment {
	w := &walker{a: a, d: d, onPath: map[string]bool{}, from: dest}
	w.visit(dest, &segment{guard: g})
	return w.out
}

func (s *segment) fork() *segment {
	c := &segment{guard: guard{}, events: slices.Clone(s.events), nodes: slices.Clone(s.nodes)}
	for k, v := range s.guard {
		c.guard[k] = v
	}
	return c
}

func (w *walker) visit(dest string, seg *segment) {
	a := w.a
	if len(w.out) >= maxSegments {
		if !w.tooMany {
			w.tooMany = true
			a.problems.add(w.from, "more than %d ways lead on from here: too many to compare the workflow with the flow", maxSegments)
		}
		return
	}
	if dest == "" {
		w.out = append(w.out, seg)
		return
	}
	n := a.nodes[dest]
	if n == nil {
		if len(seg.nodes) > 0 {
			a.problems.add(seg.last(), "an exit leads to the node %s, which is not in the flow", dest)
		}
		w.out = append(w.out, seg)
		return
	}
	if u := a.entry[dest]; u != nil {
		seg.nodes = append(seg.nodes, dest)
		seg.events = append(seg.events, a.events(n)...)
		seg.target = u.key
		w.out = append(w.out, seg)
		return
	}
	if u := a.member[dest]; u != nil && isWait(n) {
		a.problems.add(dest, "the flow comes to a retry of %q without asking it first", u.name)
		seg.nodes = append(seg.nodes, dest)
		seg.target = u.key
		w.out = append(w.out, seg)
		return
	}
	if w.onPath[dest] {
		a.problems.add(dest, "the flow comes back to this node: a workflow only loops to retry a question")
		seg.loop = true
		w.out = append(w.out, seg)
		return
	}
	w.onPath[dest] = true
	defer delete(w.onPath, dest)
	seg.nodes = append(seg.nodes, dest)
	seg.events = append(seg.events, a.events(n)...)
	if n.Router == nil {
		next := ""
		if len(n.Exits) > 0 {
			next = n.Exits[0].DestinationUUID
		}
		if len(n.Exits) > 1 {
			a.problems.warn(dest, "the node has %d exits but no router: only the first is taken", len(n.Exits))
		}
		w.visit(next, seg)
		return
	}
	for _, b := range a.branches(w.d, n, seg.guard) {
		s := seg.fork()
		feasible := true
		for i, set := range b.guard {
			if old, ok := s.guard[i]; ok {
				set &= old
			}
			s.guard[i] = set
			feasible = feasible && set != 0
		}
		if feasible {
			w.visit(b.dest, s)
		}
	}
}

type branch struct {
	dest  string
	guard guard
}

// branches returns where a split may lead, each with the values of the
// result it tests that lead there, of those g allows.
func (a *analysis) branches(d *domain, n *flow.Node, g guard) []branch {
	r := n.Router
	s := a.splits[n.UUID]
	if r.ResultName != "" {
		a.problems.add(n.UUID, "the split saves the result %q: in a workflow only questions save results", r.ResultName)
	}
	all := func() []branch {
		var bs []branch
		for _, c := range r.Categories {
			bs = append(bs, branch{dest: exitDest(n, &c)})
		}
		return bs
	}
	if s == nil || s.kind == splitOther {
		why := "splits on something a workflow cannot test"
		if s != nil {
			why = s.why
		}
		a.problems.add(n.UUID, "%s: a workflow's skip logic (when) tests earlier answers only", why)
		return all()
	}
	i, ok := d.index[s.key]
	if !ok {
		a.problems.add(n.UUID, "tests the result %q, which no question saves", s.key)
		return all()
	}
	v := d.vars[i]
	sets := map[string]set{}
	allowed, limited := g[i]
	for j := range v.values {
		if limited && allowed&(1<<j) == 0 {
			continue
		}
		cat, unknown := s.choose(v, j)
		if unknown {
			a.problems.add(n.UUID, "tests the number in %s, which may not be a number (a reply that fit no test, or a timeout): a workflow compares the numbers of number answers only", v.name)
		}
		sets[cat] |= 1 << j
	}
	var bs []branch
	for _, c := range r.Categories {
		if set := sets[c.Name]; set != 0 {
			bs = append(bs, branch{dest: exitDest(n, &c), guard: guard{i: set}})
		}
	}
	return bs
}
