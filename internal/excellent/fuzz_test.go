package excellent

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

var parseSeeds = []string{
	`1 + 2 * 3`, `-2 ^ 2`, `upper(contact.name) & "!"`, `contact.groups[0].name`, `a.1.2`,
	`(1 + 2).x`, `("a")[0]`, `"say \"hi\""`, `"a\w+"`, `"\\"`, `TRUE & Null & 1.50`,
	`foreach(x, (a, b) => a + b)`, `f(1)(2)`, `if(results.a.value >= 5, "y", "n")`,
	`1 +`, `(1`, `"open`, `a.`, `1 2`, `$`, "1 +\n  * 2", `((x) => x)(1)`, `a[b[c[1]]]`,
	`format_date(today(), "EEEE DD MMMM YYYY")`, `x.true.null.1`, `- - -1`, `"é\u00e9"`,
}

// FuzzParse checks that Parse never panics, that a syntax error points
// inside the expression, and that the canonical form of an expression
// parses back to itself.
func FuzzParse(f *testing.F) {
	for _, s := range parseSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		x, err := Parse(src)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("%q: error %T is not a *SyntaxError", src, err)
			}
			if se.Offset < 0 || se.Offset > utf8.RuneCountInString(src) || se.Msg == "" {
				t.Fatalf("%q: error %q at %d, outside the expression", src, se.Msg, se.Offset)
			}
			return
		}
		printed := x.String()
		y, err := Parse(printed)
		if err != nil {
			t.Fatalf("%q printed as %q, which does not parse: %v", src, printed, err)
		}
		if again := y.String(); again != printed {
			t.Fatalf("%q printed as %q, then as %q", src, printed, again)
		}
	})
}

// FuzzAnalyzeTemplate checks that scanning keeps every character of a
// template (reading "@@" as "@" in text) and that what analysis reports
// points inside it, references at the names they start with.
func FuzzAnalyzeTemplate(f *testing.F) {
	for _, s := range parseSeeds {
		f.Add("Hi @(" + s + ") @contact.name")
	}
	f.Add("email ann@example.com, @@fields.age @(upper(")
	f.Add(`@(fields["Age"] + results.b.category) @run.results.q1.value`)
	f.Fuzz(func(t *testing.T, tpl string) {
		if !utf8.ValidString(tpl) {
			return // offsets are counted in runes of valid text
		}
		rs := []rune(tpl)
		var joined strings.Builder
		for _, tok := range Scan(tpl, TopLevels) {
			joined.WriteString(tok.Source)
			if tok.Kind == TextToken && tok.Text != strings.ReplaceAll(tok.Source, "@@", "@") {
				t.Fatalf("%q: text token %q reads as %q", tpl, tok.Source, tok.Text)
			}
		}
		if joined.String() != tpl {
			t.Fatalf("%q: token sources join to %q", tpl, joined.String())
		}
		a := AnalyzeTemplate(tpl)
		for _, r := range a.Refs {
			if r.Offset < 0 || r.Offset+len([]rune(r.Path[0])) > len(rs) ||
				!strings.EqualFold(string(rs[r.Offset:r.Offset+len([]rune(r.Path[0]))]), r.Path[0]) {
				t.Fatalf("%q: reference %v at %d is not there", tpl, r.Path, r.Offset)
			}
		}
		for _, p := range a.Problems {
			if p.Offset < 0 || p.Offset > len(rs) {
				t.Fatalf("%q: problem %q at %d, outside the template", tpl, p.Msg, p.Offset)
			}
		}
	})
}
