package fhirtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
)

// A criterion is one search parameter occurrence: its values are ORed, and
// several criteria are ANDed.
type criterion struct {
	name     string // parameter, possibly chained ("practitioner.active")
	modifier string // after ':' ("exact", "below", "missing", "not", a type)
	values   []string
}

// An include is one _include or _revinclude: resources of src whose param
// references the other side (restricted to target when set).
type include struct {
	src, param, target string
	iterate            bool
}

// A dateCond is one _lastUpdated or _since comparison.
type dateCond struct {
	prefix string
	lo, hi time.Time // the value's precision range [lo, hi)
}

func (c dateCond) match(t time.Time) bool {
	switch c.prefix {
	case "eq":
		return !t.Before(c.lo) && t.Before(c.hi)
	case "ne":
		return t.Before(c.lo) || !t.Before(c.hi)
	case "gt", "sa":
		return !t.Before(c.hi)
	case "ge":
		return !t.Before(c.lo)
	case "lt", "eb":
		return t.Before(c.lo)
	case "le":
		return t.Before(c.hi)
	}
	return false
}

// overlaps applies a prefix to a resource's date range [lo, hi), following
// FHIR's rules for ranges: eq when the search range contains it, gt when
// it extends above the search range, ge when either, and so on.
func (c dateCond) overlaps(lo, hi time.Time) bool {
	within := !lo.Before(c.lo) && !hi.After(c.hi)
	switch c.prefix {
	case "eq":
		return within
	case "ne":
		return !within
	case "gt":
		return hi.After(c.hi)
	case "lt":
		return lo.Before(c.lo)
	case "ge":
		return within || hi.After(c.hi)
	case "le":
		return within || lo.Before(c.lo)
	case "sa":
		return !lo.Before(c.hi)
	case "eb":
		return !hi.After(c.lo)
	}
	return false
}

// dateRange turns a written [start, end] pair into instants; an empty end
// (an open Period) reaches far into the future, an empty start far back.
func dateRange(d [2]string) (time.Time, time.Time, bool) {
	lo := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	hi := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	if d[0] != "" {
		l, _, err := parseInstantRange(d[0])
		if err != nil {
			return lo, hi, false
		}
		lo = l
	}
	if d[1] != "" {
		_, h, err := parseInstantRange(d[1])
		if err != nil {
			return lo, hi, false
		}
		hi = h
	}
	return lo, hi, true
}

// A query is a parsed search request.
type query struct {
	typ         string
	ids         [][]string // _id occurrences (each ORed)
	lastUpdated []dateCond
	criteria    []criterion
	count       int
	sort        []string
	includes    []include
	revincludes []include
	elements    []string
	total       bool
	summaryOnly bool
	has         []hasCond
}

// A hasCond is a reverse chain, _has:Src:ref:param=value: resources that a
// Src matching param=value references through ref.
type hasCond struct {
	src, ref string
	crit     criterion
}

// badRequest is a client error that becomes a 400 OperationOutcome.
type badRequest struct {
	msg     string
	unknown bool // an unknown search parameter (ignored when lenient)
}

func (e *badRequest) Error() string { return e.msg }

func badf(format string, args ...any) error { return &badRequest{msg: fmt.Sprintf(format, args...)} }

// ignoredParams are accepted and have no effect.
var ignoredParams = map[string]bool{"_format": true, "_pretty": true}

// parseQuery parses the search parameters of a request on typ.
func (s *Server) parseQuery(typ string, vals url.Values) (*query, error) {
	q := &query{typ: typ, count: s.pageSize}
	for key, vs := range vals {
		name, mod, _ := strings.Cut(key, ":")
		for _, v := range vs {
			if err := s.parseParam(q, key, name, mod, v); err != nil {
				return nil, err
			}
		}
	}
	if q.count == 0 { // _count=0 asks for the total only
		q.summaryOnly, q.total = true, true
	}
	// Map iteration order is random; keep criteria stable for logs.
	slices.SortFunc(q.criteria, func(a, b criterion) int { return strings.Compare(a.name, b.name) })
	return q, nil
}

