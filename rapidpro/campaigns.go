package rapidpro

import (
	"context"
	"iter"
	"net/url"
)

// CampaignsService handles the campaigns endpoint.
// https://app.rapidpro.io/api/v2/campaigns
type CampaignsService service

// Campaign schedules messages or flows relative to a date field of the
// members of a group.
type Campaign struct {
	UUID      string `json:"uuid"`
	Name      string `json:"name"`
	Archived  bool   `json:"archived"`
	Group     Ref    `json:"group"`
	CreatedOn Time   `json:"created_on"`
}

// CampaignListParams filters a campaign list.
type CampaignListParams struct {
	UUID   string
	Cursor string
}

func (p *CampaignListParams) values() (url.Values, string) {
	if p == nil {
		return nil, ""
	}
	q := query{}
	q.str("uuid", p.UUID)
	return url.Values(q), p.Cursor
}

// List iterates over the campaigns matching p.
func (s *CampaignsService) List(ctx context.Context, p *CampaignListParams) iter.Seq2[Campaign, error] {
	q, cursor := p.values()
	return list[Campaign](ctx, s.c, "campaigns.json", q, cursor)
}

// ListPage fetches one page of campaigns.
func (s *CampaignsService) ListPage(ctx context.Context, p *CampaignListParams) (*Page[Campaign], error) {
	q, cursor := p.values()
	return listPage[Campaign](ctx, s.c, "campaigns.json", q, cursor)
}

// CampaignRequest is the body of a campaign create or update.
type CampaignRequest struct {
	Name string `json:"name"`
	// Group is the UUID or name of the group.
	Group string `json:"group"`
}

// Create creates a campaign (names are unique, so a retry cannot make two).
func (s *CampaignsService) Create(ctx context.Context, req *CampaignRequest) (*Campaign, error) {
	var out Campaign
	if _, err := s.c.post(ctx, once, "campaigns.json", nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Update changes a campaign; a new group reschedules it.
func (s *CampaignsService) Update(ctx context.Context, uuid string, req *CampaignRequest) (*Campaign, error) {
	var out Campaign
	if _, err := s.c.post(ctx, repeatable, "campaigns.json", url.Values{"uuid": {uuid}}, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CampaignEventsService handles the campaign_events endpoint.
// https://app.rapidpro.io/api/v2/campaign_events
type CampaignEventsService service

// CampaignEvent sends a message or starts a flow at an offset from a date
// field.
type CampaignEvent struct {
	UUID         string       `json:"uuid"`
	Campaign     Ref          `json:"campaign"`
	RelativeTo   FieldRef     `json:"relative_to"`
	Offset       int          `json:"offset"`
	Unit         string       `json:"unit"`
	DeliveryHour int          `json:"delivery_hour"`
	Flow         *Ref         `json:"flow"`
	Message      Translations `json:"message"`
	CreatedOn    Time         `json:"created_on"`
}

// FieldRef names a contact field.
type FieldRef struct {
	Key   string `json:"key"`
	Name  string `json:"name"`
	Label string `json:"label,omitempty"`
}

// CampaignEventListParams filters a campaign event list.
type CampaignEventListParams struct {
	UUID string
	// Campaign is a campaign UUID or name.
	Campaign string
	Cursor   string
}

func (p *CampaignEventListParams) values() (url.Values, string) {
	if p == nil {
		return nil, ""
	}
	q := query{}
	q.str("uuid", p.UUID)
	q.str("campaign", p.Campaign)
	return url.Values(q), p.Cursor
}

// List iterates over the campaign events matching p.
func (s *CampaignEventsService) List(ctx context.Context, p *CampaignEventListParams) iter.Seq2[CampaignEvent, error] {
	q, cursor := p.values()
	return list[CampaignEvent](ctx, s.c, "campaign_events.json", q, cursor)
}

// ListPage fetches one page of campaign events.
func (s *CampaignEventsService) ListPage(ctx context.Context, p *CampaignEventListParams) (*Page[CampaignEvent], error) {
	q, cursor := p.values()
	return listPage[CampaignEvent](ctx, s.c, "campaign_events.json", q, cursor)
}

// CampaignEventRequest is the body of a campaign event create or update.
// Give exactly one of Message and Flow.
type CampaignEventRequest struct {
	Campaign   string `json:"campaign"`
	RelativeTo string `json:"relative_to"`
	Offset     int    `json:"offset"`
	// Unit is minutes, hours, days or weeks.
	Unit string `json:"unit"`
	// DeliveryHour is 0-23, or -1 for the hour of the field's value.
	DeliveryHour int          `json:"delivery_hour"`
	Message      Translations `json:"message,omitempty"`
	Flow         string       `json:"flow,omitempty"`
}

// Create creates a campaign event. It is not retried once it may have
// reached the server.
func (s *CampaignEventsService) Create(ctx context.Context, req *CampaignEventRequest) (*CampaignEvent, error) {
	var out CampaignEvent
	if _, err := s.c.post(ctx, once, "campaign_events.json", nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Update changes a campaign event (its campaign cannot change).
func (s *CampaignEventsService) Update(ctx context.Context, uuid string, req *CampaignEventRequest) (*CampaignEvent, error) {
	var out CampaignEvent
	if _, err := s.c.post(ctx, repeatable, "campaign_events.json", url.Values{"uuid": {uuid}}, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Delete deletes a campaign event.
func (s *CampaignEventsService) Delete(ctx context.Context, uuid string) error {
	return s.c.del(ctx, "campaign_events.json", url.Values{"uuid": {uuid}})
}
