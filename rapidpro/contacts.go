package rapidpro

import (
	"context"
	"iter"
	"net/url"
	"time"
)

// ContactsService handles the contacts endpoint (throttle scope
// "contacts"). https://app.rapidpro.io/api/v2/contacts
type ContactsService service

// Contact is a person RapidPro can message.
type Contact struct {
	UUID string `json:"uuid"`
	// Name is "" when the contact has none.
	Name string `json:"name"`
	// Status is active, blocked, stopped or archived ("" when deleted).
	Status string `json:"status"`
	// Language is an ISO 639-3 code or "".
	Language string `json:"language"`
	// URNs are like "tel:+250788123123" (the path is masked as ********
	// in anonymous workspaces).
	URNs   []string `json:"urns"`
	Groups []Ref    `json:"groups"`
	// Fields holds every active field key, with a null value when unset.
	Fields     map[string]FieldValue `json:"fields"`
	Notes      []ContactNote         `json:"notes,omitempty"`
	Flow       *Ref                  `json:"flow"`
	CreatedOn  Time                  `json:"created_on"`
	ModifiedOn Time                  `json:"modified_on"`
	LastSeenOn Time                  `json:"last_seen_on"`
	// Blocked and Stopped are deprecated mirrors of Status.
	Blocked *bool `json:"blocked,omitempty"`
	Stopped *bool `json:"stopped,omitempty"`
	// Ref and AnonDisplay identify contacts of anonymous workspaces.
	Ref         string `json:"ref,omitempty"`
	AnonDisplay string `json:"anon_display,omitempty"`
}

// ContactNote is a note left on a contact.
type ContactNote struct {
	Text      string `json:"text"`
	CreatedOn Time   `json:"created_on"`
	CreatedBy *User  `json:"created_by"`
}

// ContactListParams filters a contact list. The zero value lists every
// active contact, most recently modified first.
type ContactListParams struct {
	UUID  string
	URN   string
	Group string // UUID or name
	// Deleted lists only deleted contacts (to sync deletions).
	Deleted bool
	// Before and After bound modified_on (both inclusive).
	Before, After time.Time
	// Reverse lists oldest first.
	Reverse bool
	// Cursor resumes a list from a Page.Next; the other filters are then
	// taken from it when it is a URL.
	Cursor string
}

func (p *ContactListParams) values() (url.Values, string) {
	if p == nil {
		return nil, ""
	}
	q := query{}
	q.str("uuid", p.UUID)
	q.str("urn", p.URN)
	q.str("group", p.Group)
	q.flag("deleted", p.Deleted)
	q.time("before", p.Before)
	q.time("after", p.After)
	q.flag("reverse", p.Reverse)
	return url.Values(q), p.Cursor
}

// List iterates over the contacts matching p, fetching pages lazily.
func (s *ContactsService) List(ctx context.Context, p *ContactListParams) iter.Seq2[Contact, error] {
	q, cursor := p.values()
	return list[Contact](ctx, s.c, "contacts.json", q, cursor)
}

// ListPage fetches one page of contacts; its Next resumes the list.
func (s *ContactsService) ListPage(ctx context.Context, p *ContactListParams) (*Page[Contact], error) {
	q, cursor := p.values()
	return listPage[Contact](ctx, s.c, "contacts.json", q, cursor)
}

// Changes iterates, oldest first, over the contacts modified since cp,
// without those the checkpoint has already seen. Call cp.Observe with each
// contact once processed, and store cp. p's Before, After, Reverse and
// Cursor are ignored.
func (s *ContactsService) Changes(ctx context.Context, p *ContactListParams, cp Checkpoint) iter.Seq2[Contact, error] {
	q, _ := p.values()
	return changes(ctx, s.c, "contacts.json", q, cp, func(c *Contact) (time.Time, string) { return c.ModifiedOn.Time, c.UUID })
}

// Get returns the contact with the given UUID (ErrNotFound if none).
func (s *ContactsService) Get(ctx context.Context, uuid string) (*Contact, error) {
	return getOne[Contact](ctx, s.c, "contacts.json", url.Values{"uuid": {uuid}})
}

// GetByURN returns the contact owning urn (ErrNotFound if none).
func (s *ContactsService) GetByURN(ctx context.Context, urn string) (*Contact, error) {
	return getOne[Contact](ctx, s.c, "contacts.json", url.Values{"urn": {urn}})
}

// ContactRequest is the body of a contact create or update. Nil fields are
// left unchanged on update.
type ContactRequest struct {
	Name *string `json:"name,omitempty"`
	// Language is an ISO 639-3 code.
	Language *string `json:"language,omitempty"`
	// URNs replaces the contact's URNs (at most 100). Nil leaves them; an
	// empty non-nil slice removes them all.
	URNs []string `json:"urns,omitzero"`
	// Groups replaces the manual group memberships (UUIDs or names, at most
	// 100). Use ContactActions to add or remove one group.
	Groups []string `json:"groups,omitzero"`
	// Fields merges field values by key; a nil value clears the field.
	Fields map[string]*string `json:"fields,omitempty"`
	// Note adds a note to the contact.
	Note string `json:"note,omitempty"`
}

// Create creates a contact. It is not retried once it may have reached the
// server.
func (s *ContactsService) Create(ctx context.Context, req *ContactRequest) (*Contact, error) {
	var out Contact
	if _, err := s.c.post(ctx, once, "contacts.json", nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Update changes the contact with the given UUID.
func (s *ContactsService) Update(ctx context.Context, uuid string, req *ContactRequest) (*Contact, error) {
	return s.update(ctx, url.Values{"uuid": {uuid}}, req)
}

// UpdateByURN changes the contact owning urn, creating it when no contact
// has that URN (then req must not set URNs).
func (s *ContactsService) UpdateByURN(ctx context.Context, urn string, req *ContactRequest) (*Contact, error) {
	return s.update(ctx, url.Values{"urn": {urn}}, req)
}

func (s *ContactsService) update(ctx context.Context, q url.Values, req *ContactRequest) (*Contact, error) {
	// Setting the same values twice changes nothing, so a failed update
	// may be retried; adding a note twice would not be.
	r := repeat(req != nil && req.Note == "")
	var out Contact
	if _, err := s.c.post(ctx, r, "contacts.json", q, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Delete deletes the contact with the given UUID, permanently.
func (s *ContactsService) Delete(ctx context.Context, uuid string) error {
	return s.c.del(ctx, "contacts.json", url.Values{"uuid": {uuid}})
}

// DeleteByURN deletes the contact owning urn, permanently.
func (s *ContactsService) DeleteByURN(ctx context.Context, urn string) error {
	return s.c.del(ctx, "contacts.json", url.Values{"urn": {urn}})
}
