package decompile

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/mhero-go/mhero/workflow/flow"
)

// when returns the skip logic asking u exactly when the flow does: the
// conditions of the flow's own splits before it when they say so (a
// workflow's compiled when, or an editor's split by flow result), or else
// the shortest condition on earlier answers that holds for every
// conversation asking u and for none passing it by.
func (fz *fitter) when(u *unit) string {
	d := fz.d
	r := fz.rank[u.key]
	vi := d.index[u.key]
	before := func(i int) bool {
		k, ok := fz.rank[d.vars[i].key]
		return ok && k < r
	}
	var pos, neg cubes
	for _, c := range fz.at[u.key] {
		pos = pos.merge(d.project(c, before))
	}
	skipped := func(c cube) {
		if c[vi]&notAsked == 0 {
			return
		}
		neg = neg.merge(d.project(c, before))
	}
	for _, later := range fz.order[r+1:] {
		for _, c := range fz.at[later.key] {
			skipped(c)
		}
	}
	for _, e := range fz.ends {
		if fz.closes[e.src] {
			if k, ok := fz.rank[unitOfSource(e.src)]; ok && k < r {
				continue // the workflow ended before u with a choice's closing
			}
		}
		for _, c := range e.cubes {
			skipped(c)
		}
	}
	if len(neg) == 0 {
		return ""
	}
	for _, p := range pos {
		for _, n := range neg {
			if p.intersects(n) {
				fz.p.add(u.node(), "whether %s is asked depends on more than the earlier answers: a workflow's skip logic (when) tests earlier answers only", u.name)
				return ""
			}
		}
	}
	if s, ok := fz.structuralWhen(u, pos, neg); ok {
		return s
	}
	if s, ok := fz.synthesize(pos, neg, before); ok {
		return s
	}
	fz.p.add(u.node(), "the conditions under which %s is asked cannot be written as a workflow's skip logic (when)", u.name)
	return ""
}

// formula is a condition on earlier answers, read from splits.
type formula struct {
	op   string // "and", "or", or "" for a comparison
	l, r *formula
	lf   *leaf
}

// leaf is one comparison: the values of a result it holds for.
type leaf struct {
	v     int
	set   set
	neg   bool
	cats  []string // the categories compared with, as the split names them
	tests []flow.Case
}

// structuralWhen reads the splits right before u's question message as a
// condition: each split one comparison, joined as a workflow compiles and
// and or. It is used when it holds exactly for the conversations asking u.
func (fz *fitter) structuralWhen(u *unit, pos, neg cubes) (string, bool) {
	a := fz.a
	askNode := ""
	for _, src := range a.sources() {
		for _, s := range a.segs[src] {
			if s.target == u.key && len(s.events) > 0 && askNode == "" {
				askNode = s.events[len(s.events)-1].node
			}
		}
	}
	if askNode == "" {
		return "", false
	}
	preds := map[string][]string{}
	for i := range a.f.Nodes {
		n := &a.f.Nodes[i]
		for _, x := range n.Exits {
			preds[x.DestinationUUID] = append(preds[x.DestinationUUID], n.UUID)
		}
	}
	// Comparisons: the splits on earlier results with a match and an
	// other exit.
	region := map[string]bool{}
	for id, s := range a.splits {
		if s.kind != splitOther && binary(s.node) {
			region[id] = true
		}
	}
	// The splits from which the question's message is reached through
	// splits only: where its condition may start.
	entries := map[string]bool{}
	var grow func(id string)
	grow = func(id string) {
		for _, p := range preds[id] {
			if region[p] && !entries[p] {
				entries[p] = true
				grow(p)
			}
		}
	}
	grow(askNode)
	byPos := func(ids map[string]bool) []string {
		out := make([]string, 0, len(ids))
		for id := range ids {
			out = append(out, id)
		}
		slices.SortFunc(out, func(x, y string) int { return cmp.Compare(a.pos[x], a.pos[y]) })
		return out
	}
	if len(entries) > 64 {
		return "", false // more splits than anyone writes as a when
	}
	sp := &structParser{fz: fz, region: region, memo: map[[3]string]*formula{}}
	for _, entry := range byPos(entries) {
		// Where a skipped question's run goes: an exit of the splits
		// reached from the entry.
		skips := map[string]bool{}
		seen := map[string]bool{}
		var walk func(id string)
		walk = func(id string) {
			if seen[id] {
				return
			}
			seen[id] = true
			for _, x := range a.nodes[id].Exits {
				d := x.DestinationUUID
				if d != askNode {
					skips[orEnd(d)] = true
				}
				if region[d] {
					walk(d)
				}
			}
		}
		walk(entry)
		for _, skip := range byPos(skips) {
			f := sp.parse(entry, askNode, skip, 0)
			if f == nil {
				continue
			}
			if s, ok := fz.checkFormula(u, f, pos, neg); ok {
				return s, true
			}
		}
	}
	return "", false
}

