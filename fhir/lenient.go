package fhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/mhero-go/mhero/internal/httpx"
	models "github.com/samply/golang-fhir-models/fhir-models/fhir"
)

// Warning reports one element that the lenient decoder repaired or left out
// of a typed model. The JSON as received is never changed.
type Warning struct {
	// ResourceType and ID name the resource.
	ResourceType, ID string
	// Path is the element, e.g. "extension[3].valueInteger".
	Path string
	// Problem says what was wrong and what was done.
	Problem string
}

// String formats the warning as "Type/id path: problem".
func (w Warning) String() string {
	return fmt.Sprintf("%s/%s %s: %s", w.ResourceType, w.ID, w.Path, w.Problem)
}

var (
	rawMessageType  = reflect.TypeFor[json.RawMessage]()
	numberType      = reflect.TypeFor[json.Number]()
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	extensionsType  = reflect.TypeFor[[]models.Extension]()
)

// decodeLenient decodes the JSON object data into model (a pointer to a
// struct), repairing or leaving out the elements that do not fit. The
// warnings have Path and Problem set.
func decodeLenient(data []byte, model any) []Warning {
	if json.Unmarshal(data, model) == nil {
		return nil // the common case: the JSON fits the model
	}
	rv := reflect.ValueOf(model).Elem()
	rv.SetZero()
	tree, err := parseTree(data)
	obj, isObj := tree.(map[string]any)
	if err != nil || !isObj {
		return []Warning{{Path: "", Problem: "not a JSON object; nothing decoded"}}
	}
	f := &fixer{}
	f.fixObject(obj, rv.Type(), "")
	fixed, err := json.Marshal(obj)
	if err == nil && json.Unmarshal(fixed, model) == nil {
		return f.warnings
	}
	// Last resort for anything the repairs did not foresee: leave out each
	// top-level element that still fails on its own.
	rv.SetZero()
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		one, _ := json.Marshal(map[string]any{k: obj[k]})
		if json.Unmarshal(one, reflect.New(rv.Type()).Interface()) != nil {
			delete(obj, k)
			f.warn(k, "does not fit the model; left out")
		}
	}
	fixed, _ = json.Marshal(obj)
	if json.Unmarshal(fixed, model) != nil {
		rv.SetZero()
		f.warn("", "does not fit the model; nothing decoded")
	}
	return f.warnings
}

// parseTree parses JSON keeping numbers as json.Number, so that no digit
// is lost in a round trip.
func parseTree(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// fixer walks a JSON tree along a model type and repairs what the model
// cannot decode.
type fixer struct {
	warnings []Warning
}

func (f *fixer) warn(path, format string, args ...any) {
	f.warnings = append(f.warnings, Warning{Path: path, Problem: fmt.Sprintf(format, args...)})
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// fixObject repairs the elements of obj, which should decode into the
// struct type t, in place. Elements the model does not know are left alone
// (the decoder ignores them).
func (f *fixer) fixObject(obj map[string]any, t reflect.Type, path string) {
	fields := jsonFields(t)
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		ft, ok := fields[k]
		if !ok {
			continue
		}
		if v, keep := f.fix(obj[k], ft, join(path, k)); keep {
			obj[k] = v
		} else {
			delete(obj, k)
		}
	}
}

// fix returns v repaired to decode into t, or false to leave it out.
func (f *fixer) fix(v any, t reflect.Type, path string) (any, bool) {
	if v == nil {
		return nil, true // null decodes into anything
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == rawMessageType || t.Kind() == reflect.Interface {
		return v, true
	}
	if t != numberType && reflect.PointerTo(t).Implements(unmarshalerType) {
		return f.fixCode(v, t, path)
	}
	switch t.Kind() {
	case reflect.Struct:
		return f.fixStruct(v, t, path)
	case reflect.Slice:
		return f.fixSlice(v, t, path)
	case reflect.String:
		return f.fixString(v, t, path)
	case reflect.Bool:
		switch x := v.(type) {
		case bool:
			return x, true
		case string:
			if b, err := strconv.ParseBool(strings.TrimSpace(x)); err == nil {
				f.warn(path, "boolean written as a string; read as %t", b)
				return b, true
			}
		}
		f.warn(path, "%s where a boolean is expected; left out", kindOf(v))
		return nil, false
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return f.fixInteger(v, t, path)
	case reflect.Float32, reflect.Float64:
		switch x := v.(type) {
		case json.Number:
			return x, true
		case string:
			if _, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
				f.warn(path, "number written as a string; read as a number")
				return json.Number(strings.TrimSpace(x)), true
			}
		}
		f.warn(path, "%s where a number is expected; left out", kindOf(v))
		return nil, false
	case reflect.Map:
		if _, ok := v.(map[string]any); ok {
			return v, true
		}
		f.warn(path, "%s where an object is expected; left out", kindOf(v))
		return nil, false
	}
	return v, true
}

// fixCode checks a coded value (samply's enums reject unknown codes).
func (f *fixer) fixCode(v any, t reflect.Type, path string) (any, bool) {
	b, err := json.Marshal(v)
	if err == nil && json.Unmarshal(b, reflect.New(t).Interface()) == nil {
		return v, true
	}
	if s, ok := v.(string); ok {
		if trimmed := strings.ToLower(strings.TrimSpace(s)); trimmed != s {
			if b, _ := json.Marshal(trimmed); json.Unmarshal(b, reflect.New(t).Interface()) == nil {
				f.warn(path, "code %q read as %q", quoteShort(s), trimmed)
				return trimmed, true
			}
		}
		f.warn(path, "unknown %s code %q; left out", t.Name(), quoteShort(s))
		return nil, false
	}
	f.warn(path, "%s where a %s code is expected; left out", kindOf(v), t.Name())
	return nil, false
}

// stringWrapper says which element of a complex type a bare string most
// likely meant (a Reference written as "Organization/1"), or "".
func stringWrapper(typeName string) string {
	switch typeName {
	case "Reference":
		return "reference"
	case "CodeableConcept":
		return "text"
	case "Coding":
		return "code"
	case "Identifier":
		return "value"
	}
	return ""
}

func (f *fixer) fixStruct(v any, t reflect.Type, path string) (any, bool) {
	switch x := v.(type) {
	case map[string]any:
		f.fixObject(x, t, path)
		return x, true
	case string:
		if key := stringWrapper(t.Name()); key != "" && x != "" {
			f.warn(path, "string where a %s is expected; read as its %s", t.Name(), key)
			return map[string]any{key: x}, true
		}
	case []any:
		// A list where one element is expected: keep the first that fits.
		if len(x) > 0 {
			if m, ok := x[0].(map[string]any); ok {
				f.warn(path, "list where one %s is expected; kept the first of %d", t.Name(), len(x))
				f.fixObject(m, t, path)
				return m, true
			}
		}
	}
	f.warn(path, "%s where a %s is expected; left out", kindOf(v), t.Name())
	return nil, false
}

func (f *fixer) fixSlice(v any, t reflect.Type, path string) (any, bool) {
	list, ok := v.([]any)
	if !ok {
		f.warn(path, "single value where a list is expected; read as a list of one")
		list = []any{v}
	}
	out := list[:0]
	for i, e := range list {
		if e, keep := f.fix(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); keep {
			out = append(out, e)
		}
	}
	return out, true
}

func (f *fixer) fixString(v any, t reflect.Type, path string) (any, bool) {
	if t == numberType { // FHIR decimals
		switch x := v.(type) {
		case json.Number:
			return x, true
		case string:
			if _, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
				return strings.TrimSpace(x), true
			}
		}
		f.warn(path, "%s where a decimal is expected; left out", kindOf(v))
		return nil, false
	}
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		f.warn(path, "number where a string is expected; read as a string")
		return x.String(), true
	case bool:
		f.warn(path, "boolean where a string is expected; read as a string")
		return strconv.FormatBool(x), true
	}
	f.warn(path, "%s where a string is expected; left out", kindOf(v))
	return nil, false
}

