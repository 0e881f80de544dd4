package rapidprotest

import (
	"net/http"
	"strings"
	"sync"
	"time"
)

// FaultKind is a kind of injected failure.
type FaultKind int

const (
	// FaultStatus answers with Fault.Status (500 by default, with RapidPro's
	// plain-text body) without running the endpoint: nothing is written.
	FaultStatus FaultKind = iota + 1
	// FaultDropAfterCommit runs the endpoint (a write is committed), then
	// closes the connection without sending any response.
	FaultDropAfterCommit
	// FaultDelay waits Fault.Delay, then serves the request normally.
	FaultDelay
	// FaultTruncate runs the endpoint, then sends a Content-Length larger
	// than the body, half the body, and closes the connection.
	FaultTruncate
)

// String returns the kind's name as recorded in the request log.
func (k FaultKind) String() string {
	switch k {
	case FaultStatus:
		return "status"
	case FaultDropAfterCommit:
		return "drop-after-commit"
	case FaultDelay:
		return "delay"
	case FaultTruncate:
		return "truncate"
	}
	return "none"
}

// Fault describes failures to inject into matching requests.
type Fault struct {
	Kind FaultKind
	// Method and Endpoint ("flow_starts", "runs", ...) select requests;
	// empty matches any.
	Method   string
	Endpoint string
	// Status is the status of a FaultStatus (default 500).
	Status int
	// Delay is how long a request waits before being served; it applies to
	// every kind, so a slow 500 or a slow drop can be simulated.
	Delay time.Duration
	// Skip lets that many matching requests through before the fault
	// starts; Times is how many requests it then affects (0 means all).
	Skip  int
	Times int
}

type activeFault struct {
	Fault
	seen int
	hits int
}

type faultSet struct {
	mu     sync.Mutex
	faults []*activeFault
}

// match returns the fault to apply to a request, consuming one use.
func (fs *faultSet) match(method, endpoint string) *Fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, f := range fs.faults {
		if f.Method != "" && !strings.EqualFold(f.Method, method) || f.Endpoint != "" && f.Endpoint != endpoint {
			continue
		}
		if f.Times > 0 && f.hits >= f.Times {
			continue
		}
		f.seen++
		if f.seen <= f.Skip {
			continue
		}
		f.hits++
		out := f.Fault
		return &out
	}
	return nil
}

// InjectFault adds a fault; remove takes it away again. Faults are checked
// in the order they were added and the first match applies.
func (s *Server) InjectFault(f Fault) (remove func()) {
	af := &activeFault{Fault: f}
	s.faults.mu.Lock()
	s.faults.faults = append(s.faults.faults, af)
	s.faults.mu.Unlock()
	return func() {
		s.faults.mu.Lock()
		defer s.faults.mu.Unlock()
		for i, x := range s.faults.faults {
			if x == af {
				s.faults.faults = append(s.faults.faults[:i:i], s.faults.faults[i+1:]...)
				return
			}
		}
	}
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.faults.mu.Lock()
	s.faults.faults = nil
	s.faults.mu.Unlock()
}

// Request is one entry of the request log.
type Request struct {
	Time     time.Time
	Method   string
	Endpoint string // "contacts", "flow_starts", ...
	Query    string // the raw query string
	Status   int    // the status sent, or that would have been sent before a drop
	Fault    string // the injected fault's kind, or ""
}

// maxLoggedRequests bounds the request log; counters are kept for all.
const maxLoggedRequests = 10000

type requestLog struct {
	mu      sync.Mutex
	entries []Request
	counts  map[[2]string]int
}

func (l *requestLog) add(r *http.Request, endpoint string, status int, fault string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.counts == nil {
		l.counts = map[[2]string]int{}
	}
	l.counts[[2]string{r.Method, endpoint}]++
	if len(l.entries) >= maxLoggedRequests {
		l.entries = append(l.entries[:0], l.entries[maxLoggedRequests/2:]...)
	}
	l.entries = append(l.entries, Request{Time: time.Now(), Method: r.Method, Endpoint: endpoint,
		Query: r.URL.RawQuery, Status: status, Fault: fault})
}

// Requests returns the most recent requests (up to 10,000), oldest first.
func (s *Server) Requests() []Request {
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	return append([]Request(nil), s.log.entries...)
}

// RequestCount returns how many requests had the method ("" for any) and
// endpoint ("" for any), including throttled and faulted ones.
func (s *Server) RequestCount(method, endpoint string) int {
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	n := 0
	for k, v := range s.log.counts {
		if (method == "" || k[0] == method) && (endpoint == "" || k[1] == endpoint) {
			n += v
		}
	}
	return n
}
