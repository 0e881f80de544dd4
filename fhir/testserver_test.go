package fhir

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mhero-go/mhero/fhir/fhirtest"
)

// testServer is an in-process FHIR server (fhirtest) that behaves like
// HAPI, with a clock the test sets: each write is stamped with it.
type testServer struct {
	*fhirtest.Server
	t testing.TB

	mu    sync.Mutex
	clock time.Time
}

// newServer starts a server whose ties under _sort come in a new order on
// each search, as a database gives them.
func newServer(t testing.TB, opts ...fhirtest.Option) *testServer {
	t.Helper()
	s := &testServer{t: t, clock: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)}
	s.Server = fhirtest.NewServer(append([]fhirtest.Option{fhirtest.WithClock(s.now), fhirtest.WithUnstableSort()}, opts...)...)
	t.Cleanup(s.Close)
	return s
}

func (s *testServer) now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clock
}

// tick moves the clock a second on and returns it.
func (s *testServer) tick() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock = s.clock.Add(time.Second)
	return s.clock
}

// put stores a resource (JSON, with its id) as written at time at, which
// the clock then shows.
func (s *testServer) put(resource string, at time.Time) {
	s.t.Helper()
	s.mu.Lock()
	s.clock = at
	s.mu.Unlock()
	if err := s.Load([]byte(resource)); err != nil {
		s.t.Fatal(err)
	}
}

// log returns the requests received as "METHOD path?query", the path
// relative to the base.
func (s *testServer) log() []string {
	var out []string
	for _, r := range s.Requests() {
		u := strings.TrimPrefix(strings.TrimPrefix(r.URL, "/fhir"), "/")
		if !strings.Contains(u, "?") {
			u += "?"
		}
		out = append(out, r.Method+" "+u)
	}
	return out
}

// lastHeader returns the headers of the last request received.
func (s *testServer) lastHeader() http.Header {
	r := s.Requests()
	if len(r) == 0 {
		return nil
	}
	return r[len(r)-1].Header
}