func (f *fixer) fixInteger(v any, t reflect.Type, path string) (any, bool) {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = x.String()
	case string:
		s = strings.TrimSpace(x)
	default:
		f.warn(path, "%s where an integer is expected; left out", kindOf(v))
		return nil, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if errors.Is(err, strconv.ErrRange) {
		f.warn(path, "integer out of range; left out")
		return nil, false
	}
	if err != nil {
		// "2.0" or 2e3 still name an integer.
		fl, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || fl != math.Trunc(fl) || math.Abs(fl) > 1<<53 {
			f.warn(path, "%s %q is not an integer; left out", kindOf(v), quoteShort(s))
			return nil, false
		}
		n = int64(fl)
	}
	zero := reflect.New(t).Elem()
	if zero.CanInt() && zero.OverflowInt(n) || zero.CanUint() && (n < 0 || zero.OverflowUint(uint64(n))) {
		f.warn(path, "integer out of range; left out")
		return nil, false
	}
	if _, isNum := v.(json.Number); isNum && s == strconv.FormatInt(n, 10) {
		return v, true
	}
	f.warn(path, "integer written as %s %q; read as %d", kindOf(v), quoteShort(s), n)
	return json.Number(strconv.FormatInt(n, 10)), true
}

// jsonFields maps the JSON names of the fields of struct t to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	fields := make(map[string]reflect.Type, t.NumField())
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		fields[name] = sf.Type
	}
	return fields
}

// kindOf names the JSON kind of a parsed value.
func kindOf(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case json.Number, float64:
		return "number"
	case bool:
		return "boolean"
	case map[string]any:
		return "object"
	case []any:
		return "list"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// quoteShort shortens a value for a warning and masks phone numbers, since
// warnings end up in logs.
func quoteShort(s string) string {
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return httpx.MaskPhone(s)
}

// relativeExtensionURLs warns about the resource-level extensions of model
// whose url is not absolute (emNutt writes "sender" or "cronExpression"
// there). The extension is kept. Inside a complex extension a relative url
// is how FHIR names the parts, so nested extensions are not checked.
func relativeExtensionURLs(model any) []Warning {
	v := reflect.ValueOf(model).Elem()
	var ws []Warning
	for _, field := range [...]struct{ name, json string }{{"Extension", "extension"}, {"ModifierExtension", "modifierExtension"}} {
		f := v.FieldByName(field.name)
		if !f.IsValid() || f.Type() != extensionsType {
			continue // Binary, Bundle and Parameters have no extensions
		}
		for i := range f.Len() { // by index: converting to an interface would allocate
			if url := f.Index(i).FieldByName("Url").String(); !strings.Contains(url, ":") {
				ws = append(ws, Warning{Path: fmt.Sprintf("%s[%d].url", field.json, i),
					Problem: fmt.Sprintf("relative extension URL %q; kept as is", quoteShort(url))})
			}
		}
	}
	return ws
}
