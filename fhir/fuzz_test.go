package fhir

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// FuzzParseResource checks that the lenient decoder never panics, never
// loses a resource (any JSON object with a string resourceType is read),
// and always writes back valid JSON.
func FuzzParseResource(f *testing.F) {
	for _, seed := range []string{
		messyPractitioner,
		practitionerJSON,
		`{"resourceType":"Location","id":"F1","managingOrganization":"Organization/F1","position":{"longitude":"","latitude":"9.1"}}`,
		`{"resourceType":"Communication","status":"done","basedOn":"CommunicationRequest/1","payload":{"contentString":3}}`,
		`{"resourceType":"PractitionerRole","code":"nurse","period":{"start":20240101},"active":"yes"}`,
		`{"resourceType":"Practitioner","name":[null,{"given":"Awa"}],"telecom":[[{"value":1}]]}`,
		`{"id":"x","resourceType":"Bundle","entry":{"resource":1}}`,
		`{"resourceType":"FutureThing","x":[1,2]}`,
		`{"resourceType":"Patient","deceasedBoolean":"false","multipleBirthInteger":"1e2"}`,
		`[1,2]`,
		`{"resourceType":7}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseResource(data)
		var probe struct {
			ResourceType any `json:"resourceType"`
		}
		isResource := json.Valid(data) && json.Unmarshal(data, &probe) == nil
		if typ, ok := probe.ResourceType.(string); isResource && ok && typ != "" {
			if err != nil || r == nil || r.Type() == "" {
				t.Fatalf("resource dropped: %v", err)
			}
		}
		if err != nil {
			return
		}
		b, err := r.MarshalJSON()
		if err != nil {
			t.Fatalf("MarshalJSON: %v", err)
		}
		if !json.Valid(b) {
			t.Fatalf("MarshalJSON gave invalid JSON %q", b)
		}
		for _, w := range r.Warnings {
			if w.ResourceType != r.Type() {
				t.Fatalf("warning %v does not name the resource", w)
			}
		}
	})
}

// FuzzParsePage checks that a Bundle is never rejected because of one of its
// entries, and that the decoder never panics.
func FuzzParsePage(f *testing.F) {
	for _, seed := range []string{
		`{"resourceType":"Bundle","type":"searchset","total":"2","link":[{"relation":"next","url":"x"}],"entry":[` +
			`{"resource":` + messyPractitioner + `,"search":{"mode":"match"}},{"resource":17},{"resource":null},{}]}`,
		`{"resourceType":"Bundle","type":"batch-response","entry":[{"response":{"status":"404 Not Found",` +
			`"outcome":{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-found"}]}}}]}`,
		`{"resourceType":"OperationOutcome","issue":[{"severity":"error","diagnostics":"bad _sort"}]}`,
		`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Location","managingOrganization":"Organization/1"}}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := parsePage(data)
		if err != nil {
			return
		}
		var raw struct {
			Entry []struct {
				Resource map[string]any `json:"resource"`
			} `json:"entry"`
		}
		if json.Unmarshal(data, &raw) != nil || len(raw.Entry) != len(p.Entries) {
			return
		}
		for i, e := range raw.Entry {
			if typ, ok := e.Resource["resourceType"].(string); ok && typ != "" && p.Entries[i].Resource == nil {
				t.Fatalf("entry %d (%s) lost its resource", i, typ)
			}
		}
	})
}

// FuzzTopLevelString checks the scanner that finds resourceType against
// encoding/json's tokenizer.
func FuzzTopLevelString(f *testing.F) {
	for _, seed := range []string{
		messyPractitioner,
		`{"a":{"resourceType":"No"},"b":["]\"}",{"c":[1,2]}],"n":-1.5e3,"t":true,"z":null,"resourceType":"Yes"}`,
		`{"resourceType":"Esc\u0061ped"}`,
		`{"resourceType" : "Spaced" }`,
		`{"x":"\\","resourceType":"AfterBackslash"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, ok := topLevelString(data, "resourceType")
		if !json.Valid(data) {
			return // only ever given valid JSON; it must merely not panic
		}
		want, found := firstTopLevelString(data, "resourceType")
		if ok && (!found || got != want) {
			t.Fatalf("scanner found %q, encoding/json %q (%v)", got, want, found)
		}
		plain := !bytes.Contains(data, []byte(`\`)) && !bytes.ContainsFunc([]byte(want), func(r rune) bool { return r >= utf8.RuneSelf })
		if !ok && found && plain {
			t.Fatalf("scanner missed %q", want)
		}
	})
}

// firstTopLevelString is the first value of key among the members of a
// JSON object, if it is a string, read with encoding/json's tokenizer.
func firstTopLevelString(data []byte, key string) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return "", false
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		if tok == key {
			v, err := dec.Token()
			s, isString := v.(string)
			return s, err == nil && isString
		}
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return "", false
		}
	}
	return "", false
}
