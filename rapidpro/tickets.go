package rapidpro

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/url"
	"time"
)

// TicketsService handles the tickets and ticket_actions endpoints.
// https://app.rapidpro.io/api/v2/tickets
type TicketsService service

// Ticket is a conversation opened for a human agent.
type Ticket struct {
	UUID    string `json:"uuid"`
	Contact Ref    `json:"contact"`
	// Status is open or closed.
	Status     string `json:"status"`
	Topic      *Ref   `json:"topic"`
	Assignee   *User  `json:"assignee"`
	OpenedOn   Time   `json:"opened_on"`
	OpenedBy   *User  `json:"opened_by"`
	OpenedIn   *Ref   `json:"opened_in"`
	ModifiedOn Time   `json:"modified_on"`
	ClosedOn   Time   `json:"closed_on"`
	// Body is deprecated and always null.
	Body *string `json:"body,omitempty"`
}

// TicketListParams filters a ticket list.
type TicketListParams struct {
	UUID    string
	Contact string // UUID
	// Before and After bound modified_on (inclusive).
	Before, After time.Time
	// Reverse lists oldest first.
	Reverse bool
	Cursor  string
}

func (p *TicketListParams) values() (url.Values, string) {
	if p == nil {
		return nil, ""
	}
	q := query{}
	q.str("uuid", p.UUID)
	q.str("contact", p.Contact)
	q.time("before", p.Before)
	q.time("after", p.After)
	q.flag("reverse", p.Reverse)
	return url.Values(q), p.Cursor
}

// List iterates over the tickets matching p.
func (s *TicketsService) List(ctx context.Context, p *TicketListParams) iter.Seq2[Ticket, error] {
	q, cursor := p.values()
	return list[Ticket](ctx, s.c, "tickets.json", q, cursor)
}

// ListPage fetches one page of tickets.
func (s *TicketsService) ListPage(ctx context.Context, p *TicketListParams) (*Page[Ticket], error) {
	q, cursor := p.values()
	return listPage[Ticket](ctx, s.c, "tickets.json", q, cursor)
}

// Changes iterates, oldest first, over the tickets modified since cp; see
// ContactsService.Changes.
func (s *TicketsService) Changes(ctx context.Context, p *TicketListParams, cp Checkpoint) iter.Seq2[Ticket, error] {
	q, _ := p.values()
	return changes(ctx, s.c, "tickets.json", q, cp, func(t *Ticket) (time.Time, string) { return t.ModifiedOn.Time, t.UUID })
}

// TicketAction is the body of a ticket_actions request (at most 100
// tickets).
type TicketAction struct {
	Tickets []string `json:"tickets"`
	// Action is assign, add_note, change_topic, close or reopen.
	Action string `json:"action"`
	// Assignee is an email, or nil to unassign (assign only).
	Assignee *string `json:"assignee,omitempty"`
	Note     string  `json:"note,omitempty"`
	Topic    string  `json:"topic,omitempty"`
}

// Act applies an action to tickets and returns the UUIDs of the tickets it
// did not change. Every action but add_note is retried on failure, since
// doing it twice changes nothing.
func (s *TicketsService) Act(ctx context.Context, a *TicketAction) (failures []string, err error) {
	if a == nil || len(a.Tickets) == 0 || len(a.Tickets) > MaxBatch {
		return nil, fmt.Errorf("rapidpro: a ticket action takes 1 to %d tickets", MaxBatch)
	}
	var out struct {
		Failures []string `json:"failures"`
	}
	if _, err := s.c.post(ctx, repeat(a.Action != "add_note"), "ticket_actions.json", nil, a, &out); err != nil {
		return nil, err
	}
	return out.Failures, nil
}

// ResthooksService handles the resthooks, resthook_events and
// resthook_subscribers endpoints.
// https://app.rapidpro.io/api/v2/resthooks
type ResthooksService service

// Resthook is a named hook flows can call.
type Resthook struct {
	Resthook   string `json:"resthook"`
	CreatedOn  Time   `json:"created_on"`
	ModifiedOn Time   `json:"modified_on"`
}

// ResthookEvent is a payload sent to a resthook's subscribers.
type ResthookEvent struct {
	Resthook  string          `json:"resthook"`
	Data      json.RawMessage `json:"data"`
	CreatedOn Time            `json:"created_on"`
}

// ResthookSubscriber is a URL subscribed to a resthook.
type ResthookSubscriber struct {
	ID        int64  `json:"id"`
	Resthook  string `json:"resthook"`
	TargetURL string `json:"target_url"`
	CreatedOn Time   `json:"created_on"`
}

// ResthookListParams filters the resthook lists.
type ResthookListParams struct {
	// Resthook is a slug (events and subscribers).
	Resthook string
	// ID is a subscriber id (subscribers).
	ID     int64
	Cursor string
}

func (p *ResthookListParams) values() (url.Values, string) {
	if p == nil {
		return nil, ""
	}
	q := query{}
	q.str("resthook", p.Resthook)
	if p.ID != 0 {
		url.Values(q).Set("id", fmt.Sprint(p.ID))
	}
	return url.Values(q), p.Cursor
}

// List iterates over the resthooks.
func (s *ResthooksService) List(ctx context.Context, p *ResthookListParams) iter.Seq2[Resthook, error] {
	q, cursor := p.values()
	return list[Resthook](ctx, s.c, "resthooks.json", q, cursor)
}

// ListPage fetches one page of resthooks.
func (s *ResthooksService) ListPage(ctx context.Context, p *ResthookListParams) (*Page[Resthook], error) {
	q, cursor := p.values()
	return listPage[Resthook](ctx, s.c, "resthooks.json", q, cursor)
}

// Events iterates over the events sent to resthooks.
func (s *ResthooksService) Events(ctx context.Context, p *ResthookListParams) iter.Seq2[ResthookEvent, error] {
	q, cursor := p.values()
	return list[ResthookEvent](ctx, s.c, "resthook_events.json", q, cursor)
}

// Subscribers iterates over the resthook subscribers.
func (s *ResthooksService) Subscribers(ctx context.Context, p *ResthookListParams) iter.Seq2[ResthookSubscriber, error] {
	q, cursor := p.values()
	return list[ResthookSubscriber](ctx, s.c, "resthook_subscribers.json", q, cursor)
}

// Subscribe subscribes targetURL to a resthook (a duplicate is refused, so
// a retry cannot subscribe twice).
func (s *ResthooksService) Subscribe(ctx context.Context, resthook, targetURL string) (*ResthookSubscriber, error) {
	body := struct {
		Resthook  string `json:"resthook"`
		TargetURL string `json:"target_url"`
	}{resthook, targetURL}
	var out ResthookSubscriber
	if _, err := s.c.post(ctx, once, "resthook_subscribers.json", nil, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Unsubscribe removes a subscriber.
func (s *ResthooksService) Unsubscribe(ctx context.Context, id int64) error {
	return s.c.del(ctx, "resthook_subscribers.json", url.Values{"id": {fmt.Sprint(id)}})
}
