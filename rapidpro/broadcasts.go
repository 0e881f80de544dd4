package rapidpro

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"
)

// BroadcastsService handles the broadcasts endpoint: one message to many
// contacts. https://app.rapidpro.io/api/v2/broadcasts
type BroadcastsService service

// Broadcast is a message sent to groups, contacts and URNs.
type Broadcast struct {
	UUID string `json:"uuid"`
	// Status is pending, queued, started, completed, failed or interrupted.
	Status   string    `json:"status"`
	Progress *Progress `json:"progress,omitempty"`
	// URNs is nil in anonymous workspaces.
	URNs         []string                `json:"urns"`
	Contacts     []Ref                   `json:"contacts"`
	Groups       []Ref                   `json:"groups"`
	Text         Translations            `json:"text"`
	Attachments  map[string][]string     `json:"attachments,omitempty"`
	QuickReplies map[string][]QuickReply `json:"quick_replies,omitempty"`
	BaseLanguage string                  `json:"base_language,omitempty"`
	CreatedOn    Time                    `json:"created_on"`
	// ID is deprecated; use UUID.
	ID int64 `json:"id,omitempty"`
}

// BroadcastListParams filters a broadcast list.
type BroadcastListParams struct {
	UUID string
	// Before and After bound created_on (inclusive).
	Before, After time.Time
	Cursor        string
}

func (p *BroadcastListParams) values() (url.Values, string) {
	if p == nil {
		return nil, ""
	}
	q := query{}
	q.str("uuid", p.UUID)
	q.time("before", p.Before)
	q.time("after", p.After)
	return url.Values(q), p.Cursor
}

// List iterates over the broadcasts matching p, newest first.
func (s *BroadcastsService) List(ctx context.Context, p *BroadcastListParams) iter.Seq2[Broadcast, error] {
	q, cursor := p.values()
	return list[Broadcast](ctx, s.c, "broadcasts.json", q, cursor)
}

// ListPage fetches one page of broadcasts.
func (s *BroadcastsService) ListPage(ctx context.Context, p *BroadcastListParams) (*Page[Broadcast], error) {
	q, cursor := p.values()
	return listPage[Broadcast](ctx, s.c, "broadcasts.json", q, cursor)
}

// BroadcastRequest is the body of a broadcast. Give Text or Attachments, and
// at least one of URNs, Contacts and Groups (Create takes at most 100 of
// each; CreateMany any number).
type BroadcastRequest struct {
	URNs []string `json:"urns,omitempty"`
	// Contacts are contact UUIDs or URNs.
	Contacts []string `json:"contacts,omitempty"`
	// Groups are group UUIDs or names.
	Groups []string `json:"groups,omitempty"`
	// Text by language; Translations{"": s} sends s in the primary
	// language.
	Text Translations `json:"text,omitempty"`
	// Attachments by language: media UUIDs or "type:url" strings.
	Attachments  map[string][]string     `json:"attachments,omitempty"`
	QuickReplies map[string][]QuickReply `json:"quick_replies,omitempty"`
	// BaseLanguage, if set, must be one of Text's languages.
	BaseLanguage string `json:"base_language,omitempty"`
}

func (r *BroadcastRequest) validate() error {
	if r == nil || (len(r.Text) == 0 && len(r.Attachments) == 0) {
		return errors.New("rapidpro: a broadcast needs text or attachments")
	}
	if len(r.Groups)+len(r.Contacts)+len(r.URNs) == 0 {
		return errors.New("rapidpro: a broadcast needs at least one group, contact or URN")
	}
	return nil
}

