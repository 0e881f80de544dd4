package rapidpro

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// startStore is a flow_starts endpoint that records starts like RapidPro
// and can fail a POST in the ways that leave its outcome unknown.
type startStore struct {
	mu     sync.Mutex
	starts []map[string]any
	// fail decides, for the n-th POST (from 1), how it fails: "" succeeds,
	// "drop-after-commit" saves the start then drops the connection,
	// "500" fails before saving, "drop" drops before saving.
	fail func(n int) string
	// listFails makes the lookup fail.
	listFails bool
	posts     int
}

func (s *startStore) install(f *fakeAPI) {
	f.handle("POST flow_starts.json", func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		json.NewDecoder(r.Body).Decode(&body)
		s.mu.Lock()
		s.posts++
		mode := ""
		if s.fail != nil {
			mode = s.fail(s.posts)
		}
		var start map[string]any
		if mode == "" || mode == "drop-after-commit" {
			now := time.Now().UTC().Format(time.RFC3339Nano)
			start = map[string]any{"uuid": fmt.Sprintf("start-%d", len(s.starts)+1), "flow": map[string]string{"uuid": body["flow"].(string)},
				"status": "pending", "params": body["params"], "created_on": now, "modified_on": now}
			s.starts = append(s.starts, start)
		}
		s.mu.Unlock()
		switch mode {
		case "drop-after-commit", "drop":
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		case "500":
			http.Error(w, "Server Error. Site administrators have been notified.", 500)
		default:
			writeJSON(w, 201, start)
		}
	})
	f.handle("GET flow_starts.json", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.listFails {
			http.Error(w, "down", 500)
			return
		}
		after, _ := ParseTime(r.URL.Query().Get("after"))
		uuid := r.URL.Query().Get("uuid")
		var out []map[string]any
		for _, st := range s.starts {
			st["status"] = "completed" // processed by the time anyone looks
			mod, _ := ParseTime(st["modified_on"].(string))
			if !mod.Before(after) && (uuid == "" || uuid == st["uuid"]) {
				out = append(out, st)
			}
		}
		writeJSON(w, 200, map[string]any{"next": nil, "results": out})
	})
	f.handle("GET workspace.json", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"uuid": f.workspace})
	})
}

func (s *startStore) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.starts)
}

func TestFlowStartCommittedThenDroppedIsNotSentAgain(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	store := &startStore{fail: func(n int) string {
		if n == 1 {
			return "drop-after-commit"
		}
		return ""
	}}
	store.install(f)
	c := f.client(t)
	fs, err := c.FlowStarts.Create(t.Context(), &FlowStartRequest{Flow: "flow-1", Groups: []string{"Nurses"}, Params: map[string]any{"week": 3}})
	if err != nil {
		t.Fatal(err)
	}
	if store.count() != 1 || store.posts != 1 {
		t.Errorf("%d starts exist after %d POSTs, want exactly 1 and 1", store.count(), store.posts)
	}
	if fs.UUID != "start-1" || fs.Mark() == "" || fs.Params["week"] != float64(3) {
		t.Errorf("got %+v", fs)
	}
}

func TestFlowStartNotCommittedIsSentAgainOnce(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"500", "drop"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			store := &startStore{fail: func(n int) string {
				if n == 1 {
					return mode
				}
				return ""
			}}
			store.install(f)
			params := map[string]any{"week": 3}
			fs, err := f.client(t).FlowStarts.Create(t.Context(), &FlowStartRequest{Flow: "flow-1", Contacts: []string{"c1"}, Params: params})
			if err != nil {
				t.Fatal(err)
			}
			if store.count() != 1 || store.posts != 2 || fs.UUID != "start-1" {
				t.Errorf("%d starts after %d POSTs (%+v)", store.count(), store.posts, fs)
			}
			if _, marked := params[MarkParam]; marked {
				t.Error("Create changed the caller's params")
			}
		})
	}
}

