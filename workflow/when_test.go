package workflow

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// show writes a parsed expression with explicit grouping.
func show(c cond) string {
	switch c := c.(type) {
	case orCond:
		return "(" + show(c.left) + " or " + show(c.right) + ")"
	case andCond:
		return "(" + show(c.left) + " and " + show(c.right) + ")"
	case cmpCond:
		var vs []string
		for _, v := range c.values {
			vs = append(vs, v.text)
		}
		return fmt.Sprintf("%s %s %s", c.result, c.op, strings.Join(vs, "|"))
	}
	return "?"
}

func TestParseWhen(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"a == yes", "a == yes"},
		{"a != 'No Response'", "a != No Response"},
		{"a in [yes, no]", "a in yes|no"},
		{"a NOT IN [\"x y\"]", "a not in x y"},
		{"n >= 3.5", "n >= 3.5"},
		{"n<-1", "n < -1"},
		{"a == yes or b == no and c == x", "(a == yes or (b == no and c == x))"},
		{"(a == yes or b == no) and c == x", "((a == yes or b == no) and c == x)"},
		{"a == yes and b == no and c < 2", "((a == yes and b == no) and c < 2)"},
		{"a in [Longer ago, Never]", "a in Longer ago|Never"},
		{"a == Not delivered", "a == Not delivered"},
		{"a != Not  delivered and b == x", "(a != Not  delivered and b == x)"},
		{"a not in [Other (specify), Don't know ,\"Tired, sick\"]", "a not in Other (specify)|Don't know|Tired, sick"},
		{"(a == Not delivered or a == No Response) and b >= 2", "((a == Not delivered or a == No Response) and b >= 2)"},
		{"a == Cough and fever == x", "(a == Cough and fever == x)"},
	}
	for _, tt := range tests {
		c, err := parseWhen(tt.in)
		if err != nil {
			t.Errorf("parseWhen(%q): %v", tt.in, err)
			continue
		}
		if got := show(c); got != tt.want {
			t.Errorf("parseWhen(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestParseWhenErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		offset int
		msg    string
	}{
		{"", 0, "empty expression"},
		{"a", 1, "unexpected end of expression, expected an operator"},
		{"a ==", 4, "unexpected end of expression, expected a value"},
		{"a = yes", 2, `unknown operator "="`},
		{"a == yes b == no", 9, `unexpected "b"`},
		{"(a == yes", 9, "expected )"},
		{"a in yes", 5, "expected [ after in"},
		{"a in [yes no", 12, "unexpected end of expression, expected , or ]"},
		{"a in [yes, , no]", 11, `expected a value but found ","`},
		{"a in []", 6, `expected a value but found "]"`},
		{"a == or", 5, `expected a value but found "or" (a category named or is written in quotes: "or")`},
		{"a == Cough and fever", 20, `expected an operator (==, !=, <, <=, >, >=, in); if "Cough and fever" is one category, quote it: a == "Cough and fever"`},
		{"a != Cough or fever pain and b == x", 20, `but found "pain"; if "Cough or fever pain" is one category, quote it: a != "Cough or fever pain"`},
		{"a == Not delivered b == no", 19, `unexpected "b" (join comparisons with and/or)`},
		{"a in [x] b == no", 9, `unexpected "b" (join comparisons with and/or)`},
		{"a not of [x]", 6, `expected in after not, found "of"`},
		{"a == 'yes", 5, "unterminated quoted value"},
		{"and == yes", 0, `expected a result name but found "and"`},
		{"a ~ b", 2, `expected an operator (==, !=, <, <=, >, >=, in) but found "~"`},
		{"a == éü ==", 8, `unexpected "=="`}, // offsets count characters, not bytes
		{"é == x", 0, `expected a result name but found "é"`},
	}
	for _, tt := range tests {
		_, err := parseWhen(tt.in)
		var werr *whenError
		if !errors.As(err, &werr) {
			t.Errorf("parseWhen(%q) = %v, want a syntax error", tt.in, err)
			continue
		}
		if werr.offset != tt.offset || !strings.Contains(werr.msg, tt.msg) {
			t.Errorf("parseWhen(%q) = offset %d %q, want offset %d %q", tt.in, werr.offset, werr.msg, tt.offset, tt.msg)
		}
	}
}

func TestCategoryKey(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"No Response", "no_response", "NO RESPONSE", " no-response! "} {
		if got := categoryKey(s); got != "no response" {
			t.Errorf("categoryKey(%q) = %q", s, got)
		}
	}
}

// TestWhenCategoriesOfSeveralWords checks that category names of several
// words need no quotes where commas, brackets, and/or delimit them, and
// that where they cannot, the error says how to write them.
func TestWhenCategoriesOfSeveralWords(t *testing.T) {
	t.Parallel()
	const questions = head + `questions:
  - result: reason
    ask: "Why? 1 Not delivered 2 Longer ago 3 Cough and fever"
    type: choice
    choices:
      - {category: Not delivered, match: ["1"]}
      - {category: Longer ago, match: ["2"]}
      - {category: Never, match: ["3"]}
      - {category: Cough and fever, match: ["4"]}
      - {category: "Tired, sick", match: ["5"]}
  - result: follow_up
    ask: Tell us more
    type: text
`
	for when, want := range map[string][]string{
		"reason in [Longer ago, Never]":                                 {"Longer ago", "Never"},
		"reason == Not delivered":                                       {"Not delivered"},
		"reason not in [not_delivered, cough AND fever]":                {"Not delivered", "Cough and fever"},
		`reason == "Cough and fever"`:                                   {"Cough and fever"},
		"reason != Not delivered and reason != Other":                   {"Not delivered"},
		`reason in ["Tired, sick", Never]`:                              {"Tired, sick", "Never"},
		"(reason == Longer ago or reason == Never) and reason != Other": {"Longer ago"},
	} {
		w, err := Parse("t.yaml", []byte(questions+"    when: "+when+"\n"))
		if err != nil {
			t.Errorf("when: %s: %v", when, err)
			continue
		}
		e, err := Compile(w)
		if err != nil {
			t.Fatal(err)
		}
		var args []string
		for _, n := range e.Flows[0].Nodes {
			if r := n.Router; r != nil && len(r.Cases) > 0 && r.Cases[0].Type == "has_category" {
				args = r.Cases[0].Arguments
				break
			}
		}
		if strings.Join(args, "|") != strings.Join(want, "|") {
			t.Errorf("when: %s: first has_category %q, want %q", when, args, want)
		}
	}
	for when, msg := range map[string]string{
		"reason == Cough and fever":      `17:36: questions[1].when: unexpected end of expression, expected an operator (==, !=, <, <=, >, >=, in); if "Cough and fever" is one category, quote it: reason == "Cough and fever"`,
		"reason == Cough and fever == x": `17:21: questions[1].when: "Cough and fever" is a category of reason, but and/or end a value: quote it (reason == "Cough and fever") or list it (reason in [Cough and fever])`,
		"reason in [Never, Tired, sick]": `17:29: questions[1].when: reason has no category "Tired" (its categories: Not delivered, Longer ago, Never, Cough and fever, Tired, sick, Other)`,
	} {
		_, err := Parse("t.yaml", []byte(questions+"    when: "+when+"\n"))
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("when: %s: got %v, want %s", when, err, msg)
		}
	}
}
