package rapidpro

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"net/http"
	"net/url"
	"time"
)

// MarkParam is the key, in a flow start's params, under which Create stores
// the key that identifies the start, so that a start whose request failed
// ambiguously can be found on the server instead of being sent twice. Flows
// can ignore it (it is visible there as @trigger.params.mhero_request).
const MarkParam = "mhero_request"

// FlowStartsService handles the flow_starts endpoint: starting contacts in
// a flow. https://app.rapidpro.io/api/v2/flow_starts
type FlowStartsService service

// FlowStart is a request to start contacts in a flow, made through the API
// or the UI.
type FlowStart struct {
	UUID string `json:"uuid"`
	Flow Ref    `json:"flow"`
	// Status is pending, queued, started, completed, failed or
	// interrupted (older servers: complete).
	Status   string         `json:"status"`
	Progress *Progress      `json:"progress,omitempty"`
	Groups   []Ref          `json:"groups"`
	Contacts []Ref          `json:"contacts"`
	Params   map[string]any `json:"params"`
	// CreatedOn and ModifiedOn (which moves as the start progresses).
	CreatedOn  Time `json:"created_on"`
	ModifiedOn Time `json:"modified_on"`
	// ID, Extra (= Params), RestartParticipants and ExcludeActive are
	// deprecated.
	ID                  int64          `json:"id,omitempty"`
	Extra               map[string]any `json:"extra,omitempty"`
	RestartParticipants *bool          `json:"restart_participants,omitempty"`
	ExcludeActive       *bool          `json:"exclude_active,omitempty"`
}

// Mark returns the key Create put in the start's params ("" if none).
func (f *FlowStart) Mark() string {
	for _, m := range []map[string]any{f.Params, f.Extra} {
		if s, ok := m[MarkParam].(string); ok {
			return s
		}
	}
	return ""
}

// Progress counts the contacts a start or broadcast has reached.
type Progress struct {
	// Total is -1 while unknown.
	Total   int `json:"total"`
	Started int `json:"started"`
}

// FlowStartListParams filters a flow start list.
type FlowStartListParams struct {
	UUID string
	// Before and After bound modified_on (inclusive).
	Before, After time.Time
	// Reverse lists oldest first.
	Reverse bool
	Cursor  string
}

func (p *FlowStartListParams) values() (url.Values, string) {
	if p == nil {
		return nil, ""
	}
	q := query{}
	q.str("uuid", p.UUID)
	q.time("before", p.Before)
	q.time("after", p.After)
	q.flag("reverse", p.Reverse)
	return url.Values(q), p.Cursor
}

// List iterates over the flow starts made by users and the API.
func (s *FlowStartsService) List(ctx context.Context, p *FlowStartListParams) iter.Seq2[FlowStart, error] {
	q, cursor := p.values()
	return list[FlowStart](ctx, s.c, "flow_starts.json", q, cursor)
}

// ListPage fetches one page of flow starts.
func (s *FlowStartsService) ListPage(ctx context.Context, p *FlowStartListParams) (*Page[FlowStart], error) {
	q, cursor := p.values()
	return listPage[FlowStart](ctx, s.c, "flow_starts.json", q, cursor)
}

// Changes iterates, oldest first, over the flow starts modified since cp;
// see ContactsService.Changes.
func (s *FlowStartsService) Changes(ctx context.Context, p *FlowStartListParams, cp Checkpoint) iter.Seq2[FlowStart, error] {
	q, _ := p.values()
	return changes(ctx, s.c, "flow_starts.json", q, cp, func(f *FlowStart) (time.Time, string) { return f.ModifiedOn.Time, f.UUID })
}

// Get returns the flow start with the given UUID, to follow its status.
func (s *FlowStartsService) Get(ctx context.Context, uuid string) (*FlowStart, error) {
	return getOne[FlowStart](ctx, s.c, "flow_starts.json", url.Values{"uuid": {uuid}})
}