func TestFlowStartOutcomeUnknownWhenLookupFails(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	store := &startStore{fail: func(int) string { return "drop" }, listFails: true}
	store.install(f)
	_, err := f.client(t, WithRetry(0, 0, 0)).FlowStarts.Create(t.Context(), &FlowStartRequest{Flow: "flow-1", Contacts: []string{"c1"}, Params: map[string]any{MarkParam: "my-key"}})
	var unknown *OutcomeUnknownError
	if !errors.As(err, &unknown) || !errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("got %v, want an *OutcomeUnknownError", err)
	}
	if unknown.Mark != "my-key" || unknown.Since.IsZero() {
		t.Errorf("the error does not say how to look for the start later: %+v", unknown)
	}
	if store.posts != 1 {
		t.Errorf("sent %d times without knowing whether the first was done", store.posts)
	}
}

func TestStartManySplitsIntoBatches(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	store := &startStore{fail: func(n int) string {
		if n == 3 {
			return "drop-after-commit"
		}
		return ""
	}}
	store.install(f)
	contacts := make([]string, 0, 260)
	for i := range 250 {
		contacts = append(contacts, fmt.Sprintf("c-%03d", i))
	}
	contacts = append(contacts, contacts[:10]...) // repeats are sent once
	batches, err := f.client(t).FlowStarts.StartMany(t.Context(), &FlowStartRequest{
		Flow: "flow-1", Contacts: contacts, Groups: []string{"Nurses"}, Params: map[string]any{MarkParam: "job-7"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(batches) != 3 || len(batches[0].Contacts) != 100 || len(batches[2].Contacts) != 50 || len(batches[0].Groups) != 1 || len(batches[1].Groups) != 0 {
		t.Fatalf("batches: %d, sizes %d/%d", len(batches), len(batches[0].Contacts), len(batches[len(batches)-1].Contacts))
	}
	if store.count() != 3 {
		t.Errorf("%d starts exist, want 3", store.count())
	}
	for i, b := range batches {
		if b.Err != nil || b.Start == nil || b.Start.Mark() != fmt.Sprintf("job-7-%d", i) {
			t.Errorf("batch %d: %+v", i, b)
		}
	}
}

func TestStartManyStopsAtFirstFailure(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	var posts atomic.Int32
	f.handle("POST flow_starts.json", func(w http.ResponseWriter, r *http.Request) {
		if posts.Add(1) == 2 {
			writeJSON(w, 400, map[string]any{"contacts": []string{"No such object: c-150"}})
			return
		}
		writeJSON(w, 201, map[string]any{"uuid": "s"})
	})
	contacts := make([]string, 300)
	for i := range contacts {
		contacts[i] = fmt.Sprintf("c-%d", i)
	}
	batches, err := f.client(t).FlowStarts.StartMany(t.Context(), &FlowStartRequest{Flow: "f", Contacts: contacts})
	var be *BatchError
	if !errors.As(err, &be) || be.Failed != 2 || be.Total != 3 || !errors.Is(err, ErrValidation) {
		t.Fatalf("got %v", err)
	}
	if batches[0].Err != nil || !errors.Is(batches[1].Err, ErrValidation) || batches[2].Err != ErrNotAttempted || posts.Load() != 2 {
		t.Errorf("batches %+v after %d POSTs", batches, posts.Load())
	}
}

func TestBroadcastReconciledByTextAndRecipients(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	var mu sync.Mutex
	broadcast := func(uuid, text string) map[string]any {
		return map[string]any{"uuid": uuid, "text": map[string]string{"eng": text}, "base_language": "eng",
			"groups": []map[string]string{{"uuid": "g1", "name": "Nurses"}}, "contacts": []any{}, "urns": []string{"tel:+250788123456"},
			"created_on": time.Now().UTC().Format(time.RFC3339Nano)}
	}
	// An identical broadcast sent earlier must not be taken for the new one.
	made := []map[string]any{broadcast("b0", "Training on Monday")}
	var posts int
	f.handle("POST broadcasts.json", func(w http.ResponseWriter, r *http.Request) {
		var body BroadcastRequest
		json.NewDecoder(r.Body).Decode(&body)
		mu.Lock()
		posts++
		if posts > 1 {
			made = append([]map[string]any{broadcast(fmt.Sprintf("b%d", posts), body.Text.Text(""))}, made...)
		}
		mu.Unlock()
		// The first attempt never reaches the database; every answer is lost.
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
	})
	f.handle("GET broadcasts.json", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		writeJSON(w, 200, map[string]any{"next": nil, "results": made})
	})
	f.handle("GET workspace.json", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"uuid": f.workspace})
	})
	b, err := f.client(t).Broadcasts.Create(t.Context(), &BroadcastRequest{
		Text: Translations{"": "Training on Monday"}, Groups: []string{"Nurses"}, URNs: []string{"tel:0788123456"}})
	if err != nil {
		t.Fatal(err)
	}
	if posts != 2 || b.UUID != "b2" || len(made) != 2 {
		t.Errorf("%d POSTs, %d broadcasts, got %+v; want the lost one resent once, then found", posts, len(made), b)
	}
}

