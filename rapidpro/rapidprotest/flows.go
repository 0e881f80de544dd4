package rapidprotest

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"time"
)

type flowJSON struct {
	UUID       string         `json:"uuid"`
	Name       string         `json:"name"`
	Type       string         `json:"type"`
	Archived   bool           `json:"archived"`
	Labels     []ref          `json:"labels"`
	Expires    int            `json:"expires"`
	Runs       map[string]int `json:"runs"`
	Results    []flowResult   `json:"results"`
	ParentRefs []string       `json:"parent_refs"`
	CreatedOn  string         `json:"created_on"`
	ModifiedOn string         `json:"modified_on"`
}

// runBuckets are the flows.runs count keys.
var runBuckets = []string{"active", "waiting", "completed", "interrupted", "expired", "failed"}

func flowToJSON(f *flow) flowJSON {
	runs := make(map[string]int, len(runBuckets))
	for _, b := range runBuckets {
		runs[b] = f.runCounts[b]
	}
	labels := f.labels
	if labels == nil {
		labels = []ref{}
	}
	results := f.results
	if results == nil {
		results = []flowResult{}
	}
	return flowJSON{UUID: f.uuid, Name: f.name, Type: f.typ, Archived: f.archived, Labels: labels,
		Expires: f.expires, Runs: runs, Results: results, ParentRefs: []string{},
		CreatedOn: formatTime(f.created), ModifiedOn: formatTime(f.modified)}
}

func (s *Server) listFlows(r *http.Request) reply {
	q := r.URL.Query()
	uuids, bad := uuidParams(q, "uuid")
	if bad != nil {
		return *bad
	}
	typ := q.Get("type")
	archived, filterArchived := boolParam(q, "archived")
	p := parsePage(q, false)
	if p.badRequest != nil {
		return *p.badRequest
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	items, cursor := page(s.st.flows, p, func(f *flow) bool {
		return (len(uuids) == 0 || slices.Contains(uuids, f.uuid)) &&
			(typ == "" || f.typ == typ) && (!filterArchived || f.archived == archived)
	})
	return listReply(r, items, cursor, flowToJSON)
}

// flowDoc is the part of a goflow definition the server reads.
type flowDoc struct {
	UUID               string `json:"uuid"`
	Name               string `json:"name"`
	Type               string `json:"type"`
	ExpireAfterMinutes *int   `json:"expire_after_minutes"`
	Nodes              []struct {
		UUID    string `json:"uuid"`
		Actions []struct {
			Type string `json:"type"`
			Flow *ref   `json:"flow"`
		} `json:"actions"`
		Router *struct {
			ResultName string `json:"result_name"`
			Categories []struct {
				Name string `json:"name"`
			} `json:"categories"`
		} `json:"router"`
	} `json:"nodes"`
}

// apiFlowTypes maps definition types to the API's flow types.
var apiFlowTypes = map[string]string{
	"messaging": "message", "messaging_background": "background", "messaging_offline": "survey", "voice": "voice",
	"message": "message", "background": "background", "survey": "survey",
}

// dependencies returns the UUIDs of flows the definition starts.
func (d *flowDoc) dependencies() []string {
	var out []string
	for _, n := range d.Nodes {
		for _, a := range n.Actions {
			if a.Flow != nil && a.Flow.UUID != "" && !slices.Contains(out, a.Flow.UUID) {
				out = append(out, a.Flow.UUID)
			}
		}
	}
	return out
}

// putFlow stores (or replaces, keyed by UUID) a flow definition.
func (st *store) putFlow(raw json.RawMessage) (*flow, error) {
	var d flowDoc
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("rapidprotest: flow definition: %w", err)
	}
	if !isUUID(d.UUID) || d.Name == "" {
		return nil, fmt.Errorf("rapidprotest: flow definition needs a uuid and a name (got %q, %q)", d.UUID, d.Name)
	}
	typ := apiFlowTypes[d.Type]
	if typ == "" {
		typ = "message"
	}
	expires := 10080
	if d.ExpireAfterMinutes != nil {
		expires = *d.ExpireAfterMinutes
	}
	var results []flowResult
	for _, n := range d.Nodes {
		if n.Router == nil || n.Router.ResultName == "" {
			continue
		}
		key := snakeKey(n.Router.ResultName)
		i := slices.IndexFunc(results, func(r flowResult) bool { return r.Key == key })
		if i < 0 {
			results = append(results, flowResult{Key: key, Name: n.Router.ResultName, Categories: []string{}, NodeUUIDs: []string{}})
			i = len(results) - 1
		}
		for _, c := range n.Router.Categories {
			if !slices.Contains(results[i].Categories, c.Name) {
				results[i].Categories = append(results[i].Categories, c.Name)
			}
		}
		results[i].NodeUUIDs = append(results[i].NodeUUIDs, n.UUID)
	}
	now := st.now()
	def := bytes.Clone(raw)
	if f := st.flowsByUUID[d.UUID]; f != nil {
		f.name, f.typ, f.expires, f.definition, f.results, f.modified = d.Name, typ, expires, def, results, now
		return f, nil
	}
	f := &flow{id: st.gen.id(), uuid: d.UUID, name: d.Name, typ: typ, expires: expires, definition: def,
		results: results, created: now, modified: now, runCounts: map[string]int{}}
	st.flows.insert(f)
	st.flowsByUUID[f.uuid] = f
	return f, nil
}

