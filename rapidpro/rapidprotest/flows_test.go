package rapidprotest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mhero-go/mhero/internal/fixtures"
	"github.com/mhero-go/mhero/rapidpro/rapidprotest"
)

// surveyExport is a one-question survey with a timeout, in export format.
const surveyExport = `{
  "version": "13",
  "site": "https://app.rapidpro.io",
  "fields": [{"key": "district", "name": "District", "type": "text"}],
  "groups": [{"uuid": "1b1add1b-6ed4-4e13-9b08-9127b2d33c74", "name": "Nurses", "query": null}],
  "flows": [{
    "uuid": "f5901b62-ba76-4003-9c62-72fdacc1b7b7",
    "name": "Availability",
    "spec_version": "13.1.0",
    "language": "eng",
    "type": "messaging",
    "expire_after_minutes": 60,
    "localization": {"fra": {"a1000000-0000-4000-8000-000000000001": {"text": ["Êtes-vous disponible ?"]}}},
    "nodes": [
      {"uuid": "n1000000-0000-4000-8000-000000000001",
       "actions": [{"uuid": "a1000000-0000-4000-8000-000000000001", "type": "send_msg", "text": "Hello @contact.first_name, are you available?", "quick_replies": ["Yes", "No"]}],
       "exits": [{"uuid": "e1000000-0000-4000-8000-000000000001", "destination_uuid": "n2000000-0000-4000-8000-000000000002"}]},
      {"uuid": "n2000000-0000-4000-8000-000000000002",
       "actions": [],
       "router": {"type": "switch", "operand": "@input.text", "result_name": "Available",
         "wait": {"type": "msg", "timeout": {"seconds": 600, "category_uuid": "c4000000-0000-4000-8000-000000000004"}},
         "default_category_uuid": "c3000000-0000-4000-8000-000000000003",
         "cases": [
           {"uuid": "k1000000-0000-4000-8000-000000000001", "type": "has_any_word", "arguments": ["yes y"], "category_uuid": "c1000000-0000-4000-8000-000000000001"},
           {"uuid": "k2000000-0000-4000-8000-000000000002", "type": "has_any_word", "arguments": ["no n"], "category_uuid": "c2000000-0000-4000-8000-000000000002"}],
         "categories": [
           {"uuid": "c1000000-0000-4000-8000-000000000001", "name": "Yes", "exit_uuid": "e2000000-0000-4000-8000-000000000001"},
           {"uuid": "c2000000-0000-4000-8000-000000000002", "name": "No", "exit_uuid": "e2000000-0000-4000-8000-000000000002"},
           {"uuid": "c3000000-0000-4000-8000-000000000003", "name": "Other", "exit_uuid": "e2000000-0000-4000-8000-000000000003"},
           {"uuid": "c4000000-0000-4000-8000-000000000004", "name": "No Response", "exit_uuid": "e2000000-0000-4000-8000-000000000004"}]},
       "exits": [
         {"uuid": "e2000000-0000-4000-8000-000000000001", "destination_uuid": "n3000000-0000-4000-8000-000000000003"},
         {"uuid": "e2000000-0000-4000-8000-000000000002", "destination_uuid": "n3000000-0000-4000-8000-000000000003"},
         {"uuid": "e2000000-0000-4000-8000-000000000003", "destination_uuid": "n1000000-0000-4000-8000-000000000001"},
         {"uuid": "e2000000-0000-4000-8000-000000000004"}]},
      {"uuid": "n3000000-0000-4000-8000-000000000003",
       "actions": [{"uuid": "a3000000-0000-4000-8000-000000000003", "type": "send_msg", "text": "Thanks, you said @results.available.category (@trigger.params.campaign)"}],
       "exits": [{"uuid": "e3000000-0000-4000-8000-000000000003"}]}
    ]
  }]
}`

const surveyUUID = "f5901b62-ba76-4003-9c62-72fdacc1b7b7"

func importColor(t *testing.T, srv *rapidprotest.Server) []string {
	t.Helper()
	uuids, err := srv.ImportFlows([]byte(surveyExport))
	if err != nil {
		t.Fatal(err)
	}
	return uuids
}

