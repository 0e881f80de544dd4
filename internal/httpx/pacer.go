package httpx

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Pacer spaces requests to stay under a server's rate limit, and pauses
// everyone using it when the server answers 429 with a Retry-After.
// A Pacer is safe for concurrent use.
type Pacer struct {
	lim *rate.Limiter

	mu    sync.Mutex
	until time.Time // no request before this instant (from Retry-After)
}

// NewPacer returns a Pacer allowing perHour requests an hour on average with
// bursts of up to burst requests. perHour <= 0 means no pacing (only
// Retry-After pauses); burst <= 0 means one minute's worth of requests.
func NewPacer(perHour, burst int) *Pacer {
	return &Pacer{lim: newLimiter(perHour, burst)}
}

func newLimiter(perHour, burst int) *rate.Limiter {
	if perHour <= 0 {
		return rate.NewLimiter(rate.Inf, 0)
	}
	if burst <= 0 {
		burst = max(1, perHour/60)
	}
	return rate.NewLimiter(rate.Limit(float64(perHour)/3600), burst)
}

// SetRate changes the pacing, for example after learning a server's limits.
func (p *Pacer) SetRate(perHour, burst int) {
	l := newLimiter(perHour, burst)
	p.lim.SetLimit(l.Limit())
	p.lim.SetBurst(l.Burst())
}

// Wait blocks until a request may be sent or ctx is done.
func (p *Pacer) Wait(ctx context.Context) error {
	for {
		p.mu.Lock()
		d := time.Until(p.until)
		p.mu.Unlock()
		if d <= 0 {
			break
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return context.Cause(ctx)
		case <-t.C:
		}
	}
	return p.lim.Wait(ctx)
}

// PauseUntil holds every request back until t (later pauses win).
func (p *Pacer) PauseUntil(t time.Time) {
	p.mu.Lock()
	if t.After(p.until) {
		p.until = t
	}
	p.mu.Unlock()
}

// PausedUntil reports until when requests are held back, if they are.
func (p *Pacer) PausedUntil() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.until
}

var shared sync.Map // key -> *Pacer

// SharedPacer returns the process-wide Pacer for key, creating it with
// perHour and burst if it does not exist yet. Clients of the same server
// account (a RapidPro workspace and throttle scope, say) use the same key so
// that together they stay under the limit the server counts for all of them.
func SharedPacer(key string, perHour, burst int) *Pacer {
	if p, ok := shared.Load(key); ok {
		return p.(*Pacer)
	}
	p, _ := shared.LoadOrStore(key, NewPacer(perHour, burst))
	return p.(*Pacer)
}
