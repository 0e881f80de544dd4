// Package sandbox runs a whole mHero world in process, so that partners and
// Ministry developers can try and test an integration without touching a
// Ministry's servers or a health worker's phone: an iHRIS registry holding
// a generated national workforce (FHIR R4 resources, as iHRIS 5 serves
// them) and a RapidPro workspace (web API v2) whose flows are answered by
// simulated health workers.
//
// Both servers listen on loopback ports. Point any client at them: this
// module's fhir, ihris and rapidpro clients, or your own code, in any
// language, at
//
//   - [Sandbox.IHRIS].URL(): the FHIR base of the registry, no credentials;
//   - [Sandbox.RapidPro].URL() with [Sandbox.RapidPro].Token(): the
//     workspace, as the real RapidPro answers it (paging, validation
//     errors, rate limits with 429 and Retry-After).
//
// A flow is imported as RapidPro's Settings → Import does, with
// [Sandbox.RapidPro].ImportFlows and an export (from workflow.Compile, or
// one exported from a real workspace), and started through the API.
//
// Each contact a flow reaches behaves as its [Persona] says: it answers at
// once (Responsive) or hours later (Late), first answers with something
// that fits no category (Confused), stops after a few questions (DropsOut),
// never answers (Silent), or cannot be reached at all, every message to it
// failing (OutOfCoverage). The messages that reach a phone are marked
// delivered, as a channel with delivery reports marks them. Contacts get a
// persona from [Config.Mix] unless [Engine.SetPersona] fixes one. The
// personas, and the registry's [ihristest.Server.Truth], are the ground
// truth an integration's monitoring or analytics can be checked against.
//
// A simulated Director ([Sandbox.AddDirector]) answers the approval
// requests sent to their phone, as the use-case lifecycle (package
// usecase) asks a unit's Director to approve a workflow by SMS.
//
// Time is simulated: [Sandbox.Settle] delivers the replies and fires the
// flows' timeouts in time order, so days of fieldwork take a fraction of a
// second, and the same [Config.Seed] gives the same answers every run.
// Flows run on the module's offline simulator (workflow/sim), which agrees
// with goflow, RapidPro's engine, on everything it supports; a run that
// reaches what it does not support (a webhook, say) ends as failed.
//
// A sandbox is safe for concurrent use, and tests may start one each and
// run in parallel.
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
	// MixFor, when set, gives the mix of a contact from its fields as the
	// first flow to reach it sees them (district, cadre, … as a target sync
	// writes them), so that a place or cadre can behave differently, such as
	// a district that answers far less. Contacts it returns nil for take Mix.
	MixFor func(fields map[string]string) Mix
	// Misunderstood makes questions (by result key) misunderstood by a
	// share of the workers (see Engine.SetMisunderstood).
	Misunderstood map[string]float64
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

	clock     *rapidprotest.ManualClock
	directors *directors
}

// New starts a sandbox. Close it when done.
func New(cfg Config) (*Sandbox, error) {
	if cfg.Start.IsZero() {
		cfg.Start = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	}
	if cfg.Mix == nil {
		cfg.Mix = DefaultMix()
	}
	ws := rapidprotest.Workspace{Name: "Ministry of Health (sandbox)", Country: "LR",
		Languages: []string{"eng", "fra"}, Timezone: "Africa/Monrovia", DateStyle: "day_first"}
	env := sim.Environment{Timezone: time.UTC, DateFormat: "DD-MM-YYYY", DefaultCountry: "LR",
		AllowedLanguages: ws.Languages}
	engine := NewEngine(env, cfg.Seed, nil)
	engine.SetFallback(func(urn string, fields map[string]string) Persona {
		if cfg.MixFor != nil && fields != nil {
			if mix := cfg.MixFor(fields); mix != nil {
				return Assign(urn, mix, cfg.Seed)
			}
		}
		return Assign(urn, cfg.Mix, cfg.Seed)
	})
	for key, share := range cfg.Misunderstood {
		engine.SetMisunderstood(key, share)
	}
	// The clock steps a millisecond per reading so records get distinct,
	// ordered times, as on a real server.
	clock := rapidprotest.NewManualClock(cfg.Start, time.Millisecond)
	dirs := &directors{byURN: map[string]Director{}, engine: engine}
	rpOpts := []rapidprotest.Option{rapidprotest.WithEngine(engine), rapidprotest.WithClock(clock),
		rapidprotest.WithWorkspace(ws), rapidprotest.WithSeed(cfg.Seed), rapidprotest.WithMessageHook(dirs.hook)}
	// Both servers listen on loopback ports, so a program can also be
	// pointed at their URLs.
	rp := rapidprotest.NewServer(rpOpts...)
	ih, err := ihristest.Start(ihristest.WithWorkforce(cfg.Workforce))
	if err != nil {
		rp.Close()
		return nil, fmt.Errorf("sandbox: starting iHRIS: %w", err)
	}
	return &Sandbox{RapidPro: rp, IHRIS: ih, Engine: engine, clock: clock, directors: dirs}, nil
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
