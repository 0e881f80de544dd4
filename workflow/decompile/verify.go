package decompile

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/mhero-go/mhero/workflow/flow"
)

// verify compares the flow with the one its workflow compiles to: each
// question asked alike (its tests in every language, categories, retries
// and timeout), and every conversation alike between the questions.
func (fz *fitter) verify(cf *flow.Flow) {
	ca := analyze(cf, nil)
	d, err := newDomain(fz.a, ca)
	if err != nil {
		fz.p.add("", "%v", err)
		return
	}
	fz.a.explore(d)
	ca.explore(d)
	for _, u := range fz.order {
		if cu := ca.byKey[u.key]; cu == nil {
			fz.p.add(u.node(), "the workflow does not ask %s", u.name)
		} else {
			fz.compareUnits(u, cu, cf)
		}
	}
	fz.comparePaths(ca, d)
}

// hasError reports whether an error was reported at node.
func (fz *fitter) hasError(node string) bool {
	return slices.ContainsFunc(fz.p.list, func(p Problem) bool { return p.Node == node && p.Severity == 0 })
}

// compareUnits compares a question of the flow with the workflow's.
func (fz *fitter) compareUnits(u, cu *unit, cf *flow.Flow) {
	node := u.node()
	if fz.hasError(node) {
		return // what differs is said already
	}
	// Categories no reply can take were reported when reading the
	// question; the others must be the same.
	chosen := func(u *unit) []string {
		return slices.DeleteFunc(slices.Clone(u.cats), func(c string) bool { return !u.chosen[c] })
	}
	if oc, cc := chosen(u), chosen(cu); !slices.Equal(oc, cc) {
		a, b := slices.Sorted(slices.Values(oc)), slices.Sorted(slices.Values(cc))
		if slices.Equal(a, b) {
			fz.p.warn(node, "the categories are listed in another order in the workflow (%s) than in the flow (%s)", strings.Join(cc, ", "), strings.Join(oc, ", "))
		} else {
			fz.p.add(node, "the workflow's categories (%s) are not the flow's (%s)", strings.Join(cc, ", "), strings.Join(oc, ", "))
		}
	}
	if u.timeout != cu.timeout {
		fz.p.add(node, "the workflow waits %ds for a reply; the flow %ds", cu.timeout, u.timeout)
	}
	if u.retries != cu.retries && len(u.router.Cases) > 0 {
		fz.p.add(node, "the workflow retries %s; the flow %s", retriesText(cu.retries), retriesText(u.retries))
	}
	if (u.retry == nil) != (cu.retry == nil) || (u.retry != nil && !u.retry.equal(*cu.retry)) {
		fz.p.add(node, "the workflow's retry message differs from the flow's")
	}
	langs := append([]string{""}, fz.w.Translations...)
	for _, lang := range langs {
		a, b := caseSems(fz.f, u.router, lang), caseSems(cf, cu.router, lang)
		if !slices.Equal(a, b) {
			who := "every contact"
			if lang != "" {
				who = "contacts whose language is " + lang
			}
			fz.p.add(node, "for %s, the workflow tests replies with %s; the flow with %s", who, strings.Join(b, ", "), strings.Join(a, ", "))
		}
		if lang == "" {
			continue
		}
		for _, c := range u.cats {
			a, _ := fz.f.Localization.Translation(lang, categoryUUID(u.router, c), "name")
			b, _ := cf.Localization.Translation(lang, categoryUUID(cu.router, c), "name")
			if !slices.Equal(a, b) {
				fz.p.add(node, "the %s name of the category %s is %q in the flow, %q in the workflow", lang, c, strings.Join(a, ""), strings.Join(b, ""))
			}
		}
	}
}

func retriesText(n int) string {
	switch n {
	case -1:
		return "without limit"
	case 1:
		return "once"
	}
	return strconv.Itoa(n) + " times"
}

// caseSems describes a router's tests, in a language, as comparable
// strings: a test of single words as the sorted words (the answer saved
// is the words of the reply that match, in the reply's order), one
// word in a phrase as a word.
func caseSems(f *flow.Flow, r *flow.Router, lang string) []string {
	var out []string
	for _, c := range r.Cases {
		cat := categoryNamed(r, c.CategoryUUID)
		args := c.Arguments
		if lang != "" {
			if l, ok := f.Localization.Translation(lang, c.UUID, "arguments"); ok {
				args = l
			}
		}
		single := &flow.Router{Cases: []flow.Case{{Type: c.Type, Arguments: args, CategoryUUID: c.CategoryUUID}}, Categories: r.Categories}
		if wcs := wordCases(f, single, "", func(flow.Case) {}); len(wcs) == 1 {
			wc := wcs[0]
			if wc.phrase != "" {
				out = append(out, fmt.Sprintf("%s: phrase %q", cat, wc.phrase))
			} else {
				ws := slices.Compact(slices.Sorted(slices.Values(wc.words)))
				out = append(out, fmt.Sprintf("%s: any of %s", cat, quoteList(ws)))
			}
			continue
		}
		norm := make([]string, len(args))
		for i, a := range args {
			if x, err := strconv.ParseFloat(strings.TrimSpace(a), 64); err == nil {
				norm[i] = formatNumber(x)
			} else {
				norm[i] = strconv.Quote(a)
			}
		}
		out = append(out, fmt.Sprintf("%s: %s(%s)", cat, c.Type, strings.Join(norm, ", ")))
	}
	out = append(out, "otherwise: "+categoryNamed(r, r.DefaultCategoryUUID))
	return out
}