// knownParams drops the parameters parseQuery would reject as unknown.
func (s *Server) knownParams(typ string, vals url.Values) url.Values {
	out := url.Values{}
	for key, vs := range vals {
		for _, v := range vs {
			name, mod, _ := strings.Cut(key, ":")
			err := s.parseParam(&query{typ: typ, count: s.pageSize}, key, name, mod, v)
			if br, ok := err.(*badRequest); !ok || !br.unknown {
				out[key] = append(out[key], v)
			}
		}
	}
	return out
}

func (s *Server) parseParam(q *query, key, name, mod, v string) error {
	switch {
	case ignoredParams[name]:
		return nil
	case name == "_count":
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return badf("invalid _count %q", v)
		}
		q.count = min(n, s.maxPageSize)
	case name == "_id":
		q.ids = append(q.ids, strings.Split(v, ","))
	case name == "_lastUpdated":
		c, err := parseDateCond(v)
		if err != nil {
			return err
		}
		q.lastUpdated = append(q.lastUpdated, c)
	case name == "_sort":
		for _, f := range strings.Split(v, ",") {
			switch strings.TrimPrefix(f, "-") {
			case "_lastUpdated", "_id":
				q.sort = append(q.sort, f)
			default:
				return badf("unsupported _sort %q (this server sorts by _lastUpdated and _id)", f)
			}
		}
	case name == "_include" || name == "_revinclude":
		inc, err := s.params.parseInclude(v, mod)
		if err != nil {
			return err
		}
		switch {
		case name == "_include":
			q.includes = append(q.includes, inc)
		case inc.param == "*":
			return badf("_revinclude=%s: name the reference parameter (wildcards are not supported)", v)
		default:
			q.revincludes = append(q.revincludes, inc)
		}
	case name == "_elements":
		for _, e := range strings.Split(v, ",") {
			if e = strings.TrimSpace(e); e != "" {
				q.elements = append(q.elements, e)
			}
		}
	case name == "_total":
		switch v {
		case "none":
			q.total = false
		case "estimate", "accurate":
			q.total = true
		default:
			return badf("invalid _total %q", v)
		}
	case name == "_has":
		h, err := s.params.parseHas(mod, v)
		if err != nil {
			return err
		}
		q.has = append(q.has, h)
	case name == "_summary":
		switch v {
		case "count":
			q.summaryOnly, q.total = true, true
		case "false":
		default:
			return badf("unsupported _summary %q (count and false are supported)", v)
		}
	default:
		values := splitValues(v)
		if err := s.params.checkChain(q.typ, name, mod, values); err != nil {
			return err
		}
		q.criteria = append(q.criteria, criterion{name: name, modifier: mod, values: values})
	}
	return nil
}

// checkChain checks the parameter at the end of a chain such as
// "location.partof", the modifier applied to it and, for dates, the
// values.
func (t paramTable) checkChain(typ, name, mod string, values []string) error {
	for {
		first, rest, chained := strings.Cut(name, ".")
		def, ok := t.lookup(typ, first)
		if !ok {
			return &badRequest{msg: fmt.Sprintf("unknown search parameter %q for resource type %s", first, typ), unknown: true}
		}
		if !chained {
			if err := checkModifier(def, mod); err != nil {
				return err
			}
			if def.kind == kindDate && mod != "missing" {
				for _, v := range values {
					if _, err := parseDateCond(v); err != nil {
						return err
					}
				}
			}
			return nil
		}
		if def.kind != kindReference {
			return badf("%s is not a reference parameter and cannot be chained", first)
		}
		if def.target == "" || def.target == "*" {
			return nil // a reference to any type: checked when evaluated
		}
		typ, name = def.target, rest
	}
}

func checkModifier(def paramDef, mod string) error {
	switch {
	case mod == "" || mod == "missing":
		return nil
	case def.match != nil:
		if def.kind == kindToken && mod == "not" {
			return nil
		}
	case def.kind == kindString && (mod == "exact" || mod == "contains"):
		return nil
	case def.kind == kindToken && mod == "not":
		return nil
	case def.kind == kindReference && (mod == "below" || knownType(mod)):
		return nil
	case def.kind == kindURI && mod == "below":
		return nil
	}
	return badf("modifier :%s is not supported on a %s parameter", mod, def.kind)
}

