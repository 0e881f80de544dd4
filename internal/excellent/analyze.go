package excellent

import (
	"fmt"
	"slices"
	"strings"
)

// This file finds what a template uses and what is wrong with it without
// evaluating it: what an author's tool checks before a flow ever runs.

// Ref is a reference to the context: a path of names.
type Ref struct {
	// Path holds the names, lower-cased as goflow looks them up:
	// ["fields", "age"] for @fields.age, @(fields.age + 1) and
	// @(fields["age"]); ["results", "b", "category"] for
	// @results.b.category. A lookup by a computed key ends the path.
	Path []string
	// Offset is where the reference starts in the template, in runes.
	Offset int
}

// Field returns the contact field key the reference reads (@fields.key
// or @contact.fields.key), if any.
func (r Ref) Field() (string, bool) {
	switch {
	case len(r.Path) >= 2 && r.Path[0] == "fields":
		return r.Path[1], true
	case len(r.Path) >= 3 && r.Path[0] == "contact" && r.Path[1] == "fields":
		return r.Path[2], true
	}
	return "", false
}

// Result returns the key of the run result the reference reads
// (@results.key or @run.results.key), if any.
func (r Ref) Result() (string, bool) {
	switch {
	case len(r.Path) >= 2 && r.Path[0] == "results":
		return r.Path[1], true
	case len(r.Path) >= 3 && r.Path[0] == "run" && r.Path[1] == "results":
		return r.Path[2], true
	}
	return "", false
}

// Call is a call of a function by name.
type Call struct {
	Name   string // lower-cased
	Args   int    // how many arguments it is given
	Offset int    // where the name starts in the template, in runes
}

// Problem is something wrong in a template: a syntax error, an
// expression never closed, an unknown name, a function given the wrong
// number of arguments. Each would make goflow print nothing (or the
// expression as written) where the author expects a value.
type Problem struct {
	// Offset is where the problem is in the template, in runes.
	Offset int
	Msg    string
	// Unknown is the name of an unknown function or context name, and
	// Known the names it may be a misspelling of.
	Unknown string
	Known   []string
}

// Analysis is what a template uses and what is wrong with it.
type Analysis struct {
	Refs  []Ref
	Calls []Call
	// AnonFunctions are the offsets of anonymous functions, "(x) => ...".
	AnonFunctions []int
	Problems      []Problem
}

// AnalyzeTemplate parses every expression of a template (whose
// identifiers start with one of [TopLevels]) and lists its references,
// calls and problems, in template order.
func AnalyzeTemplate(template string) Analysis {
	var a Analysis
	for _, t := range Scan(template, TopLevels) {
		switch t.Kind {
		case TextToken:
			continue
		case UnclosedToken:
			a.unclosed(t)
			continue
		}
		x, err := Parse(t.Text)
		if err != nil {
			se := err.(*SyntaxError)
			a.Problems = append(a.Problems, Problem{Offset: t.ExprOffset() + se.Offset, Msg: "syntax error: " + se.Msg})
			continue
		}
		w := walker{a: &a, base: t.ExprOffset()}
		w.walk(x.root)
	}
	return a
}

// unclosed reports an "@(" never closed: at an unterminated text inside
// it when there is one, since its parenthesis was read as text.
func (a *Analysis) unclosed(t Token) {
	for _, l := range lex(t.Text) {
		if l.kind == lexError && strings.HasPrefix(l.text, `"`) {
			a.Problems = append(a.Problems, Problem{Offset: t.ExprOffset() + l.at, Msg: `text not closed: add a " after it (and ) after the expression)`})
			return
		}
	}
	a.Problems = append(a.Problems, Problem{Offset: t.Offset, Msg: "@( is never closed: add ) where the expression ends"})
}

type walker struct {
	a      *Analysis
	base   int      // offset of the expression in the template
	params []string // names of the enclosing anonymous functions' parameters
}

func (w *walker) problem(at int, format string, args ...any) {
	w.a.Problems = append(w.a.Problems, Problem{Offset: w.base + at, Msg: fmt.Sprintf(format, args...)})
}

