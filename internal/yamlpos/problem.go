package yamlpos

import (
	"fmt"
	"strings"
)

// Where formats a position as "file:line:col", leaving out what is
// unknown: the file when it is "", the line and column when line is 0.
func Where(file string, line, col int) string {
	switch {
	case line > 0 && file != "":
		return fmt.Sprintf("%s:%d:%d", file, line, col)
	case line > 0:
		return fmt.Sprintf("%d:%d", line, col)
	}
	return file
}

// Message formats a problem as "where: field: message", leaving out an
// empty where or field, with "warning: " before a warning's message.
func Message(where, field string, warning bool, msg string) string {
	var b strings.Builder
	if where != "" {
		b.WriteString(where + ": ")
	}
	if field != "" {
		b.WriteString(field + ": ")
	}
	if warning {
		b.WriteString("warning: ")
	}
	b.WriteString(msg)
	return b.String()
}

// Lines formats a list of problems one per line, as their Error method
// does.
func Lines[S ~[]E, E fmt.Stringer](ps S) string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Filter returns the problems that keep accepts, or nil when there is
// none.
func Filter[S ~[]E, E any](ps S, keep func(E) bool) S {
	var out S
	for _, p := range ps {
		if keep(p) {
			out = append(out, p)
		}
	}
	return out
}
