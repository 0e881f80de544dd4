package decompile

import (
	"slices"
	"sort"
)

// The analysis abstracts a conversation to what decides where a flow
// goes: the category each question's answer takes and, for a number
// answer tested later, which side of each tested bound it lies. A
// question is a variable; its values are its categories (a number
// category split into regions between the bounds tested anywhere) and
// "not asked" (value 0), the value of a question that was skipped.

// value is one value of a variable.
type value struct {
	category string
	// region indexes the regions of a number answer, or is -1.
	region int
}

// variable is a question's result, by key.
type variable struct {
	key    string
	name   string // as written in the flow
	values []value
	// numeric holds the categories whose answers are numbers (the
	// categories of has_number tests), split into regions.
	numeric []string
	bounds  []float64 // sorted, distinct: the regions are (-inf,b0), {b0}, (b0,b1), ...
}

// regions returns how many regions the bounds make.
func (v *variable) regions() int { return 2*len(v.bounds) + 1 }

// domain holds the variables of one or two flows (the original and its
// recompiled workflow share one, so that their conversations compare).
type domain struct {
	vars  []*variable
	index map[string]int // key → variable
}

// set is a set of values of one variable, a bit per value.
type set uint64

const notAsked set = 1

// maxValues is how many values a variable can have.
const maxValues = 64

func (d *domain) variable(key string) *variable {
	if i, ok := d.index[key]; ok {
		return d.vars[i]
	}
	return nil
}

// full returns every value of variable i.
func (d *domain) full(i int) set {
	n := len(d.vars[i].values)
	if n >= 64 {
		return ^set(0)
	}
	return set(1)<<n - 1
}

// categorySet returns the values of variable i whose category is one of
// names (compared exactly, as goflow does).
func (d *domain) categorySet(i int, names ...string) set {
	var s set
	for j, val := range d.vars[i].values {
		if j > 0 && slices.Contains(names, val.category) {
			s |= 1 << j
		}
	}
	return s
}

// cube is a set of conversations: for each variable, the values it may
// take. Variables are indexed as in the domain.
type cube []set

func (d *domain) start() cube {
	c := make(cube, len(d.vars))
	for i := range c {
		c[i] = notAsked
	}
	return c
}

func (c cube) clone() cube { return slices.Clone(c) }

func (c cube) empty() bool {
	for _, s := range c {
		if s == 0 {
			return true
		}
	}
	return false
}

func (c cube) and(o cube) cube {
	r := make(cube, len(c))
	for i := range c {
		r[i] = c[i] & o[i]
	}
	return r
}

func (c cube) intersects(o cube) bool {
	for i := range c {
		if c[i]&o[i] == 0 {
			return false
		}
	}
	return true
}

func (c cube) covers(o cube) bool {
	for i := range c {
		if o[i]&^c[i] != 0 {
			return false
		}
	}
	return true
}

// guard is a condition a path through splits puts on variables: for each
// variable it names, the values allowed.
type guard map[int]set

func (g guard) apply(c cube) cube {
	r := c.clone()
	for i, s := range g {
		r[i] &= s
	}
	return r
}

// cubes is a union of cubes.
type cubes []cube

// merge adds c to cs, joining cubes that differ in one variable, and
// leaving out cubes already covered.
func (cs cubes) merge(c cube) cubes {
	if c.empty() {
		return cs
	}
	for {
		joined := false
		for i, o := range cs {
			if o.covers(c) {
				return cs
			}
			if c.covers(o) {
				cs = slices.Delete(cs, i, i+1)
				joined = true
				break
			}
			if diff := differsIn(o, c); diff >= 0 {
				c = c.clone()
				c[diff] |= o[diff]
				cs = slices.Delete(cs, i, i+1)
				joined = true
				break
			}
		}
		if !joined {
			return append(cs, c)
		}
	}
}

// differsIn returns the one variable in which a and b differ, or -1.
func differsIn(a, b cube) int {
	diff := -1
	for i := range a {
		if a[i] != b[i] {
			if diff >= 0 {
				return -1
			}
			diff = i
		}
	}
	return diff
}

// minus returns the conversations of c that are in none of cs.
func (c cube) minus(cs cubes) cubes {
	rest := cubes{c}
	for _, o := range cs {
		var next cubes
		for _, r := range rest {
			next = append(next, r.minusOne(o)...)
		}
		rest = next
		if len(rest) == 0 {
			break
		}
	}
	return rest
}

func (c cube) minusOne(o cube) cubes {
	if !c.intersects(o) {
		return cubes{c}
	}
	var out cubes
	cur := c.clone()
	for i := range c {
		if d := cur[i] &^ o[i]; d != 0 {
			piece := cur.clone()
			piece[i] = d
			out = append(out, piece)
		}
		cur[i] &= o[i]
	}
	return out
}

// project keeps the variables of keep, and sets the others to every value.
func (d *domain) project(c cube, keep func(i int) bool) cube {
	r := c.clone()
	for i := range r {
		if !keep(i) {
			r[i] = d.full(i)
		}
	}
	return r
}

// regionsOf returns the regions of a variable's bounds that a number test
// accepts.
func regionsOf(bounds []float64, test string, args []float64) []bool {
	n := 2*len(bounds) + 1
	in := make([]bool, n)
	// A representative of each region: the bound itself, or a point
	// between bounds.
	for r := range n {
		var x float64
		switch {
		case r%2 == 1:
			x = bounds[r/2]
		case len(bounds) == 0:
			x = 0
		case r == 0:
			x = bounds[0] - 1
		case r == n-1:
			x = bounds[len(bounds)-1] + 1
		default:
			x = (bounds[r/2-1] + bounds[r/2]) / 2
		}
		in[r] = numberTest(test, x, args)
	}
	return in
}

// numberTest evaluates a goflow number test on the number x.
func numberTest(test string, x float64, args []float64) bool {
	arg := func(i int) float64 {
		if i < len(args) {
			return args[i]
		}
		return 0
	}
	switch test {
	case "has_number":
		return true
	case "has_number_between":
		return x >= arg(0) && x <= arg(1)
	case "has_number_lt":
		return x < arg(0)
	case "has_number_lte":
		return x <= arg(0)
	case "has_number_eq":
		return x == arg(0)
	case "has_number_gte":
		return x >= arg(0)
	case "has_number_gt":
		return x > arg(0)
	}
	return false
}

func sortedBounds(bs []float64) []float64 {
	sort.Float64s(bs)
	return slices.Compact(bs)
}
