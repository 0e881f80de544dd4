package workflow

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Pos is a position in a workflow file. Line and Column count from 1; a
// zero Line means the position is unknown (a workflow built in Go).
type Pos struct {
	File   string
	Line   int
	Column int
}

// IsValid reports whether p names a line.
func (p Pos) IsValid() bool { return p.Line > 0 }

// String formats p as file:line:column, leaving out what is unknown.
func (p Pos) String() string {
	switch {
	case p.Line > 0 && p.File != "":
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
	case p.Line > 0:
		return fmt.Sprintf("%d:%d", p.Line, p.Column)
	default:
		return p.File
	}
}

// Severity says whether a diagnostic stops a workflow from compiling.
type Severity int

// The severities of a diagnostic.
const (
	SeverityError   Severity = iota // the workflow cannot be compiled
	SeverityWarning                 // compiles, but probably not what was meant
)

// String returns "error" or "warning".
func (s Severity) String() string {
	if s == SeverityWarning {
		return "warning"
	}
	return "error"
}

// Diagnostic is one problem found in a workflow.
type Diagnostic struct {
	Pos      Pos
	Field    string // path of the field, e.g. "questions[1].when"
	Message  string
	Severity Severity
}

// String formats d as "file:line:col: field: message", with "warning: "
// before the message of a warning.
func (d Diagnostic) String() string {
	var b strings.Builder
	if s := d.Pos.String(); s != "" {
		b.WriteString(s)
		b.WriteString(": ")
	}
	if d.Field != "" {
		b.WriteString(d.Field)
		b.WriteString(": ")
	}
	if d.Severity == SeverityWarning {
		b.WriteString("warning: ")
	}
	b.WriteString(d.Message)
	return b.String()
}

// Diagnostics is every problem found in a workflow, in file order. It is
// the error returned by Parse, Build and Compile when at least one of them
// is an error; warnings alone are not an error (see Err).
type Diagnostics []Diagnostic

// Error lists every diagnostic, one per line.
func (ds Diagnostics) Error() string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool {
	return slices.ContainsFunc(ds, func(d Diagnostic) bool { return d.Severity == SeverityError })
}

// Errors returns the diagnostics that are errors.
func (ds Diagnostics) Errors() Diagnostics { return ds.filter(SeverityError) }

// Warnings returns the diagnostics that are warnings.
func (ds Diagnostics) Warnings() Diagnostics { return ds.filter(SeverityWarning) }

// Err returns ds as an error when it holds an error, and nil otherwise.
func (ds Diagnostics) Err() error {
	if ds.HasErrors() {
		return ds
	}
	return nil
}

func (ds Diagnostics) filter(s Severity) Diagnostics {
	var out Diagnostics
	for _, d := range ds {
		if d.Severity == s {
			out = append(out, d)
		}
	}
	return out
}

// sort orders ds by position, keeping the order of equal positions, so
// diagnostics read top to bottom whatever pass found them.
func (ds Diagnostics) sort() {
	slices.SortStableFunc(ds, func(a, b Diagnostic) int {
		return cmp.Or(cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Column, b.Pos.Column))
	})
}