func TestContactActionsBatches(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	var mu sync.Mutex
	var sizes []int
	f.handle("POST contact_actions.json", func(w http.ResponseWriter, r *http.Request) {
		var body contactActionBody
		json.NewDecoder(r.Body).Decode(&body)
		mu.Lock()
		sizes = append(sizes, len(body.Contacts))
		mu.Unlock()
		if body.Action != "add" || body.Group != "Nurses" {
			t.Errorf("body %+v", body)
		}
		for _, c := range body.Contacts {
			if c == "blocked-1" {
				writeJSON(w, 400, map[string]any{"contacts": []string{"Contact is not active: blocked-1"}})
				return
			}
		}
		w.WriteHeader(204)
	})
	contacts := make([]string, 250)
	for i := range contacts {
		contacts[i] = fmt.Sprintf("c-%d", i)
	}
	contacts[120] = "blocked-1"
	batches, err := f.client(t).ContactActions.AddToGroup(t.Context(), "Nurses", contacts)
	if fmt.Sprint(sizes) != "[100 100 50]" {
		t.Errorf("request sizes %v", sizes)
	}
	var be *BatchError
	if !errors.As(err, &be) || be.Failed != 1 {
		t.Fatalf("got %v", err)
	}
	if batches[0].Err != nil || batches[1].Err == nil || batches[2].Err != nil {
		t.Errorf("per-batch errors wrong: %v / %v / %v", batches[0].Err, batches[1].Err, batches[2].Err)
	}
	if _, err := f.client(t).ContactActions.Do(t.Context(), ActionBlock, "Nurses", contacts); err == nil {
		t.Error("a group was accepted for block")
	}
}

func TestMessageActionsFailures(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.handle("POST message_actions.json", func(w http.ResponseWriter, r *http.Request) {
		var body MessageAction
		json.NewDecoder(r.Body).Decode(&body)
		writeJSON(w, 200, map[string]any{"failures": body.Messages[:1]})
	})
	ids := make([]int64, 150)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	failures, err := f.client(t).MessageActions.Act(t.Context(), &MessageAction{Messages: ids, Action: "archive"})
	if err != nil || fmt.Sprint(failures) != "[1 101]" {
		t.Errorf("failures %v, err %v", failures, err)
	}
}

func TestMediaUpload(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.handle("POST media.json", func(w http.ResponseWriter, r *http.Request) {
		file, hdr, err := r.FormFile("file")
		if err != nil {
			t.Fatal(err)
		}
		defer file.Close()
		writeJSON(w, 201, map[string]any{"uuid": "m1", "filename": hdr.Filename, "content_type": hdr.Header.Get("Content-Type"), "size": hdr.Size})
	})
	m, err := f.client(t).Media.Upload(t.Context(), "poster.png", "image/png", strings.NewReader("png-bytes"))
	if err != nil || m.UUID != "m1" || m.Filename != "poster.png" || m.ContentType != "image/png" || m.Size != 9 {
		t.Errorf("got %+v, %v", m, err)
	}
}

