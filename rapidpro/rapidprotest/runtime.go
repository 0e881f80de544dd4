package rapidprotest

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// scheduledReply is an inbound message waiting for its delivery time.
type scheduledReply struct {
	at   time.Time
	seq  int64
	urn  string // normalised
	text string
}

// Receive simulates an inbound message from urn, as a channel would
// deliver it: the contact is created if unknown, the message is stored
// (in the inbox, or the flows folder when it resumes a run) and a run
// waiting for the contact's reply resumes through the engine.
func (s *Server) Receive(ctx context.Context, urn, text string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	n, valid := normalizeURN(urn, s.cfg.workspace.Country)
	if !valid {
		return fmt.Errorf("rapidprotest: invalid URN %q", urn)
	}
	s.mu.Lock()
	sent := s.receiveLocked(ctx, n, text)
	s.mu.Unlock()
	s.notify(sent)
	return nil
}

// ReceiveAfter schedules an inbound message from urn to arrive d after the
// server clock's current time: a health worker answering late. It is
// delivered by Advance (or FireTimeouts once the time has come), in
// chronological order with wait timeouts and expiries.
func (s *Server) ReceiveAfter(urn, text string, d time.Duration) error {
	n, valid := normalizeURN(urn, s.cfg.workspace.Country)
	if !valid {
		return fmt.Errorf("rapidprotest: invalid URN %q", urn)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	st.replies = append(st.replies, scheduledReply{at: st.peekNow().Add(d), seq: st.gen.id(), urn: n, text: text})
	return nil
}

// receiveLocked stores an inbound message and resumes the contact's
// waiting run; the caller holds s.mu.
func (s *Server) receiveLocked(ctx context.Context, urn, text string) []Message {
	st := s.st
	c := st.contactsByURN[urn]
	if c == nil {
		c = st.newContact()
		c.urns = []string{urn}
		st.contactsByURN[urn] = c
	}
	now := st.now()
	m := &message{id: st.gen.id(), uuid: st.gen.uuid(), contact: c, urn: urn, channel: st.defaultChannel,
		direction: "in", status: "handled", visibility: "visible", text: text, created: now, sent: now, modified: now}
	st.insertMessage(m)
	st.touchContact(c, func() { c.lastSeen = now })
	r := st.waiting[c]
	if r == nil {
		return nil
	}
	m.flow = r.flow
	r.responded = true
	out, err := s.cfg.engine.Resume(ctx, ResumeInput{FlowUUID: r.flow.uuid, Flow: r.flow.definition,
		Contact: st.engineContact(c), State: r.state, Event: Event{Kind: EventMessage, Text: text}, Now: now})
	if err != nil {
		s.engineFailed(err, r.flow, r)
		out = Outcome{Status: RunFailed}
	}
	return st.applyOutcome(r, out, now)
}

// event is the next thing due: a scheduled reply, or a waiting run's
// timeout or expiry.
type event struct {
	at    time.Time
	reply int  // index in st.replies, or -1
	run   *run // when reply < 0
}

// nextEvent returns the earliest pending event, ties broken by creation
// order so that runs are deterministic.
func (st *store) nextEvent() (event, bool) {
	best := event{reply: -1}
	found := false
	better := func(at time.Time, seq int64, bestSeq int64) bool {
		return !found || at.Before(best.at) || at.Equal(best.at) && seq < bestSeq
	}
	var bestSeq int64
	for i, rp := range st.replies {
		if better(rp.at, rp.seq, bestSeq) {
			best, bestSeq, found = event{at: rp.at, reply: i}, rp.seq, true
		}
	}
	for _, r := range st.waiting {
		at := r.expiresAt
		if !r.timeoutAt.IsZero() && (at.IsZero() || r.timeoutAt.Before(at)) {
			at = r.timeoutAt
		}
		if !at.IsZero() && better(at, r.id, bestSeq) {
			best, bestSeq, found = event{at: at, reply: -1, run: r}, r.id, true
		}
	}
	return best, found
}

// fire processes one event; the caller holds s.mu.
func (s *Server) fire(ctx context.Context, ev event) []Message {
	st := s.st
	if ev.reply >= 0 {
		rp := st.replies[ev.reply]
		st.replies = append(st.replies[:ev.reply], st.replies[ev.reply+1:]...)
		return s.receiveLocked(ctx, rp.urn, rp.text)
	}
	r := ev.run
	if r.timeoutAt.IsZero() || r.timeoutAt.After(ev.at) {
		st.exitRun(r.contact, "expired")
		return nil
	}
	now := st.now()
	out, err := s.cfg.engine.Resume(ctx, ResumeInput{FlowUUID: r.flow.uuid, Flow: r.flow.definition,
		Contact: st.engineContact(r.contact), State: r.state, Event: Event{Kind: EventTimeout}, Now: now})
	if err != nil {
		s.engineFailed(err, r.flow, r)
		out = Outcome{Status: RunFailed}
	}
	return st.applyOutcome(r, out, now)
}

// FireTimeouts processes, in chronological order, every event due on the
// server's clock: scheduled replies (ReceiveAfter), wait timeouts (the
// engine gets an EventTimeout) and flow expiries (the run exits as
// "expired"). It returns how many events it processed.
func (s *Server) FireTimeouts(ctx context.Context) (int, error) {
	s.mu.Lock()
	now := s.st.peekNow()
	n, sent, err := s.fireUntil(ctx, now, nil)
	s.mu.Unlock()
	s.notify(sent)
	return n, err
}

// fireUntil processes events due at or before limit; moveClock, when set,
// sets the clock to each event's time first so records carry it.
func (s *Server) fireUntil(ctx context.Context, limit time.Time, moveClock func(time.Time)) (int, []Message, error) {
	var sent []Message
	n := 0
	for {
		if err := ctx.Err(); err != nil {
			return n, sent, err
		}
		ev, ok := s.st.nextEvent()
		if !ok || ev.at.After(limit) {
			return n, sent, nil
		}
		if moveClock != nil && ev.at.After(s.st.peekNow()) {
			moveClock(ev.at)
		}
		sent = append(sent, s.fire(ctx, ev)...)
		n++
	}
}

// Advance runs pending asynchronous flow starts (see WithAsyncStarts), then
// moves a ManualClock (see WithClock) forward by d, processing on the way,
// each at its own time, the replies, timeouts and expiries that fall due.
// It returns how many starts and events it processed.
func (s *Server) Advance(ctx context.Context, d time.Duration) (int, error) {
	mc, ok := s.cfg.clock.(*ManualClock)
	if !ok {
		return 0, errors.New("rapidprotest: Advance needs a server built WithClock(NewManualClock(...))")
	}
	started, err := s.ProcessStarts(ctx)
	if err != nil {
		return started, err
	}
	s.mu.Lock()
	target := mc.peek().Add(d)
	n, sent, err := s.fireUntil(ctx, target, mc.Set)
	if err == nil && mc.peek().Before(target) {
		mc.Set(target)
	}
	s.mu.Unlock()
	s.notify(sent)
	return started + n, err
}

// Counts reports how many objects of each kind have been created.
func (s *Server) Counts() Counts {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.counts
}

// engineFailed logs an engine error; the run then exits as "failed", as a
// run that crashes in mailroom does.
func (s *Server) engineFailed(err error, f *flow, r *run) {
	s.cfg.logger.Warn("rapidprotest: engine failed; the run exits as failed",
		"flow", f.uuid, "run", r.uuid, "error", err)
}
