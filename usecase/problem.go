package usecase

import (
	"errors"
	"strings"

	"github.com/mhero-go/mhero/internal/yamlpos"
	"github.com/mhero-go/mhero/target"
	"github.com/mhero-go/mhero/workflow"
)

// ErrInvalidForm is matched (errors.Is) by the errors of [ParseForm],
// [ReadForm] and [Form.Validate].
var ErrInvalidForm = errors.New("usecase: invalid request form")

// Severity says whether a problem stops a form from being recorded.
type Severity int

const (
	// SeverityError stops the form: it must be corrected.
	SeverityError Severity = iota
	// SeverityWarning is flagged and recorded, not refused: a request
	// filed less than a week before its send date, say.
	SeverityWarning
)

func (s Severity) String() string {
	if s == SeverityWarning {
		return "warning"
	}
	return "error"
}

// Problem is one problem of a Request Form, positioned in its YAML file
// (or in the target or workflow file it names) when it came from one.
type Problem struct {
	File string `json:"file,omitempty"`
	// Line and Column count from 1; zero when unknown (a form built in Go).
	Line   int `json:"line,omitempty"`
	Column int `json:"column,omitempty"`
	// Field is the path of the field, such as "requestor.phone" or
	// "target.criteria.cadres[1]".
	Field    string   `json:"field,omitempty"`
	Message  string   `json:"message"`
	Severity Severity `json:"severity"`
}

// String formats the problem as "file:line:col: field: message", with
// "warning: " before the message of a warning.
func (p Problem) String() string {
	return yamlpos.Message(yamlpos.Where(p.File, p.Line, p.Column), p.Field, p.Severity == SeverityWarning, p.Message)
}

// Problems is every problem of a form, in file order. As an error (see
// [Problems.Err]) it matches [ErrInvalidForm].
type Problems []Problem

// Error lists the problems one per line.
func (ps Problems) Error() string { return yamlpos.Lines(ps) }

// Is matches ErrInvalidForm.
func (ps Problems) Is(target error) bool { return target == ErrInvalidForm }

// Errors returns the problems that are errors.
func (ps Problems) Errors() Problems { return ps.filter(SeverityError) }

// Warnings returns the problems that are warnings.
func (ps Problems) Warnings() Problems { return ps.filter(SeverityWarning) }

func (ps Problems) filter(s Severity) Problems {
	return yamlpos.Filter(ps, func(p Problem) bool { return p.Severity == s })
}

// Err returns ps as an error when at least one problem is an error;
// warnings alone are not.
func (ps Problems) Err() error {
	if len(ps.Errors()) == 0 {
		return nil
	}
	return ps
}

// fromTarget turns the problems of an embedded or referenced target into
// the form's, their fields under prefix ("target." for an inline target,
// "" for a target file, whose problems keep their own file).
func fromTarget(err error, prefix string) Problems {
	var tps target.Problems
	if !errors.As(err, &tps) {
		return Problems{{Field: strings.TrimSuffix(prefix, "."), Message: err.Error()}}
	}
	out := make(Problems, len(tps))
	for i, p := range tps {
		field := p.Field
		if prefix != "" {
			field = strings.TrimSuffix(prefix+field, ".")
		}
		out[i] = Problem{File: p.File, Line: p.Line, Column: p.Column, Field: field, Message: p.Message}
	}
	return out
}

// fromWorkflow turns a workflow's diagnostics into problems, positioned in
// the workflow's own file.
func fromWorkflow(ds workflow.Diagnostics) Problems {
	out := make(Problems, len(ds))
	for i, d := range ds {
		sev := SeverityError
		if d.Severity != workflow.SeverityError {
			sev = SeverityWarning
		}
		out[i] = Problem{File: d.Pos.File, Line: d.Pos.Line, Column: d.Pos.Column, Field: d.Field, Message: d.Message, Severity: sev}
	}
	return out
}