// checkFormula returns a formula written in the when syntax when it holds
// for the conversations of pos and none of neg, on earlier answers only.
func (fz *fitter) checkFormula(u *unit, f *formula, pos, neg cubes) (string, bool) {
	fc, ok := fz.toCubes(f)
	if !ok || !fz.spend(len(fc)*(len(pos)+len(neg))) {
		return "", false
	}
	for _, p := range pos {
		if len(p.minus(fc)) > 0 {
			return "", false
		}
	}
	for _, c := range fc {
		for _, n := range neg {
			if c.intersects(n) {
				return "", false
			}
		}
	}
	r := fz.rank[u.key]
	for _, l := range leaves(f) {
		if k, ok := fz.rank[fz.d.vars[l.v].key]; !ok || k >= r {
			return "", false
		}
	}
	return fz.printFormula(f, false)
}

// binary reports whether a split has two categories, one its default.
func binary(n *flow.Node) bool {
	r := n.Router
	return len(r.Categories) == 2 && len(n.Exits) == 2 && r.Category(r.DefaultCategoryUUID) != nil && len(r.Cases) > 0
}

type structParser struct {
	fz     *fitter
	region map[string]bool
	memo   map[[3]string]*formula
}

// leafAt reads the comparison at a split: the values of the result it
// tests that take its match exit, and where both exits go. A category
// split whose default goes to a number split of the same result with the
// same match exit is one comparison of both (reason in [Other, 0]).
func (sp *structParser) leafAt(id string) (*leaf, string, string, bool) {
	fz := sp.fz
	s := fz.a.splits[id]
	vi, ok := fz.d.index[s.key]
	if !ok {
		return nil, "", "", false
	}
	match, other := matchExits(s.node)
	l := &leaf{v: vi, tests: s.node.Router.Cases}
	v := fz.d.vars[vi]
	matchCat := categoryNamed(s.node.Router, s.node.Router.Cases[0].CategoryUUID)
	for j := range v.values {
		if c, _ := s.choose(v, j); c == matchCat {
			l.set |= 1 << j
		}
	}
	if s.kind == splitCategory {
		for _, c := range s.node.Router.Cases {
			l.cats = append(l.cats, c.Arguments...)
		}
		l.tests = nil
		if n := fz.a.splits[other]; n != nil && sp.region[other] && n.kind == splitNumber && n.key == s.key && binary(n.node) {
			if m2, o2 := matchExits(n.node); m2 == match {
				nl, _, _, ok := sp.leafAt(other)
				if ok {
					l.set |= nl.set
					l.tests = nl.tests
					other = o2
				}
			}
		}
	}
	return l, match, other, true
}

func matchExits(n *flow.Node) (match, other string) {
	r := n.Router
	for _, c := range r.Categories {
		if c.UUID == r.DefaultCategoryUUID {
			other = exitDest(n, &c)
		} else {
			match = exitDest(n, &c)
		}
	}
	return match, other
}

const endNode = "\x00end"

func orEnd(id string) string {
	if id == "" {
		return endNode
	}
	return id
}