// splitValues splits a comma-separated OR list, honouring "\," escapes.
func splitValues(v string) []string {
	var out []string
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		switch {
		case v[i] == '\\' && i+1 < len(v) && v[i+1] == ',':
			b.WriteByte(',')
			i++
		case v[i] == ',':
			out = append(out, b.String())
			b.Reset()
		default:
			b.WriteByte(v[i])
		}
	}
	return append(out, b.String())
}

// parseHas parses the modifier part of "_has:PractitionerRole:practitioner:location=…".
func (t paramTable) parseHas(mod, v string) (hasCond, error) {
	parts := strings.SplitN(mod, ":", 3)
	if len(parts) != 3 {
		return hasCond{}, badf("invalid _has %q (want _has:Type:reference:parameter)", mod)
	}
	d, ok := t.own(parts[0], parts[1])
	if !ok || d.kind != kindReference {
		return hasCond{}, badf("_has: %s:%s is not a reference search parameter this server knows", parts[0], parts[1])
	}
	name, imod, _ := strings.Cut(parts[2], ":")
	if name == "_has" {
		return hasCond{}, badf("nested _has is not supported")
	}
	values := splitValues(v)
	if err := t.checkChain(parts[0], name, imod, values); err != nil {
		return hasCond{}, err
	}
	return hasCond{src: parts[0], ref: parts[1], crit: criterion{name: name, modifier: imod, values: values}}, nil
}

func (t paramTable) parseInclude(v, mod string) (include, error) {
	parts := strings.Split(v, ":")
	if v == "*" {
		return include{src: "*", param: "*", iterate: mod == "iterate" || mod == "recurse"}, nil
	}
	if len(parts) < 2 || len(parts) > 3 {
		return include{}, badf("invalid include %q (want Type:param[:TargetType])", v)
	}
	inc := include{src: parts[0], param: parts[1], iterate: mod == "iterate" || mod == "recurse"}
	if len(parts) == 3 {
		inc.target = parts[2]
	}
	if inc.param != "*" {
		d, ok := t.own(inc.src, inc.param)
		if !ok || d.kind != kindReference {
			return include{}, badf("%q is not a reference search parameter this server knows", v)
		}
	}
	return inc, nil
}

// parseDateCond parses a prefixed date such as "ge2026-01-01T10:00:00Z".
func parseDateCond(v string) (dateCond, error) {
	c := dateCond{prefix: "eq"}
	if len(v) > 2 && unicode.IsLetter(rune(v[0])) {
		c.prefix, v = v[:2], v[2:]
	}
	switch c.prefix {
	case "eq", "ne", "gt", "lt", "ge", "le", "sa", "eb":
	default:
		return c, badf("unsupported date prefix %q", c.prefix)
	}
	lo, hi, err := parseInstantRange(v)
	if err != nil {
		return c, err
	}
	c.lo, c.hi = lo, hi
	return c, nil
}

// parseInstantRange parses a FHIR date or dateTime and returns the range of
// instants its precision covers. A '+' in an unescaped query arrives as a
// space and is put back.
func parseInstantRange(v string) (time.Time, time.Time, error) {
	v = strings.ReplaceAll(v, " ", "+")
	layouts := []struct {
		layout string
		step   func(time.Time) time.Time
	}{
		{"2006", func(t time.Time) time.Time { return t.AddDate(1, 0, 0) }},
		{"2006-01", func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }},
		{"2006-01-02", func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }},
		{"2006-01-02T15:04Z07:00", func(t time.Time) time.Time { return t.Add(time.Minute) }},
		{"2006-01-02T15:04:05Z07:00", func(t time.Time) time.Time { return t.Add(time.Second) }},
		{"2006-01-02T15:04:05", func(t time.Time) time.Time { return t.Add(time.Second) }},
	}
	// time.Parse accepts fractional seconds the layout lacks, so values
	// with a fraction skip the whole-second layouts and keep their
	// precision below.
	for _, l := range layouts {
		if strings.Contains(v, ".") {
			break
		}
		if t, err := time.Parse(l.layout, v); err == nil {
			return t, l.step(t), nil
		}
	}
	// Fractional seconds: precise to the digits given.
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		frac := 0
		if i := strings.IndexByte(v, '.'); i >= 0 {
			for j := i + 1; j < len(v) && v[j] >= '0' && v[j] <= '9'; j++ {
				frac++
			}
		}
		step := time.Second
		for range frac {
			step /= 10
		}
		return t, t.Add(max(step, time.Nanosecond)), nil
	}
	return time.Time{}, time.Time{}, badf("invalid date %q", v)
}

