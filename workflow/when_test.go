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
		{"a in [yes no]", 10, "expected , or ]"},
		{"a == 'yes", 5, "unterminated quoted value"},
		{"and == yes", 0, `expected a result name but found "and"`},
		{"a ~ b", 2, `unexpected character '~'`},
		{"é == ü ==", 7, `unexpected "=="`}, // offsets count characters, not bytes
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
	for _, s := range []string{"No Response", "no_response", "NO RESPONSE", " no-response! "} {
		if got := categoryKey(s); got != "no response" {
			t.Errorf("categoryKey(%q) = %q", s, got)
		}
	}
}