// parse reads the splits from id as a condition that leads to yes when it
// holds and to no otherwise.
func (sp *structParser) parse(id, yes, no string, depth int) *formula {
	k := [3]string{id, yes, no}
	if f, ok := sp.memo[k]; ok {
		return f
	}
	sp.memo[k] = nil
	if depth > 64 || !sp.region[id] || id == yes || id == no || !sp.fz.spend(1) {
		return nil
	}
	l, m, o, ok := sp.leafAt(id)
	if !ok {
		return nil
	}
	m, o, yes, no = orEnd(m), orEnd(o), orEnd(yes), orEnd(no)
	neg := func() *leaf { n := *l; n.neg = true; n.set = sp.fz.d.full(l.v) &^ l.set; return &n }
	var f *formula
	switch {
	case m == yes && o == no:
		f = &formula{lf: l}
	case m == no && o == yes:
		f = &formula{lf: neg()}
	case m == yes:
		if r := sp.parse(o, yes, no, depth+1); r != nil {
			f = &formula{op: "or", l: &formula{lf: l}, r: r}
		}
	case o == yes:
		if r := sp.parse(m, yes, no, depth+1); r != nil {
			f = &formula{op: "or", l: &formula{lf: neg()}, r: r}
		}
	case o == no:
		if r := sp.parse(m, yes, no, depth+1); r != nil {
			f = &formula{op: "and", l: &formula{lf: l}, r: r}
		}
	case m == no:
		if r := sp.parse(o, yes, no, depth+1); r != nil {
			f = &formula{op: "and", l: &formula{lf: neg()}, r: r}
		}
	}
	if f == nil {
		// The left operand is itself an and/or: find where the right
		// operand starts.
		var cands []string
		seen := map[string]bool{id: true}
		var walk func(x string)
		walk = func(x string) {
			for _, e := range sp.fz.a.nodes[x].Exits {
				d := e.DestinationUUID
				if sp.region[d] && !seen[d] && d != yes && d != no {
					seen[d] = true
					cands = append(cands, d)
					walk(d)
				}
			}
		}
		walk(id)
		slices.SortFunc(cands, func(x, y string) int { return cmp.Compare(sp.fz.a.pos[x], sp.fz.a.pos[y]) })
		for _, r := range cands {
			if left := sp.parse(id, r, no, depth+1); left != nil {
				if right := sp.parse(r, yes, no, depth+1); right != nil {
					f = &formula{op: "and", l: left, r: right}
					break
				}
			}
			if left := sp.parse(id, yes, r, depth+1); left != nil {
				if right := sp.parse(r, yes, no, depth+1); right != nil {
					f = &formula{op: "or", l: left, r: right}
					break
				}
			}
		}
	}
	sp.memo[k] = f
	return f
}

func leaves(f *formula) []*leaf {
	if f.op == "" {
		return []*leaf{f.lf}
	}
	return append(leaves(f.l), leaves(f.r)...)
}

// toCubes returns the conversations a formula holds for, or false when
// they make too many cubes to compare.
func (fz *fitter) toCubes(f *formula) (cubes, bool) {
	d := fz.d
	switch f.op {
	case "":
		c := make(cube, len(d.vars))
		for i := range c {
			c[i] = d.full(i)
		}
		c[f.lf.v] = f.lf.set
		return cubes{}.merge(c), true
	}
	l, ok1 := fz.toCubes(f.l)
	r, ok2 := fz.toCubes(f.r)
	if !ok1 || !ok2 || !fz.spend(len(l)*len(r)) {
		return nil, false
	}
	out := l
	if f.op == "and" {
		out = nil
		for _, a := range l {
			for _, b := range r {
				out = out.merge(a.and(b))
			}
		}
	} else {
		for _, c := range r {
			out = out.merge(c)
		}
	}
	return out, len(out) <= maxCubes
}

// printFormula writes a formula in the when syntax; and binds tighter
// than or.
func (fz *fitter) printFormula(f *formula, inAnd bool) (string, bool) {
	if f.op == "" {
		return fz.printLeaf(f.lf)
	}
	l, ok1 := fz.printFormula(f.l, f.op == "and")
	r, ok2 := fz.printFormula(f.r, f.op == "and")
	if !ok1 || !ok2 {
		return "", false
	}
	s := l + " " + f.op + " " + r
	if f.op == "or" && inAnd {
		s = "(" + s + ")"
	}
	return s, true
}

// printLeaf writes one comparison the way the split makes it.
func (fz *fitter) printLeaf(l *leaf) (string, bool) {
	name := fz.resultName(l.v)
	var items []item
	for _, c := range l.cats {
		items = append(items, item{text: c})
	}
	for _, t := range l.tests {
		args, _ := numberArgs(t.Arguments)
		switch {
		case t.Type == "has_number_eq" && len(args) == 1:
			items = append(items, item{text: formatNumber(args[0]), number: true})
		case len(l.tests) == 1 && len(l.cats) == 0 && len(args) == 1 && !l.neg:
			op := map[string]string{"has_number_lt": "<", "has_number_lte": "<=", "has_number_gt": ">", "has_number_gte": ">="}[t.Type]
			if op == "" {
				return "", false
			}
			return name + " " + op + " " + formatNumber(args[0]), true
		default:
			return "", false
		}
	}
	return compare(name, items, l.neg)
}