// matcher evaluates a query against stored resources. Resources reached
// through chains and partof:below (a few hundred facilities and districts
// for 200,000 roles) are decoded once and cached, up to a bound.
type matcher struct {
	s     *Server
	q     *query
	cache map[*version]map[string]any
}

// maxDecodeCache bounds the decoded resources a matcher keeps.
const maxDecodeCache = 4096

func (mt *matcher) decoded(v *version) map[string]any {
	if m, ok := mt.cache[v]; ok {
		return m
	}
	m := decode(v.raw)
	if mt.cache == nil {
		mt.cache = map[*version]map[string]any{}
	}
	if len(mt.cache) < maxDecodeCache {
		mt.cache[v] = m
	}
	return m
}

func decode(raw []byte) map[string]any {
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	return m
}

func (mt *matcher) match(v *version) bool {
	if v.deleted {
		return false
	}
	for _, ids := range mt.q.ids {
		if !slices.Contains(ids, v.res.id) {
			return false
		}
	}
	for _, c := range mt.q.lastUpdated {
		if !c.match(v.updated) {
			return false
		}
	}
	if len(mt.q.criteria) == 0 {
		return true
	}
	for _, c := range mt.q.criteria {
		if !mt.s.params.mightMatch(v, c) {
			return false
		}
	}
	m := decode(v.raw)
	if m == nil {
		return false
	}
	for _, c := range mt.q.criteria {
		if !mt.eval(v.res.typ, m, c, 0) {
			return false
		}
	}
	return true
}

// mightMatch is a cheap pre-filter before decoding: a plain token or
// reference criterion cannot match a resource whose JSON contains none of
// the codes or ids asked for. Stored JSON is always compact output of
// encoding/json (or the generator's identical encoders), so a value without
// characters JSON escapes appears verbatim.
func (t paramTable) mightMatch(v *version, c criterion) bool {
	if c.modifier != "" && !typeRE.MatchString(c.modifier) || strings.Contains(c.name, ".") {
		return true
	}
	def, ok := t.lookup(v.res.typ, c.name)
	if !ok || def.kind != kindToken && def.kind != kindReference || def.custom {
		return true // custom values may be computed: they need not appear verbatim
	}
	if c.name == "active" { // the boolean, or the quirky string "true"
		for _, val := range c.values {
			if bytes.Contains(v.raw, []byte(`"active":`+val)) || bytes.Contains(v.raw, []byte(`"active":"`+val)) {
				return true
			}
		}
		return false
	}
	for _, val := range c.values {
		needle := val // a code, or system|code, or a reference
		if def.kind == kindToken {
			if sys, code, ok := strings.Cut(val, "|"); ok {
				needle = code
				if code == "" {
					needle = sys
				}
			}
		} else if r := normalizeRef(val, ""); strings.Contains(r, "/") {
			needle = r[strings.LastIndexByte(r, '/')+1:]
		}
		if needle == "" || needle == "true" || needle == "false" || strings.ContainsAny(needle, "\"<>&\\") ||
			bytes.Contains(v.raw, []byte(needle)) {
			return true
		}
	}
	return false
}

