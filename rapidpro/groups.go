package rapidpro

import (
	"context"
	"iter"
	"net/url"
)

// GroupsService handles the groups endpoint.
// https://app.rapidpro.io/api/v2/groups
type GroupsService service

// Group is a contact group: manual (Query == "") or smart.
type Group struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
	// Query is the smart group's query; "" for a manual group.
	Query string `json:"query"`
	// Status is initializing, evaluating, ready or invalid.
	Status string `json:"status"`
	System bool   `json:"system"`
	Count  int    `json:"count"`
}

// GroupListParams filters a group list.
type GroupListParams struct {
	UUID string
	// Name matches case-insensitively (exclusive with UUID).
	Name string
	// ManualOnly leaves out smart groups.
	ManualOnly bool
	Cursor     string
}

func (p *GroupListParams) values() (url.Values, string) {
	if p == nil {
		return nil, ""
	}
	q := query{}
	q.str("uuid", p.UUID)
	q.str("name", p.Name)
	q.flag("manual_only", p.ManualOnly)
	return url.Values(q), p.Cursor
}

// List iterates over the groups matching p.
func (s *GroupsService) List(ctx context.Context, p *GroupListParams) iter.Seq2[Group, error] {
	q, cursor := p.values()
	return list[Group](ctx, s.c, "groups.json", q, cursor)
}

// ListPage fetches one page of groups.
func (s *GroupsService) ListPage(ctx context.Context, p *GroupListParams) (*Page[Group], error) {
	q, cursor := p.values()
	return listPage[Group](ctx, s.c, "groups.json", q, cursor)
}

// Get returns the group with the given UUID (ErrNotFound if none).
func (s *GroupsService) Get(ctx context.Context, uuid string) (*Group, error) {
	return getOne[Group](ctx, s.c, "groups.json", url.Values{"uuid": {uuid}})
}

// GetByName returns the group with the given name, case-insensitively
// (ErrNotFound if none).
func (s *GroupsService) GetByName(ctx context.Context, name string) (*Group, error) {
	return getOne[Group](ctx, s.c, "groups.json", url.Values{"name": {name}})
}

// nameBody is the body of the endpoints whose only writable field is name.
type nameBody struct {
	Name string `json:"name"`
}

// Create creates a manual group (400 if the name is taken, so a retried
// create cannot make two).
func (s *GroupsService) Create(ctx context.Context, name string) (*Group, error) {
	var out Group
	if _, err := s.c.post(ctx, once, "groups.json", nil, nameBody{name}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Update renames a group.
func (s *GroupsService) Update(ctx context.Context, uuid, name string) (*Group, error) {
	var out Group
	if _, err := s.c.post(ctx, repeatable, "groups.json", url.Values{"uuid": {uuid}}, nameBody{name}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Delete deletes a group (400 while a trigger or campaign uses it).
func (s *GroupsService) Delete(ctx context.Context, uuid string) error {
	return s.c.del(ctx, "groups.json", url.Values{"uuid": {uuid}})
}

// LabelsService handles the labels endpoint (message labels).
// https://app.rapidpro.io/api/v2/labels
type LabelsService service

// Label is a message label.
type Label struct {
	UUID  string `json:"uuid"`
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// LabelListParams filters a label list.
type LabelListParams struct {
	UUID, Name string
	Cursor     string
}

func (p *LabelListParams) values() (url.Values, string) {
	if p == nil {
		return nil, ""
	}
	q := query{}
	q.str("uuid", p.UUID)
	q.str("name", p.Name)
	return url.Values(q), p.Cursor
}

// List iterates over the labels matching p.
func (s *LabelsService) List(ctx context.Context, p *LabelListParams) iter.Seq2[Label, error] {
	q, cursor := p.values()
	return list[Label](ctx, s.c, "labels.json", q, cursor)
}

// ListPage fetches one page of labels.
func (s *LabelsService) ListPage(ctx context.Context, p *LabelListParams) (*Page[Label], error) {
	q, cursor := p.values()
	return listPage[Label](ctx, s.c, "labels.json", q, cursor)
}

// Create creates a label.
func (s *LabelsService) Create(ctx context.Context, name string) (*Label, error) {
	var out Label
	if _, err := s.c.post(ctx, once, "labels.json", nil, nameBody{name}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Update renames a label.
func (s *LabelsService) Update(ctx context.Context, uuid, name string) (*Label, error) {
	var out Label
	if _, err := s.c.post(ctx, repeatable, "labels.json", url.Values{"uuid": {uuid}}, nameBody{name}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Delete deletes a label.
func (s *LabelsService) Delete(ctx context.Context, uuid string) error {
	return s.c.del(ctx, "labels.json", url.Values{"uuid": {uuid}})
}

// TopicsService handles the topics endpoint (ticket topics).
// https://app.rapidpro.io/api/v2/topics
type TopicsService service

// Topic is a ticket topic.
type Topic struct {
	UUID      string      `json:"uuid"`
	Name      string      `json:"name"`
	Counts    TopicCounts `json:"counts"`
	System    bool        `json:"system"`
	CreatedOn Time        `json:"created_on"`
}

// TopicCounts counts a topic's tickets.
type TopicCounts struct {
	Open   int `json:"open"`
	Closed int `json:"closed"`
}

// TopicListParams filters a topic list.
type TopicListParams struct {
	UUID   string
	Cursor string
}

func (p *TopicListParams) values() (url.Values, string) {
	if p == nil {
		return nil, ""
	}
	q := query{}
	q.str("uuid", p.UUID)
	return url.Values(q), p.Cursor
}

// List iterates over the topics matching p.
func (s *TopicsService) List(ctx context.Context, p *TopicListParams) iter.Seq2[Topic, error] {
	q, cursor := p.values()
	return list[Topic](ctx, s.c, "topics.json", q, cursor)
}

// ListPage fetches one page of topics.
func (s *TopicsService) ListPage(ctx context.Context, p *TopicListParams) (*Page[Topic], error) {
	q, cursor := p.values()
	return listPage[Topic](ctx, s.c, "topics.json", q, cursor)
}

// Create creates a topic.
func (s *TopicsService) Create(ctx context.Context, name string) (*Topic, error) {
	var out Topic
	if _, err := s.c.post(ctx, once, "topics.json", nil, nameBody{name}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Update renames a topic.
func (s *TopicsService) Update(ctx context.Context, uuid, name string) (*Topic, error) {
	var out Topic
	if _, err := s.c.post(ctx, repeatable, "topics.json", url.Values{"uuid": {uuid}}, nameBody{name}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
