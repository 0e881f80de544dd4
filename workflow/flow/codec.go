package flow

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Extra holds the members of a JSON object that this package does not model,
// and modelled members whose value in the input was empty (null, "", 0 or
// false), so that writing a definition back reproduces what was read. When a
// field is zero and Extra holds a value under its key, that value is written.
type Extra map[string]json.RawMessage

// member is one JSON object member written ahead of a struct's own fields.
type member struct {
	key   string
	value string // a JSON literal
}

// fieldTag reports the JSON key of a struct field and whether it is left out
// when zero (the omitzero or omitempty option). Fields without a tag, or
// tagged "-", are not members.
func fieldTag(f reflect.StructField) (key string, omitZero, ok bool) {
	tag, has := f.Tag.Lookup("json")
	if !has || tag == "-" || !f.IsExported() {
		return "", false, false
	}
	key, opts, _ := strings.Cut(tag, ",")
	for o := range strings.SplitSeq(opts, ",") {
		if o == "omitzero" || o == "omitempty" {
			omitZero = true
		}
	}
	return key, omitZero, true
}

// encodeObject writes lead, then the tagged fields of the struct v points at
// in declaration order, then the remaining extra members sorted by key. The
// output is compact and deterministic, with HTML characters unescaped.
func encodeObject(lead []member, v any, extra Extra) ([]byte, error) {
	rv := reflect.ValueOf(v).Elem()
	rt := rv.Type()
	var buf bytes.Buffer
	buf.WriteByte('{')
	first := true
	write := func(key string, raw []byte) {
		if !first {
			buf.WriteByte(',')
		}
		first = false
		writeString(&buf, key)
		buf.WriteByte(':')
		buf.Write(raw)
	}
	done := make(map[string]bool, rt.NumField()+len(lead))
	for _, m := range lead {
		done[m.key] = true
		write(m.key, []byte(m.value))
	}
	for i := range rt.NumField() {
		key, omitZero, ok := fieldTag(rt.Field(i))
		if !ok || done[key] {
			continue
		}
		done[key] = true
		fv := rv.Field(i)
		if fv.IsZero() {
			if raw, ok := extra[key]; ok {
				write(key, compactRaw(raw))
				continue
			}
			if omitZero {
				continue
			}
		}
		raw, err := marshalValue(fv.Interface())
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		write(key, raw)
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		if !done[k] {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		write(k, compactRaw(extra[k]))
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// compactRaw returns raw JSON without insignificant white space, or null for
// an empty value, so that extras never break the surrounding document.
func compactRaw(raw json.RawMessage) []byte {
	if len(raw) == 0 {
		return []byte("null")
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return []byte("null")
	}
	return buf.Bytes()
}

// marshalValue encodes v compactly without escaping HTML characters: flow
// texts are full of "<", ">" and "&" and readable exports matter.
func marshalValue(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func writeString(buf *bytes.Buffer, s string) {
	raw, _ := marshalValue(s) // a string always encodes
	buf.Write(raw)
}

// decodeObject reads the JSON object data into the tagged fields of the
// struct v points at, matching keys exactly. Keys in skip are ignored, other
// unknown members and empty known members are returned as extras. Errors
// carry the path of the member that failed.
func decodeObject(data []byte, v any, skip ...string) (Extra, error) {
	if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		return nil, nil
	}
	members, err := splitObject(data)
	if err != nil {
		return nil, typeError(data, "an object")
	}
	rv := reflect.ValueOf(v).Elem()
	rt := rv.Type()
	fields := make(map[string]int, rt.NumField())
	for i := range rt.NumField() {
		if key, _, ok := fieldTag(rt.Field(i)); ok {
			fields[key] = i
		}
	}
	var extra Extra
	// Members are decoded in key order so that the first error is stable.
	keys := make([]string, 0, len(members))
	for k := range members {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, key := range keys {
		raw := members[key]
		if slices.Contains(skip, key) {
			continue
		}
		i, known := fields[key]
		if known {
			if err := decodeValue(raw, rv.Field(i)); err != nil {
				return nil, atPath(err, key)
			}
			if !rv.Field(i).IsZero() {
				continue
			}
		}
		if extra == nil {
			extra = make(Extra)
		}
		extra[key] = raw
	}
	return extra, nil
}

// decodeValue decodes raw into v, going element by element through slices
// and maps so that errors know the index or key that failed.
func decodeValue(raw json.RawMessage, v reflect.Value) error {
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		v.SetZero()
		return nil
	}
	if u, ok := v.Addr().Interface().(json.Unmarshaler); ok {
		return u.UnmarshalJSON(raw)
	}
	switch v.Kind() {
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 { // []byte and json.RawMessage
			break
		}
		elems, err := splitArray(raw)
		if err != nil {
			return typeError(raw, "an array")
		}
		s := reflect.MakeSlice(v.Type(), len(elems), len(elems))
		for i, e := range elems {
			if err := decodeValue(e, s.Index(i)); err != nil {
				return atPath(err, i)
			}
		}
		v.Set(s)
		return nil
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			break
		}
		elems, err := splitObject(raw)
		if err != nil {
			return typeError(raw, "an object")
		}
		m := reflect.MakeMapWithSize(v.Type(), len(elems))
		keys := make([]string, 0, len(elems))
		for k := range elems {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			e := reflect.New(v.Type().Elem()).Elem()
			if err := decodeValue(elems[k], e); err != nil {
				return atPath(err, k)
			}
			m.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), e)
		}
		v.Set(m)
		return nil
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		if err := decodeValue(raw, p.Elem()); err != nil {
			return err
		}
		v.Set(p)
		return nil
	}
	if err := json.Unmarshal(raw, v.Addr().Interface()); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return typeError(raw, kindName(v.Kind()))
		}
		return err
	}
	return nil
}

func kindName(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "a " + k.String()
}

// pathError is a decoding error at a path inside the document; Read turns
// it into an *Error with a line and column.
type pathError struct {
	path []any // string keys and int indexes, outermost first
	msg  string
}

// Error formats the problem with its path.
func (e *pathError) Error() string { return pathString(e.path) + ": " + e.msg }

func typeError(raw []byte, want string) error {
	got := "invalid JSON"
	if t := bytes.TrimSpace(raw); len(t) > 0 {
		switch t[0] {
		case '{':
			got = "an object"
		case '[':
			got = "an array"
		case '"':
			got = "a string"
		case 't', 'f':
			got = "a boolean"
		case 'n':
			got = "null"
		default:
			got = "a number"
		}
	}
	if got == want || (want == "an integer" && got == "a number") {
		return &pathError{msg: "invalid value " + truncate(string(bytes.TrimSpace(raw)), 40) + ", want " + want}
	}
	return &pathError{msg: "got " + got + ", want " + want}
}

// atPath prefixes the path of err with elem (a key or an index).
func atPath(err error, elem any) error {
	var pe *pathError
	if errors.As(err, &pe) {
		return &pathError{path: append([]any{elem}, pe.path...), msg: pe.msg}
	}
	return &pathError{path: []any{elem}, msg: err.Error()}
}

func pathString(path []any) string {
	var b strings.Builder
	for _, p := range path {
		switch p := p.(type) {
		case int:
			b.WriteString("[" + strconv.Itoa(p) + "]")
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(p)
		}
	}
	return b.String()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