// eval reports whether resource m of typ satisfies c.
func (mt *matcher) eval(typ string, m map[string]any, c criterion, depth int) bool {
	s := mt.s
	first, rest, chained := strings.Cut(c.name, ".")
	def, ok := s.params.lookup(typ, first)
	if !ok {
		return false
	}
	if chained {
		if def.kind != kindReference || depth > 3 {
			return false
		}
		sub := criterion{name: rest, modifier: c.modifier, values: c.values}
		for _, r := range def.refs(m) {
			t := normalizeRef(r, s.base())
			ttyp, tid, ok := strings.Cut(t, "/")
			if !ok {
				continue
			}
			tv := s.store.live(ttyp, tid)
			if tv == nil {
				continue
			}
			if tm := mt.decoded(tv); tm != nil && mt.eval(ttyp, tm, sub, depth+1) {
				return true
			}
		}
		return false
	}
	if c.modifier == "missing" {
		present := countValues(def, m) > 0
		for _, v := range c.values {
			if (v == "true") == !present {
				return true
			}
		}
		return false
	}
	if def.match != nil {
		elems := def.values(m)
		hit := slices.ContainsFunc(c.values, func(v string) bool { return def.match(v, elems) })
		return hit != (c.modifier == "not")
	}
	switch def.kind {
	case kindToken:
		toks := def.tokens(m)
		hit := slices.ContainsFunc(c.values, func(v string) bool { return tokenMatch(v, toks) })
		return hit != (c.modifier == "not")
	case kindString:
		vals := def.strings(m)
		return slices.ContainsFunc(c.values, func(v string) bool { return stringMatch(c.modifier, v, vals) })
	case kindURI:
		vals := def.strings(m)
		return slices.ContainsFunc(c.values, func(v string) bool {
			return slices.ContainsFunc(vals, func(x string) bool {
				if c.modifier == "below" {
					return strings.HasPrefix(x, v)
				}
				return x == v
			})
		})
	case kindDate:
		for _, v := range c.values {
			cond, err := parseDateCond(v)
			if err != nil {
				return false
			}
			for _, d := range def.dates(m) {
				if lo, hi, ok := dateRange(d); ok && cond.overlaps(lo, hi) {
					return true
				}
			}
		}
		return false
	case kindReference:
		refs := def.refs(m)
		for i, r := range refs {
			refs[i] = normalizeRef(r, s.base())
		}
		for _, v := range c.values {
			want := s.queryRef(v, c.modifier)
			if slices.ContainsFunc(refs, func(r string) bool { return refMatch(r, want) }) {
				return true
			}
			if c.modifier == "below" && mt.below(refs, want, def) {
				return true
			}
		}
	}
	return false
}

func countValues(def paramDef, m map[string]any) int {
	switch def.kind {
	case kindToken:
		return len(def.tokens(m))
	case kindReference:
		return len(def.refs(m))
	case kindDate:
		return len(def.dates(m))
	}
	return len(def.strings(m))
}

// queryRef turns a reference search value into "Type/id" or a bare "id".
func (s *Server) queryRef(v, modifier string) string {
	v = normalizeRef(v, s.base())
	if !strings.Contains(v, "/") && typeRE.MatchString(modifier) {
		return modifier + "/" + v
	}
	return v
}

func refMatch(have, want string) bool {
	if strings.Contains(want, "/") {
		return have == want
	}
	_, id, _ := strings.Cut(have, "/")
	return id == want
}

// below reports whether any of refs has want among its ancestors through
// the same parameter (partof:below), walking up at most 16 levels.
func (mt *matcher) below(refs []string, want string, def paramDef) bool {
	s := mt.s
	for _, r := range refs {
		cur := r
		for range 16 {
			typ, id, ok := strings.Cut(cur, "/")
			if !ok {
				break
			}
			v := s.store.live(typ, id)
			if v == nil {
				break
			}
			parents := def.refs(mt.decoded(v))
			if len(parents) == 0 {
				break
			}
			cur = normalizeRef(parents[0], s.base())
			if refMatch(cur, want) {
				return true
			}
		}
	}
	return false
}

// tokenMatch compares one token query value ("code", "system|code",
// "|code", "system|") with the values of a resource.
func tokenMatch(v string, toks []token) bool {
	sys, code, hasSys := strings.Cut(v, "|")
	if !hasSys {
		code, sys = v, ""
	}
	for _, t := range toks {
		if hasSys && t.system != sys {
			continue
		}
		if code == "" && hasSys {
			return true
		}
		if t.code == code {
			return true
		}
	}
	return false
}