func TestFlowStartRunsEngineAndReceiveResumes(t *testing.T) {
	t.Parallel()
	clock := rapidprotest.NewManualClock(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC), time.Millisecond)
	var mu sync.Mutex
	var outbox []rapidprotest.Message
	srv := newServer(t, rapidprotest.WithClock(clock), rapidprotest.WithMessageHook(func(m rapidprotest.Message) {
		mu.Lock()
		outbox = append(outbox, m)
		mu.Unlock()
	}))
	importColor(t, srv)
	ama, _ := srv.AddContact(rapidprotest.ContactSpec{Name: "Ama Kollie", URNs: []string{"tel:+231770000001"}, Groups: []string{"Nurses"}})
	_, _ = srv.AddContact(rapidprotest.ContactSpec{Name: "Jean Doe", Language: "fra", URNs: []string{"tel:+231770000002"}, Groups: []string{"Nurses"}})
	_, _ = srv.AddContact(rapidprotest.ContactSpec{Name: "No Phone", Groups: []string{"Nurses"}})

	status, _, body := call(t, srv, "POST", "flow_starts.json", object{"flow": surveyUUID, "groups": []string{"Nurses"}, "params": object{"campaign": "Q2"}})
	if status != http.StatusCreated || body.(object)["status"] != "pending" {
		t.Fatalf("flow start: %d %v", status, body)
	}
	start := body.(object)["uuid"].(string)
	_, _, body = call(t, srv, "GET", "flow_starts.json?uuid="+start, nil)
	if fs := results(t, body)[0]; fs["status"] != "completed" || fs["progress"].(object)["started"] != 3.0 {
		t.Errorf("start after processing: %v", fs)
	}
	_, _, body = call(t, srv, "GET", "runs.json?flow="+surveyUUID, nil)
	runs := results(t, body)
	if len(runs) != 3 {
		t.Fatalf("got %d runs, want 3", len(runs))
	}
	for _, r := range runs {
		if r["exit_type"] != nil || r["start"].(object)["uuid"] != start {
			t.Errorf("run %v should be waiting, from the start", r)
		}
	}
	_, _, body = call(t, srv, "GET", "messages.json?folder=failed", nil)
	if n := len(results(t, body)); n != 1 {
		t.Errorf("%d failed messages, want 1 (the contact without a URN)", n)
	}
	mu.Lock()
	texts := []string{}
	for _, m := range outbox {
		texts = append(texts, m.Text)
	}
	mu.Unlock()
	joined := strings.Join(texts, "|")
	if !strings.Contains(joined, "Hello Ama, are you available?") || !strings.Contains(joined, "Êtes-vous disponible ?") {
		t.Errorf("outgoing texts %q lack the personalised or localised question", texts)
	}

	if err := srv.Receive(context.Background(), "tel:+231770000001", "yes I am"); err != nil {
		t.Fatal(err)
	}
	_, _, body = call(t, srv, "GET", "runs.json?contact="+ama, nil)
	r := results(t, body)[0]
	if r["exit_type"] != "completed" || r["responded"] != true {
		t.Fatalf("resumed run: %v", r)
	}
	v := r["values"].(object)["available"].(object)
	if v["category"] != "Yes" || v["value"] != "yes I am" || v["node"] != "n2000000-0000-4000-8000-000000000002" {
		t.Errorf("value %v", v)
	}
	if p := r["path"].([]any); len(p) != 3 {
		t.Errorf("path %v, want 3 nodes", p)
	}
	_, _, body = call(t, srv, "GET", "messages.json?contact="+ama, nil)
	msgs := results(t, body)
	if len(msgs) != 3 || msgs[0]["text"] != "Thanks, you said Yes (Q2)" || msgs[1]["direction"] != "in" {
		t.Errorf("conversation %v", msgs)
	}
	_, _, body = call(t, srv, "GET", "messages.json?folder=flows", nil)
	if len(results(t, body)) != 1 {
		t.Errorf("the reply should be in the flows folder")
	}

	// The others time out after 10 minutes.
	moved, err := srv.Advance(context.Background(), 11*time.Minute)
	if err != nil || moved != 2 {
		t.Fatalf("Advance: %d moved, %v", moved, err)
	}
	_, _, body = call(t, srv, "GET", "flows.json?uuid="+surveyUUID, nil)
	counts := results(t, body)[0]["runs"].(object)
	if counts["completed"] != 3.0 || counts["waiting"] != 0.0 {
		t.Errorf("flow run counts %v", counts)
	}
}

