package excellent

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestAnalyzeRefs(t *testing.T) {
	t.Parallel()
	tests := map[string][]string{
		"Hi @contact.name":                           {"4:contact.name"},
		"@(1 + fields.age)":                          {"6:fields.age"},
		"@(10 - results.b) left":                     {"7:results.b"},
		"@(upper(contact.fields.district))":          {"8:contact.fields.district"},
		`@(fields["Age"] + results.b.category)`:      {"2:fields.age", "18:results.b.category"},
		"@(fields[results.key.value])":               {"2:fields", "9:results.key.value"},
		"@(contact.urns[0])":                         {"2:contact.urns.0"},
		"@run.results.q1.value and @RESULTS.Q2":      {"1:run.results.q1.value", "27:results.q2"},
		"email ann@example.com, @@fields.age":        nil,
		"@(foreach(contact.groups, (g) => g.name))":  {"10:contact.groups"},
		"@(if(fields.a > 1, fields.b, fields.c))":    {"5:fields.a", "19:fields.b", "29:fields.c"},
		"@(upper)@(-fields.n)@(fields.x.y[1 + 2].z)": {"11:fields.n", "22:fields.x.y"},
	}
	for tpl, want := range tests {
		var got []string
		for _, r := range AnalyzeTemplate(tpl).Refs {
			got = append(got, fmt.Sprintf("%d:%s", r.Offset, strings.Join(r.Path, ".")))
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%q (-want +got):\n%s", tpl, d)
		}
	}
}

func TestRefFieldAndResult(t *testing.T) {
	t.Parallel()
	a := AnalyzeTemplate("@(fields.age + contact.fields.weight) @results.b.value @run.results.c @contact.name @parent.results.d")
	var fields, results []string
	for _, r := range a.Refs {
		if f, ok := r.Field(); ok {
			fields = append(fields, f)
		}
		if k, ok := r.Result(); ok {
			results = append(results, k)
		}
	}
	if d := cmp.Diff([]string{"age", "weight"}, fields); d != "" {
		t.Errorf("fields (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"b", "c"}, results); d != "" {
		t.Errorf("results (-want +got):\n%s", d)
	}
}

func TestAnalyzeProblems(t *testing.T) {
	t.Parallel()
	tests := map[string][]Problem{
		"fine @(upper(contact.name)) @(now())": nil,
		"Reply @(upper(":                       {{Offset: 6, Msg: "@( is never closed: add ) where the expression ends"}},
		`Hi @(upper("Ann)`:                     {{Offset: 11, Msg: `text not closed: add a " after it (and ) after the expression)`}},
		"@(1 + )":                              {{Offset: 6, Msg: "syntax error: expected a value, found the end of the expression"}},
		"x @(1 2)":                             {{Offset: 6, Msg: `syntax error: unexpected "2": expected an operator or the end of the expression`}},
		"@(upper(1 2))":                        {{Offset: 10, Msg: `syntax error: expected , or ) after an argument, found "2"`}},
		"@(a.)":                                {{Offset: 4, Msg: "syntax error: expected a name after the dot, found the end of the expression"}},
		"@(1 $ 2)":                             {{Offset: 4, Msg: `syntax error: "$" cannot be used in an expression`}},
		"@(uper(x))": {
			{Offset: 2, Msg: "unknown function uper()", Unknown: "uper"},
			{Offset: 7, Msg: `unknown name "x": an expression starts from the context (contact, fields, results, input, run, urns, trigger) or a function`, Unknown: "x"},
		},
		"@(upper(1, 2)) @(word(1)) @(and())": {
			{Offset: 2, Msg: "upper() takes 1 argument, not 2"},
			{Offset: 17, Msg: "word() takes 2 to 3 arguments, not 1"},
			{Offset: 28, Msg: "and() takes at least 1 argument, not 0"},
		},
		"@(contact(1))":                      {{Offset: 2, Msg: "contact is not a function"}},
		"@(foreach(array(1), (x) => x + y))": {{Offset: 31, Msg: `unknown name "y": an expression starts from the context (contact, fields, results, input, run, urns, trigger) or a function`, Unknown: "y"}},
		"@(rand(1, 2, 3))":                   nil, // known to goflow, its arity unknown here
		"@contact.name.1x":                   {{Offset: 15, Msg: `syntax error: unexpected "x": expected an operator or the end of the expression`}},
	}
	for tpl, want := range tests {
		got := AnalyzeTemplate(tpl).Problems
		if d := cmp.Diff(want, got, cmpopts.IgnoreFields(Problem{}, "Known")); d != "" {
			t.Errorf("%q (-want +got):\n%s", tpl, d)
		}
		for _, p := range got {
			if p.Unknown != "" && len(p.Known) == 0 {
				t.Errorf("%q: %q has no names it may mean", tpl, p.Unknown)
			}
		}
	}
}

func TestAnalyzeCallsAndAnonymousFunctions(t *testing.T) {
	t.Parallel()
	a := AnalyzeTemplate("@(json(foreach(contact.groups, (g) => upper(g.name)))) @(TZ())")
	var calls []string
	for _, c := range a.Calls {
		calls = append(calls, fmt.Sprintf("%d:%s/%d", c.Offset, c.Name, c.Args))
	}
	if d := cmp.Diff([]string{"2:json/1", "7:foreach/2", "38:upper/1", "57:tz/0"}, calls); d != "" {
		t.Errorf("calls (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]int{31}, a.AnonFunctions); d != "" {
		t.Errorf("anonymous functions (-want +got):\n%s", d)
	}
}