// stringMatch is FHIR string matching: case-insensitive prefix by default,
// :exact and :contains.
func stringMatch(modifier, v string, vals []string) bool {
	lv := strings.ToLower(v)
	for _, x := range vals {
		switch modifier {
		case "exact":
			if x == v {
				return true
			}
		case "contains":
			if strings.Contains(strings.ToLower(x), lv) {
				return true
			}
		default:
			if strings.HasPrefix(strings.ToLower(x), lv) {
				return true
			}
		}
	}
	return false
}

// search runs q and returns the matching live versions in result order.
func (s *Server) search(q *query) []*version {
	mt := &matcher{s: s, q: q}
	cands := s.candidates(q)
	for _, h := range q.has {
		cands = s.referencedBy(q.typ, h, cands)
	}
	var out []*version
	for _, r := range cands {
		if v := r.current(); mt.match(v) {
			out = append(out, v)
		}
	}
	s.sortVersions(out, q.sort)
	return out
}

// referencedBy keeps the candidates that a resource matching h references.
func (s *Server) referencedBy(typ string, h hasCond, cands []*resource) []*resource {
	sub := &query{typ: h.src, criteria: []criterion{h.crit}}
	def, _ := s.params.own(h.src, h.ref)
	targets := map[string]bool{}
	for _, v := range s.search(sub) {
		for _, r := range def.refs(decode(v.raw)) {
			targets[normalizeRef(r, s.base())] = true
		}
	}
	var out []*resource
	for _, r := range cands {
		if targets[typ+"/"+r.id] {
			out = append(out, r)
		}
	}
	return out
}

// candidates narrows the scan with the reverse reference index when the
// query has a plain reference criterion, and with _id when given.
func (s *Server) candidates(q *query) []*resource {
	t := s.store.types[q.typ]
	if t == nil {
		return nil
	}
	if len(q.ids) > 0 {
		var out []*resource
		for _, id := range q.ids[0] {
			if r := t.byID[id]; r != nil && !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
		slices.SortFunc(out, func(a, b *resource) int { return cmpUint(a.seq, b.seq) })
		return out
	}
	for _, c := range q.criteria {
		def, ok := s.params.own(q.typ, c.name)
		if !ok || def.kind != kindReference || (c.modifier != "" && !typeRE.MatchString(c.modifier)) {
			continue
		}
		var out []*resource
		seen := map[*resource]bool{}
		for _, v := range c.values {
			want := s.queryRef(v, c.modifier)
			if !strings.Contains(want, "/") {
				out = nil
				break // a bare id could point at any type: scan instead
			}
			for _, r := range s.store.referrers(q.typ, c.name, want) {
				if !seen[r] {
					seen[r] = true
					out = append(out, r)
				}
			}
		}
		if out != nil || len(seen) == 0 && allTyped(s, c) {
			slices.SortFunc(out, func(a, b *resource) int { return cmpUint(a.seq, b.seq) })
			return out
		}
	}
	return t.order
}

func allTyped(s *Server, c criterion) bool {
	for _, v := range c.values {
		if !strings.Contains(s.queryRef(v, c.modifier), "/") {
			return false
		}
	}
	return true
}

// sortVersions orders search results by the _sort keys; ties keep the
// creation order, or a new random order on each search (WithUnstableSort).
// Callers hold s.mu (for reading at least).
func (s *Server) sortVersions(vs []*version, keys []string) {
	if len(keys) == 0 {
		return
	}
	tie := func(a, b *version) int { return cmpUint(a.res.seq, b.res.seq) }
	if s.cfg.unstableSort {
		n := atomic.AddUint64(&s.searches, 1)
		rand.New(rand.NewPCG(n, 0x5eed)).Shuffle(len(vs), func(i, j int) { vs[i], vs[j] = vs[j], vs[i] })
		tie = func(*version, *version) int { return 0 }
	}
	slices.SortStableFunc(vs, func(a, b *version) int {
		for _, k := range keys {
			desc := strings.HasPrefix(k, "-")
			var c int
			switch strings.TrimPrefix(k, "-") {
			case "_lastUpdated":
				c = a.updated.Compare(b.updated)
			case "_id":
				c = strings.Compare(a.res.id, b.res.id)
			}
			if desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return tie(a, b)
	})
}