// exportDoc is the definitions/export document.
type exportDoc struct {
	Version   string            `json:"version"`
	Site      string            `json:"site"`
	Flows     []json.RawMessage `json:"flows"`
	Campaigns []json.RawMessage `json:"campaigns"`
	Triggers  []json.RawMessage `json:"triggers"`
	Fields    []exportField     `json:"fields,omitempty"`
	Groups    []exportGroup     `json:"groups,omitempty"`
}

type exportField struct {
	Key  string `json:"key"`
	Name string `json:"name"`
	Type string `json:"type"`
}

type exportGroup struct {
	UUID  string  `json:"uuid"`
	Name  string  `json:"name"`
	Query *string `json:"query"`
}

func (s *Server) getDefinitions(r *http.Request) reply {
	q := r.URL.Query()
	flowIDs, bad := uuidParams(q, "flow")
	if bad != nil {
		return *bad
	}
	campaignIDs, bad := uuidParams(q, "campaign")
	if bad != nil {
		return *bad
	}
	deps := q.Get("dependencies")
	switch deps {
	case "":
		deps = "all"
	case "none", "flows", "all":
	default:
		return detail(http.StatusBadRequest, "dependencies must be one of none, flows, all")
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	st := s.st
	doc := exportDoc{Version: "13", Site: s.cfg.site, Flows: []json.RawMessage{}, Campaigns: []json.RawMessage{}, Triggers: []json.RawMessage{}}
	var want []*flow
	add := func(f *flow) {
		if f != nil && !slices.Contains(want, f) {
			want = append(want, f)
		}
	}
	for _, id := range flowIDs {
		add(st.flowsByUUID[id])
	}
	for _, c := range st.campaigns.items {
		if !slices.Contains(campaignIDs, c.uuid) {
			continue
		}
		b, _ := json.Marshal(map[string]any{"uuid": c.uuid, "name": c.name, "group": c.group.ref(), "events": []any{}})
		doc.Campaigns = append(doc.Campaigns, b)
		for _, e := range st.events.items {
			if e.campaign == c && e.flow != nil {
				add(e.flow)
			}
		}
	}
	if deps != "none" {
		for i := 0; i < len(want); i++ { // want grows as dependencies are found
			var d flowDoc
			_ = json.Unmarshal(want[i].definition, &d)
			for _, id := range d.dependencies() {
				add(st.flowsByUUID[id])
			}
		}
	}
	for _, f := range want {
		doc.Flows = append(doc.Flows, f.definition)
	}
	if deps == "all" {
		for _, f := range st.fields.items {
			doc.Fields = append(doc.Fields, exportField{f.key, f.name, f.typ})
		}
		for _, g := range st.groups.items {
			eg := exportGroup{UUID: g.uuid, Name: g.name}
			if g.smart() {
				qs := g.query
				eg.Query = &qs
			}
			doc.Groups = append(doc.Groups, eg)
		}
	}
	return okReply(doc)
}

type progressJSON struct {
	Total   int `json:"total"`
	Started int `json:"started"`
}

type flowStartJSON struct {
	ID                  int64           `json:"id"`
	UUID                string          `json:"uuid"`
	Flow                ref             `json:"flow"`
	Status              string          `json:"status"`
	Progress            progressJSON    `json:"progress"`
	Groups              []ref           `json:"groups"`
	Contacts            []ref           `json:"contacts"`
	Params              json.RawMessage `json:"params"`
	Extra               json.RawMessage `json:"extra"`
	RestartParticipants bool            `json:"restart_participants"`
	ExcludeActive       bool            `json:"exclude_active"`
	CreatedOn           string          `json:"created_on"`
	ModifiedOn          string          `json:"modified_on"`
}

func flowStartToJSON(fs *flowStart) flowStartJSON {
	params := fs.params
	if params == nil {
		params = json.RawMessage("{}")
	}
	total := fs.total
	if fs.status == "pending" {
		total = -1
	}
	return flowStartJSON{ID: fs.id, UUID: fs.uuid, Flow: fs.flow.ref(), Status: fs.status,
		Progress: progressJSON{Total: total, Started: fs.started},
		Groups:   append([]ref{}, fs.groups...), Contacts: append([]ref{}, fs.contacts...),
		Params: params, Extra: params, RestartParticipants: fs.restart, ExcludeActive: fs.excludeActive,
		CreatedOn: formatTime(fs.created), ModifiedOn: formatTime(fs.modified)}
}

func (s *Server) listFlowStarts(r *http.Request) reply {
	q := r.URL.Query()
	uuids, bad := uuidParams(q, "uuid")
	if bad != nil {
		return *bad
	}
	p := parsePage(q, true)
	if p.badRequest != nil {
		return *p.badRequest
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	items, cursor := page(s.st.starts, p, func(fs *flowStart) bool {
		return len(uuids) == 0 || slices.Contains(uuids, fs.uuid)
	})
	return listReply(r, items, cursor, flowStartToJSON)
}

// recipients is a validated set of groups, contacts and URNs.
type recipients struct {
	groups   []*group
	contacts []*contact
	urns     []string // normalised; contacts are created for unknown ones
}

// parseRecipients validates the groups/contacts/urns lists shared by flow
// starts and broadcasts.
func (s *Server) parseRecipients(body map[string]json.RawMessage, errs fieldErrors) recipients {
	st := s.st
	var rc recipients
	if raw, ok := body["groups"]; ok {
		if list, msg := stringList(raw); msg != "" {
			errs.add("groups", msg)
		} else {
			for _, v := range list {
				if g := st.findGroup(v); g == nil {
					errs.add("groups", noSuchObject(v))
				} else if !slices.Contains(rc.groups, g) {
					rc.groups = append(rc.groups, g)
				}
			}
		}
	}
	if raw, ok := body["contacts"]; ok {
		if list, msg := stringList(raw); msg != "" {
			errs.add("contacts", msg)
		} else {
			for _, v := range list {
				if c := st.findContact(v, s.cfg.workspace.Country); c == nil {
					errs.add("contacts", noSuchObject(v))
				} else if !slices.Contains(rc.contacts, c) {
					rc.contacts = append(rc.contacts, c)
				}
			}
		}
	}
	if raw, ok := body["urns"]; ok {
		if list, msg := stringList(raw); msg != "" {
			errs.add("urns", msg)
		} else {
			for i, u := range list {
				if n, valid := normalizeURN(u, s.cfg.workspace.Country); !valid {
					errs.addAt("urns", fmt.Sprint(i), invalidURN(u))
				} else if !slices.Contains(rc.urns, n) {
					rc.urns = append(rc.urns, n)
				}
			}
		}
	}
	if len(errs) == 0 && len(rc.groups)+len(rc.contacts)+len(rc.urns) == 0 {
		errs.add("non_field_errors", msgNeedRecipient)
	}
	return rc
}

// resolve returns the distinct contacts the recipients reach, creating
// contacts for unknown URNs.
func (st *store) resolve(rc recipients) []*contact {
	var out []*contact
	seen := map[*contact]bool{}
	add := func(c *contact) {
		if !seen[c] && !c.deleted {
			seen[c] = true
			out = append(out, c)
		}
	}
	for _, g := range rc.groups {
		for _, c := range st.groupMembers(g) {
			add(c)
		}
	}
	for _, c := range rc.contacts {
		add(c)
	}
	for _, u := range rc.urns {
		c := st.contactsByURN[u]
		if c == nil {
			c = st.newContact()
			c.urns = []string{u}
			st.contactsByURN[u] = c
		}
		add(c)
	}
	return out
}

func (s *Server) createFlowStart(r *http.Request) reply {
	body, bad := readObject(r)
	if bad != nil {
		return *bad
	}
	s.mu.Lock()
	st := s.st
	errs := fieldErrors{}
	var fl *flow
	if raw, present := body["flow"]; !present || string(raw) == "null" {
		errs.add("flow", msgRequired)
	} else {
		var v string
		_ = json.Unmarshal(raw, &v)
		if fl = st.flowsByUUID[v]; fl == nil || fl.archived {
			errs.add("flow", noSuchObject(v))
		}
	}
	rc := s.parseRecipients(body, errs)
	restart, exclude := true, false
	if raw, ok := body["restart_participants"]; ok && json.Unmarshal(raw, &restart) != nil {
		errs.add("restart_participants", "Must be a valid boolean.")
	}
	if raw, ok := body["exclude_active"]; ok && json.Unmarshal(raw, &exclude) != nil {
		errs.add("exclude_active", "Must be a valid boolean.")
	}
	var params json.RawMessage
	for _, key := range []string{"extra", "params"} { // params wins over the legacy extra
		raw, present := body[key]
		if !present || string(raw) == "null" {
			continue
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			errs.add(key, "Must be a valid JSON object")
			continue
		}
		if key == "extra" {
			if len(obj) > 256 {
				errs.add("extra", "Ensure this field has no more than 256 elements.")
				continue
			}
			params = sanitizeExtra(obj)
			continue
		}
		compact := &bytes.Buffer{}
		_ = json.Compact(compact, raw)
		if pythonJSONLen(compact.Bytes()) > maxParamsChars {
			errs.add("params", msgParamsTooLong)
			continue
		}
		params = compact.Bytes()
	}
	if bad := errs.reply(); bad != nil {
		s.mu.Unlock()
		return *bad
	}
	now := st.now()
	fs := &flowStart{id: st.gen.id(), uuid: st.gen.uuid(), flow: fl, status: "pending", params: params,
		restart: restart, excludeActive: exclude, created: now, modified: now}
	for _, g := range rc.groups {
		fs.groups = append(fs.groups, g.ref())
	}
	for _, c := range rc.contacts {
		fs.contacts = append(fs.contacts, c.ref())
	}
	st.starts.insert(fs)
	st.startsByUUID[fs.uuid] = fs
	st.counts.FlowStarts++
	resp := flowStartToJSON(fs) // the 201 shows the start as pending, as mailroom has not run yet

	var sent []Message
	if s.cfg.asyncStarts {
		fs.pending = &rc
	} else {
		sent = s.executeStart(r.Context(), fs, st.resolve(rc))
	}
	s.mu.Unlock()
	s.notify(sent)
	return createdReply(resp)
}

// ProcessStarts runs the flow starts still pending (see WithAsyncStarts),
// oldest first, as mailroom would, and returns how many it ran.
func (s *Server) ProcessStarts(ctx context.Context) (int, error) {
	s.mu.Lock()
	var pending []*flowStart
	for _, fs := range s.st.starts.items {
		if fs.pending != nil {
			pending = append(pending, fs)
		}
	}
	slices.SortFunc(pending, func(a, b *flowStart) int { return cmp.Compare(a.id, b.id) })
	var sent []Message
	n := 0
	var err error
	for _, fs := range pending {
		if err = ctx.Err(); err != nil {
			break
		}
		rc := *fs.pending
		fs.pending = nil
		sent = append(sent, s.executeStart(ctx, fs, s.st.resolve(rc))...)
		n++
	}
	s.mu.Unlock()
	s.notify(sent)
	return n, err
}

// executeStart starts each contact in the flow, honouring
// restart_participants and exclude_active, as mailroom does.
func (s *Server) executeStart(ctx context.Context, fs *flowStart, contacts []*contact) []Message {
	st := s.st
	var sent []Message
	fs.total = len(contacts)
	for _, c := range contacts {
		if c.status != "active" {
			continue
		}
		if !fs.restart && st.participated(fs.flow, c) {
			continue
		}
		if fs.excludeActive && st.waiting[c] != nil {
			continue
		}
		sent = append(sent, s.startRun(ctx, fs.flow, c, fs, fs.params)...)
		fs.started++
	}
	st.starts.update(fs, func() {
		fs.status, fs.modified = "completed", st.now()
	})
	return sent
}

func (st *store) participated(f *flow, c *contact) bool {
	for _, r := range st.runs.items {
		if r.flow == f && r.contact == c {
			return true
		}
	}
	return false
}

// engineContact is the engine's view of c.
func (st *store) engineContact(c *contact) Contact {
	out := Contact{UUID: c.uuid, Name: c.displayName(), URNs: slices.Clone(c.urns), Fields: map[string]string{}}
	if c.language != nil {
		out.Language = *c.language
	}
	for k, v := range c.fields {
		out.Fields[k] = v
	}
	for _, g := range st.contactGroups(c) {
		out.Groups = append(out.Groups, GroupRef{g.uuid, g.name})
	}
	return out
}

// startRun interrupts the contact's waiting run, creates a run and lets
// the engine take its first step. It returns the messages to announce.
func (s *Server) startRun(ctx context.Context, f *flow, c *contact, fs *flowStart, params json.RawMessage) []Message {
	st := s.st
	st.interrupt(c)
	now := st.now()
	r := &run{id: st.gen.id(), uuid: st.gen.uuid(), flow: f, contact: c, start: fs, created: now, modified: now}
	st.runs.insert(r)
	st.runsByUUID[r.uuid] = r
	st.counts.Runs++
	f.runCounts["active"]++
	in := StartInput{FlowUUID: f.uuid, Flow: f.definition, Contact: st.engineContact(c), Params: params, Now: now}
	if fs != nil {
		in.StartUUID = fs.uuid
	}
	out, err := s.cfg.engine.Start(ctx, in)
	if err != nil {
		s.engineFailed(err, f, r)
		out = Outcome{Status: RunFailed}
	}
	return st.applyOutcome(r, out, now)
}

// bucket names the flows.runs counter the run is counted in.
func (r *run) bucket() string {
	if r.exitType != "" {
		return r.exitType
	}
	if r.state != nil || r.timeoutAt != (time.Time{}) {
		return "waiting"
	}
	return "active"
}

var exitTypes = map[RunStatus]string{RunCompleted: "completed", RunInterrupted: "interrupted", RunExpired: "expired", RunFailed: "failed"}

// applyOutcome stores an engine step on the run.
func (st *store) applyOutcome(r *run, out Outcome, now time.Time) []Message {
	var sent []Message
	c := r.contact
	for _, m := range out.Messages {
		msg := st.addOutgoing(c, m.Text, m.QuickReplies, r.flow, 0, m.Status, now)
		sent = append(sent, st.messageEvent(msg))
	}
	r.flow.runCounts[r.bucket()]--
	st.runs.update(r, func() {
		if len(out.Path) > 0 {
			path := slices.Clip(r.path) // never append into a slice shared with other runs
			for _, p := range out.Path {
				t := p.Time
				if t.IsZero() {
					t = now
				}
				path = append(path, pathStep{p.Node, t.UTC().Truncate(time.Microsecond)})
			}
			r.path = path
		}
		if len(out.Results) > 0 {
			values := slices.Clone(r.values)
			for _, res := range out.Results {
				key := res.Key
				if key == "" {
					key = snakeKey(res.Name)
				}
				t := res.Time
				if t.IsZero() {
					t = now
				}
				v := runValue{key: key, name: res.Name, value: res.Value, category: res.Category, node: res.Node, time: t.UTC().Truncate(time.Microsecond)}
				if i := slices.IndexFunc(values, func(x runValue) bool { return x.key == key }); i >= 0 {
					values[i] = v
				} else {
					values = append(values, v)
				}
			}
			r.values = values
		}
		r.modified = now
		if out.Status == RunWaiting {
			r.state = out.State
			if r.state == nil {
				r.state = json.RawMessage("null")
			}
			r.timeoutAt = time.Time{}
			if out.Timeout > 0 {
				r.timeoutAt = now.Add(out.Timeout)
			}
			r.expiresAt = time.Time{}
			if r.flow.expires > 0 {
				r.expiresAt = now.Add(time.Duration(r.flow.expires) * time.Minute)
			}
			st.waiting[c] = r
			return
		}
		r.state, r.timeoutAt, r.expiresAt = nil, time.Time{}, time.Time{}
		r.exitType, r.exited = exitTypes[out.Status], now
		if r.exitType == "" {
			r.exitType = "completed"
		}
		if st.waiting[c] == r {
			delete(st.waiting, c)
		}
	})
	r.flow.runCounts[r.bucket()]++
	return sent
}

// interrupt ends the contact's waiting run, if any.
func (st *store) interrupt(c *contact) {
	st.exitRun(c, "interrupted")
}

func (st *store) exitRun(c *contact, exitType string) {
	r := st.waiting[c]
	if r == nil {
		return
	}
	r.flow.runCounts[r.bucket()]--
	st.runs.update(r, func() {
		now := st.now()
		r.exitType, r.exited, r.modified = exitType, now, now
		r.state, r.timeoutAt, r.expiresAt = nil, time.Time{}, time.Time{}
	})
	r.flow.runCounts[r.bucket()]++
	delete(st.waiting, c)
}

func (s *Server) listRuns(r *http.Request) reply {
	q := r.URL.Query()
	if q.Get("flow") != "" && q.Get("contact") != "" {
		return detail(http.StatusBadRequest, "You may only specify one of the contact, flow parameters")
	}
	uuids, bad := uuidParams(q, "uuid")
	if bad != nil {
		return *bad
	}
	flowIDs, bad := uuidParams(q, "flow")
	if bad != nil {
		return *bad
	}
	contactIDs, bad := uuidParams(q, "contact")
	if bad != nil {
		return *bad
	}
	responded, filterResponded := boolParam(q, "responded")
	paths := true
	if v, present := boolParam(q, "paths"); present {
		paths = v
	}
	var id int64
	if v := q.Get("id"); v != "" {
		if _, err := fmt.Sscan(v, &id); err != nil {
			return okReply(runsPage(r, nil, "", paths, s.cfg.workspace.Anon))
		}
	}
	p := parsePage(q, true)
	if p.badRequest != nil {
		return *p.badRequest
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	items, cursor := page(s.st.runs, p, func(r *run) bool {
		return (len(uuids) == 0 || slices.Contains(uuids, r.uuid)) &&
			(len(flowIDs) == 0 || slices.Contains(flowIDs, r.flow.uuid)) &&
			(len(contactIDs) == 0 || slices.Contains(contactIDs, r.contact.uuid)) &&
			(!filterResponded || r.responded == responded) && (id == 0 || r.id == id)
	})
	return okReply(runsPage(r, items, cursor, paths, s.cfg.workspace.Anon))
}

// pythonJSONLen is the length of Python's json.dumps of a compact JSON
// document, which RapidPro measures params with: ", " and ": " separators,
// and non-ASCII characters escaped as \uXXXX (two escapes outside the BMP).
func pythonJSONLen(compact []byte) int {
	n, inString, escaped := 0, false, false
	for _, r := range string(compact) {
		switch {
		case inString && escaped:
			escaped = false
		case inString && r == '\\':
			escaped = true
		case r == '"':
			inString = !inString
		case !inString && (r == ',' || r == ':'):
			n++ // the space Python adds after the separator
		}
		switch {
		case r > 0xFFFF:
			n += 12
		case r > 0x7F:
			n += 6
		default:
			n++
		}
	}
	return n
}

var extraKeyRE = regexp.MustCompile(`[^a-zA-Z0-9_]`)

// sanitizeExtra applies RapidPro's rules for the legacy extra: keys
// reduced to [a-zA-Z0-9_] and string values truncated to 640 characters.
func sanitizeExtra(obj map[string]json.RawMessage) json.RawMessage {
	out := make(map[string]json.RawMessage, len(obj))
	for k, v := range obj {
		var str string
		if json.Unmarshal(v, &str) == nil {
			if r := []rune(str); len(r) > 640 {
				v, _ = json.Marshal(string(r[:640]))
			}
		}
		out[extraKeyRE.ReplaceAllString(k, "_")] = v
	}
	b, _ := json.Marshal(out)
	return b
}
