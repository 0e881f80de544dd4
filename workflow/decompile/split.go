package decompile

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/mhero-go/mhero/workflow/flow"
)

type splitKind int

const (
	splitOther    splitKind = iota // tests something a workflow cannot
	splitCategory                  // tests an earlier result's category
	splitNumber                    // tests the number an earlier result holds
)

// split is a router that does not wait: a workflow's skip logic, when it
// tests earlier results.
type split struct {
	node *flow.Node
	kind splitKind
	key  string // the result tested
	// guarded lists the categories whose value a number test sees, as in
	// the compiler's @(if(results.x.category = "Has Number", results.x.value, ""));
	// nil for a test of the raw value.
	guarded []string
	// byCategory: the operand is @results.x.category.
	byCategory bool
	why        string // splitOther: what it tests
}

// guardedOperand matches the operand the workflow compiler writes for a
// number comparison: the value of a result only when its category is an
// answer.
var (
	guardedOperand = regexp.MustCompile(`^@\(if\((.*), results\.([\p{L}\d_]+)\.value, ""\)\)$`)
	guardItem      = regexp.MustCompile(`results\.([\p{L}\d_]+)\.category = ("(?:[^"\\]|\\.)*")`)
	resultOperand  = regexp.MustCompile(`^@results\.([\p{L}\d_]+)(\.value|\.category)?$`)
)

var numberTests = []string{"has_number", "has_number_between", "has_number_lt", "has_number_lte", "has_number_eq", "has_number_gte", "has_number_gt"}

func parseSplit(n *flow.Node) *split {
	r := n.Router
	s := &split{node: n}
	if r.Type != flow.RouterSwitch {
		s.why = "picks a category at random"
		return s
	}
	op := strings.TrimSpace(r.Operand)
	if m := guardedOperand.FindStringSubmatch(op); m != nil {
		inner := m[1]
		if strings.HasPrefix(inner, "or(") && strings.HasSuffix(inner, ")") {
			inner = inner[3 : len(inner)-1]
		}
		var rebuilt []string
		for _, item := range guardItem.FindAllStringSubmatch(inner, -1) {
			name, err := strconv.Unquote(item[2])
			if err != nil || item[1] != m[2] {
				rebuilt = nil
				break
			}
			s.guarded = append(s.guarded, name)
			rebuilt = append(rebuilt, item[0])
		}
		if len(rebuilt) > 0 && strings.Join(rebuilt, ", ") == inner {
			s.key = m[2]
			s.kind = splitNumber
			if !s.casesAre(numberTests...) {
				s.kind, s.why = splitOther, "tests the value of "+s.key+" with tests other than number comparisons"
			}
			return s
		}
		s.guarded = nil
	}
	m := resultOperand.FindStringSubmatch(op)
	if m == nil {
		s.why = "splits on " + describeOperand(op)
		return s
	}
	s.key = m[1]
	switch {
	case m[2] == ".category" && s.casesAre("has_category", "has_only_text"):
		s.kind, s.byCategory = splitCategory, true
	case m[2] == "" && s.casesAre("has_category"):
		s.kind = splitCategory
	case m[2] != ".category" && s.casesAre(numberTests...):
		s.kind = splitNumber
	default:
		s.why = "tests the result " + s.key + " with " + strings.Join(s.caseTypes(), ", ")
	}
	return s
}

func (s *split) caseTypes() []string {
	var ts []string
	for _, c := range s.node.Router.Cases {
		if !slices.Contains(ts, c.Type) {
			ts = append(ts, c.Type)
		}
	}
	return ts
}

// casesAre reports whether every case uses one of tests, with arguments
// this package reads.
func (s *split) casesAre(tests ...string) bool {
	for _, c := range s.node.Router.Cases {
		if !slices.Contains(tests, c.Type) {
			return false
		}
		if slices.Contains(numberTests, c.Type) {
			if _, ok := numberArgs(c.Arguments); !ok {
				return false
			}
		}
	}
	return true
}

func numberArgs(args []string) ([]float64, bool) {
	out := make([]float64, len(args))
	for i, a := range args {
		f, err := strconv.ParseFloat(strings.TrimSpace(a), 64)
		if err != nil {
			return nil, false
		}
		out[i] = f
	}
	return out, true
}

func describeOperand(op string) string {
	switch {
	case op == "@contact.groups":
		return "the contact's groups"
	case strings.HasPrefix(op, "@fields.") || strings.HasPrefix(op, "@contact.fields."):
		return "the contact field " + op
	case strings.HasPrefix(op, "@contact"):
		return "the contact (" + op + ")"
	case strings.HasPrefix(op, "@child") || strings.HasPrefix(op, "@parent"):
		return "a subflow (" + op + ")"
	case strings.HasPrefix(op, "@webhook") || strings.Contains(op, "webhook"):
		return "a webhook's response (" + op + ")"
	case strings.HasPrefix(op, "@input"):
		return "the last reply (" + op + ") without waiting"
	}
	return strconv.Quote(op)
}

// bounds returns the numbers the split's tests compare with.
func (s *split) bounds() []float64 {
	if s.kind != splitNumber {
		return nil
	}
	var out []float64
	for _, c := range s.node.Router.Cases {
		args, _ := numberArgs(c.Arguments)
		out = append(out, args...)
	}
	return out
}

// choose returns the category the split picks when its result has value
// j of v, and whether that depends on more than the analysis knows (the
// number in a reply that was not a number answer).
func (s *split) choose(v *variable, j int) (string, bool) {
	r := s.node.Router
	unknown := false
	for _, c := range r.Cases {
		match, unk := s.test(c, v, j)
		unknown = unknown || unk
		if match {
			return categoryNamed(r, c.CategoryUUID), unknown
		}
	}
	return categoryNamed(r, r.DefaultCategoryUUID), unknown
}

func (s *split) test(c flow.Case, v *variable, j int) (match, unknown bool) {
	if j == 0 {
		return false, false // no result: no category, no number
	}
	val := v.values[j]
	switch c.Type {
	case "has_category":
		return slices.Contains(c.Arguments, val.category), false
	case "has_only_text":
		return len(c.Arguments) == 1 && c.Arguments[0] == val.category, false
	}
	args, _ := numberArgs(c.Arguments)
	if s.guarded != nil && !slices.Contains(s.guarded, val.category) {
		return false, false
	}
	if !slices.Contains(v.numeric, val.category) {
		// The value of a reply that was not a number answer: the
		// analysis does not know what number it holds, if any.
		return false, s.guarded == nil
	}
	if val.region < 0 {
		return c.Type == "has_number", false
	}
	return regionsOf(v.bounds, c.Type, args)[val.region], false
}
