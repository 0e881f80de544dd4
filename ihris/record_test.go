package ihris_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mhero-go/mhero/fhir"
	"github.com/mhero-go/mhero/fhir/fhirtest"
	"github.com/mhero-go/mhero/ihris"
	"github.com/mhero-go/mhero/ihris/ihristest"
)

// losingTransport delivers the first write to the server and then loses
// the answer, as a dropped connection would: the write happened, the
// client cannot know.
type losingTransport struct {
	next http.RoundTripper
	lost atomic.Int32
}

func (t *losingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err == nil && (req.Method == http.MethodPost || req.Method == http.MethodPut) && t.lost.Add(1) == 1 {
		resp.Body.Close()
		return nil, io.ErrUnexpectedEOF
	}
	return resp, err
}

func TestRecordsAreCreatedOnceEvenWhenRetried(t *testing.T) {
	t.Parallel()
	srv := generated(t, ihristest.Workforce{Workers: 20, Regions: 1, Districts: 2, Facilities: 4})
	lossy := &losingTransport{next: srv.Client().Transport}
	client, err := fhir.NewClient(srv.URL(), fhir.WithHTTPClient(&http.Client{Transport: lossy}),
		fhir.WithRetry(3, time.Millisecond, 5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := ihris.NewRegistry(client)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	at := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

	start := ihris.FlowStart{UUID: "9a7e4c0e-0001-4c2b-9d7e-2f0b8c1d3e4f", FlowUUID: "b7a4770c-d034-4055-9f21-b17632ef311e",
		FlowName: "Stock check", Workers: []string{"P000001", "P000002"}, Status: "pending", CreatedOn: at}
	rec, err := reg.RecordFlowStart(ctx, start)
	if err != nil {
		t.Fatal(err)
	}
	if lossy.lost.Load() < 2 {
		t.Fatalf("the lost answer was not retried (%d writes)", lossy.lost.Load())
	}
	// The retry found the first attempt's resource: one CommunicationRequest.
	if rec.Created || rec.Reference == "" {
		t.Errorf("retried record = %+v, want the existing resource", rec)
	}
	again, err := reg.RecordFlowStart(ctx, start)
	if err != nil || again.Created || again.Reference != rec.Reference {
		t.Errorf("recording again = %+v, %v; want %s not created", again, err, rec.Reference)
	}
	n := 0
	for _, err := range client.Search(ctx, "CommunicationRequest", &fhir.SearchParams{Params: map[string][]string{"identifier": {ihris.FlowStartUUIDSystem + "|" + start.UUID}}}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 1 {
		t.Errorf("%d CommunicationRequests for one flow start, want 1", n)
	}

	msg, err := reg.RecordMessage(ctx, ihris.Message{ID: "84121", Worker: "P000001", Direction: ihris.Outgoing, Text: "How many boxes of ORS?",
		Status: "delivered", SentOn: at, Request: rec.Reference})
	if err != nil || !msg.Created {
		t.Fatalf("message: %+v, %v", msg, err)
	}
	reply, err := reg.RecordMessage(ctx, ihris.Message{ID: "84122", Worker: "P000001", Direction: ihris.Incoming, Text: "12",
		SentOn: at.Add(time.Minute), Request: rec.Reference, InResponseTo: msg.Reference})
	if err != nil || !reply.Created {
		t.Fatalf("reply: %+v, %v", reply, err)
	}
	run, err := reg.RecordRun(ctx, ihris.Run{UUID: "0c9e1f53-77aa-4a35-8f5e-3a1b2c3d4e5f", FlowUUID: start.FlowUUID, Worker: "P000001",
		ExitType: "completed", StartedOn: at, ExitedOn: at.Add(time.Minute), Answers: []ihris.Answer{{Key: "ors_boxes", Question: "How many boxes of ORS?", Value: "12"}}})
	if err != nil || !run.Created {
		t.Fatalf("run: %+v, %v", run, err)
	}
	bc, err := reg.RecordBroadcast(ctx, ihris.Broadcast{ID: "7540339", Text: "Training on Monday", Workers: []string{"P000002"}, CreatedOn: at})
	if err != nil || !bc.Created {
		t.Fatalf("broadcast: %+v, %v", bc, err)
	}

	// Each record reads back linked to its Practitioner.
	res, _, err := client.Read(ctx, "QuestionnaireResponse", run.Reference[len("QuestionnaireResponse/"):])
	if err != nil {
		t.Fatal(err)
	}
	if res.Raw() == nil || !containsAll(string(res.Raw()), `"source":{"reference":"Practitioner/P000001"}`, `"status":"completed"`, `"valueString":"12"`) {
		t.Errorf("stored run = %s", res.Raw())
	}
	if _, err := reg.RecordRun(ctx, ihris.Run{UUID: "x", Worker: "P1", ExitType: "finished"}); !errors.Is(err, ihris.ErrInvalidRecord) {
		t.Errorf("bad exit type: %v", err)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// TestRecordingAgainUpdatesTheRecord: a run recorded while active and again
// when it completes (or a message queued, then delivered) ends up as one
// resource in its latest state.
func TestRecordingAgainUpdatesTheRecord(t *testing.T) {
	t.Parallel()
	srv := generated(t, ihristest.Workforce{Workers: 10, Regions: 1, Districts: 1, Facilities: 2})
	reg := newRegistry(t, srv)
	client, err := fhir.NewClient(srv.URL(), fhir.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	at := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	run := ihris.Run{UUID: "0c9e1f53-77aa-4a35-8f5e-3a1b2c3d4e60", Worker: "P000001", StartedOn: at}
	first, err := reg.RecordRun(ctx, run)
	if err != nil || !first.Created {
		t.Fatalf("active run: %+v, %v", first, err)
	}
	run.ExitType, run.ExitedOn = "completed", at.Add(time.Minute)
	run.Answers = []ihris.Answer{{Key: "ors_boxes", Value: "12"}}
	second, err := reg.RecordRun(ctx, run)
	if err != nil || second.Created || second.Reference != first.Reference {
		t.Fatalf("completed run: %+v, %v; want %s updated", second, err, first.Reference)
	}
	res, _, err := client.Read(ctx, "QuestionnaireResponse", strings.TrimPrefix(first.Reference, "QuestionnaireResponse/"))
	if err != nil {
		t.Fatal(err)
	}
	if !containsAll(string(res.Raw()), `"status":"completed"`, `"valueString":"12"`) {
		t.Errorf("stored run = %s, want it completed with its answer", res.Raw())
	}
}

// TestRecordsSurviveServerFaults: the server answers the first writes with
// 503 (HAPI restarting, a proxy timing out); the retries store each record
// once.
func TestRecordsSurviveServerFaults(t *testing.T) {
	t.Parallel()
	srv := generated(t, ihristest.Workforce{Workers: 10, Regions: 1, Districts: 1, Facilities: 2})
	client, err := fhir.NewClient(srv.URL(), fhir.WithHTTPClient(srv.Client()), fhir.WithRetry(3, time.Millisecond, 5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := ihris.NewRegistry(client)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	srv.InjectFault(fhirtest.Fault{Status: http.StatusServiceUnavailable, Times: 2,
		Match: func(r *http.Request) bool { return r.Method == http.MethodPut }})
	msg := ihris.Message{ID: "99001", Worker: "P000001", Direction: ihris.Outgoing, Text: "Reminder", Status: "queued",
		SentOn: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
	rec, err := reg.RecordMessage(ctx, msg)
	if err != nil || !rec.Created {
		t.Fatalf("record through two 503s: %+v, %v", rec, err)
	}
	srv.InjectFault(fhirtest.Fault{Status: http.StatusServiceUnavailable, Times: 1,
		Match: func(r *http.Request) bool { return r.Method == http.MethodPut }})
	msg.Status = "delivered"
	again, err := reg.RecordMessage(ctx, msg)
	if err != nil || again.Created || again.Reference != rec.Reference {
		t.Fatalf("record again through a 503: %+v, %v; want %s updated", again, err, rec.Reference)
	}
	n := 0
	for res, err := range client.Search(ctx, "Communication", &fhir.SearchParams{Params: map[string][]string{"identifier": {ihris.MessageIDSystem + "|99001"}}}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if !strings.Contains(string(res.Raw()), `"status":"completed"`) { // queued was in-progress
			t.Errorf("stored message = %s, want it completed (delivered)", res.Raw())
		}
	}
	if n != 1 {
		t.Errorf("%d Communications for one message, want 1", n)
	}
}
