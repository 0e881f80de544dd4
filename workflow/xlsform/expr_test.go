package xlsform

import (
	"errors"
	"strings"
	"testing"

	"github.com/mhero-go/mhero/workflow"
)

// parseForm writes f as a workbook and reads it back.
func parseForm(t *testing.T, f form) (*workflow.Workflow, workflow.Diagnostics) {
	t.Helper()
	data, err := f.xlsx()
	if err != nil {
		t.Fatal(err)
	}
	w, err := Parse("t.xlsx", data)
	var ds workflow.Diagnostics
	if err != nil && !errors.As(err, &ds) {
		t.Fatalf("error %T without diagnostics: %v", err, err)
	}
	if w != nil {
		ds = w.Validate()
	}
	return w, ds
}

// exprForm asks questions of each kind, then one whose relevant or
// constraint is under test.
func exprForm(typ, relevant, constraint string) form {
	return form{
		survey: [][]string{
			{"type", "name", "label", "relevant", "constraint"},
			{"today", "today"},
			{"select_one yn", "a", "A?"},
			{"integer", "n", "N?"},
			{"select_one abc", "c", "C?"},
			{"text", "t", "T?"},
			{"date", "d", "D?"},
			{typ, "q", "Q?", relevant, constraint},
		},
		choices: choices(yesNoList, [][]string{
			{"abc", "x", "X ray"},
			{"abc", "y", "Y"},
			{"abc", "z", "Other (specify)"},
			{"abc", "and", "Cough and fever"},
		}),
		settings: [][]string{{"form_id"}, {"expr"}},
	}
}

func TestRelevant(t *testing.T) {
	t.Parallel()
	tests := []struct{ relevant, when string }{
		{"${a} = 'yes'", "a == Yes"},
		{"${a}='no'", "a == No"},
		{"'yes' = ${a}", "a == Yes"},
		{"selected(${c}, 'x')", "c == X ray"},
		{"${c} != 'z'", `c != "Other (specify)"`},
		{"${c} = 'and'", `c == "Cough and fever"`},
		{"${c} = 'x' or ${c} = 'y' or selected(${c}, 'z')", `c in [X ray, Y, "Other (specify)"]`},
		{"not(${c} = 'x' or ${c} = 'y')", "c not in [X ray, Y]"},
		{"${c} != 'x' and ${c} != 'y'", "c not in [X ray, Y]"},
		{"${n} > 3", "n > 3"},
		{"${n} >= '3'", "n >= 3"},
		{"3 < ${n}", "n > 3"},
		{"${n} = 0", "n == 0"},
		{"${n} != 0.50", "n != 0.5"},
		{"${n} > -2", "n > -2"},
		{"not(${n} < 5)", "n >= 5 or n != Has Number"},
		{"not(${n} = 5)", "n != 5"},
		{"${a} = 'yes' and (${n} < 5 or ${n} > 10)", "a == Yes and (n < 5 or n > 10)"},
		{"(${a} = 'yes' or ${c} = 'x') and ${n} > 1", "(a == Yes or c == X ray) and n > 1"},
		{"not(${a} = 'yes' and ${n} > 1)", "a != Yes or n <= 1 or n != Has Number"},
		{"${t} != ''", "t == Has Text"},
		{"${t}", "t == Has Text"},
		{"${d} = ''", "d != Has Date"},
		{"${c} != ''", `c in [X ray, Y, "Other (specify)", "Cough and fever"]`},
		{"${a} = ''", "a not in [Yes, No]"},
		{"${n} != ''", "n == Has Number"},
	}
	for _, tt := range tests {
		t.Run(tt.relevant, func(t *testing.T) {
			t.Parallel()
			w, ds := parseForm(t, exprForm("text", tt.relevant, ""))
			if w == nil {
				t.Fatalf("diagnostics:\n%v", ds)
			}
			if got := w.Question("q").When; got != tt.when {
				t.Errorf("when %q, want %q", got, tt.when)
			}
		})
	}
}

func TestRelevantErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ relevant, says string }{
		{"${n} + 1 > 3", "arithmetic (+) is not supported: SMS questions compare answers with fixed values (at character 6)"},
		{"${a} = ${n}", "comparing two answers is not supported"},
		{"today() > ${d}", "the function today() is not supported"},
		{"${c} > 'x'", "> compares numbers, but ${c} is a select_one"},
		{"${t} = 'abc'", "only whether ${t} was answered can be tested by SMS"},
		{"${d} > '2026-01-01'", "only whether ${d} was answered"},
		{"${nn} = 1", "no question is named nn (did you mean ${n}?)"},
		{"${q} = 'x'", "${q} is this row itself"},
		{"/data/a = 'yes'", "paths (/data/...) are not supported"},
		{"../a = 'yes'", "paths (.., ./, /data/...) are not supported"},
		{"${a} = 'maybe'", `"maybe" is not a choice of list yn (its choices: no, yes)`},
		{"${a} = 'Yes'", `"Yes" is not a choice of list yn (did you mean "yes"?)`},
		{"${n} = 'many'", `"many" is not a number, and ${n} is a number question`},
		{"${a} = 'yes", "the text starting with ' is never closed"},
		{"${a = 'yes'", "${ is never closed with }"},
		{"${a} = 'yes' ${n} > 1", "unexpected ${n} (join conditions with and/or)"},
		{"(${a} = 'yes'", "expected ), found the end"},
		{"${a} == 'yes'", "XLSForm compares with =, not =="},
		{"true()", "true() is not supported"},
		{". > 3", ". is the answer in a constraint"},
		{"${a} = 'yes' and", "the expression ends where a value is expected"},
		{"a = 'yes'", `unexpected "a": refer to a question as ${a}`},
		{"${a} ! 'yes'", `"!" is not an operator`},
		{"${today} = ''", "${today} is collected by the data collection app (row 2), not asked by SMS"},
	}
	for _, tt := range tests {
		t.Run(tt.relevant, func(t *testing.T) {
			t.Parallel()
			_, ds := parseForm(t, exprForm("text", tt.relevant, ""))
			if len(ds) != 1 || !strings.Contains(ds[0].Message, tt.says) || ds[0].Pos.String() != "t.xlsx:survey!D8 (row 8, column 4)" || ds[0].Field != "relevant" {
				t.Errorf("got:\n%v\nwant one error at survey!D8 (relevant) saying %q", ds, tt.says)
			}
		})
	}
}

func TestConstraint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		typ, constraint string
		min, max        string // "" for none
	}{
		{"integer", ". >= 0 and . <= 52", "0", "52"},
		{"integer", ".>=1", "1", ""},
		{"integer", "0 <= .", "0", ""},
		{"integer", ". > 0", "1", ""},
		{"integer", ". < 10", "", "9"},
		{"integer", ". > 2.5", "3", ""},
		{"integer", ". >= 5 and . >= 7 and . <= 9 and . <= 100", "7", "9"},
		{"integer", "(. >= 0) and (. <= 10)", "0", "10"},
		{"decimal", ". >= 35.5 and . <= 42", "35.5", "42"},
		{"decimal", ". = 1", "1", "1"},
		{"integer", ". >= '-5'", "-5", ""},
	}
	for _, tt := range tests {
		t.Run(tt.typ+" "+tt.constraint, func(t *testing.T) {
			t.Parallel()
			w, ds := parseForm(t, exprForm(tt.typ, "", tt.constraint))
			if w == nil {
				t.Fatalf("diagnostics:\n%v", ds)
			}
			q := w.Question("q")
			str := func(f *float64) string {
				if f == nil {
					return ""
				}
				return formatNumber(*f)
			}
			if str(q.Min) != tt.min || str(q.Max) != tt.max {
				t.Errorf("min %q max %q, want %q and %q", str(q.Min), str(q.Max), tt.min, tt.max)
			}
		})
	}
}

func TestConstraintErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ typ, constraint, says string }{
		{"integer", ". >= 0 or . <= 52", "bounds joined by or are not supported"},
		{"integer", ". != 0", "!= is not supported in a constraint"},
		{"integer", "regex(., '^[0-9]+$')", "the function regex() is not supported"},
		{"integer", ". >= ${n}", "the answer (.) can be compared with a number only"},
		{"integer", "${n} > 3", "a constraint here compares the answer (.) with a number"},
		{"decimal", ". < 100", "bounds are inclusive: write <= with the smallest (or largest) value accepted"},
		{"text", "string-length(.) <= 20", "a constraint is supported on integer and decimal questions only"},
		{"date", ". <= today()", "a constraint is supported on integer and decimal questions only"},
		{"integer", ". >= 10 and . <= 5", "min 10 is greater than max 5"},
	}
	for _, tt := range tests {
		t.Run(tt.typ+" "+tt.constraint, func(t *testing.T) {
			t.Parallel()
			_, ds := parseForm(t, exprForm(tt.typ, "", tt.constraint))
			if len(ds) != 1 || !strings.Contains(ds[0].Message, tt.says) || ds[0].Pos.String() != "t.xlsx:survey!E8 (row 8, column 5)" || ds[0].Field != "constraint" {
				t.Errorf("got:\n%v\nwant one error at survey!E8 (constraint) saying %q", ds, tt.says)
			}
		})
	}
}
