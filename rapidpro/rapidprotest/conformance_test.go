package rapidprotest_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mhero-go/mhero/internal/fixtures"
	"github.com/mhero-go/mhero/rapidpro/rapidprotest"
)

// TestFixtureRequestsAreAccepted posts the request bodies of the shared
// fixtures to a workspace holding the objects they name.
func TestFixtureRequestsAreAccepted(t *testing.T) {
	t.Parallel()
	dir := fixtures.Dir(t, "fixtures", "rapidpro")
	srv := newServer(t)
	_, err := srv.ImportFlows([]byte(`{"version": "13", "flows": [], "fields": [
		{"key": "nickname", "name": "Nickname", "type": "text"}, {"key": "side_kick", "name": "Side Kick", "type": "text"},
		{"key": "last_hit", "name": "Last Hit", "type": "datetime"}],
		"groups": [{"uuid": "6685e933-26e1-4363-a468-8f7268ab63a9", "name": "Devs", "query": null}]}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []rapidprotest.ContactSpec{
		{UUID: "09d23a05-47fe-11e4-bfe9-b8f6b119e9ab", Name: "Joe"},
		{UUID: "d33e9ad5-5c35-414c-abd4-e7451c69ff1d", Name: "Bob McFlow", URNs: []string{"tel:+12065551212"}},
	} {
		if _, err := srv.AddContact(c); err != nil {
			t.Fatal(err)
		}
	}
	srv.AddResthook("new-report")
	srv.AddLabel("Testing")

	cases := []struct {
		file, path string
		status     int
	}{
		{"groups_create_request.json", "groups.json", 201},
		{"fields_create_request.json", "fields.json", 201},
		{"contacts_create_request.json", "contacts.json", 201},
		{"contacts_update_by_urn_request.json", "contacts.json?urn=twitter:ben", 200},
		{"broadcasts_create_request.json", "broadcasts.json", 201},
		{"messages_create_request.json", "messages.json", 201},
		{"resthook_subscribers_create_request.json", "resthook_subscribers.json", 201},
		{"message_actions_request.json", "message_actions.json", 200}, // the ids do not exist: failures
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(dir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			status, _, body := callRaw(t, srv, "POST", tc.path, srv.Token(), string(raw))
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, body)
			}
		})
	}
	_, _, body := callRaw(t, srv, "POST", "message_actions.json", srv.Token(), `{"messages": [1234, 2345, 3456], "action": "label", "label": "Testing"}`)
	var failures struct{ Failures []int64 }
	if err := json.Unmarshal(body, &failures); err != nil || len(failures.Failures) != 3 {
		t.Errorf("message_actions failures: %s", body)
	}
	_, _, v := call(t, srv, "GET", "contacts.json?urn=twitter:ben", nil)
	c := results(t, v)[0]
	if c["fields"].(object)["nickname"] != "Ben" || c["fields"].(object)["side_kick"] != "Ryan Lewis" || c["language"] != "eng" {
		t.Errorf("contact after update by URN: %v", c)
	}
}

// TestEveryEndpointLists checks that every GET endpoint answers with the
// v2 envelope (or its object) and that writes on read-only endpoints get 405.
func TestEveryEndpointLists(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c, _ := srv.AddContact(rapidprotest.ContactSpec{Name: "Ama", URNs: []string{"tel:+231770000001"}})
	if _, err := srv.AddTicket(c, "Stock-outs"); err != nil {
		t.Fatal(err)
	}
	srv.AddGlobal("org_name", "Org Name", "Ministry of Health")
	android := srv.AddChannel(rapidprotest.ChannelSpec{Name: "Android Phone", Address: "+231770000100", Type: "android",
		Country: "LR", Device: &rapidprotest.Device{Name: "Nexus 5X", PowerLevel: 99, NetworkType: "WIFI"}})
	srv.AddResthook("new-report")
	if err := srv.AddBoundary(rapidprotest.BoundarySpec{OSMID: "R1", Name: "Liberia"}); err != nil {
		t.Fatal(err)
	}
	if err := srv.AddBoundary(rapidprotest.BoundarySpec{OSMID: "R2", Name: "Bong", Parent: "R1", Level: 1}); err != nil {
		t.Fatal(err)
	}
	lists := []string{"archives", "boundaries", "broadcasts", "campaigns", "campaign_events", "channels", "channel_events",
		"contacts", "fields", "flow_starts", "flows", "globals", "groups", "labels", "messages", "resthooks",
		"resthook_events", "resthook_subscribers", "runs", "tickets", "topics", "users"}
	for _, name := range lists {
		status, _, body := call(t, srv, "GET", name+".json", nil)
		page, ok := body.(object)
		if status != 200 || !ok || page["results"] == nil {
			t.Errorf("%s: %d %v", name, status, body)
			continue
		}
		if _, has := page["next"]; !has {
			t.Errorf("%s: no next member", name)
		}
	}
	for _, name := range []string{"workspace", "org"} {
		status, _, body := call(t, srv, "GET", name+".json", nil)
		if status != 200 || body.(object)["uuid"] != srv.WorkspaceUUID() {
			t.Errorf("%s: %d %v", name, status, body)
		}
	}
	_, _, body := call(t, srv, "GET", "boundaries.json", nil)
	if b := results(t, body); len(b) != 2 || b[0]["osm_id"] != "R1" || b[1]["parent"].(object)["osm_id"] != "R1" {
		t.Errorf("boundaries %v", b)
	}
	_, _, body = call(t, srv, "GET", "channels.json?uuid="+android, nil)
	if ch := results(t, body); len(ch) != 1 || ch[0]["device"].(object)["power_level"] != 99.0 {
		t.Errorf("channels %v", ch)
	}
	if status, _, _ := call(t, srv, "POST", "runs.json", object{}); status != http.StatusMethodNotAllowed {
		t.Errorf("POST runs: status %d, want 405", status)
	}
	if status, _, _ := call(t, srv, "GET", "nothing.json", nil); status != http.StatusNotFound {
		t.Errorf("unknown endpoint: status %d, want 404", status)
	}
}

func TestTicketActionsAndMedia(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c, _ := srv.AddContact(rapidprotest.ContactSpec{Name: "Ama"})
	tk, _ := srv.AddTicket(c, "Stock-outs")
	status, _, body := call(t, srv, "POST", "ticket_actions.json", object{"tickets": []string{tk}, "action": "close"})
	if status != http.StatusNoContent {
		t.Fatalf("close: %d %v", status, body)
	}
	status, _, body = call(t, srv, "POST", "ticket_actions.json", object{"tickets": []string{tk}, "action": "close"})
	if status != 200 || len(body.(object)["failures"].([]any)) != 1 {
		t.Errorf("closing a closed ticket: %d %v, want a failure", status, body)
	}

	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "poster.jpg")
	fw.Write([]byte(strings.Repeat("x", 1000)))
	mw.Close()
	req, _ := http.NewRequest("POST", srv.APIURL()+"media.json", &buf)
	req.Header.Set("Authorization", "Token "+srv.Token())
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m struct {
		UUID, ContentType, Filename string
		Size                        int
	}
	json.NewDecoder(resp.Body).Decode(&m)
	if resp.StatusCode != 201 || m.Size != 1000 || m.Filename != "poster.jpg" {
		t.Errorf("media: %d %+v", resp.StatusCode, m)
	}
}
