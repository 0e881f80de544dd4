package flow

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Error is a problem in a definition that was read, positioned in its text.
type Error struct {
	// Line and Column locate the problem, both counted from 1 (the column in bytes).
	Line, Column int
	// Offset is the byte offset of the problem.
	Offset int64
	// Path names the member at fault, e.g. "flows[0].nodes[2].exits", or is
	// empty for a syntax error.
	Path string
	// Msg says what is wrong.
	Msg string
}

// Error formats the problem as "line:column: path: message".
func (e *Error) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("%d:%d: %s", e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("%d:%d: %s: %s", e.Line, e.Column, e.Path, e.Msg)
}

// ReadExport reads an export file from r.
func ReadExport(r io.Reader) (*Export, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return ParseExport(data)
}

// ParseExport parses an export file: any RapidPro export whose flows are spec
// 13.x definitions, with the envelope version as a string or a number.
// Members this package does not model are kept, so writing the export back
// gives equivalent JSON. Errors are *Error values with a line and column.
func ParseExport(data []byte) (*Export, error) {
	var e Export
	if err := parse(data, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

// ParseFlow parses a single flow definition (not an export envelope).
func ParseFlow(data []byte) (*Flow, error) {
	var f Flow
	if err := parse(data, &f); err != nil {
		return nil, err
	}
	return &f, nil
}

func parse(data []byte, v json.Unmarshaler) error {
	if err := checkSyntax(data); err != nil {
		return err
	}
	err := v.UnmarshalJSON(data)
	var pe *pathError
	if errors.As(err, &pe) {
		off := locate(data, pe.path)
		line, col := lineColumn(data, off)
		return &Error{Line: line, Column: col, Offset: off, Path: pathString(pe.path), Msg: pe.msg}
	}
	return err
}

// checkSyntax reports the first syntax error of data, positioned.
func checkSyntax(data []byte) error {
	if json.Valid(data) {
		return nil
	}
	var v any
	err := json.Unmarshal(data, &v)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off := se.Offset
		if off > 0 && off < int64(len(data)) {
			off-- // Offset counts the offending byte
		}
		line, col := lineColumn(data, off)
		return &Error{Line: line, Column: col, Offset: off, Msg: se.Error()}
	}
	line, col := lineColumn(data, int64(len(data)))
	return &Error{Line: line, Column: col, Offset: int64(len(data)), Msg: "unexpected end of JSON input"}
}

// lineColumn converts a byte offset into a 1-based line and column.
func lineColumn(data []byte, off int64) (line, col int) {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}

// locate returns the byte offset at which the value at path starts in the
// (syntactically valid) document data, or of the deepest part of the path
// that exists.
func locate(data []byte, path []any) int64 {
	dec := json.NewDecoder(bytes.NewReader(data))
	best := int64(0)
	// valueStart skips white space and separators up to the next value.
	valueStart := func() int64 {
		off := dec.InputOffset()
		for off < int64(len(data)) && bytes.IndexByte([]byte(" \t\r\n:,"), data[off]) >= 0 {
			off++
		}
		return off
	}
	best = valueStart()
	for _, elem := range path {
		tok, err := dec.Token()
		if err != nil {
			return best
		}
		delim, ok := tok.(json.Delim)
		if !ok {
			return best
		}
		found := false
		switch want := elem.(type) {
		case string:
			if delim != '{' {
				return best
			}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return best
				}
				if k, _ := kt.(string); k == want {
					found = true
					break
				}
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					return best
				}
			}
		case int:
			if delim != '[' {
				return best
			}
			for i := 0; dec.More(); i++ {
				if i == want {
					found = true
					break
				}
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					return best
				}
			}
		}
		if !found {
			return best
		}
		best = valueStart()
	}
	return best
}

// MarshalExport writes an export as indented JSON with a stable member
// order and a final newline: the same export always gives the same bytes.
func MarshalExport(e *Export) ([]byte, error) { return marshalIndent(e) }

// MarshalFlow writes a flow definition as MarshalExport does.
func MarshalFlow(f *Flow) ([]byte, error) { return marshalIndent(f) }

func marshalIndent(v json.Marshaler) ([]byte, error) {
	raw, err := v.MarshalJSON()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}
