package rapidpro

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mhero-go/mhero/internal/fixtures"
)

// fixtureTypes maps each shared fixture to the type it must decode into. A
// new fixture without an entry fails the test, so none is skipped silently.
func fixtureType(name string) (any, bool) {
	switch name {
	case "contacts_create_request.json", "contacts_update_by_urn_request.json":
		return new(ContactRequest), true
	case "contacts_create_response.json":
		return new(Contact), true
	case "contact_actions_request.json":
		return new(contactActionBody), true
	case "groups_create_request.json":
		return new(nameBody), true
	case "groups_create_response.json":
		return new(Group), true
	case "fields_create_request.json":
		return new(FieldRequest), true
	case "fields_create_response.json":
		return new(Field), true
	case "flow_starts_create_request.json", "flow_starts_create_request_all_options.json":
		return new(FlowStartRequest), true
	case "flow_starts_create_response.json":
		return new(FlowStart), true
	case "messages_create_request.json":
		return new(MessageRequest), true
	case "messages_create_response.json":
		return new(Message), true
	case "message_actions_request.json":
		return new(MessageAction), true
	case "message_actions_response_partial_failure.json":
		return new(struct {
			Failures []int64 `json:"failures"`
		}), true
	case "broadcasts_create_request.json":
		return new(BroadcastRequest), true
	case "broadcasts_create_response.json":
		return new(Broadcast), true
	case "campaign_events_create_request.json":
		return new(CampaignEventRequest), true
	case "campaign_events_create_response.json":
		return new(CampaignEvent), true
	case "media_upload_response.json":
		return new(Media), true
	case "resthook_subscribers_create_request.json":
		return new(struct {
			Resthook  string `json:"resthook"`
			TargetURL string `json:"target_url"`
		}), true
	case "workspace.json", "pyclient_org.json":
		return new(Workspace), true
	case "pyclient_definitions.json":
		return new(Export), true
	case "pyclient_empty.json":
		return new(pageBody[json.RawMessage]), true
	}
	endpoint, ok := strings.CutSuffix(strings.TrimPrefix(name, "pyclient_"), "_list.json")
	if !ok {
		return nil, false
	}
	return listType(endpoint)
}

func listType(endpoint string) (any, bool) {
	switch endpoint {
	case "archives":
		return new(pageBody[Archive]), true
	case "boundaries":
		return new(pageBody[Boundary]), true
	case "broadcasts":
		return new(pageBody[Broadcast]), true
	case "campaign_events":
		return new(pageBody[CampaignEvent]), true
	case "campaigns":
		return new(pageBody[Campaign]), true
	case "channel_events":
		return new(pageBody[ChannelEvent]), true
	case "channels":
		return new(pageBody[Channel]), true
	case "classifiers":
		return new(pageBody[Classifier]), true
	case "contacts":
		return new(pageBody[Contact]), true
	case "fields":
		return new(pageBody[Field]), true
	case "flow_starts":
		return new(pageBody[FlowStart]), true
	case "flows":
		return new(pageBody[Flow]), true
	case "globals":
		return new(pageBody[Global]), true
	case "groups":
		return new(pageBody[Group]), true
	case "labels":
		return new(pageBody[Label]), true
	case "messages":
		return new(pageBody[Message]), true
	case "resthook_events":
		return new(pageBody[ResthookEvent]), true
	case "resthook_subscribers":
		return new(pageBody[ResthookSubscriber]), true
	case "resthooks":
		return new(pageBody[Resthook]), true
	case "runs":
		return new(pageBody[Run]), true
	case "tickets":
		return new(pageBody[Ticket]), true
	case "topics":
		return new(pageBody[Topic]), true
	case "users":
		return new(pageBody[User]), true
	}
	return nil, false
}

// droppedOnPurpose lists fields a typed struct deliberately does not keep.
var droppedOnPurpose = map[string]string{
	// Only archives lists carry a total; Page does not expose it because
	// v2 cursor lists do not send it.
	"archives_list.json:count": "count of a cursor list",
}

