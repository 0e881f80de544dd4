package rapidpro

import (
	"context"
	"encoding/json"
	"iter"
	"net/url"
	"time"
)

// FlowsService handles the flows endpoint (flow summaries; the definitions
// come from Definitions). https://app.rapidpro.io/api/v2/flows
type FlowsService service

// Flow summarises a flow.
type Flow struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
	// Type is message, voice, background or survey.
	Type     string `json:"type"`
	Archived bool   `json:"archived"`
	Labels   []Ref  `json:"labels"`
	// Expires is the inactivity timeout in minutes.
	Expires    int          `json:"expires"`
	Runs       FlowRunCount `json:"runs"`
	Results    []FlowResult `json:"results"`
	ParentRefs []string     `json:"parent_refs"`
	CreatedOn  Time         `json:"created_on"`
	ModifiedOn Time         `json:"modified_on"`
}

// FlowRunCount counts a flow's runs by state.
type FlowRunCount struct {
	Active      int `json:"active"`
	Waiting     int `json:"waiting"`
	Completed   int `json:"completed"`
	Interrupted int `json:"interrupted"`
	Expired     int `json:"expired"`
	Failed      int `json:"failed"`
}

// FlowResult describes a result a flow saves.
type FlowResult struct {
	Key        string   `json:"key"`
	Name       string   `json:"name"`
	Categories []string `json:"categories"`
	NodeUUIDs  []string `json:"node_uuids"`
}

// FlowListParams filters a flow list.
type FlowListParams struct {
	UUID string
	// Type is message, voice, background or survey.
	Type string
	// Archived, when set, keeps only archived (true) or active flows.
	Archived *bool
	// Before and After bound modified_on (inclusive).
	Before, After time.Time
	Cursor        string
}

func (p *FlowListParams) values() (url.Values, string) {
	if p == nil {
		return nil, ""
	}
	q := query{}
	q.str("uuid", p.UUID)
	q.str("type", p.Type)
	q.boolp("archived", p.Archived)
	q.time("before", p.Before)
	q.time("after", p.After)
	return url.Values(q), p.Cursor
}

// List iterates over the flows matching p.
func (s *FlowsService) List(ctx context.Context, p *FlowListParams) iter.Seq2[Flow, error] {
	q, cursor := p.values()
	return list[Flow](ctx, s.c, "flows.json", q, cursor)
}

// ListPage fetches one page of flows.
func (s *FlowsService) ListPage(ctx context.Context, p *FlowListParams) (*Page[Flow], error) {
	q, cursor := p.values()
	return listPage[Flow](ctx, s.c, "flows.json", q, cursor)
}

// Get returns the flow with the given UUID (ErrNotFound if none).
func (s *FlowsService) Get(ctx context.Context, uuid string) (*Flow, error) {
	return getOne[Flow](ctx, s.c, "flows.json", url.Values{"uuid": {uuid}})
}

// RunsService handles the runs endpoint (throttle scope "runs"): each
// contact's way through a flow and the results it saved.
// https://app.rapidpro.io/api/v2/runs
type RunsService service

// Run is one contact's pass through a flow.
type Run struct {
	UUID      string     `json:"uuid"`
	Flow      Ref        `json:"flow"`
	Contact   RunContact `json:"contact"`
	Start     *StartRef  `json:"start"`
	Responded bool       `json:"responded"`
	// Path lists the visited nodes in order (nil when listed with
	// Paths=false).
	Path   []RunStep           `json:"path"`
	Values map[string]RunValue `json:"values"`
	// CreatedOn, ModifiedOn and ExitedOn (zero while the run is active).
	CreatedOn  Time `json:"created_on"`
	ModifiedOn Time `json:"modified_on"`
	ExitedOn   Time `json:"exited_on"`
	// ExitType is completed, interrupted, expired or failed; "" while the
	// run is active or waiting.
	ExitType string `json:"exit_type"`
	// ID is deprecated; use UUID.
	ID int64 `json:"id,omitempty"`
}

// Active reports whether the run has not exited yet.
func (r *Run) Active() bool { return r.ExitType == "" }

