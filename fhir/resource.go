package fhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"time"
)

// Resource is one FHIR resource: the JSON as the server sent it and a
// typed, leniently decoded model.
//
// Change the resource through Model (for a Practitioner, a
// *models.Practitioner); [Resource.MarshalJSON], and so [Client.Update],
// apply those changes onto the JSON as received, so elements the models do
// not know survive. A Resource is not safe for concurrent modification.
type Resource struct {
	// Model is the typed decode: a pointer to the samply model of the
	// resource type (see [As]), or nil when the models have no such type.
	Model any
	// Warnings lists what the lenient decoder repaired or left out of Model.
	Warnings []Warning

	raw                             json.RawMessage // as received; nil for NewResource
	typ, id, versionID, lastUpdated string
}

// ParseResource decodes a resource leniently from JSON. It fails only when
// data is not a JSON object with a string resourceType.
func ParseResource(data []byte) (*Resource, error) {
	if !json.Valid(data) {
		return nil, errNotResource
	}
	return parseResource(bytes.Clone(data))
}

// NewResource wraps a samply model (a pointer such as &models.Practitioner{})
// to be created or written. Empty elements (empty strings, objects and
// lists, which FHIR forbids and samply emits for some choice types) are left
// out when it is sent; required coded elements are sent with the model's
// value, so set them.
func NewResource(model any) (*Resource, error) {
	v := reflect.ValueOf(model)
	if model == nil || v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("fhir: NewResource needs a pointer to a model struct, not %T", model)
	}
	b, err := json.Marshal(model)
	if err != nil {
		return nil, fmt.Errorf("fhir: encoding %T: %w", model, err)
	}
	var h header
	if err := json.Unmarshal(b, &h); err != nil || h.ResourceType == "" {
		return nil, fmt.Errorf("fhir: %T is not a resource (no resourceType in its JSON)", model)
	}
	return &Resource{Model: model, typ: h.ResourceType, id: h.ID}, nil
}

// As returns r's model as a *T (for example As[models.Practitioner](r)),
// or false when r is nil or holds another type.
func As[T any](r *Resource) (*T, bool) {
	if r == nil {
		return nil, false
	}
	m, ok := r.Model.(*T)
	return m, ok
}

// Type returns the resource type as received ("Practitioner").
func (r *Resource) Type() string { return r.typ }

// ID returns the logical id as received.
func (r *Resource) ID() string { return r.id }

// VersionID returns meta.versionId as received.
func (r *Resource) VersionID() string { return r.versionID }

// LastUpdated returns meta.lastUpdated as received (an instant such as
// "2024-05-01T10:00:00.123+00:00"), or "".
func (r *Resource) LastUpdated() string { return r.lastUpdated }

// LastUpdatedTime returns meta.lastUpdated as a time, zero when absent or
// malformed.
func (r *Resource) LastUpdatedTime() time.Time {
	t, _ := time.Parse(time.RFC3339Nano, r.lastUpdated)
	return t
}

// Reference returns "Type/id", the relative reference to r.
func (r *Resource) Reference() string { return r.typ + "/" + r.id }

// Raw returns the JSON as received (nil for a [NewResource]). It must not
// be modified.
func (r *Resource) Raw() json.RawMessage { return r.raw }

// Decode decodes the JSON as received leniently into v, a pointer to a
// struct of the caller's choosing (another model, or a struct for an
// element samply gets wrong), and returns what it repaired.
func (r *Resource) Decode(v any) ([]Warning, error) {
	rv := reflect.ValueOf(v)
	if v == nil || rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("fhir: Decode needs a pointer to a struct, not %T", v)
	}
	if r.raw == nil {
		return nil, errors.New("fhir: Decode: the resource was not read from JSON")
	}
	return r.named(decodeLenient(r.raw, v)), nil
}

// named fills in the resource type and id of warnings.
func (r *Resource) named(ws []Warning) []Warning {
	for i := range ws {
		ws[i].ResourceType, ws[i].ID = r.typ, r.id
	}
	return ws
}