// FindMarked returns the flow start whose params carry mark under
// MarkParam (ErrNotFound if none). It reads the starts newest first: at
// least the 250 most recently modified, so that a server clock out of step
// with ours cannot hide it, and on until they are older than since (a time
// on the server's clock before the start was made).
func (s *FlowStartsService) FindMarked(ctx context.Context, mark string, since time.Time) (*FlowStart, error) {
	read := 0
	for fs, err := range s.List(ctx, nil) {
		if isDecodeError(err) {
			continue // not readable, so not one we could recognise
		}
		if err != nil {
			return nil, err
		}
		if fs.Mark() == mark {
			return &fs, nil
		}
		if read++; read >= PageSize && fs.ModifiedOn.Before(since) {
			break
		}
	}
	return nil, &Error{StatusCode: http.StatusNotFound, Method: http.MethodGet, Endpoint: "flow_starts.json", Detail: "no flow start carries mark " + mark}
}

// FlowStartRequest is the body of a flow start. Give at least one of Groups,
// Contacts and URNs (Create takes at most 100 of each; StartMany any
// number).
type FlowStartRequest struct {
	// Flow is the flow's UUID.
	Flow string `json:"flow"`
	// Groups are group UUIDs or names; groups may have any size.
	Groups []string `json:"groups,omitempty"`
	// Contacts are contact UUIDs or URNs.
	Contacts []string `json:"contacts,omitempty"`
	// URNs are started as contacts, created when unknown.
	URNs []string `json:"urns,omitempty"`
	// RestartParticipants (server default true) restarts contacts who have
	// been in the flow before; false skips them.
	RestartParticipants *bool `json:"restart_participants,omitempty"`
	// ExcludeActive (server default false) skips contacts active in any flow.
	ExcludeActive *bool `json:"exclude_active,omitempty"`
	// Params are available to the flow as @trigger.params (at most 10,000
	// characters of JSON). Put your own key under MarkParam to be able to
	// find the start after a crash; otherwise Create adds one.
	Params map[string]any `json:"params,omitempty"`
	// Extra is the legacy name of Params.
	Extra map[string]any `json:"extra,omitempty"`
}

func (r *FlowStartRequest) validate() error {
	if r == nil || r.Flow == "" {
		return errors.New("rapidpro: a flow start needs a flow UUID")
	}
	if len(r.Groups)+len(r.Contacts)+len(r.URNs) == 0 {
		return errors.New("rapidpro: a flow start needs at least one group, contact or URN")
	}
	return nil
}

// params returns a copy of the request's params, or of its legacy extra when
// it has no params: RapidPro ignores extra when params is given, so the
// mark must not be added beside the caller's extra.
func (r *FlowStartRequest) params() map[string]any {
	src := r.Params
	if len(src) == 0 {
		src = r.Extra
	}
	out := maps.Clone(src)
	if out == nil {
		out = map[string]any{}
	}
	return out
}

// Create starts contacts in a flow, exactly once: the start carries a key
// in its params (MarkParam), and when the request fails without telling
// whether the start was made (a dropped connection, a timeout, a 5xx), Create
// looks for that key on the server before sending again. If the search
// fails too it returns an *OutcomeUnknownError (ErrOutcomeUnknown) holding
// the key; never send that start again without FindMarked.
func (s *FlowStartsService) Create(ctx context.Context, req *FlowStartRequest) (*FlowStart, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	if len(req.Groups) > MaxBatch || len(req.Contacts) > MaxBatch || len(req.URNs) > MaxBatch {
		return nil, fmt.Errorf("rapidpro: a flow start takes at most %d groups, contacts and URNs each; use StartMany", MaxBatch)
	}
	body := *req
	body.Params, body.Extra = req.params(), nil
	mark, _ := body.Params[MarkParam].(string)
	if mark == "" {
		mark = newMark()
		body.Params[MarkParam] = mark
	}
	send := func(ctx context.Context) (*FlowStart, error) {
		var out FlowStart
		if _, err := s.c.post(ctx, once, "flow_starts.json", nil, &body, &out); err != nil {
			return nil, err
		}
		return &out, nil
	}
	find := func(ctx context.Context, since time.Time) (*FlowStart, error) {
		fs, err := s.FindMarked(ctx, mark, since)
		if errors.Is(err, ErrNotFound) {
			return nil, nil
		}
		return fs, err
	}
	return createReconciled(ctx, s.c, "flow start", mark, send, find)
}

