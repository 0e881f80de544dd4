package flow

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzSplit checks the object and array splitters against encoding/json on
// valid documents, and that they never panic on others.
func FuzzSplit(f *testing.F) {
	for _, seed := range []string{
		`{"a": 1, "b": [1, {"c": "]}"}], "d\"e": null, "\u00e9": true}`,
		`[1, "two", {"three": [3]}, [], {}, -4.5e3, false]`,
		`{"a": 1, "a": 2}`,
		`  { }  `, `[ ]`, `{"a" 1}`, `[1,]`, `{"a": "\\"}`, `"x"`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		members, err := splitObject(data)
		var wantMembers map[string]json.RawMessage
		if json.Valid(data) && json.Unmarshal(data, &wantMembers) == nil {
			if err != nil {
				t.Fatalf("splitObject(%q): %v", data, err)
			}
			if diff := cmp.Diff(compactAll(wantMembers), compactAll(members)); diff != "" {
				t.Fatalf("splitObject(%q) differs from encoding/json:\n%s", data, diff)
			}
		}
		elems, err := splitArray(data)
		var wantElems []json.RawMessage
		if json.Valid(data) && json.Unmarshal(data, &wantElems) == nil {
			if err != nil {
				t.Fatalf("splitArray(%q): %v", data, err)
			}
			if len(elems) != len(wantElems) {
				t.Fatalf("splitArray(%q) gave %d elements, want %d", data, len(elems), len(wantElems))
			}
			for i := range elems {
				if string(compactRaw(elems[i])) != string(compactRaw(wantElems[i])) {
					t.Fatalf("splitArray(%q)[%d] = %s, want %s", data, i, elems[i], wantElems[i])
				}
			}
		}
	})
}

func compactAll(m map[string]json.RawMessage) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = string(compactRaw(v))
	}
	return out
}
