package httpx

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Pacer spaces requests to stay under a server's rate limit, and pauses
// everyone using it when the server answers 429 with a Retry-After: the
// requests already waiting for their turn too.
// A Pacer is safe for concurrent use.
type Pacer struct {
	lim *rate.Limiter

	mu     sync.Mutex
	until  time.Time     // no request before this instant (from Retry-After)
	paused chan struct{} // closed, and replaced, when until moves later
}

// NewPacer returns a Pacer allowing perHour requests an hour on average with
// bursts of up to burst requests. perHour <= 0 means no pacing (only
// Retry-After pauses); burst <= 0 means one minute's worth of requests.
func NewPacer(perHour, burst int) *Pacer {
	return &Pacer{lim: newLimiter(perHour, burst), paused: make(chan struct{})}
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

// Wait blocks until a request may be sent or ctx is done. A pause that
// starts while the request waits for its turn holds it back too: its turn
// is given up and taken again once the pause is over, so that the requests
// held back go out paced, not all at once.
func (p *Pacer) Wait(ctx context.Context) error {
	for {
		if err := ctx.Err(); err != nil {
			return context.Cause(ctx)
		}
		p.mu.Lock()
		d, paused := time.Until(p.until), p.paused
		p.mu.Unlock()
		if d > 0 {
			if err := sleep(ctx, d); err != nil {
				return err
			}
			continue // the pause may have been made longer meanwhile
		}
		r := p.lim.Reserve()
		if d = r.Delay(); d == 0 {
			return nil
		}
		t := time.NewTimer(d)
		select {
		case <-t.C:
			return nil
		case <-paused:
			t.Stop()
			r.Cancel()
		case <-ctx.Done():
			t.Stop()
			r.Cancel()
			return context.Cause(ctx)
		}
	}
}

// PauseUntil holds every request back until t, including those already
// waiting for their turn (later pauses win).
func (p *Pacer) PauseUntil(t time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !t.After(p.until) {
		return
	}
	p.until = t
	close(p.paused) // wakes the requests waiting for their turn
	p.paused = make(chan struct{})
}

// PausedUntil reports until when requests are held back, if they are.
func (p *Pacer) PausedUntil() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.until
}

// Pacers holds one Pacer per key, all paced at the same rate. The clients
// given the same Pacers wait on the same Pacer for the same key, so that
// together they stay under a limit the server counts for all of them (a
// RapidPro workspace and throttle scope, say), and a 429 that one of them
// meets holds back all of them. Nothing is shared otherwise: the rate is
// the one given to NewPacers, whichever client asks first.
// Pacers is safe for concurrent use.
type Pacers struct {
	perHour, burst int

	mu sync.Mutex
	m  map[string]*Pacer
}

// NewPacers returns an empty set of pacers that will pace each key at
// perHour requests an hour with bursts of burst, as [NewPacer] does.
func NewPacers(perHour, burst int) *Pacers {
	return &Pacers{perHour: perHour, burst: burst, m: map[string]*Pacer{}}
}

// Get returns the Pacer of key, creating it on first use.
func (ps *Pacers) Get(key string) *Pacer {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	p, ok := ps.m[key]
	if !ok {
		p = NewPacer(ps.perHour, ps.burst)
		ps.m[key] = p
	}
	return p
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}
