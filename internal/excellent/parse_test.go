package excellent

import (
	"errors"
	"math/big"
	"strings"
	"testing"
)

func TestCanonicalForm(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		`1 + 2 * 3`:                              `(1 + (2 * 3))`,
		`(1 + 2) * 3`:                            `((1 + 2) * 3)`,
		`2 ^ 3 ^ 2`:                              `((2 ^ 3) ^ 2)`,
		`-2 ^ 2`:                                 `(-2 ^ 2)`,
		`- - x`:                                  `--x`,
		`a & b = c`:                              `(a & (b = c))`,
		`upper( contact.name ) & "!"`:            `(upper(contact.name) & "!")`,
		`contact.groups[0].name`:                 `contact.groups[0].name`,
		`a.1.2`:                                  `a.1.2`,
		`(1 + 2).x`:                              `(1 + 2).x`,
		`("a")[0]`:                               `("a")[0]`,
		`"say \"hi\""`:                           `"say \"hi\""`,
		`"a\w+"`:                                 `"a\x5cw+"`,
		`TRUE & Null & 1.50`:                     `((true & null) & 1.5)`,
		`foreach(x, (a, b) => a + b)`:            `foreach(x, ((a, b) => (a + b)))`,
		`f(1)(2)`:                                `f(1)(2)`,
		"if(results.a.value >= 5, \"y\", \"n\")": `if((results.a.value >= 5), "y", "n")`,
	}
	for src, want := range tests {
		x, err := Parse(src)
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		if got := x.String(); got != want {
			t.Errorf("%s printed as %s, want %s", src, got, want)
		}
	}
}

// TestSyntaxErrors checks the author's message and offset of each error,
// and goflow's text for the same error when evaluated.
func TestSyntaxErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src, msg string
		offset   int
		goflow   string
	}{
		{`1 +`, "expected a value, found the end of the expression", 3, "syntax error at "},
		{`(1`, "expected ), found the end of the expression", 2, "syntax error at "},
		{`upper("a" "b")`, `expected , or ) after an argument, found the text "b"`, 10, `syntax error at "b")`},
		{`"open`, `text not closed: add a " after it`, 0, `syntax error at "open`},
		{`a.`, "expected a name after the dot, found the end of the expression", 2, "syntax error at "},
		{`a[1`, "expected ], found the end of the expression", 3, "syntax error at "},
		{`1 2`, `unexpected "2": expected an operator or the end of the expression`, 2, "syntax error at 2"},
		{`$`, `"$" cannot be used in an expression`, 0, "syntax error at $"},
		{"1 +\n  * 2", `expected a value, found "*"`, 6, "syntax error at * 2"},
		// goflow counts the column in runes and slices the line in bytes
		{`"é" + )`, `expected a value, found ")"`, 6, "syntax error at  )"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.src)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: got %v, want a syntax error", tt.src, err)
			continue
		}
		if se.Msg != tt.msg || se.Offset != tt.offset {
			t.Errorf("%q: got %q at %d, want %q at %d", tt.src, se.Msg, se.Offset, tt.msg, tt.offset)
		}
		if got := (&Env{}).EvaluateExpression(tt.src); Render(got) != tt.goflow {
			t.Errorf("%q evaluates to %q, want goflow's %q", tt.src, Render(got), tt.goflow)
		}
	}
}

func TestScanKeepsTheSource(t *testing.T) {
	t.Parallel()
	tpl := "Hi @contact.name, @@home @(upper(\"a)b\")) ann@example.com @ end @(open"
	tokens := Scan(tpl, TopLevels)
	var b strings.Builder
	var kinds []TokenKind
	for _, tok := range tokens {
		b.WriteString(tok.Source)
		kinds = append(kinds, tok.Kind)
		if got := string([]rune(tpl)[tok.Offset:][:len([]rune(tok.Source))]); got != tok.Source {
			t.Errorf("token %q at %d, but the template has %q there", tok.Source, tok.Offset, got)
		}
	}
	if b.String() != tpl {
		t.Errorf("sources join to %q", b.String())
	}
	want := []TokenKind{TextToken, IdentifierToken, TextToken, ExpressionToken, TextToken, UnclosedToken}
	if len(kinds) != len(want) {
		t.Fatalf("kinds %v, want %v", kinds, want)
	}
	for i := range want {
		if kinds[i] != want[i] {
			t.Fatalf("kinds %v, want %v", kinds, want)
		}
	}
	if tokens[2].Text != ", @home " {
		t.Errorf("text token %q, want @@ read as @", tokens[2].Text)
	}
	if out, _ := testEnv("YYYY-MM-DD").EvaluateTemplate(tpl); out != `Hi Ryan Lewis, @home A)B ann@example.com @ end @(open` {
		t.Errorf("rendered %q", out)
	}
}

// TestNumberString checks the decimal form of numbers against the
// slow definition: the fewest places that give the number back.
func TestNumberString(t *testing.T) {
	t.Parallel()
	slow := func(n Number) string {
		r := n.rat()
		if r.IsInt() {
			return r.Num().String()
		}
		for places := 1; ; places++ {
			s := r.FloatString(places)
			if back, _ := new(big.Rat).SetString(s); back.Cmp(r) == 0 {
				return s
			}
		}
	}
	for a := int64(-50); a <= 50; a++ {
		for _, b := range []int64{1, 2, 3, 4, 7, 8, 10, 16, 25, 40, 125, 1000, 1024, 3125} {
			n := NumberFromInt(a).div(NumberFromInt(b))
			for _, x := range []Number{n, n.mul(n), n.round(3), n.add(Number{big.NewRat(1, 1<<20)})} {
				if got, want := x.String(), slow(x); got != want {
					t.Fatalf("%s printed as %s, want %s", x.rat(), got, want)
				}
			}
		}
	}
}
