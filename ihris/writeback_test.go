package ihris

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	models "github.com/samply/golang-fhir-models/fhir-models/fhir"
)

var sentAt = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

func TestFlowStartResource(t *testing.T) {
	t.Parallel()
	res, id, err := FlowStart{UUID: "f-start-1", FlowUUID: "flow-1", FlowName: "Stock check", Workers: []string{"P1", "P2"},
		Status: "pending", CreatedOn: sentAt}.resource()
	if err != nil {
		t.Fatal(err)
	}
	if id != (identifier{FlowStartUUIDSystem, "f-start-1"}) {
		t.Errorf("identifier = %+v", id)
	}
	data, _ := json.Marshal(res)
	cr, err := models.UnmarshalCommunicationRequest(data)
	if err != nil {
		t.Fatalf("not a valid CommunicationRequest: %v\n%s", err, data)
	}
	if cr.Status != models.RequestStatusActive || len(cr.Recipient) != 2 || *cr.Recipient[1].Reference != "Practitioner/P2" {
		t.Errorf("decoded = %+v", cr)
	}
	// One content[x] only: samply's own payload type would emit all three.
	if strings.Contains(string(data), "contentString") || !strings.Contains(string(data), `"contentAttachment":{"url":"flow-1","title":"Stock check"}`) {
		t.Errorf("payload: %s", data)
	}
	if !strings.Contains(string(data), `{"url":"contact_globalid","valueString":"Practitioner/P1"}`) {
		t.Errorf("flow-starts extension lacks the recipients: %s", data)
	}
}

func TestBroadcastMessageAndRunResources(t *testing.T) {
	t.Parallel()
	b, _, err := Broadcast{ID: "7540339", Text: "Hello", Workers: []string{"P1"}, CreatedOn: sentAt}.resource()
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(b)
	if _, err := models.UnmarshalCommunicationRequest(data); err != nil || !strings.Contains(string(data), `"payload":[{"contentString":"Hello"}]`) {
		t.Errorf("broadcast %s: %v", data, err)
	}

	in, _, err := Message{ID: "m-2", Worker: "P1", Direction: Incoming, Text: "42", SentOn: sentAt,
		Request: "CommunicationRequest/cr1", InResponseTo: "Communication/c1"}.resource()
	if err != nil {
		t.Fatal(err)
	}
	data, _ = json.Marshal(in)
	c, err := models.UnmarshalCommunication(data)
	if err != nil {
		t.Fatalf("%s: %v", data, err)
	}
	if *c.Sender.Reference != "Practitioner/P1" || len(c.Recipient) != 0 || *c.Received != "2026-11-25T09:00:00Z" ||
		*c.BasedOn[0].Reference != "CommunicationRequest/cr1" || c.Status != models.EventStatusCompleted {
		t.Errorf("incoming message = %s", data)
	}
	out, _, _ := Message{ID: "m-1", Worker: "P1", Direction: Outgoing, Text: "Q?", Status: "failed"}.resource()
	if out.Status != "not-done" || out.Recipient[0].Reference != "Practitioner/P1" || out.Sender != nil {
		t.Errorf("outgoing failed message = %+v", out)
	}

	qr, id, err := Run{UUID: "run-1", FlowUUID: "flow-1", Worker: "P1", ExitType: "interrupted", StartedOn: sentAt,
		Answers: []Answer{{Key: "stock", Question: "How many?", Value: "12"}, {Key: "skipped"}}}.resource()
	if err != nil {
		t.Fatal(err)
	}
	data, _ = json.Marshal(qr)
	q, err := models.UnmarshalQuestionnaireResponse(data)
	if err != nil {
		t.Fatalf("%s: %v", data, err)
	}
	if id.System != RunUUIDSystem || q.Status != models.QuestionnaireResponseStatusStopped || *q.Source.Reference != "Practitioner/P1" ||
		*q.Item[0].Answer[0].ValueString != "12" || len(q.Item[1].Answer) != 0 {
		t.Errorf("run = %s", data)
	}
}

func TestInvalidRecords(t *testing.T) {
	t.Parallel()
	for name, err := range map[string]error{
		"no recipients": func() error { _, _, err := (FlowStart{UUID: "a", FlowUUID: "b"}).resource(); return err }(),
		"reference worker": func() error {
			_, _, err := (Broadcast{ID: "1", Text: "x", Workers: []string{"Practitioner/P1"}}).resource()
			return err
		}(),
		"direction":        func() error { _, _, err := (Message{ID: "1", Worker: "P1"}).resource(); return err }(),
		"exit type":        func() error { _, _, err := (Run{UUID: "r", Worker: "P1", ExitType: "done"}).resource(); return err }(),
		"run without uuid": func() error { _, _, err := (Run{Worker: "P1"}).resource(); return err }(),
	} {
		if !errors.Is(err, ErrInvalidRecord) {
			t.Errorf("%s: err = %v, want ErrInvalidRecord", name, err)
		}
	}
}
