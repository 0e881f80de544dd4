package rapidprotest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The reflection-based encoding below is the reference appendRun must
// agree with.

type runContactJSON struct {
	UUID       string  `json:"uuid"`
	Name       string  `json:"name"`
	URN        *string `json:"urn"`
	URNDisplay *string `json:"urn_display"`
}

type runValueJSON struct {
	Name     string  `json:"name"`
	Value    string  `json:"value"`
	Category *string `json:"category"`
	Node     string  `json:"node"`
	Time     string  `json:"time"`
}

type pathJSON struct {
	Node string `json:"node"`
	Time string `json:"time"`
}

type uuidRef struct {
	UUID string `json:"uuid"`
}

type runJSON struct {
	ID         int64                   `json:"id"`
	UUID       string                  `json:"uuid"`
	Flow       ref                     `json:"flow"`
	Contact    runContactJSON          `json:"contact"`
	Start      *uuidRef                `json:"start"`
	Responded  bool                    `json:"responded"`
	Path       []pathJSON              `json:"path"`
	Values     map[string]runValueJSON `json:"values"`
	CreatedOn  string                  `json:"created_on"`
	ModifiedOn string                  `json:"modified_on"`
	ExitedOn   *string                 `json:"exited_on"`
	ExitType   *string                 `json:"exit_type"`
}

func runToJSON(r *run, paths, anon bool) runJSON {
	out := runJSON{ID: r.id, UUID: r.uuid, Flow: r.flow.ref(),
		Contact:   runContactJSON{UUID: r.contact.uuid, Name: r.contact.displayName()},
		Responded: r.responded, Values: make(map[string]runValueJSON, len(r.values)),
		CreatedOn: formatTime(r.created), ModifiedOn: formatTime(r.modified), ExitedOn: formatTimePtr(r.exited)}
	if len(r.contact.urns) > 0 && !anon {
		u := r.contact.urns[0]
		_, display, _ := strings.Cut(u, ":")
		out.Contact.URN, out.Contact.URNDisplay = &u, &display
	}
	if r.start != nil {
		out.Start = &uuidRef{r.start.uuid}
	}
	if paths {
		out.Path = make([]pathJSON, len(r.path))
		for i, p := range r.path {
			out.Path[i] = pathJSON{p.node, formatTime(p.time)}
		}
	}
	for _, v := range r.values {
		vj := runValueJSON{Name: v.name, Value: v.value, Node: v.node, Time: formatTime(v.time)}
		if v.category != "" {
			cat := v.category
			vj.Category = &cat
		}
		out.Values[v.key] = vj
	}
	if r.exitType != "" {
		et := r.exitType
		out.ExitType = &et
	}
	return out
}

func decodeAny(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("invalid JSON %q: %v", b, err)
	}
	return v
}

func sampleRun(name, value, category string) *run {
	at := time.Date(2026, 2, 3, 4, 5, 6, 789000, time.UTC)
	f := &flow{uuid: "f5901b62-ba76-4003-9c62-72fdacc1b7b7", name: name}
	c := &contact{uuid: "d33e9ad5-5c35-414c-abd4-e7451c69ff1d", name: &name, urns: []string{"tel:+231770000001"}}
	return &run{id: 42, uuid: "0199c5c0-8f9b-76ea-a955-193ad8ed8606", flow: f, contact: c,
		start: &flowStart{uuid: "09d23a05-47fe-11e4-bfe9-b8f6b119e9ab"}, responded: true,
		path:    []pathStep{{"27a86a1b-6cc4-4ae3-b73d-89650966a82f", at}, {"fc32aeb0-ac3e-42a8-9ea7-10248fdf52a1", at}},
		values:  []runValue{{key: "color", name: name, value: value, category: category, node: "fc32aeb0-ac3e-42a8-9ea7-10248fdf52a1", time: at}},
		created: at, modified: at}
}

func TestAppendRunMatchesReflection(t *testing.T) {
	t.Parallel()
	for _, r := range []*run{
		sampleRun("Favorite Color", "blue", "Blue"),
		sampleRun("quote \" backslash \\ tab \t nl \n <>&", "\x00\x1f é 😀 \u2028", ""),
		sampleRun("bad utf8 \xff\xfe", "", ""),
	} {
		for _, paths := range []bool{true, false} {
			for _, anon := range []bool{false, true} {
				want, err := json.Marshal(runToJSON(r, paths, anon))
				if err != nil {
					t.Fatal(err)
				}
				got := appendRun(nil, r, paths, anon)
				if d := cmp.Diff(decodeAny(t, want), decodeAny(t, got)); d != "" {
					t.Errorf("paths=%v anon=%v (-reflection +appendRun):\n%s", paths, anon, d)
				}
			}
		}
	}
	r := sampleRun("x", "y", "z")
	r.start, r.exitType, r.exited = nil, "completed", r.created
	want, _ := json.Marshal(runToJSON(r, true, false))
	if d := cmp.Diff(decodeAny(t, want), decodeAny(t, appendRun(nil, r, true, false))); d != "" {
		t.Errorf("exited run differs:\n%s", d)
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", "\"\\", "\x00\x7f", "é😀", "\xff", "\u2028\u2029", "<a&b>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		var a, b string
		if err := json.Unmarshal(appendString(nil, s), &a); err != nil {
			t.Fatalf("appendString(%q) is not a JSON string: %v", s, err)
		}
		_ = json.Unmarshal(want, &b)
		if a != b {
			t.Fatalf("appendString(%q) decodes to %q, encoding/json's to %q", s, a, b)
		}
	})
}