func TestRestartParticipantsAndExcludeActive(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	importColor(t, srv)
	c, _ := srv.AddContact(rapidprotest.ContactSpec{Name: "Ama", URNs: []string{"tel:+231770000001"}})
	start := func(extra object) {
		body := object{"flow": surveyUUID, "contacts": []string{c}}
		for k, v := range extra {
			body[k] = v
		}
		if status, _, b := call(t, srv, "POST", "flow_starts.json", body); status != 201 {
			t.Fatalf("start: %d %v", status, b)
		}
	}
	start(nil)
	start(object{"exclude_active": true})        // waiting: skipped
	start(object{"restart_participants": false}) // has run before: skipped
	if n := srv.Counts().Runs; n != 1 {
		t.Errorf("%d runs, want 1", n)
	}
	start(nil) // restarts: the first run is interrupted
	_, _, body := call(t, srv, "GET", "runs.json?reverse=true", nil)
	rs := results(t, body)
	if len(rs) != 2 || rs[0]["exit_type"] != "interrupted" || rs[1]["exit_type"] != nil {
		t.Errorf("runs %v", rs)
	}
}

func TestDefinitionsReturnImportedFlows(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	importColor(t, srv)
	status, _, body := call(t, srv, "GET", "definitions.json?flow="+surveyUUID, nil)
	doc := body.(object)
	if status != 200 || len(doc["flows"].([]any)) != 1 || doc["version"] != "13" || len(doc["fields"].([]any)) != 1 {
		t.Fatalf("definitions: %d %v", status, body)
	}
	if status, _, _ := call(t, srv, "GET", "definitions.json?dependencies=some", nil); status != 400 {
		t.Errorf("bad dependencies: status %d", status)
	}
	_, _, body = call(t, srv, "GET", "flows.json", nil)
	f := results(t, body)[0]
	if f["expires"] != 60.0 || f["type"] != "message" || f["results"].([]any)[0].(object)["key"] != "available" {
		t.Errorf("flow %v", f)
	}
}