// item is a value of a comparison: a category name or a number.
type item struct {
	text   string
	number bool
}

// compare writes "x == A", "x in [A, 0]", or with neg "x != A", "x not in [A, 0]".
func compare(name string, items []item, neg bool) (string, bool) {
	switch len(items) {
	case 0:
		return "", false
	case 1:
		v, ok := items[0].text, true
		if !items[0].number {
			v, ok = quoteValue(v, false)
		}
		op := " == "
		if neg {
			op = " != "
		}
		return name + op + v, ok
	}
	list := make([]string, len(items))
	for i, it := range items {
		list[i] = it.text
		if !it.number {
			q, ok := quoteValue(it.text, true)
			if !ok {
				return "", false
			}
			list[i] = q
		}
	}
	op := " in ["
	if neg {
		op = " not in ["
	}
	return name + op + strings.Join(list, ", ") + "]", true
}

func (fz *fitter) resultName(v int) string {
	if q := fz.qs[fz.d.vars[v].key]; q != nil {
		return q.Result
	}
	return fz.d.vars[v].key
}

// quoteValue writes a category name as a when value: quoted when it
// would otherwise read as something else.
func quoteValue(s string, inList bool) (string, bool) {
	need := s == "" || s != strings.TrimSpace(s) || strings.ContainsAny(s, `,[]()"'=!<>`)
	if !inList {
		for _, w := range strings.Fields(s) {
			switch strings.ToLower(w) {
			case "and", "or":
				need = true
			}
		}
	} else if _, err := strconv.ParseFloat(s, 64); err == nil {
		need = false
	}
	if !need {
		return s, true
	}
	switch {
	case !strings.Contains(s, `"`):
		return `"` + s + `"`, true
	case !strings.Contains(s, `'`):
		return `'` + s + `'`, true
	}
	return "", false
}

// synthesize finds a short condition on earlier answers holding for every
// conversation of pos and none of neg: from each conversation set of
// pos, it leaves out the answers that do not matter, then writes each
// remaining comparison in its shortest form.
func (fz *fitter) synthesize(pos, neg cubes, before func(int) bool) (string, bool) {
	d := fz.d
	hits := func(c cube) bool {
		if !fz.spend(len(neg)) {
			return true
		}
		for _, n := range neg {
			if c.intersects(n) {
				return true
			}
		}
		return false
	}
	// Later questions first: a condition on the latest answer that
	// decides is the one people write.
	vars := make([]int, 0, len(d.vars))
	for i := range d.vars {
		if before(i) {
			vars = append(vars, i)
		}
	}
	slices.SortFunc(vars, func(x, y int) int { return cmp.Compare(fz.rank[d.vars[y].key], fz.rank[d.vars[x].key]) })
	var cs cubes
	for _, p := range pos {
		c := p.clone()
		for _, i := range vars {
			if c[i] == d.full(i) {
				continue
			}
			t := c.clone()
			t[i] = d.full(i)
			if !hits(t) {
				c = t
			}
		}
		cs = cs.merge(c)
	}
	var terms []string
	for _, c := range cs {
		var lits []string
		// Earlier questions first, as a person writes them.
		for k := len(vars) - 1; k >= 0; k-- {
			i := vars[k]
			if c[i] == d.full(i) {
				continue
			}
			allowed := c[i]
			for j := range d.vars[i].values {
				t := c.clone()
				t[i] = allowed | 1<<j
				if !hits(t) {
					allowed = t[i]
				}
			}
			lit, ok := fz.literal(i, c[i], allowed)
			if !ok {
				return "", false
			}
			lits = append(lits, lit)
		}
		if len(lits) == 0 {
			return "", true
		}
		if len(cs) == 1 && len(lits) == 1 {
			lits[0] = unwrap(lits[0])
		}
		terms = append(terms, strings.Join(lits, " and "))
	}
	return strings.Join(terms, " or "), len(terms) > 0
}

