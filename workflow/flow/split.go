package flow

import (
	"encoding/json"
	"errors"
)

// The decoder splits objects and arrays itself instead of calling
// json.Unmarshal at every level, which would validate each byte once per
// level of nesting. Syntax is checked once, on the whole document, before
// decoding starts; splitting still fails cleanly on malformed input.

var errMalformed = errors.New("malformed JSON")

// skipSpace returns the index of the first non-space byte at or after i.
func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// valueEnd returns the index just after the JSON value starting at i.
func valueEnd(data []byte, i int) (int, error) {
	if i >= len(data) {
		return 0, errMalformed
	}
	switch data[i] {
	case '"':
		return stringEnd(data, i)
	case '{', '[':
		depth := 0
		for i < len(data) {
			switch data[i] {
			case '"':
				end, err := stringEnd(data, i)
				if err != nil {
					return 0, err
				}
				i = end
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, nil
				}
			}
			i++
		}
		return 0, errMalformed
	}
	// a number, true, false or null: up to the next delimiter
	start := i
	for i < len(data) {
		switch data[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			if i == start {
				return 0, errMalformed
			}
			return i, nil
		}
		i++
	}
	return i, nil
}

// stringEnd returns the index just after the string starting at i.
func stringEnd(data []byte, i int) (int, error) {
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			j++
		case '"':
			return j + 1, nil
		}
	}
	return 0, errMalformed
}

// splitObject returns the members of a JSON object; a repeated key keeps
// its last value, as json.Unmarshal does.
func splitObject(data []byte) (map[string]json.RawMessage, error) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return nil, errMalformed
	}
	members := map[string]json.RawMessage{}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return members, checkTrailing(data, i+1)
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return nil, errMalformed
		}
		end, err := stringEnd(data, i)
		if err != nil {
			return nil, err
		}
		key, err := unquoteKey(data[i:end])
		if err != nil {
			return nil, err
		}
		i = skipSpace(data, end)
		if i >= len(data) || data[i] != ':' {
			return nil, errMalformed
		}
		i = skipSpace(data, i+1)
		vend, err := valueEnd(data, i)
		if err != nil {
			return nil, err
		}
		members[key] = json.RawMessage(data[i:vend])
		i = skipSpace(data, vend)
		if i >= len(data) {
			return nil, errMalformed
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return members, checkTrailing(data, i+1)
		default:
			return nil, errMalformed
		}
	}
}

// splitArray returns the elements of a JSON array.
func splitArray(data []byte) ([]json.RawMessage, error) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '[' {
		return nil, errMalformed
	}
	elems := []json.RawMessage{}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		return elems, checkTrailing(data, i+1)
	}
	for {
		end, err := valueEnd(data, i)
		if err != nil {
			return nil, err
		}
		elems = append(elems, json.RawMessage(data[i:end]))
		i = skipSpace(data, end)
		if i >= len(data) {
			return nil, errMalformed
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case ']':
			return elems, checkTrailing(data, i+1)
		default:
			return nil, errMalformed
		}
	}
}

func checkTrailing(data []byte, i int) error {
	if skipSpace(data, i) != len(data) {
		return errMalformed
	}
	return nil
}

// unquoteKey decodes a quoted key, fast when it has no escapes.
func unquoteKey(quoted []byte) (string, error) {
	inner := quoted[1 : len(quoted)-1]
	for _, c := range inner {
		if c == '\\' || c < 0x20 || c >= 0x80 {
			var s string
			err := json.Unmarshal(quoted, &s)
			return s, err
		}
	}
	return string(inner), nil
}