func (w *walker) isParam(name string) bool {
	return slices.ContainsFunc(w.params, func(p string) bool { return strings.EqualFold(p, name) })
}

func (w *walker) walk(x node) {
	switch x := x.(type) {
	case *ref:
		w.name(x)
	case *lookup:
		root, keys := chain(x)
		if r, ok := root.(*ref); !ok {
			w.walk(root)
		} else if w.name(r) {
			ref := &w.a.Refs[len(w.a.Refs)-1]
			for _, k := range keys {
				l, ok := k.(*literal)
				if !ok || l.v == nil {
					break
				}
				ref.Path = append(ref.Path, strings.ToLower(Render(l.v)))
			}
		}
		for _, k := range keys {
			w.walk(k)
		}
	case *call:
		if r, ok := x.fn.(*ref); ok && !w.isParam(r.name) {
			w.call(r, len(x.args))
		} else {
			w.walk(x.fn)
		}
		for _, arg := range x.args {
			w.walk(arg)
		}
	case *negate:
		w.walk(x.x)
	case *binary:
		w.walk(x.left)
		w.walk(x.right)
	case *anonFunc:
		w.a.AnonFunctions = append(w.a.AnonFunctions, w.base+x.at)
		outer := w.params
		w.params = append(slices.Clone(w.params), x.params...)
		w.walk(x.body)
		w.params = outer
	}
}

// name records a name standing on its own or at the start of a lookup: a
// context reference (reporting true), a function used as a value, a
// parameter, or an unknown name.
func (w *walker) name(r *ref) bool {
	lower := strings.ToLower(r.name)
	switch {
	case w.isParam(r.name):
		return false
	case slices.Contains(TopLevels, lower):
		w.a.Refs = append(w.a.Refs, Ref{Path: []string{lower}, Offset: w.base + r.at})
		return true
	case LookupFunction(lower) != nil:
		return false
	}
	w.a.Problems = append(w.a.Problems, Problem{
		Offset: w.base + r.at, Msg: fmt.Sprintf("unknown name %q: an expression starts from the context (%s) or a function", r.name, strings.Join(commonTopLevels, ", ")),
		Unknown: r.name, Known: TopLevels,
	})
	return false
}

// commonTopLevels are the context names worth listing to an author.
var commonTopLevels = []string{"contact", "fields", "results", "input", "run", "urns", "trigger"}

// call records a call of the function named by r with n arguments.
func (w *walker) call(r *ref, n int) {
	lower := strings.ToLower(r.name)
	f := LookupFunction(lower)
	switch {
	case f == nil && slices.Contains(TopLevels, lower):
		w.problem(r.at, "%s is not a function", r.name)
		return
	case f == nil:
		w.a.Problems = append(w.a.Problems, Problem{Offset: w.base + r.at, Msg: fmt.Sprintf("unknown function %s()", r.name), Unknown: r.name, Known: functionNames})
		return
	}
	w.a.Calls = append(w.a.Calls, Call{Name: lower, Args: n, Offset: w.base + r.at})
	if f.Supported() && f.CheckArgs(n) != "" {
		w.problem(r.at, "%s() takes %s, not %d", lower, arityText(f), n)
	}
}

func arityText(f *Function) string {
	plural := func(n int) string {
		if n == 1 {
			return "1 argument"
		}
		return fmt.Sprintf("%d arguments", n)
	}
	switch {
	case f.min == f.max:
		return plural(f.min)
	case f.max < 0:
		return "at least " + plural(f.min)
	}
	return fmt.Sprintf("%d to %d arguments", f.min, f.max)
}

// chain returns the start of a chain of lookups and their keys, in order:
// a, [b, c] for a.b[c].
func chain(x *lookup) (node, []node) {
	var keys []node
	var n node = x
	for {
		l, ok := n.(*lookup)
		if !ok {
			break
		}
		keys = append(keys, l.key)
		n = l.container
	}
	slices.Reverse(keys)
	return n, keys
}
