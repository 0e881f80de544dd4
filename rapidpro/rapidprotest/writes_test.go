package rapidprotest_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"github.com/mhero-go/mhero/rapidpro/rapidprotest"
)

func TestContactFieldsMergeAndValidation(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	for _, f := range [][2]string{{"district", "text"}, {"age", "number"}} {
		if err := srv.AddField(f[0], f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	status, _, body := call(t, srv, "POST", "contacts.json", object{"name": "Ama", "urns": []string{"tel:0770000001"},
		"fields": object{"district": "Bong", "age": "34"}})
	if status != 201 {
		t.Fatalf("%d %v", status, body)
	}
	c := body.(object)
	if c["urns"].([]any)[0] != "tel:+231770000001" {
		t.Errorf("local number not normalised with the workspace country: %v", c["urns"])
	}
	uuid := c["uuid"].(string)
	_, _, body = call(t, srv, "POST", "contacts.json?uuid="+uuid, object{"fields": object{"age": nil}})
	fields := body.(object)["fields"].(object)
	if fields["district"] != "Bong" || fields["age"] != nil {
		t.Errorf("fields after clearing age: %v", fields)
	}
	status, _, body = call(t, srv, "POST", "contacts.json?uuid="+uuid, object{"fields": object{"nope": "x"}, "language": "english"})
	errs := body.(object)
	if status != 400 || errs["fields"].([]any)[0] != "Invalid contact field key: nope" || errs["language"] == nil {
		t.Errorf("%d %v", status, body)
	}
	status, _, body = call(t, srv, "POST", "contacts.json?urn=tel:%2B231770000002", object{"urns": []string{"tel:+231770000003"}})
	if status != 400 || body.(object)["urns"] == nil {
		t.Errorf("upsert with urns in the body: %d %v", status, body)
	}
}

func TestMessagingEndpoints(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	ama, _ := srv.AddContact(rapidprotest.ContactSpec{Name: "Ama", URNs: []string{"tel:+231770000001"}})
	if _, err := srv.AddGroup("Nurses", ""); err != nil {
		t.Fatal(err)
	}
	status, _, body := call(t, srv, "POST", "broadcasts.json", object{"text": "Training on Monday", "contacts": []string{ama},
		"urns": []string{"tel:+231770000009"}})
	if status != 201 || body.(object)["text"].(object)["eng"] != "Training on Monday" {
		t.Fatalf("broadcast: %d %v", status, body)
	}
	bid := body.(object)["id"].(float64)
	_, _, body = call(t, srv, "GET", "messages.json?broadcast="+strconv.Itoa(int(bid)), nil)
	if n := len(results(t, body)); n != 2 {
		t.Errorf("%d broadcast messages, want 2 (one contact created for the new URN)", n)
	}
	status, _, body = call(t, srv, "POST", "messages.json", object{"contact": ama, "text": "Are you at the clinic?"})
	if status != 201 || body.(object)["status"] != "queued" {
		t.Fatalf("send: %d %v", status, body)
	}
	_, _, body = call(t, srv, "GET", "messages.json?folder=sent", nil)
	if sent := results(t, body); len(sent) != 3 || sent[0]["text"] != "Are you at the clinic?" {
		t.Errorf("sent folder %v", sent)
	}
	if err := srv.Receive(context.Background(), "tel:+231770000001", "Yes I am"); err != nil {
		t.Fatal(err)
	}
	_, _, body = call(t, srv, "GET", "messages.json?folder=inbox", nil)
	in := results(t, body)
	if len(in) != 1 {
		t.Fatalf("inbox %v", in)
	}
	id := in[0]["id"].(float64)
	status, _, _ = call(t, srv, "POST", "message_actions.json", object{"messages": []float64{id}, "action": "label", "label_name": "Replies"})
	if status != http.StatusNoContent {
		t.Errorf("label: %d", status)
	}
	_, _, body = call(t, srv, "GET", "messages.json?label=Replies", nil)
	if n := len(results(t, body)); n != 1 {
		t.Errorf("%d labelled messages", n)
	}
	call(t, srv, "POST", "message_actions.json", object{"messages": []float64{id}, "action": "archive"})
	_, _, body = call(t, srv, "GET", "messages.json?folder=archived", nil)
	if n := len(results(t, body)); n != 1 {
		t.Errorf("%d archived messages", n)
	}
	status, _, body = call(t, srv, "GET", "messages.json?folder=inbox&contact="+ama, nil)
	if status != 400 {
		t.Errorf("folder with contact: %d %v, want 400", status, body)
	}
	_, _, body = call(t, srv, "GET", "messages.json?folder=nonsense", nil)
	if n := len(results(t, body)); n != 0 {
		t.Errorf("unknown folder listed %d messages", n)
	}
}

func TestWorkspaceObjects(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	if err := srv.AddField("last_visit", "Last Visit", "datetime"); err != nil {
		t.Fatal(err)
	}
	gid, _ := srv.AddGroup("Nurses", "")
	status, _, body := call(t, srv, "POST", "globals.json", object{"name": "Org Name", "value": "MoH"})
	if status != 201 || body.(object)["key"] != "org_name" {
		t.Fatalf("global: %d %v", status, body)
	}
	status, _, body = call(t, srv, "POST", "globals.json?key=org_name", object{"value": "Ministry of Health"})
	if status != 200 || body.(object)["value"] != "Ministry of Health" {
		t.Errorf("global update: %d %v", status, body)
	}
	status, _, body = call(t, srv, "POST", "campaigns.json", object{"name": "Follow-up", "group": gid})
	if status != 201 {
		t.Fatalf("campaign: %d %v", status, body)
	}
	camp := body.(object)["uuid"].(string)
	status, _, body = call(t, srv, "POST", "campaign_events.json", object{"campaign": camp, "relative_to": "last_visit",
		"offset": 2, "unit": "weeks", "delivery_hour": 9, "message": "Time for your follow-up"})
	if status != 201 || body.(object)["message"].(object)["eng"] != "Time for your follow-up" {
		t.Fatalf("campaign event: %d %v", status, body)
	}
	status, _, body = call(t, srv, "POST", "campaign_events.json", object{"campaign": camp, "relative_to": "last_visit",
		"offset": 2, "unit": "fortnights"})
	if status != 400 || body.(object)["unit"] == nil || body.(object)["non_field_errors"] == nil {
		t.Errorf("bad event: %d %v", status, body)
	}
	if status, _, body := call(t, srv, "DELETE", "groups.json?uuid="+gid, nil); status != 400 {
		t.Errorf("deleting a group used by a campaign: %d %v", status, body)
	}
	status, _, body = call(t, srv, "POST", "groups.json", object{"name": "nurses"})
	if status != 400 || body.(object)["name"] == nil {
		t.Errorf("duplicate group name: %d %v", status, body)
	}
	status, _, body = call(t, srv, "POST", "fields.json", object{"name": "Last Visit", "type": "text"})
	if status != 400 {
		t.Errorf("duplicate field: %d %v", status, body)
	}
	status, _, body = call(t, srv, "POST", "topics.json", object{"name": "Stock-outs"})
	if status != 201 || body.(object)["counts"].(object)["open"] != 0.0 {
		t.Errorf("topic: %d %v", status, body)
	}
}

// Updates and deletions name their object with ?uuid=; an unknown one is a
// 404 and a known one changes in place.
func TestUpdateAndDeleteByUUID(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	if err := srv.AddField("last_visit", "Last Visit", "datetime"); err != nil {
		t.Fatal(err)
	}
	gid, _ := srv.AddGroup("Nurses", "")
	const unknown = "00000000-0000-4000-8000-000000000000"

	label := srv.AddLabel("Stock")
	if status, _, body := call(t, srv, "POST", "labels.json?uuid="+label, object{"name": "Stock-outs"}); status != 200 || body.(object)["name"] != "Stock-outs" {
		t.Errorf("label update: %d %v", status, body)
	}
	if status, _, _ := call(t, srv, "POST", "labels.json?uuid="+unknown, object{"name": "X"}); status != 404 {
		t.Errorf("unknown label update: %d", status)
	}
	if status, _, _ := call(t, srv, "DELETE", "labels.json?uuid="+label, nil); status != 204 {
		t.Errorf("label delete: %d", status)
	}
	if status, _, _ := call(t, srv, "DELETE", "labels.json?uuid="+label, nil); status != 404 {
		t.Errorf("second label delete: %d", status)
	}

	_, _, body := call(t, srv, "POST", "campaigns.json", object{"name": "Follow-up", "group": gid})
	camp := body.(object)["uuid"].(string)
	_, _, body = call(t, srv, "POST", "campaign_events.json", object{"campaign": camp, "relative_to": "last_visit",
		"offset": 2, "unit": "weeks", "delivery_hour": 9, "message": "Follow-up due"})
	event := body.(object)["uuid"].(string)
	status, _, body := call(t, srv, "POST", "campaign_events.json?uuid="+event, object{"campaign": camp, "relative_to": "last_visit",
		"offset": 3, "unit": "days", "delivery_hour": 9, "message": "Follow-up due"})
	if status != 200 || body.(object)["uuid"] != event || body.(object)["offset"] != 3.0 {
		t.Errorf("event update: %d %v", status, body)
	}
	if status, _, _ := call(t, srv, "POST", "campaign_events.json?uuid="+unknown, object{"campaign": camp}); status != 404 {
		t.Errorf("unknown event update: %d", status)
	}
	if status, _, _ := call(t, srv, "DELETE", "campaign_events.json?uuid="+event, nil); status != 204 {
		t.Errorf("event delete: %d", status)
	}
	if status, _, _ := call(t, srv, "DELETE", "campaign_events.json?uuid="+event, nil); status != 404 {
		t.Errorf("second event delete: %d", status)
	}

	_, _, body = call(t, srv, "POST", "topics.json", object{"name": "Stock"})
	topic := body.(object)["uuid"].(string)
	if status, _, body := call(t, srv, "POST", "topics.json?uuid="+topic, object{"name": "Supplies"}); status != 200 || body.(object)["name"] != "Supplies" {
		t.Errorf("topic update: %d %v", status, body)
	}
	if status, _, _ := call(t, srv, "POST", "topics.json?uuid="+unknown, object{"name": "X"}); status != 404 {
		t.Errorf("unknown topic update: %d", status)
	}
}