func TestImportRealFlowFixtures(t *testing.T) {
	t.Parallel()
	dir := fixtures.Dir(t, "fixtures", "flows")
	srv := newServer(t)
	for _, name := range []string{"favorites_v13.json", "sample_flows.json", "cataclysm.json"} {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		uuids, err := srv.ImportFlows(raw)
		if err != nil || len(uuids) == 0 {
			t.Fatalf("%s: %v %v", name, uuids, err)
		}
		c, _ := srv.AddContact(rapidprotest.ContactSpec{Name: "Tester " + name})
		if status, _, body := call(t, srv, "POST", "flow_starts.json", object{"flow": uuids[0], "contacts": []string{c}}); status != 201 {
			t.Fatalf("%s: start %d %v", name, status, body)
		}
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	importColor(t, srv)
	c, _ := srv.AddContact(rapidprotest.ContactSpec{Name: "Ama", URNs: []string{"tel:+231770000001"}})
	body := object{"flow": surveyUUID, "contacts": []string{c}}

	t.Run("status", func(t *testing.T) {
		remove := srv.InjectFault(rapidprotest.Fault{Kind: rapidprotest.FaultStatus, Method: "POST", Endpoint: "flow_starts", Times: 1})
		defer remove()
		status, hdr, raw := callRaw(t, srv, "POST", "flow_starts.json", srv.Token(), body)
		if status != 500 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/plain") || string(raw) != "Server Error. Site administrators have been notified." {
			t.Errorf("got %d %q %q", status, hdr.Get("Content-Type"), raw)
		}
		if n := srv.Counts().FlowStarts; n != 0 {
			t.Errorf("a 500 before the endpoint created %d starts", n)
		}
	})
	t.Run("drop after commit", func(t *testing.T) {
		srv.InjectFault(rapidprotest.Fault{Kind: rapidprotest.FaultDropAfterCommit, Endpoint: "flow_starts", Times: 1})
		before := srv.Counts().FlowStarts
		req, _ := http.NewRequest("POST", srv.URL()+"/api/v2/flow_starts.json", strings.NewReader(`{"flow":"`+surveyUUID+`","contacts":["`+c+`"]}`))
		req.Header.Set("Authorization", "Token "+srv.Token())
		tr := &http.Transport{} // a fresh connection so the POST is not retried on a reused one
		defer tr.CloseIdleConnections()
		_, err := (&http.Client{Transport: tr}).Do(req)
		if err == nil {
			t.Fatal("the connection should have been dropped")
		}
		if n := srv.Counts().FlowStarts - before; n != 1 {
			t.Errorf("the dropped request committed %d starts, want 1", n)
		}
		reqs := srv.Requests()
		if last := reqs[len(reqs)-1]; last.Fault != "drop-after-commit" || last.Status != 201 {
			t.Errorf("log entry %+v", last)
		}
	})
	t.Run("truncate", func(t *testing.T) {
		srv.InjectFault(rapidprotest.Fault{Kind: rapidprotest.FaultTruncate, Endpoint: "contacts", Times: 1})
		req, _ := http.NewRequest("GET", srv.URL()+"/api/v2/contacts.json", nil)
		req.Header.Set("Authorization", "Token "+srv.Token())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if _, err := io.ReadAll(resp.Body); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("reading a truncated body: %v, want unexpected EOF", err)
		}
		if status, _, _ := call(t, srv, "GET", "contacts.json", nil); status != 200 {
			t.Errorf("the fault should apply once; then status %d", status)
		}
	})
	t.Run("delay", func(t *testing.T) {
		srv.InjectFault(rapidprotest.Fault{Kind: rapidprotest.FaultDelay, Endpoint: "groups", Delay: 150 * time.Millisecond, Skip: 1, Times: 1})
		call(t, srv, "GET", "groups.json", nil) // skipped
		t0 := time.Now()
		if status, _, _ := call(t, srv, "GET", "groups.json", nil); status != 200 {
			t.Errorf("status %d", status)
		}
		if d := time.Since(t0); d < 150*time.Millisecond {
			t.Errorf("delayed request took %v", d)
		}
		if n := srv.RequestCount("GET", "groups"); n != 2 {
			t.Errorf("RequestCount %d, want 2", n)
		}
	})
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	importColor(t, srv)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 8 {
				urn := fmt.Sprintf("tel:+2317770%d%04d", w, i)
				call(t, srv, "POST", "flow_starts.json", object{"flow": surveyUUID, "urns": []string{urn}})
				_ = srv.Receive(context.Background(), urn, "no")
				getPage(t, srv, "runs.json?paths=false")
			}
		}()
	}
	wg.Wait()
	if c := srv.Counts(); c.FlowStarts != 32 || c.Runs != 32 {
		t.Errorf("counts %+v", c)
	}
}

func TestSeededSurveyDescribesItsResults(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	flow, err := srv.SeedRuns(rapidprotest.RunSeed{Count: 3, Contacts: 2})
	if err != nil {
		t.Fatal(err)
	}
	_, _, body := call(t, srv, "GET", "flows.json?uuid="+flow, nil)
	f := results(t, body)[0]
	res := f["results"].([]any)
	if len(res) != 2 || res[0].(object)["key"] != "available" || res[1].(object)["key"] != "facility_stock" {
		t.Fatalf("results %v", res)
	}
	if f["runs"].(object)["completed"] != 3.0 {
		t.Errorf("runs %v", f["runs"])
	}
	_, _, body = call(t, srv, "GET", "runs.json", nil)
	r := results(t, body)[0]
	v := r["values"].(object)["available"].(object)
	if v["node"] != res[0].(object)["node_uuids"].([]any)[0] {
		t.Errorf("value node %v is not the result's node %v", v["node"], res[0])
	}
	// The seeded survey also runs: a start asks the first question.
	_, _, body = call(t, srv, "GET", "contacts.json", nil)
	c := results(t, body)[0]["uuid"].(string)
	if status, _, _ := call(t, srv, "POST", "flow_starts.json", object{"flow": flow, "contacts": []string{c}}); status != 201 {
		t.Fatalf("start: %d", status)
	}
	if err := srv.Receive(t.Context(), results(t, body)[0]["urns"].([]any)[0].(string), "yes"); err != nil {
		t.Fatal(err)
	}
	if err := srv.Receive(t.Context(), results(t, body)[0]["urns"].([]any)[0].(string), "7 boxes"); err != nil {
		t.Fatal(err)
	}
	_, _, body = call(t, srv, "GET", "runs.json?contact="+c, nil)
	latest := results(t, body)[0]
	if latest["exit_type"] != "completed" || latest["values"].(object)["facility_stock"].(object)["category"] != "Has Number" {
		t.Errorf("run %v", latest)
	}
}