// TestFixturesConformance decodes every shared RapidPro fixture into its
// typed struct, encodes it again, and checks that every field of the
// original is still there with the same value (timestamps compared as
// instants, a null allowed to come back as a zero value or be left out).
func TestFixturesConformance(t *testing.T) {
	t.Parallel()
	dir := fixtures.Dir(t, "fixtures", "rapidpro")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures in %s: %v", dir, err)
	}
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(name, "error_") {
				checkErrorFixture(t, raw)
				return
			}
			target, ok := fixtureType(name)
			if !ok {
				t.Fatalf("no typed struct is mapped to %s", name)
			}
			if err := json.Unmarshal(raw, target); err != nil {
				t.Fatalf("decoding into %T: %v", target, err)
			}
			again, err := json.Marshal(target)
			if err != nil {
				t.Fatal(err)
			}
			var want, got any
			if err := json.Unmarshal(raw, &want); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(again, &got); err != nil {
				t.Fatal(err)
			}
			for key := range droppedOnPurpose {
				if file, field, _ := strings.Cut(key, ":"); file == name {
					delete(want.(map[string]any), field)
				}
			}
			got = prune(want, got)
			if diff := cmp.Diff(want, got, timeAsInstant, nullAsZero); diff != "" {
				t.Errorf("%T loses or changes fields (-fixture +re-encoded):\n%s", target, diff)
			}
		})
	}
}

// prune removes from got the object keys want does not have (fields the
// typed struct adds are fine), and fills in the keys whose value in want is
// null and that got left out.
func prune(want, got any) any {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return got
		}
		out := make(map[string]any, len(w))
		for k, wv := range w {
			gv, present := g[k]
			if !present && wv == nil {
				present = true
			}
			if present {
				out[k] = prune(wv, gv)
			}
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return got
		}
		out := make([]any, len(g))
		for i := range g {
			out[i] = prune(w[i], g[i])
		}
		return out
	}
	return got
}

// timeAsInstant compares strings that are both timestamps by the instant
// they name, as the typed Time writes them in UTC with trimmed fractions.
var timeAsInstant = cmp.FilterValues(func(a, b string) bool {
	_, ea := ParseTime(a)
	_, eb := ParseTime(b)
	return ea == nil && eb == nil
}, cmp.Comparer(func(a, b string) bool {
	ta, _ := ParseTime(a)
	tb, _ := ParseTime(b)
	return ta.Equal(tb)
}))

// nullAsZero lets a JSON null come back as the zero value of its type.
var nullAsZero = cmp.FilterValues(func(a, b any) bool {
	return (a == nil) != (b == nil)
}, cmp.Comparer(func(a, b any) bool {
	v := a
	if a == nil {
		v = b
	}
	return isZeroJSON(v)
}))

func isZeroJSON(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case float64:
		return x == 0
	case bool:
		return !x
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return reflect.ValueOf(v).IsZero()
}

// checkErrorFixture checks that every message of an error body reaches the
// flattened Error.
func checkErrorFixture(t *testing.T, raw []byte) {
	detail, fields := parseErrorBody(raw)
	var got []string
	if detail != "" {
		got = append(got, detail)
	}
	for _, msgs := range fields {
		got = append(got, msgs...)
	}
	var want []string
	collectStrings(mustDecode(t, raw), &want)
	sort.Strings(got)
	sort.Strings(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("error messages lost (-fixture +parsed):\n%s", diff)
	}
}

func mustDecode(t *testing.T, raw []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func collectStrings(v any, out *[]string) {
	switch x := v.(type) {
	case string:
		*out = append(*out, x)
	case []any:
		for _, e := range x {
			collectStrings(e, out)
		}
	case map[string]any:
		for _, e := range x {
			collectStrings(e, out)
		}
	}
}