// comparePaths walks both flows question by question over every way of
// answering, comparing what each does between questions.
func (fz *fitter) comparePaths(ca *analysis, d *domain) {
	oa := fz.a
	at := map[string]cubes{}
	rank := map[string]int{}
	for i, u := range fz.order {
		rank[u.key] = i
	}
	step := func(src, ctx string, cs cubes, from int) {
		for _, c := range cs {
			for _, o := range oa.segs[src] {
				c1 := o.guard.apply(c)
				if c1.empty() {
					continue
				}
				var covered cubes
				for _, w := range ca.segs[src] {
					if !fz.spend(len(at[o.target])) {
						return
					}
					c2 := w.guard.apply(c1)
					if c2.empty() {
						continue
					}
					covered = covered.merge(c2)
					if !fz.sameSegment(ctx, o, w) {
						continue
					}
					if r, ok := rank[o.target]; ok && r > from && len(at[o.target]) < maxCubes {
						at[o.target] = at[o.target].merge(c2)
					}
				}
				// The workflow goes somewhere for every answer: one left
				// out would be a difference no comparison above reports.
				if len(covered) <= maxCubes && len(c1.minus(covered)) > 0 {
					fz.p.add(o.last(), "%s, the workflow has no way on where the flow %s", ctx, describeTarget(fz.a, o))
				}
			}
		}
	}
	step("", "at the start", cubes{d.start()}, -1)
	for r, u := range fz.order {
		cu := ca.byKey[u.key]
		if cu == nil {
			continue
		}
		vi := d.index[u.key]
		for _, cat := range u.answers() {
			if !slices.Contains(cu.answers(), cat) {
				continue
			}
			var cs cubes
			for _, c := range at[u.key] {
				c2 := c.clone()
				c2[vi] = d.categorySet(vi, cat)
				cs = append(cs, c2)
			}
			step(sourceKey(u.key, cat), fmt.Sprintf("after %s is %s", u.name, cat), cs, r)
		}
	}
}

// sameSegment compares what the flow (o) and the workflow (w) do on one
// way between questions, reporting a difference at the flow's node.
func (fz *fitter) sameSegment(ctx string, o, w *segment) bool {
	oe, we := canonical(o.events), canonical(w.events)
	if !eventsEqual(oe, we) {
		i := 0
		for i < len(oe) && i < len(we) && eventsEqual(oe[i:i+1], we[i:i+1]) {
			i++
		}
		node := o.last()
		if i < len(oe) {
			node = oe[i].node
		}
		fz.p.add(node, "%s, the flow %s; the workflow %s", ctx, describeEvents(oe[i:]), describeEvents(we[i:]))
		return false
	}
	if o.target != w.target {
		fz.p.add(o.last(), "%s, the flow %s; the workflow %s", ctx, describeTarget(fz.a, o), describeTarget(fz.a, w))
		return false
	}
	return true
}

// canonical orders a segment's events as a workflow does them (fields,
// groups, then messages) unless a message reads the contact, whose
// fields and groups then matter in order.
func canonical(es []event) []event {
	for _, e := range es {
		if e.kind == evMsg && (strings.Contains(e.msg.text, "fields") || strings.Contains(e.msg.text, "groups") || strings.Contains(e.msg.text, "@contact")) {
			return es
		}
	}
	out := slices.Clone(es)
	slices.SortStableFunc(out, func(a, b event) int {
		rank := map[eventKind]int{evField: 0, evGroups: 1, evMsg: 2}
		return rank[a.kind] - rank[b.kind]
	})
	return out
}

func describeEvents(es []event) string {
	if len(es) == 0 {
		return "does nothing more"
	}
	parts := make([]string, len(es))
	for i, e := range es {
		switch e.kind {
		case evMsg:
			parts[i] = fmt.Sprintf("sends %q", short(e.msg.text))
			if len(e.msg.trans) > 0 {
				parts[i] += " (translated into " + strings.Join(sortedKeys(e.msg.trans), ", ") + ")"
			}
		case evField:
			parts[i] = fmt.Sprintf("sets %s to %s", e.field, e.value)
		default:
			parts[i] = "joins " + quoteList(e.groups)
		}
	}
	return strings.Join(parts, ", then ")
}

func describeTarget(a *analysis, s *segment) string {
	if s.target == "" {
		return "ends"
	}
	if u := a.byKey[s.target]; u != nil {
		return "asks " + u.name
	}
	return "asks " + s.target
}