// RunContact is the contact of a run.
type RunContact struct {
	UUID       string `json:"uuid"`
	Name       string `json:"name"`
	URN        string `json:"urn,omitempty"`
	URNDisplay string `json:"urn_display,omitempty"`
	// Ref and AnonDisplay identify contacts of anonymous workspaces.
	Ref         string `json:"ref,omitempty"`
	AnonDisplay string `json:"anon_display,omitempty"`
}

// StartRef names the flow start that created a run.
type StartRef struct {
	UUID string `json:"uuid"`
}

// RunStep is a node a run visited.
type RunStep struct {
	Node string `json:"node"`
	Time Time   `json:"time"`
}

// RunValue is a result a run saved.
type RunValue struct {
	Name     string `json:"name"`
	Value    string `json:"value"`
	Category string `json:"category"`
	Node     string `json:"node"`
	Time     Time   `json:"time"`
	// Input is what the contact said; current servers no longer send it.
	Input string `json:"input,omitempty"`
}

// RunListParams filters a run list.
type RunListParams struct {
	UUID string
	Flow string // UUID
	// Contact is a contact UUID (deprecated by RapidPro; exclusive with Flow).
	Contact string
	// Responded keeps only runs with replies.
	Responded bool
	// Before and After bound modified_on (inclusive).
	Before, After time.Time
	// Reverse lists oldest first.
	Reverse bool
	// WithoutPaths asks for path: null, a cheaper response.
	WithoutPaths bool
	Cursor       string
}

func (p *RunListParams) values() (url.Values, string) {
	if p == nil {
		return nil, ""
	}
	q := query{}
	q.str("uuid", p.UUID)
	q.str("flow", p.Flow)
	q.str("contact", p.Contact)
	q.flag("responded", p.Responded)
	q.time("before", p.Before)
	q.time("after", p.After)
	q.flag("reverse", p.Reverse)
	if p.WithoutPaths {
		url.Values(q).Set("paths", "false")
	}
	return url.Values(q), p.Cursor
}

// List iterates over the runs matching p, most recently modified first
// (oldest first with Reverse).
func (s *RunsService) List(ctx context.Context, p *RunListParams) iter.Seq2[Run, error] {
	q, cursor := p.values()
	return list[Run](ctx, s.c, "runs.json", q, cursor)
}

// ListPage fetches one page of runs.
func (s *RunsService) ListPage(ctx context.Context, p *RunListParams) (*Page[Run], error) {
	q, cursor := p.values()
	return listPage[Run](ctx, s.c, "runs.json", q, cursor)
}

// Changes iterates, oldest first, over the runs modified since cp; see
// ContactsService.Changes.
func (s *RunsService) Changes(ctx context.Context, p *RunListParams, cp Checkpoint) iter.Seq2[Run, error] {
	q, _ := p.values()
	return changes(ctx, s.c, "runs.json", q, cp, func(r *Run) (time.Time, string) { return r.ModifiedOn.Time, r.UUID })
}

// DefinitionsService handles the definitions endpoint: flows and campaigns
// as an export document (the format the RapidPro UI imports).
// https://app.rapidpro.io/api/v2/definitions
type DefinitionsService service

// Export is an export document. Flows and the other lists are kept as raw
// JSON: their format is the flow spec, not the API's.
type Export struct {
	Version   string            `json:"version"`
	Site      string            `json:"site,omitempty"`
	Flows     []json.RawMessage `json:"flows"`
	Campaigns []json.RawMessage `json:"campaigns"`
	Triggers  []json.RawMessage `json:"triggers"`
	Fields    []json.RawMessage `json:"fields,omitempty"`
	Groups    []json.RawMessage `json:"groups,omitempty"`
}

// DefinitionsParams chooses what to export.
type DefinitionsParams struct {
	Flows     []string // UUIDs
	Campaigns []string // UUIDs
	// Dependencies is none, flows or all (the server's default).
	Dependencies string
}

// Get exports the flows and campaigns p names.
func (s *DefinitionsService) Get(ctx context.Context, p *DefinitionsParams) (*Export, error) {
	q := query{}
	if p != nil {
		q.strs("flow", p.Flows)
		q.strs("campaign", p.Campaigns)
		q.str("dependencies", p.Dependencies)
	}
	var out Export
	if _, err := s.c.get(ctx, s.c.endpointURL("definitions.json", url.Values(q)), &out); err != nil {
		return nil, err
	}
	return &out, nil
}
