package fhir

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// truncatingServer answers each path with its body, except that the first
// answer to every path named in cut promises more bytes than it sends and
// closes the connection, as a proxy that times out in mid-body does.
type truncatingServer struct {
	*httptest.Server
	bodies map[string]string // "METHOD /path" -> body
	status map[string]int    // default 200

	mu    sync.Mutex
	cut   map[string]bool
	calls map[string]int
}

func newTruncatingServer(t *testing.T, bodies map[string]string, cut ...string) *truncatingServer {
	s := &truncatingServer{bodies: bodies, status: map[string]int{}, cut: map[string]bool{}, calls: map[string]int{}}
	for _, k := range cut {
		s.cut[k] = true
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *truncatingServer) serve(w http.ResponseWriter, r *http.Request) {
	key := r.Method + " " + r.URL.Path
	s.mu.Lock()
	s.calls[key]++
	cut := s.cut[key]
	delete(s.cut, key)
	s.mu.Unlock()
	body, ok := s.bodies[key]
	if !ok {
		http.NotFound(w, r)
		return
	}
	status := s.status[key]
	if status == 0 {
		status = http.StatusOK
	}
	w.Header().Set("Content-Type", mediaFHIRJSON)
	if !cut {
		w.WriteHeader(status)
		w.Write([]byte(body))
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)+100))
	w.WriteHeader(status)
	w.Write([]byte(body[:len(body)/2]))
	rc := http.NewResponseController(w)
	rc.Flush()
	if conn, _, err := rc.Hijack(); err == nil {
		conn.Close()
	}
}

func (s *truncatingServer) count(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[key]
}

// TestTruncatedBodyIsReadAgain is issue 7's defect 4: a response body cut
// short is part of a failed attempt, retried like any other when the
// request is safe to repeat.
func TestTruncatedBodyIsReadAgain(t *testing.T) {
	t.Parallel()
	const bundle = `{"resourceType":"Bundle","type":"searchset","entry":[` +
		`{"fullUrl":"Practitioner/P1","resource":` + practitionerJSON + `,"search":{"mode":"match"}}]}`
	srv := newTruncatingServer(t, map[string]string{
		"GET /fhir/Practitioner/P1": practitionerJSON,
		"GET /fhir/Practitioner":    bundle,
	}, "GET /fhir/Practitioner/P1", "GET /fhir/Practitioner")
	c, err := NewClient(srv.URL+"/fhir", WithRetry(2, time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := c.Read(t.Context(), "Practitioner", "P1")
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if r.ID() != "P1" {
		t.Errorf("read %s, want P1", r.ID())
	}
	if n := srv.count("GET /fhir/Practitioner/P1"); n != 2 {
		t.Errorf("%d reads sent, want 2", n)
	}
	found := 0
	for _, err := range c.Search(t.Context(), "Practitioner", nil) {
		if err != nil {
			t.Fatalf("search: %v", err)
		}
		found++
	}
	if found != 1 || srv.count("GET /fhir/Practitioner") != 2 {
		t.Errorf("search found %d in %d requests, want 1 in 2", found, srv.count("GET /fhir/Practitioner"))
	}
}

// TestTruncatedAnswerToPlainCreateIsNotSentAgain: the server created the
// resource before the answer broke, so sending the create again would make
// a second one; the caller is told the outcome is unknown instead.
func TestTruncatedAnswerToPlainCreateIsNotSentAgain(t *testing.T) {
	t.Parallel()
	srv := newTruncatingServer(t, map[string]string{"POST /fhir/Practitioner": practitionerJSON}, "POST /fhir/Practitioner")
	srv.status["POST /fhir/Practitioner"] = http.StatusCreated
	c, err := NewClient(srv.URL+"/fhir", WithRetry(2, time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	res, err := ParseResource([]byte(practitionerJSON))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Create(t.Context(), res)
	if !errors.Is(err, ErrOutcomeUnknown) {
		t.Errorf("got %v, want an error matching ErrOutcomeUnknown", err)
	}
	if n := srv.count("POST /fhir/Practitioner"); n != 1 {
		t.Errorf("the create was sent %d times", n)
	}
}

// TestBodyEndedByClosingIsCheckedWhole: a server may end a body by closing
// the connection instead of giving its length; cut short, such a body reads
// without an error, and only its JSON tells.
func TestBodyEndedByClosingIsCheckedWhole(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := practitionerJSON
		if calls.Add(1) == 1 {
			body = body[:len(body)/2]
		}
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\nConnection: close\r\n\r\n" + body)
		buf.Flush()
	}))
	defer srv.Close()
	c, err := NewClient(srv.URL+"/fhir", WithRetry(2, time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := c.Read(t.Context(), "Practitioner", "P1")
	if err != nil || r.ID() != "P1" || calls.Load() != 2 {
		t.Fatalf("read %v, %v after %d requests; want P1 after 2", r, err, calls.Load())
	}
}
