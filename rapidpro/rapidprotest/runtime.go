package rapidprotest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Receive simulates an inbound message from urn, as a channel would
// deliver it: the contact is created if unknown, the message is stored
// (in the inbox, or the flows folder when it resumes a run) and a run
// waiting for the contact's reply resumes through the engine.
func (s *Server) Receive(ctx context.Context, urn, text string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	st := s.st
	n, valid := normalizeURN(urn, s.cfg.workspace.Country)
	if !valid {
		s.mu.Unlock()
		return fmt.Errorf("rapidprotest: invalid URN %q", urn)
	}
	c := st.contactsByURN[n]
	if c == nil {
		c = st.newContact()
		c.urns = []string{n}
		st.contactsByURN[n] = c
	}
	now := st.now()
	m := &message{id: st.gen.id(), uuid: st.gen.uuid(), contact: c, urn: n, channel: st.defaultChannel,
		direction: "in", status: "handled", visibility: "visible", text: text, created: now, sent: now, modified: now}
	st.insertMessage(m)
	st.touchContact(c, func() { c.lastSeen = now })
	var sent []Message
	if r := st.waiting[c]; r != nil {
		m.flow = r.flow
		r.responded = true
		out, err := s.cfg.engine.Resume(ctx, ResumeInput{FlowUUID: r.flow.uuid, Flow: r.flow.definition,
			Contact: st.engineContact(c), State: r.state, Event: Event{Kind: EventMessage, Text: text}, Now: now})
		if err != nil {
			out = Outcome{Status: RunFailed}
		}
		sent = st.applyOutcome(r, out, now)
	}
	s.mu.Unlock()
	s.notify(sent)
	return nil
}

// FireTimeouts resumes every waiting run whose wait timeout has passed on
// the server's clock (the engine gets an EventTimeout) and expires every
// waiting run past its flow's expiry. It returns how many runs moved.
func (s *Server) FireTimeouts(ctx context.Context) (int, error) {
	s.mu.Lock()
	st := s.st
	now := st.now()
	var due []*run
	for _, r := range st.waiting {
		if !r.timeoutAt.IsZero() && !r.timeoutAt.After(now) || !r.expiresAt.IsZero() && !r.expiresAt.After(now) {
			due = append(due, r)
		}
	}
	slices.SortFunc(due, func(a, b *run) int { return int(a.id - b.id) }) // deterministic order
	var sent []Message
	var err error
	for _, r := range due {
		if err = ctx.Err(); err != nil {
			break
		}
		if r.timeoutAt.IsZero() || r.timeoutAt.After(now) {
			st.exitRun(r.contact, "expired")
			continue
		}
		out, engErr := s.cfg.engine.Resume(ctx, ResumeInput{FlowUUID: r.flow.uuid, Flow: r.flow.definition,
			Contact: st.engineContact(r.contact), State: r.state, Event: Event{Kind: EventTimeout}, Now: now})
		if engErr != nil {
			out = Outcome{Status: RunFailed}
		}
		sent = append(sent, st.applyOutcome(r, out, now)...)
	}
	s.mu.Unlock()
	s.notify(sent)
	return len(due), err
}

// Advance moves a ManualClock (see WithClock) forward by d, then fires the
// timeouts and expiries that became due.
func (s *Server) Advance(ctx context.Context, d time.Duration) (int, error) {
	mc, ok := s.cfg.clock.(*ManualClock)
	if !ok {
		return 0, errors.New("rapidprotest: Advance needs a server built WithClock(NewManualClock(...))")
	}
	mc.Advance(d)
	return s.FireTimeouts(ctx)
}

// Counts reports how many objects of each kind have been created.
func (s *Server) Counts() Counts {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.counts
}