// TestStartManyWaitsForEachStartBeforeTheNext checks that StartMany does
// not send a batch while the previous start is still being processed:
// RapidPro starts contacts asynchronously, so restart_participants=false
// only keeps a contact from being started twice once the earlier start
// has created its runs.
func TestStartManyWaitsForEachStartBeforeTheNext(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	var mu sync.Mutex
	var starts []map[string]any
	gets := map[string]int{}
	var log []string
	f.handle("POST flow_starts.json", func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		json.NewDecoder(r.Body).Decode(&body)
		mu.Lock()
		defer mu.Unlock()
		for _, st := range starts {
			if st["status"] != "completed" {
				log = append(log, "POST while "+st["uuid"].(string)+" is "+st["status"].(string))
			}
		}
		now := time.Now().UTC().Format(time.RFC3339Nano)
		st := map[string]any{"uuid": fmt.Sprintf("start-%d", len(starts)+1), "flow": map[string]any{"uuid": body["flow"]},
			"status": "pending", "params": body["params"], "created_on": now, "modified_on": now}
		starts = append(starts, st)
		writeJSON(w, 201, st)
	})
	f.handle("GET flow_starts.json", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		var out []map[string]any
		for _, st := range starts {
			if uuid := r.URL.Query().Get("uuid"); uuid == "" || uuid == st["uuid"] {
				// Each start is processed after being looked at twice.
				if gets[st["uuid"].(string)]++; gets[st["uuid"].(string)] >= 2 {
					st["status"] = "completed"
				} else {
					st["status"] = "started"
				}
				out = append(out, st)
			}
		}
		writeJSON(w, 200, map[string]any{"next": nil, "results": out})
	})
	contacts := make([]string, 150)
	for i := range contacts {
		contacts[i] = fmt.Sprintf("c-%03d", i)
	}
	batches, err := f.client(t).FlowStarts.StartMany(t.Context(), &FlowStartRequest{Flow: "flow-1", Groups: []string{"Nurses"}, Contacts: contacts})
	if err != nil {
		t.Fatal(err)
	}
	if len(batches) != 2 || len(starts) != 2 {
		t.Fatalf("%d batches, %d starts, want 2", len(batches), len(starts))
	}
	if len(log) > 0 {
		t.Errorf("a batch was sent before the previous start was processed: %v", log)
	}
}

// TestStartManyOfContactsOnlyKeepsTheServerDefault checks that splitting a
// list of distinct contacts, which cannot overlap, does not skip the
// contacts who took the flow before (last month's survey).
func TestStartManyOfContactsOnlyKeepsTheServerDefault(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	var mu sync.Mutex
	var restart []any
	f.handle("POST flow_starts.json", func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		json.NewDecoder(r.Body).Decode(&body)
		mu.Lock()
		restart = append(restart, body["restart_participants"])
		mu.Unlock()
		writeJSON(w, 201, map[string]any{"uuid": "s", "status": "pending"})
	})
	contacts := make([]string, 150)
	for i := range contacts {
		contacts[i] = fmt.Sprintf("c-%03d", i)
	}
	if _, err := f.client(t).FlowStarts.StartMany(t.Context(), &FlowStartRequest{Flow: "f", Contacts: contacts}); err != nil {
		t.Fatal(err)
	}
	if len(restart) != 2 || restart[0] != nil || restart[1] != nil {
		t.Errorf("restart_participants sent as %v, want it left to the server", restart)
	}
}

// TestCreateManyRefusesSplitsThatCouldMessageTwice checks that a broadcast
// to a group and more than 100 contacts is refused before anything is
// sent: a member of the group listed among the contacts of a later batch
// would get the message twice, as broadcasts have no restart_participants.
func TestCreateManyRefusesSplitsThatCouldMessageTwice(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.handle("GET broadcasts.json", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"next": nil, "results": []any{}})
	})
	f.handle("POST broadcasts.json", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 201, map[string]any{"uuid": "b", "status": "queued"})
	})
	contacts := make([]string, 150)
	for i := range contacts {
		contacts[i] = fmt.Sprintf("c-%03d", i)
	}
	c := f.client(t)
	text := Translations{"eng": "Training on Monday"}
	if _, err := c.Broadcasts.CreateMany(t.Context(), &BroadcastRequest{Text: text, Groups: []string{"Nurses"}, Contacts: contacts}); err == nil {
		t.Error("a group with 150 contacts was split")
	}
	if _, err := c.Broadcasts.CreateMany(t.Context(), &BroadcastRequest{Text: text, Contacts: contacts[:50], URNs: []string{"tel:+231770000001", "tel:+231770000002"}}); err != nil {
		t.Errorf("one batch cannot message anyone twice: %v", err)
	}
	if n := f.count("POST broadcasts.json"); n != 1 {
		t.Errorf("%d broadcasts sent, want 1", n)
	}
	batches, err := c.Broadcasts.CreateMany(t.Context(), &BroadcastRequest{Text: text, Contacts: contacts})
	if err != nil || len(batches) != 2 {
		t.Errorf("150 distinct contacts: %d batches, %v", len(batches), err)
	}
}
