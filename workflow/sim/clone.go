package sim

import (
	"maps"
	"math/rand/v2"
	"slices"
)

// Clone returns an independent copy of the session as it is now, so that
// several replies can be tried from one point without playing the
// conversation again: what happens to the copy does not change the
// original, nor the other way round. The options are shared: a clock or
// webhook function given with an option is called by both, and a source
// given with WithRandom is drawn from by both (the default source is
// copied, so both draw the same numbers).
func (s *Sim) Clone() *Sim {
	c := *s
	c.contact = s.contact.clone()
	c.messages = slices.Clone(s.messages)
	c.events = slices.Clone(s.events)
	c.runErrs = slices.Clone(s.runErrs)
	c.path = slices.Clone(s.path)
	if s.input != nil {
		in := *s.input
		c.input = &in
	}
	if s.pcg != nil {
		p := *s.pcg
		c.pcg = &p
		c.random = rand.New(c.pcg).Float64
	}
	copies := make(map[*run]*run, len(s.runs))
	c.runs = make([]*run, len(s.runs))
	for i, r := range s.runs {
		nr := *r
		nr.results = make(map[string]*Result, len(r.results))
		for k, v := range r.results {
			res := *v
			nr.results[k] = &res
		}
		nr.order = slices.Clone(r.order)
		nr.path = slices.Clone(r.path)
		nr.extras = maps.Clone(r.extras)
		nr.resultsContext = nil // rebuilt from the copied results
		copies[r] = &nr
		c.runs[i] = &nr
	}
	for _, nr := range c.runs {
		if nr.parent != nil {
			nr.parent = copies[nr.parent]
		}
		if nr.child != nil {
			nr.child = copies[nr.child]
		}
	}
	if s.waiting != nil {
		c.waiting = copies[s.waiting]
	}
	return &c
}
