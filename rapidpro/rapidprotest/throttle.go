package rapidprotest

import (
	"sync"
	"time"
)

// Throttle scopes, as RapidPro names them.
const (
	ScopeV2       = "v2"
	ScopeContacts = "v2.contacts"
	ScopeMessages = "v2.messages"
	ScopeRuns     = "v2.runs"
)

type rateLimit struct {
	n      int
	window time.Duration
}

// throttle is DRF's sliding-window throttle: per scope (the server is one
// workspace, so the key is the scope), the times of the requests allowed in
// the last window.
type throttle struct {
	mu      sync.Mutex
	limits  map[string]rateLimit
	history map[string][]time.Time // oldest first
}

func newThrottle(limits map[string]rateLimit) *throttle {
	return &throttle{limits: limits, history: map[string][]time.Time{}}
}

// allow records a request at now, or reports how long until one is allowed.
func (t *throttle) allow(scope string, now time.Time) (time.Duration, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	lim := t.limits[scope]
	if lim.n <= 0 {
		return 0, false
	}
	h := t.history[scope]
	cut := 0
	for cut < len(h) && !h[cut].After(now.Add(-lim.window)) {
		cut++
	}
	h = h[cut:]
	if len(h) >= lim.n {
		t.history[scope] = h
		return h[0].Add(lim.window).Sub(now), true
	}
	if cap(h) == len(h) && cut > 0 {
		h = append(make([]time.Time, 0, lim.n), h...) // reclaim the dropped prefix
	}
	t.history[scope] = append(h, now)
	return 0, false
}

// ResetThrottle forgets every request counted so far.
func (s *Server) ResetThrottle() {
	s.throttle.mu.Lock()
	clear(s.throttle.history)
	s.throttle.mu.Unlock()
}