// StartBatch is one of the flow starts StartMany made.
type StartBatch struct {
	Groups, Contacts, URNs []string
	// Start is the flow start made, when Err is nil.
	Start *FlowStart
	// Err is nil when the start was made. ErrNotAttempted: it was not sent.
	// ErrOutcomeUnknown: it may exist; look for it with FindMarked before
	// starting these recipients again.
	Err error
}

// waitProcessed waits until RapidPro has finished processing the start:
// all its runs are made, or it failed or was interrupted.
func (s *FlowStartsService) waitProcessed(ctx context.Context, uuid string) error {
	wait := max(s.c.reconcileWait, 10*time.Millisecond)
	for {
		fs, err := s.Get(ctx, uuid)
		if err != nil {
			return err
		}
		switch fs.Status {
		case "pending", "queued", "starting", "started":
		default:
			return nil
		}
		if err := sleep(ctx, wait); err != nil {
			return err
		}
		wait = min(2*wait, 30*time.Second)
	}
}

// StartMany starts any number of groups, contacts and URNs in a flow, as
// one flow start per 100 of each (each made exactly once, as by Create).
// Repeated contacts and URNs are sent once. A key the caller put under
// MarkParam becomes key-0, key-1, ... one per batch. It stops at the first failed
// batch and marks the later ones ErrNotAttempted: re-run it with the
// recipients of the batches whose Err is ErrNotAttempted, or a definite
// *Error, to resume.
//
// A contact can reach several batches (as a member of a group and as a
// contact, or by UUID and by URN). So that nobody gets the flow twice,
// StartMany sends RestartParticipants false when it splits such a request
// and the caller left it unset: contacts who were already in the flow are then
// skipped by every batch; and as RapidPro makes a start's runs after
// answering, each batch then waits until the previous start has been
// processed (polling its status). Set RestartParticipants to true
// explicitly to restart earlier participants, accepting that overlapping
// recipients may then be started twice.
func (s *FlowStartsService) StartMany(ctx context.Context, req *FlowStartRequest) ([]StartBatch, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	groups, contacts, urns := dedupe(req.Groups), dedupe(req.Contacts), dedupe(req.URNs)
	n := batchCount(groups, contacts, urns)
	restart := req.RestartParticipants
	// Batches can share a contact only through groups, or through a
	// contact named both by UUID and by URN.
	overlap := len(groups) > 0 || (len(contacts) > 0 && len(urns) > 0)
	if restart == nil && n > 1 && overlap {
		restart = Ptr(false)
	}
	batches := make([]StartBatch, n)
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
		if i > 0 && restart != nil && !*restart {
			// RapidPro starts contacts asynchronously: skipping earlier
			// participants only works once the earlier start made its runs.
			if err := s.waitProcessed(ctx, batches[i-1].Start.UUID); err != nil {
				b.Err = fmt.Errorf("%w: waiting for the previous start: %w", ErrNotAttempted, err)
				errs[i] = b.Err
				failed = true
				continue
			}
		}
		one := *req
		one.Groups, one.Contacts, one.URNs = b.Groups, b.Contacts, b.URNs
		one.RestartParticipants = restart
		params := req.params()
		if mark, ok := params[MarkParam].(string); ok && mark != "" {
			// One key per start, derived from the caller's so that the
			// starts can still be found after a crash.
			params[MarkParam] = fmt.Sprintf("%s-%d", mark, i)
			one.Params, one.Extra = params, nil
		}
		b.Start, b.Err = s.Create(ctx, &one)
		errs[i] = b.Err
		failed = b.Err != nil
	}
	return batches, batchErr("flow start", n, errs)
}