// header is what every resource has.
type header struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`
	Meta         struct {
		VersionID   string `json:"versionId"`
		LastUpdated string `json:"lastUpdated"`
	} `json:"meta"`
}

// parseResource decodes data, which it keeps (the caller must not reuse it).
func parseResource(data []byte) (*Resource, error) {
	typ, err := peekType(data)
	if err != nil {
		return nil, err
	}
	r := &Resource{raw: data, typ: typ}
	if m := newModel(typ); m != nil {
		r.Model = m
		r.Warnings = append(decodeLenient(data, m), relativeExtensionURLs(m)...)
		r.id, r.versionID, r.lastUpdated = modelHeader(m)
	} else {
		r.readHeader()
	}
	if len(r.Warnings) > 0 {
		// The model may have lost the id or meta: read them from the JSON.
		r.readHeader()
		r.named(r.Warnings)
	}
	return r, nil
}

// readHeader reads id and meta from the JSON, each on its own so that one
// bad element does not hide the others.
func (r *Resource) readHeader() {
	var h struct {
		ID   json.RawMessage `json:"id"`
		Meta struct {
			VersionID   json.RawMessage `json:"versionId"`
			LastUpdated json.RawMessage `json:"lastUpdated"`
		} `json:"meta"`
	}
	if json.Unmarshal(r.raw, &h) != nil {
		// meta is not an object: keep the id at least.
		var idOnly struct {
			ID json.RawMessage `json:"id"`
		}
		json.Unmarshal(r.raw, &idOnly)
		h.ID = idOnly.ID
	}
	r.id, r.versionID, r.lastUpdated = scalar(h.ID), scalar(h.Meta.VersionID), scalar(h.Meta.LastUpdated)
}

// scalar reads a JSON string or number as a string.
func scalar(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// modelHeader reads Id and Meta from a samply model without another pass
// over the JSON.
func modelHeader(m any) (id, versionID, lastUpdated string) {
	v := reflect.ValueOf(m).Elem()
	str := func(v reflect.Value) string {
		if v.IsValid() && v.Kind() == reflect.Pointer && !v.IsNil() && v.Elem().Kind() == reflect.String {
			return v.Elem().String()
		}
		return ""
	}
	id = str(v.FieldByName("Id"))
	if meta := v.FieldByName("Meta"); meta.IsValid() && meta.Kind() == reflect.Pointer && !meta.IsNil() {
		versionID = str(meta.Elem().FieldByName("VersionId"))
		lastUpdated = str(meta.Elem().FieldByName("LastUpdated"))
	}
	return id, versionID, lastUpdated
}

// errNotResource is returned for JSON that is not a resource.
var errNotResource = errors.New("fhir: not a resource (a JSON object with a string resourceType)")

// peekType returns the resourceType of a JSON object without decoding the
// rest.
func peekType(data []byte) (string, error) {
	if typ, ok := topLevelString(data, "resourceType"); ok && resourceTypeRE.MatchString(typ) {
		return typ, nil
	}
	// Escaped, or not a valid resource type: read it as encoding/json would.
	var h struct {
		ResourceType json.RawMessage `json:"resourceType"`
	}
	var s string
	if json.Unmarshal(data, &h) != nil || json.Unmarshal(h.ResourceType, &s) != nil || s == "" {
		return "", errNotResource
	}
	return s, nil
}

// MarshalJSON returns the resource to send. When Model has not changed since
// it was read, that is the JSON as received, byte for byte. Otherwise the
// changes (the difference between the model as decoded and Model now) are
// applied onto the JSON as received: changed elements take the model's
// value, elements removed from the model are removed, and everything else,
// including elements the models do not know, is kept as received. A
// resource from [NewResource] is the model's JSON without empty elements.
func (r *Resource) MarshalJSON() ([]byte, error) {
	if r.Model == nil {
		if r.raw == nil {
			return nil, errors.New("fhir: empty Resource")
		}
		return r.raw, nil
	}
	now, err := json.Marshal(r.Model)
	if err != nil {
		return nil, fmt.Errorf("fhir: encoding %s/%s: %w", r.typ, r.id, err)
	}
	if r.raw == nil {
		tree, err := parseTree(now)
		if err != nil {
			return nil, err
		}
		return json.Marshal(prune(tree))
	}
	mt := reflect.TypeOf(r.Model)
	if mt.Kind() != reflect.Pointer || mt.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("fhir: Model of %s/%s is a %T, not a pointer to a model struct", r.typ, r.id, r.Model)
	}
	base := reflect.New(mt.Elem()).Interface()
	decodeLenient(r.raw, base)
	was, err := json.Marshal(base)
	if err != nil {
		return nil, fmt.Errorf("fhir: encoding %s/%s: %w", r.typ, r.id, err)
	}
	if bytes.Equal(was, now) {
		return r.raw, nil
	}
	o, err1 := parseTree(r.raw)
	m0, err2 := parseTree(was)
	m1, err3 := parseTree(now)
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, fmt.Errorf("fhir: merging %s/%s: %w", r.typ, r.id, err)
	}
	return json.Marshal(merge3(o, m0, m1))
}

// merge3 applies the change from m0 to m1 onto o.
func merge3(o, m0, m1 any) any {
	if reflect.DeepEqual(m0, m1) {
		return o
	}
	om, ok0 := o.(map[string]any)
	bm, ok1 := m0.(map[string]any)
	nm, ok2 := m1.(map[string]any)
	if ok0 && ok1 && ok2 {
		out := make(map[string]any, len(om))
		for k, v := range om {
			out[k] = v
		}
		for k, nv := range nm {
			bv, had := bm[k]
			ov, kept := om[k]
			switch {
			case had && kept:
				out[k] = merge3(ov, bv, nv)
			case had && reflect.DeepEqual(bv, nv):
				// The model made this element up (a default); the JSON did
				// not have it.
			default:
				if p := prune(nv); p != nil {
					out[k] = p
				} else {
					delete(out, k)
				}
			}
		}
		for k := range bm {
			if _, still := nm[k]; !still {
				delete(out, k)
			}
		}
		return out
	}
	ol, ok0 := o.([]any)
	bl, ok1 := m0.([]any)
	nl, ok2 := m1.([]any)
	if ok0 && ok1 && ok2 && len(ol) == len(bl) {
		// Match each new element to an unchanged or edited old one, so that
		// what the models do not know survives appends, removals and edits.
		out := make([]any, 0, len(nl))
		used := make([]bool, len(bl))
		for i, nv := range nl {
			j := slices.IndexFunc(bl, func(bv any) bool { return reflect.DeepEqual(bv, nv) })
			for j >= 0 && used[j] {
				k := slices.IndexFunc(bl[j+1:], func(bv any) bool { return reflect.DeepEqual(bv, nv) })
				if k < 0 {
					j = -1
				} else {
					j += 1 + k
				}
			}
			switch {
			case j >= 0:
				used[j] = true
				out = append(out, ol[j])
			case len(nl) == len(bl) && !used[i]:
				// Same length: element i was edited in place.
				used[i] = true
				out = append(out, merge3(ol[i], bl[i], nv))
			default:
				if p := prune(nv); p != nil {
					out = append(out, p)
				}
			}
		}
		return out
	}
	return prune(m1)
}

// prune removes empty strings, objects and lists, and nulls: FHIR forbids
// empty elements, and samply emits some (choice types of payloads).
func prune(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if p := prune(e); p == nil {
				delete(x, k)
			} else {
				x[k] = p
			}
		}
		if len(x) == 0 {
			return nil
		}
	case []any:
		out := x[:0]
		for _, e := range x {
			if p := prune(e); p != nil {
				out = append(out, p)
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case string:
		if x == "" {
			return nil
		}
	}
	return v
}