// literal writes a comparison of result i holding for every value of
// must and for no value outside may: the shorter of a list of the values
// it holds for and one of those it does not.
func (fz *fitter) literal(i int, must, may set) (string, bool) {
	name := fz.resultName(i)
	pos, okPos := "", false
	if must&notAsked == 0 {
		pos, okPos = fz.positive(i, name, must)
	}
	negS, okNeg := "", false
	if may&notAsked != 0 {
		negS, okNeg = fz.negative(i, name, fz.d.full(i)&^may)
	}
	switch {
	case okPos && okNeg:
		if len(negS) < len(pos) {
			return negS, true
		}
		return pos, true
	case okPos:
		return pos, true
	case okNeg:
		return negS, true
	}
	return "", false
}

// split sorts the values of s into whole categories and the regions of
// a partly included number category.
func (fz *fitter) splitSet(i int, s set) (cats []string, numCat string, regions []bool) {
	v := fz.d.vars[i]
	for _, val := range v.values[1:] {
		if val.region < 0 && s&fz.d.categorySet(i, val.category) != 0 && !slices.Contains(cats, val.category) {
			cats = append(cats, val.category)
		}
	}
	for _, c := range v.numeric {
		all := fz.d.categorySet(i, c)
		in := s & all
		switch {
		case in == 0 || len(v.bounds) == 0:
		case in == all:
			cats = append(cats, c)
		default:
			numCat = c
			regions = make([]bool, v.regions())
			for j, val := range v.values {
				if val.category == c && s&(1<<j) != 0 {
					regions[val.region] = true
				}
			}
		}
	}
	return cats, numCat, regions
}

// positive writes "x == A", "x in [A, B]", "x > 3", or both joined.
func (fz *fitter) positive(i int, name string, s set) (string, bool) {
	cats, numCat, regions := fz.splitSet(i, s)
	var items []item
	for _, c := range cats {
		items = append(items, item{text: c})
	}
	var cmps []string
	if numCat != "" {
		bounds := fz.d.vars[i].bounds
		for r := 0; r < len(regions); r++ {
			if !regions[r] {
				continue
			}
			lo := r
			for r+1 < len(regions) && regions[r+1] {
				r++
			}
			hi := r
			if lo == hi && lo%2 == 1 {
				items = append(items, item{text: formatNumber(bounds[lo/2]), number: true})
				continue
			}
			var cs []string
			if lo > 0 {
				if lo%2 == 1 {
					cs = append(cs, name+" >= "+formatNumber(bounds[lo/2]))
				} else {
					cs = append(cs, name+" > "+formatNumber(bounds[lo/2-1]))
				}
			}
			if hi < len(regions)-1 {
				if hi%2 == 1 {
					cs = append(cs, name+" <= "+formatNumber(bounds[hi/2]))
				} else {
					cs = append(cs, name+" < "+formatNumber(bounds[hi/2]))
				}
			}
			cmps = append(cmps, strings.Join(cs, " and "))
		}
	}
	parts := cmps
	if len(items) > 0 {
		c, ok := compare(name, items, false)
		if !ok {
			return "", false
		}
		parts = append(parts, c)
	}
	switch len(parts) {
	case 0:
		return "", false
	case 1:
		return parts[0], true
	}
	return "(" + strings.Join(parts, " or ") + ")", true
}

// negative writes "x != A" or "x not in [A, 0]" for the values of out.
func (fz *fitter) negative(i int, name string, out set) (string, bool) {
	cats, numCat, regions := fz.splitSet(i, out)
	var items []item
	for _, c := range cats {
		items = append(items, item{text: c})
	}
	if numCat != "" {
		for r, in := range regions {
			if in {
				if r%2 == 0 {
					return "", false
				}
				items = append(items, item{text: formatNumber(fz.d.vars[i].bounds[r/2]), number: true})
			}
		}
	}
	return compare(name, items, true)
}

// unwrap removes the parentheses around a whole condition.
func unwrap(s string) string {
	if !strings.HasPrefix(s, "(") || !strings.HasSuffix(s, ")") {
		return s
	}
	depth := 0
	var quote rune
	for i, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
			continue
		case r == '"' || r == '\'':
			quote = r
			continue
		}
		switch r {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 && i < len(s)-1 {
				return s
			}
		}
	}
	return s[1 : len(s)-1]
}