func TestAnonymousWorkspaceMasksURNs(t *testing.T) {
	t.Parallel()
	srv := newServer(t, rapidprotest.WithWorkspace(rapidprotest.Workspace{Anon: true}))
	if _, err := srv.AddContact(rapidprotest.ContactSpec{Name: "Ama", URNs: []string{"tel:+231770000001"}}); err != nil {
		t.Fatal(err)
	}
	_, _, body := call(t, srv, "GET", "contacts.json", nil)
	if u := results(t, body)[0]["urns"].([]any)[0]; u != "tel:********" {
		t.Errorf("urn %v is not masked", u)
	}
	if status, _, _ := call(t, srv, "GET", "contacts.json?urn=tel:%2B231770000001", nil); status != 400 {
		t.Errorf("URN lookup: status %d, want 400", status)
	}
}

func TestLateRepliesAndTimeoutsInTimeOrder(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	srv := newServer(t, rapidprotest.WithClock(rapidprotest.NewManualClock(t0, 0)))
	importColor(t, srv)
	prompt, _ := srv.AddContact(rapidprotest.ContactSpec{Name: "Prompt", URNs: []string{"tel:+231770000001"}, Groups: []string{"Nurses"}})
	late, _ := srv.AddContact(rapidprotest.ContactSpec{Name: "Late", URNs: []string{"tel:+231770000002"}, Groups: []string{"Nurses"}})
	if status, _, _ := call(t, srv, "POST", "flow_starts.json", object{"flow": surveyUUID, "groups": []string{"Nurses"}}); status != 201 {
		t.Fatal(status)
	}
	if err := srv.ReceiveAfter("tel:+231770000001", "yes", 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := srv.ReceiveAfter("tel:+231770000002", "yes", 15*time.Minute); err != nil {
		t.Fatal(err)
	}
	n, err := srv.Advance(t.Context(), 20*time.Minute)
	if err != nil || n != 3 {
		t.Fatalf("Advance processed %d events (%v), want the two replies and one timeout", n, err)
	}
	if now := srv.Now(); !now.Equal(t0.Add(20 * time.Minute)) {
		t.Errorf("clock at %v", now)
	}
	category := func(contact string) (string, any) {
		_, _, body := call(t, srv, "GET", "runs.json?contact="+contact, nil)
		r := results(t, body)[0]
		return r["values"].(object)["available"].(object)["category"].(string), r["exited_on"]
	}
	if c, exited := category(prompt); c != "Yes" || exited != "2026-05-01T09:05:00.000000Z" {
		t.Errorf("prompt: %s exited %v", c, exited)
	}
	if c, exited := category(late); c != "No Response" || exited != "2026-05-01T09:10:00.000000Z" {
		t.Errorf("late: %s exited %v, want the timeout at 09:10", c, exited)
	}
	_, _, body := call(t, srv, "GET", "messages.json?folder=inbox", nil)
	if in := results(t, body); len(in) != 1 || in[0]["created_on"] != "2026-05-01T09:15:00.000000Z" {
		t.Errorf("the late reply should reach the inbox at 09:15: %v", in)
	}
}

// coverageEngine plays network coverage on top of BasicEngine: messages to
// health workers in Gbarpolu fail, and a contact named "Crash" breaks the
// engine.
type coverageEngine struct{ rapidprotest.BasicEngine }

func (e coverageEngine) Start(ctx context.Context, in rapidprotest.StartInput) (rapidprotest.Outcome, error) {
	if in.Contact.Name == "Crash" {
		return rapidprotest.Outcome{}, errors.New("simulated engine failure")
	}
	out, err := e.BasicEngine.Start(ctx, in)
	if in.Contact.Fields["district"] == "Gbarpolu" {
		for i := range out.Messages {
			out.Messages[i].Status = "failed"
		}
	}
	return out, err
}

func TestPluggedEngine(t *testing.T) {
	t.Parallel()
	var logs strings.Builder
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	srv := newServer(t, rapidprotest.WithEngine(coverageEngine{}), rapidprotest.WithLogger(logger))
	importColor(t, srv)
	for _, c := range []rapidprotest.ContactSpec{
		{Name: "Covered", URNs: []string{"tel:+231770000001"}, Fields: map[string]string{"district": "Bong"}},
		{Name: "Remote", URNs: []string{"tel:+231770000002"}, Fields: map[string]string{"district": "Gbarpolu"}},
		{Name: "Crash", URNs: []string{"tel:+231770000003"}},
	} {
		c.Groups = []string{"Nurses"}
		if _, err := srv.AddContact(c); err != nil {
			t.Fatal(err)
		}
	}
	if status, _, body := call(t, srv, "POST", "flow_starts.json", object{"flow": surveyUUID, "groups": []string{"Nurses"}}); status != 201 {
		t.Fatalf("%d %v", status, body)
	}
	_, _, body := call(t, srv, "GET", "messages.json?folder=failed", nil)
	if failed := results(t, body); len(failed) != 1 || failed[0]["contact"].(object)["name"] != "Remote" {
		t.Errorf("failed messages %v, want Remote's", failed)
	}
	_, _, body = call(t, srv, "GET", "runs.json", nil)
	exits := map[string]any{}
	for _, r := range results(t, body) {
		exits[r["contact"].(object)["name"].(string)] = r["exit_type"]
	}
	if exits["Crash"] != "failed" || exits["Covered"] != nil || exits["Remote"] != nil {
		t.Errorf("exit types %v", exits)
	}
	if !strings.Contains(logs.String(), "simulated engine failure") {
		t.Errorf("the engine error was not logged: %q", logs.String())
	}
}

func TestLegacyExtraIsSanitised(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	importColor(t, srv)
	c, _ := srv.AddContact(rapidprotest.ContactSpec{Name: "Ama"})
	_, _, body := call(t, srv, "POST", "flow_starts.json", object{"flow": surveyUUID, "contacts": []string{c},
		"extra": object{"first name!": strings.Repeat("x", 700)}})
	params := body.(object)["params"].(object)
	if v, ok := params["first_name_"].(string); !ok || len(v) != 640 {
		t.Errorf("params %v", params)
	}
}

func TestAsyncStartsRunWhenProcessed(t *testing.T) {
	t.Parallel()
	srv := newServer(t, rapidprotest.WithAsyncStarts())
	importColor(t, srv)
	c, _ := srv.AddContact(rapidprotest.ContactSpec{Name: "Ama", URNs: []string{"tel:+231770000001"}})
	_, _, body := call(t, srv, "POST", "flow_starts.json", object{"flow": surveyUUID, "contacts": []string{c}})
	start := body.(object)["uuid"].(string)
	_, _, body = call(t, srv, "GET", "flow_starts.json?uuid="+start, nil)
	if fs := results(t, body)[0]; fs["status"] != "pending" || srv.Counts().Runs != 0 {
		t.Fatalf("before processing: %v, %d runs", fs, srv.Counts().Runs)
	}
	if n, err := srv.ProcessStarts(t.Context()); n != 1 || err != nil {
		t.Fatalf("ProcessStarts: %d %v", n, err)
	}
	_, _, body = call(t, srv, "GET", "flow_starts.json?uuid="+start, nil)
	if fs := results(t, body)[0]; fs["status"] != "completed" || srv.Counts().Runs != 1 {
		t.Errorf("after processing: %v, %d runs", fs, srv.Counts().Runs)
	}
	if n, _ := srv.ProcessStarts(t.Context()); n != 0 {
		t.Errorf("a start ran twice")
	}
}
