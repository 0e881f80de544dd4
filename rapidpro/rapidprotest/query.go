package rapidprotest

import (
	"errors"
	"strconv"
	"strings"
)

// query is a parsed smart-group query: a subset of RapidPro's contact query
// language. It is a disjunction (OR) of conjunctions (AND) of conditions
// `attr op value`, where attr is a field key, name, language, status, urn
// or tel, and op is one of = != ~ > >= < <=. Values may be quoted. There
// are no parentheses.
type query struct {
	any [][]condition
}

type condition struct {
	attr  string
	op    string
	value string
}

// parseQuery parses the subset documented on query.
func parseQuery(s string) (*query, error) {
	q := &query{}
	for _, disj := range splitWord(s, "or") {
		var all []condition
		for _, part := range splitWord(disj, "and") {
			c, err := parseCondition(part)
			if err != nil {
				return nil, err
			}
			all = append(all, c)
		}
		q.any = append(q.any, all)
	}
	if len(q.any) == 0 {
		return nil, errors.New("empty query")
	}
	return q, nil
}

// splitWord splits s on a whole word, case-insensitively, outside quotes.
func splitWord(s, word string) []string {
	var parts []string
	lower := strings.ToLower(s)
	inQuote := false
	last := 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '"':
			inQuote = !inQuote
		case !inQuote && strings.HasPrefix(lower[i:], word) &&
			(i == 0 || s[i-1] == ' ') && (i+len(word) == len(s) || s[i+len(word)] == ' '):
			parts = append(parts, s[last:i])
			last = i + len(word)
			i = last - 1
		}
	}
	parts = append(parts, s[last:])
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func parseCondition(s string) (condition, error) {
	for _, op := range []string{"!=", ">=", "<=", "=", "~", ">", "<"} {
		if attr, value, found := strings.Cut(s, op); found {
			attr = strings.ToLower(strings.TrimSpace(attr))
			value = strings.TrimSpace(value)
			if uq, err := strconv.Unquote(value); err == nil {
				value = uq
			}
			if attr == "" {
				return condition{}, errors.New("missing attribute in " + strconv.Quote(s))
			}
			return condition{attr: strings.TrimPrefix(attr, "fields."), op: op, value: value}, nil
		}
	}
	return condition{}, errors.New("no operator in " + strconv.Quote(s))
}

// matches evaluates the query against a contact.
func (q *query) matches(c *contact) bool {
	if c.deleted {
		return false
	}
	for _, all := range q.any {
		ok := true
		for _, cond := range all {
			if !cond.matches(c) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func (cond condition) matches(c *contact) bool {
	var have []string
	switch cond.attr {
	case "name":
		have = []string{c.displayName()}
	case "language":
		if c.language != nil {
			have = []string{*c.language}
		}
	case "status":
		have = []string{c.status}
	case "urn", "tel":
		for _, u := range c.urns {
			if cond.attr == "urn" {
				have = append(have, u)
			}
			if p, found := strings.CutPrefix(u, "tel:"); found {
				have = append(have, p)
			}
		}
	default:
		if v, ok := c.fields[cond.attr]; ok {
			have = []string{v}
		}
	}
	if cond.op == "!=" {
		for _, h := range have {
			if compare(h, cond.value, "=") {
				return false
			}
		}
		return true
	}
	for _, h := range have {
		if compare(h, cond.value, cond.op) {
			return true
		}
	}
	return false
}

// compare compares numerically when both sides are numbers, otherwise as
// case-insensitive text.
func compare(have, want, op string) bool {
	hn, err1 := strconv.ParseFloat(have, 64)
	wn, err2 := strconv.ParseFloat(want, 64)
	numeric := err1 == nil && err2 == nil
	h, w := strings.ToLower(have), strings.ToLower(want)
	switch op {
	case "=":
		if numeric {
			return hn == wn
		}
		return h == w
	case "~":
		return strings.Contains(h, w)
	case ">":
		return numeric && hn > wn || !numeric && h > w
	case ">=":
		return numeric && hn >= wn || !numeric && h >= w
	case "<":
		return numeric && hn < wn || !numeric && h < w
	case "<=":
		return numeric && hn <= wn || !numeric && h <= w
	}
	return false
}
