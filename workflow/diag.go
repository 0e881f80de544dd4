package workflow

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/mhero-go/mhero/internal/yamlpos"
)

// Pos is a position in a workflow file: a line and column of a text file,
// or a cell of a workbook's sheet (an XLSForm). Line and Column count from
// 1; a zero Line means the position is unknown (a workflow built in Go).
type Pos struct {
	File   string
	Sheet  string // the worksheet, in a workbook; empty in a text file
	Line   int    // the line, or the row in a worksheet
	Column int    // the column (1 is A in a worksheet); 0 for a whole row
}

// IsValid reports whether p names a line (or a row).
func (p Pos) IsValid() bool { return p.Line > 0 }

// String formats p as file:line:column, leaving out what is unknown; a
// cell of a workbook as file:sheet!C7 (row 7, column 3), the way Excel
// names it and with its numbers, and a row as file:sheet!7:7 (row 7).
func (p Pos) String() string {
	file := p.File
	if p.Sheet != "" {
		cell := p.Sheet
		switch {
		case p.Line > 0 && p.Column > 0:
			cell = fmt.Sprintf("%s!%s%d (row %d, column %d)", p.Sheet, ColumnName(p.Column), p.Line, p.Line, p.Column)
		case p.Line > 0:
			cell = fmt.Sprintf("%s!%d:%d (row %d)", p.Sheet, p.Line, p.Line, p.Line)
		}
		if file == "" {
			return cell
		}
		return file + ":" + cell
	}
	return yamlpos.Where(file, p.Line, p.Column)
}

// ColumnName returns the letters naming column n (counting from 1) of a
// worksheet: A, ..., Z, AA, AB, ...; "" for n < 1.
func ColumnName(n int) string {
	var b []byte
	for ; n > 0; n = (n - 1) / 26 {
		b = append([]byte{byte('A' + (n-1)%26)}, b...)
	}
	return string(b)
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
	return yamlpos.Message(d.Pos.String(), d.Field, d.Severity == SeverityWarning, d.Message)
}

// Diagnostics is every problem found in a workflow, in file order. It is
// the error returned by Parse, Build and Compile when at least one of them
// is an error; warnings alone are not an error (see Err).
type Diagnostics []Diagnostic

// Error lists every diagnostic, one per line.
func (ds Diagnostics) Error() string { return yamlpos.Lines(ds) }

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
	return yamlpos.Filter(ds, func(d Diagnostic) bool { return d.Severity == s })
}

// Sort orders ds by position, keeping the order of equal positions, so
// that diagnostics read top to bottom whatever pass found them: by line
// and column, and in a workbook sheet by sheet, in the order an XLSForm
// describes them (survey, choices, settings, then any other by name).
func (ds Diagnostics) Sort() {
	slices.SortStableFunc(ds, func(a, b Diagnostic) int {
		return cmp.Or(compareSheets(a.Pos.Sheet, b.Pos.Sheet),
			cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Column, b.Pos.Column))
	})
}

func compareSheets(a, b string) int {
	rank := func(s string) int {
		switch strings.ToLower(s) {
		case "":
			return 0
		case "survey":
			return 1
		case "choices":
			return 2
		case "settings":
			return 3
		}
		return 4
	}
	return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a, b))
}