// Create sends a broadcast, at most once. RapidPro has no field to mark a
// broadcast with, so Create first notes the newest broadcast on the server
// (one extra GET); when the request then fails without telling whether the
// broadcast was made, it looks among the broadcasts newer than that one for
// one with the same text and recipients, and sends again only if there is
// none. If the search fails it returns an *OutcomeUnknownError.
func (s *BroadcastsService) Create(ctx context.Context, req *BroadcastRequest) (*Broadcast, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	if len(req.Groups) > MaxBatch || len(req.Contacts) > MaxBatch || len(req.URNs) > MaxBatch {
		return nil, fmt.Errorf("rapidpro: a broadcast takes at most %d groups, contacts and URNs each; use CreateMany", MaxBatch)
	}
	newest, err := s.ListPage(ctx, nil)
	if err != nil {
		return nil, err
	}
	var before string // the UUID of the newest broadcast before ours
	if len(newest.Results) > 0 {
		before = newest.Results[0].UUID
	}
	body := *req
	send := func(ctx context.Context) (*Broadcast, error) {
		var out Broadcast
		if _, err := s.c.post(ctx, once, "broadcasts.json", nil, &body, &out); err != nil {
			return nil, err
		}
		return &out, nil
	}
	find := func(ctx context.Context, _ time.Time) (*Broadcast, error) {
		for b, err := range s.List(ctx, nil) { // newest first
			if isDecodeError(err) {
				continue
			}
			if err != nil {
				return nil, err
			}
			if b.UUID == before {
				return nil, nil
			}
			if body.matches(&b) {
				return &b, nil
			}
		}
		return nil, nil
	}
	return createReconciled(ctx, s.c, "broadcast", "", send, find)
}

// matches reports whether b looks like the broadcast r asked for.
func (r *BroadcastRequest) matches(b *Broadcast) bool {
	for lang, text := range r.Text {
		if lang == "" {
			lang = b.BaseLanguage
		}
		if b.Text.Text(lang) != text {
			return false
		}
	}
	if !refsMatch(r.Groups, b.Groups) || !refsMatch(r.Contacts, b.Contacts) {
		return false
	}
	if b.URNs == nil { // anonymous workspace
		return true
	}
	if len(b.URNs) < len(r.URNs) {
		return false
	}
	for _, u := range r.URNs {
		if !slices.ContainsFunc(b.URNs, func(got string) bool { return sameURN(u, got) }) {
			return false
		}
	}
	return true
}

// sameURN compares URNs after RapidPro's normalisation of phone numbers
// (only the digits of a tel path are compared, without the country code).
func sameURN(a, b string) bool {
	if strings.EqualFold(a, b) {
		return true
	}
	sa, pa, _ := strings.Cut(a, ":")
	sb, pb, _ := strings.Cut(b, ":")
	if sa != "tel" || sb != "tel" {
		return false
	}
	da, db := digits(pa), digits(pb)
	return len(da) >= 6 && len(db) >= 6 && (strings.HasSuffix(da, db) || strings.HasSuffix(db, da))
}

func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// BroadcastBatch is one of the broadcasts CreateMany sent.
type BroadcastBatch struct {
	Groups, Contacts, URNs []string
	// Broadcast is the broadcast made, when Err is nil.
	Broadcast *Broadcast
	// Err is nil when the broadcast was made; see StartBatch.Err.
	Err error
}

// CreateMany sends a broadcast to any number of contacts or URNs, as one
// broadcast per 100 (each sent at most once, as by Create). Repeated
// contacts and URNs are sent once. A request that needs several batches
// must list only contacts, or only URNs: with groups, or with both, one
// person could be in two batches and get the message twice, so it is
// refused (a request that fits one batch may mix them). It stops at the
// first failed batch and marks the later ones ErrNotAttempted: re-run it
// with the recipients of those batches to resume.
func (s *BroadcastsService) CreateMany(ctx context.Context, req *BroadcastRequest) ([]BroadcastBatch, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	groups, contacts, urns := dedupe(req.Groups), dedupe(req.Contacts), dedupe(req.URNs)
	n := batchCount(groups, contacts, urns)
	if n > 1 && (len(groups) > 0 || (len(contacts) > 0 && len(urns) > 0)) {
		// A broadcast has no restart_participants: a contact reached
		// through a group (or by UUID and by URN) in two batches would get
		// the message twice.
		return nil, errors.New("rapidpro: a broadcast split into batches must name its recipients one way: " +
			"only contacts, or only URNs (groups and URNs may overlap with contacts)")
	}
	batches := make([]BroadcastBatch, n)
	errs := make([]error, n)
	failed := false
	for i := range batches {
		b := &batches[i]
		b.Groups, b.Contacts, b.URNs = chunk(groups, i), chunk(contacts, i), chunk(urns, i)
		if failed {
			b.Err = ErrNotAttempted
			errs[i] = b.Err
			continue
		}
		one := *req
		one.Text = maps.Clone(req.Text)
		one.Groups, one.Contacts, one.URNs = b.Groups, b.Contacts, b.URNs
		b.Broadcast, b.Err = s.Create(ctx, &one)
		errs[i] = b.Err
		failed = b.Err != nil
	}
	return batches, batchErr("broadcast", n, errs)
}
