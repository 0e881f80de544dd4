// Package sandbox runs a whole mHero world in process: an iHRIS registry
// (ihristest) with a generated national workforce, and a RapidPro workspace
// (rapidprotest) whose flows run on the module's own simulator, with
// simulated health workers who answer, answer late, answer badly, stop
// midway, never answer or are out of coverage (see [Persona]).
//
// Time is simulated: [Sandbox.Settle] delivers the workers' replies and
// fires the flows' timeouts in time order, so two days of fieldwork take a
// fraction of a second. The personas are the ground truth that monitoring
// and analytics are checked against.
package sandbox

import (
	"context"
	"fmt"
	"time"

	"github.com/mhero-go/mhero/ihris/ihristest"
	"github.com/mhero-go/mhero/rapidpro/rapidprotest"
	"github.com/mhero-go/mhero/workflow/sim"
)

// Config describes a sandbox. Zero fields take the defaults shown.
type Config struct {
	// Workforce is the generated iHRIS workforce (default: 5,000 workers of
	// a Liberia-like country, seed 0).
	Workforce ihristest.Workforce
	// Mix is the share of each kind of health worker (default DefaultMix).
	Mix Mix
	// Seed makes personas and answers repeatable.
	Seed uint64
	// Start is the simulated time the sandbox starts at
	// (default 2026-03-02T08:00:00Z).
	Start time.Time
}

// Sandbox is a running in-process iHRIS and RapidPro pair.
type Sandbox struct {
	// RapidPro is the workspace; its URL and Token reach its API v2.
	RapidPro *rapidprotest.Server
	// IHRIS is the FHIR registry; its URL reaches the FHIR API.
	IHRIS *ihristest.Server
	// Engine runs the flows and holds the personas.
	Engine *Engine

	clock *rapidprotest.ManualClock
}

// New starts a sandbox. Close it when done.
func New(cfg Config) (*Sandbox, error) {
	if cfg.Start.IsZero() {
		cfg.Start = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	}
	if cfg.Mix == nil {
		cfg.Mix = DefaultMix
	}
	ws := rapidprotest.Workspace{Name: "Ministry of Health (sandbox)", Country: "LR",
		Languages: []string{"eng", "fra"}, Timezone: "Africa/Monrovia", DateStyle: "day_first"}
	env := sim.Environment{Timezone: time.UTC, DateFormat: "DD-MM-YYYY", DefaultCountry: "LR",
		AllowedLanguages: ws.Languages}
	engine := NewEngine(env, cfg.Seed, func(urn string) Persona { return Assign(urn, cfg.Mix, cfg.Seed) })
	// The clock steps a millisecond per reading so records get distinct,
	// ordered times, as on a real server.
	clock := rapidprotest.NewManualClock(cfg.Start, time.Millisecond)
	rpOpts := []rapidprotest.Option{rapidprotest.WithEngine(engine), rapidprotest.WithClock(clock),
		rapidprotest.WithWorkspace(ws), rapidprotest.WithSeed(cfg.Seed)}
	// Both servers listen on loopback ports, so a program can also be
	// pointed at their URLs.
	rp := rapidprotest.NewServer(rpOpts...)
	ih, err := ihristest.Start(ihristest.WithWorkforce(cfg.Workforce))
	if err != nil {
		rp.Close()
		return nil, fmt.Errorf("sandbox: starting iHRIS: %w", err)
	}
	return &Sandbox{RapidPro: rp, IHRIS: ih, Engine: engine, clock: clock}, nil
}

// Close stops both servers.
func (s *Sandbox) Close() {
	s.RapidPro.Close()
	s.IHRIS.Close()
}

// Now is the sandbox's simulated time.
func (s *Sandbox) Now() time.Time { return s.RapidPro.Now() }

// SettleStats tells what Settle did.
type SettleStats struct {
	Replies  int // replies delivered
	Timeouts int // waits that timed out
	// Until is the simulated time Settle stopped at.
	Until time.Time
}

// Settle lets simulated time run for at most d: the workers' replies are
// delivered and the flows' timeouts fire in time order, until nothing is
// left to happen or d has passed. It returns early when ctx is done.
func (s *Sandbox) Settle(ctx context.Context, d time.Duration) (SettleStats, error) {
	var st SettleStats
	end := s.Now().Add(d)
	for {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		r, deadline, ok := s.Engine.next()
		if !ok {
			break
		}
		at := deadline
		if deadline.IsZero() {
			at = r.At
		}
		if at.After(end) {
			if deadline.IsZero() {
				s.Engine.requeue(r)
			}
			break
		}
		if now := s.Now(); at.After(now) {
			s.clock.Set(at)
		}
		if deadline.IsZero() {
			if err := s.RapidPro.Receive(ctx, r.URN, r.Text); err != nil {
				return st, err
			}
			st.Replies++
			continue
		}
		n, err := s.RapidPro.FireTimeouts(ctx)
		if err != nil {
			return st, err
		}
		st.Timeouts += n
		// Runs the server ended without asking the engine (expiries) keep
		// no deadline behind.
		s.Engine.clearDeadlines(s.Now())
	}
	if now := s.Now(); end.After(now) {
		s.clock.Set(end)
		n, err := s.RapidPro.FireTimeouts(ctx)
		st.Timeouts += n
		if err != nil {
			return st, err
		}
	}
	s.Engine.clearDeadlines(s.Now())
	st.Until = s.Now()
	return st, nil
}
