package rapidpro

import (
	"context"
	"iter"
	"net/url"
	"time"
)

// FieldsService handles the fields endpoint (contact fields).
// https://app.rapidpro.io/api/v2/fields
type FieldsService service

// Field is a contact field definition.
type Field struct {
	Key  string `json:"key"`
	Name string `json:"name"`
	// Type is text, number, datetime, state, district or ward.
	Type     string `json:"type"`
	Featured bool   `json:"featured"`
	Priority int    `json:"priority"`
	// Usages counts what refers to the field (nil on older servers).
	Usages *FieldUsages `json:"usages,omitempty"`
	// AgentAccess is none, view or edit.
	AgentAccess string `json:"agent_access,omitempty"`
	// Label and ValueType are deprecated names of Name and Type.
	Label     string `json:"label,omitempty"`
	ValueType string `json:"value_type,omitempty"`
}

// FieldUsages counts the flows, groups and campaign events using a field.
type FieldUsages struct {
	Flows          int `json:"flows"`
	Groups         int `json:"groups"`
	CampaignEvents int `json:"campaign_events"`
}

// FieldListParams filters a field list.
type FieldListParams struct {
	Key    string
	Cursor string
}

func (p *FieldListParams) values() (url.Values, string) {
	if p == nil {
		return nil, ""
	}
	q := query{}
	q.str("key", p.Key)
	return url.Values(q), p.Cursor
}

// List iterates over the fields matching p.
func (s *FieldsService) List(ctx context.Context, p *FieldListParams) iter.Seq2[Field, error] {
	q, cursor := p.values()
	return list[Field](ctx, s.c, "fields.json", q, cursor)
}

// ListPage fetches one page of fields.
func (s *FieldsService) ListPage(ctx context.Context, p *FieldListParams) (*Page[Field], error) {
	q, cursor := p.values()
	return listPage[Field](ctx, s.c, "fields.json", q, cursor)
}

// FieldRequest is the body of a field create or update.
type FieldRequest struct {
	// Name is letters, numbers, hyphens and spaces; the key derives from it.
	Name string `json:"name,omitempty"`
	// Type is text, number, datetime, state, district or ward.
	Type string `json:"type,omitempty"`
	// Label and ValueType are the legacy spellings, still accepted.
	Label     string `json:"label,omitempty"`
	ValueType string `json:"value_type,omitempty"`
}

// Create creates a field (400 if its name is taken, so a retried create
// cannot make two).
func (s *FieldsService) Create(ctx context.Context, req *FieldRequest) (*Field, error) {
	var out Field
	if _, err := s.c.post(ctx, once, "fields.json", nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Update changes the field with the given key.
func (s *FieldsService) Update(ctx context.Context, key string, req *FieldRequest) (*Field, error) {
	var out Field
	if _, err := s.c.post(ctx, repeatable, "fields.json", url.Values{"key": {key}}, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GlobalsService handles the globals endpoint (workspace-wide values used
// in flows). https://app.rapidpro.io/api/v2/globals
type GlobalsService service

// Global is a named value flows read as @globals.key.
type Global struct {
	Key        string `json:"key"`
	Name       string `json:"name"`
	Value      string `json:"value"`
	ModifiedOn Time   `json:"modified_on"`
}

// GlobalListParams filters a global list.
type GlobalListParams struct {
	Key string
	// Before and After bound modified_on (inclusive).
	Before, After time.Time
	Cursor        string
}

func (p *GlobalListParams) values() (url.Values, string) {
	if p == nil {
		return nil, ""
	}
	q := query{}
	q.str("key", p.Key)
	q.time("before", p.Before)
	q.time("after", p.After)
	return url.Values(q), p.Cursor
}

// List iterates over the globals matching p.
func (s *GlobalsService) List(ctx context.Context, p *GlobalListParams) iter.Seq2[Global, error] {
	q, cursor := p.values()
	return list[Global](ctx, s.c, "globals.json", q, cursor)
}

// ListPage fetches one page of globals.
func (s *GlobalsService) ListPage(ctx context.Context, p *GlobalListParams) (*Page[Global], error) {
	q, cursor := p.values()
	return listPage[Global](ctx, s.c, "globals.json", q, cursor)
}

// Changes iterates, oldest first, over the globals modified since cp; see
// ContactsService.Changes.
func (s *GlobalsService) Changes(ctx context.Context, p *GlobalListParams, cp Checkpoint) iter.Seq2[Global, error] {
	q, _ := p.values()
	return changes(ctx, s.c, "globals.json", q, cp, func(g *Global) (time.Time, string) { return g.ModifiedOn.Time, g.Key })
}

type globalBody struct {
	Name  string `json:"name,omitempty"`
	Value string `json:"value"`
}

// Create creates a global; its key derives from name.
func (s *GlobalsService) Create(ctx context.Context, name, value string) (*Global, error) {
	var out Global
	if _, err := s.c.post(ctx, once, "globals.json", nil, globalBody{name, value}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Update sets the value of the global with the given key.
func (s *GlobalsService) Update(ctx context.Context, key, value string) (*Global, error) {
	var out Global
	if _, err := s.c.post(ctx, repeatable, "globals.json", url.Values{"key": {key}}, globalBody{Value: value}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
