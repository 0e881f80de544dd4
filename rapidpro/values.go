package rapidpro

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Time is a RapidPro timestamp. It reads RFC 3339 with any number of
// fractional digits and a Z or numeric offset, a timestamp without an offset
// (taken as UTC, as some endpoints print them), a bare date, and null (the
// zero Time). It writes RFC 3339 in UTC, and null for the zero Time.
type Time struct{ time.Time }

var nullJSON = []byte("null")

// UnmarshalJSON reads the formats RapidPro servers produce.
func (t *Time) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, nullJSON) {
		t.Time = time.Time{}
		return nil
	}
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return fmt.Errorf("rapidpro: timestamp %s is not a string", b)
	}
	s := string(b[1 : len(b)-1])
	if s == "" {
		t.Time = time.Time{}
		return nil
	}
	v, err := ParseTime(s)
	if err != nil {
		return err
	}
	t.Time = v
	return nil
}

// MarshalJSON writes RFC 3339 with microseconds in UTC, or null.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return nullJSON, nil
	}
	b := make([]byte, 0, 32)
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), nil
}

// ParseTime parses a timestamp in any format RapidPro produces or accepts.
func ParseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("rapidpro: cannot parse timestamp %q", s)
}

// formatTime writes a time for the before/after query parameters.
func formatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000Z")
}

// Translations is text in several languages keyed by ISO 639-3 code, e.g.
// {"eng": "Hi", "fra": "Salut"}. Decoding also accepts a plain string, as
// older servers send and as requests may use, which is kept under the key ""
// (the workspace's primary language) and written back as a plain string.
type Translations map[string]string

// UnmarshalJSON accepts an object or a plain string.
func (t *Translations) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, nullJSON) {
		*t = nil
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = Translations{"": s}
		return nil
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*t = m
	return nil
}

// MarshalJSON writes a plain string when the only text has no language.
func (t Translations) MarshalJSON() ([]byte, error) {
	if s, ok := t[""]; ok && len(t) == 1 {
		return json.Marshal(s)
	}
	return json.Marshal(map[string]string(t))
}

// Text returns the text in lang, or else in the language-less or only
// entry.
func (t Translations) Text(lang string) string {
	if s, ok := t[lang]; ok {
		return s
	}
	if s, ok := t[""]; ok {
		return s
	}
	if len(t) == 1 {
		for _, s := range t {
			return s
		}
	}
	return ""
}

// FieldValue is a contact field value as RapidPro returns it: a string, a
// number, or null (no value). The zero FieldValue is null.
type FieldValue struct {
	raw  string // the text, or the number's JSON literal
	kind byte   // 0 null, 's' string, 'n' number
}

// StringValue returns a FieldValue holding s.
func StringValue(s string) FieldValue { return FieldValue{raw: s, kind: 's'} }

// IsNull reports whether the field has no value.
func (v FieldValue) IsNull() bool { return v.kind == 0 }

// String returns the value as text ("" when null).
func (v FieldValue) String() string { return v.raw }

// Number returns the value as a number when it is one or is text that
// parses as one.
func (v FieldValue) Number() (float64, bool) {
	if v.kind == 0 {
		return 0, false
	}
	f, err := strconv.ParseFloat(v.raw, 64)
	return f, err == nil
}

// Time returns the value as a time when it is text in a timestamp format.
func (v FieldValue) Time() (time.Time, bool) {
	if v.kind != 's' {
		return time.Time{}, false
	}
	t, err := ParseTime(v.raw)
	return t, err == nil
}

// UnmarshalJSON accepts a string, a number or null (and keeps any other
// literal as text, so that no value is lost).
func (v *FieldValue) UnmarshalJSON(b []byte) error {
	switch {
	case bytes.Equal(b, nullJSON):
		*v = FieldValue{}
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*v = FieldValue{raw: s, kind: 's'}
	case len(b) > 0 && (b[0] == '-' || (b[0] >= '0' && b[0] <= '9')):
		*v = FieldValue{raw: string(b), kind: 'n'}
	default:
		*v = FieldValue{raw: string(b), kind: 's'}
	}
	return nil
}

// MarshalJSON writes the value back as it came.
func (v FieldValue) MarshalJSON() ([]byte, error) {
	switch v.kind {
	case 'n':
		return []byte(v.raw), nil
	case 's':
		return json.Marshal(v.raw)
	}
	return nullJSON, nil
}

// Ref names an object by UUID and name, as lists embed them.
type Ref struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
}

// Ptr returns a pointer to v, for optional request fields.
func Ptr[T any](v T) *T { return &v }
