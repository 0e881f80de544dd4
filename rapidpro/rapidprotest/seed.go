package rapidprotest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ContactSpec describes a contact to seed with AddContact.
type ContactSpec struct {
	UUID     string // optional; generated when empty
	Name     string
	Language string            // ISO 639-3, optional
	URNs     []string          // normalised like the API does
	Fields   map[string]string // keys must exist (AddField)
	Groups   []string          // manual group names or UUIDs
	Status   string            // active (default), blocked, stopped, archived
}

// AddContact creates a contact directly (no request, no throttling) and
// returns its UUID.
func (s *Server) AddContact(spec ContactSpec) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	var urns []string
	for _, u := range spec.URNs {
		n, valid := normalizeURN(u, s.cfg.workspace.Country)
		if !valid {
			return "", fmt.Errorf("rapidprotest: invalid URN %q", u)
		}
		if st.contactsByURN[n] != nil {
			return "", fmt.Errorf("rapidprotest: URN %q is in use by another contact", u)
		}
		urns = append(urns, n)
	}
	var groups []*group
	for _, v := range spec.Groups {
		g := st.findGroup(v)
		if g == nil || g.smart() {
			return "", fmt.Errorf("rapidprotest: no manual group %q", v)
		}
		groups = append(groups, g)
	}
	for k := range spec.Fields {
		if st.fieldsByKey[k] == nil {
			return "", fmt.Errorf("rapidprotest: no field %q", k)
		}
	}
	switch spec.Status {
	case "":
		spec.Status = "active"
	case "active", "blocked", "stopped", "archived":
	default:
		return "", fmt.Errorf("rapidprotest: invalid contact status %q", spec.Status)
	}
	if spec.UUID != "" && (!isUUID(spec.UUID) || st.contactsByUUID[spec.UUID] != nil) {
		return "", fmt.Errorf("rapidprotest: contact UUID %q is invalid or taken", spec.UUID)
	}
	c := st.newContact()
	if spec.UUID != "" {
		delete(st.contactsByUUID, c.uuid)
		c.uuid = spec.UUID
		st.contactsByUUID[c.uuid] = c
	}
	c.status = spec.Status
	if spec.Name != "" {
		name := spec.Name
		c.name = &name
	}
	if spec.Language != "" {
		lang := spec.Language
		c.language = &lang
	}
	c.urns, c.groups = urns, groups
	for _, u := range urns {
		st.contactsByURN[u] = c
	}
	for k, v := range spec.Fields {
		c.fields[k] = v
	}
	return c.uuid, nil
}

// AddGroup creates a group and returns its UUID: a manual group when query
// is empty, otherwise a smart group whose members are the contacts
// matching the query (see the package documentation for the language).
func (s *Server) AddGroup(name, query string) (string, error) {
	if query != "" {
		if _, err := parseQuery(query); err != nil {
			return "", fmt.Errorf("rapidprotest: group %q: %w", name, err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.findGroup(name) != nil {
		return "", fmt.Errorf("rapidprotest: group %q exists", name)
	}
	return s.st.addGroup(name, query).uuid, nil
}

// AddSystemGroup creates a system group (listed with system=true, refused
// for writes with 403) and returns its UUID.
func (s *Server) AddSystemGroup(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.st.addGroup(name, "")
	g.system = true
	return g.uuid
}

// AddField creates a contact field; typ is text, number, datetime, state,
// district or ward.
func (s *Server) AddField(key, name, typ string) error {
	if _, ok := legacyValueTypes[typ]; !ok {
		return fmt.Errorf("rapidprotest: invalid field type %q", typ)
	}
	if key == "" || snakeKey(key) != key {
		return fmt.Errorf("rapidprotest: invalid field key %q", key)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.fieldsByKey[key] != nil {
		return fmt.Errorf("rapidprotest: field %q exists", key)
	}
	s.st.addField(key, name, typ)
	return nil
}

// AddLabel creates a message label and returns its UUID.
func (s *Server) AddLabel(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.addLabel(name).uuid
}

// AddGlobal creates a workspace global.
func (s *Server) AddGlobal(key, name, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	st.globals.insert(&global{id: st.gen.id(), key: key, name: name, value: value, modified: st.now()})
}

// AddResthook creates a resthook that subscribers can join.
func (s *Server) AddResthook(slug string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	now := st.now()
	st.resthooks.insert(&resthook{id: st.gen.id(), slug: slug, created: now, modified: now})
}

// ArchiveSpec describes an archive listed by the archives endpoint.
type ArchiveSpec struct {
	Type        string    // message or run
	Period      string    // daily or monthly
	StartDate   time.Time // a date
	RecordCount int
	Size        int
	Hash        string
	DownloadURL string
}

// AddArchive adds an archive listing.
func (s *Server) AddArchive(a ArchiveSpec) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	st.archives.insert(&archive{id: st.gen.id(), typ: a.Type, period: a.Period, startDate: a.StartDate.UTC().Truncate(24 * time.Hour),
		recordCount: a.RecordCount, size: a.Size, hash: a.Hash, downloadURL: a.DownloadURL})
}

// BoundarySpec describes an administrative boundary.
type BoundarySpec struct {
	OSMID    string
	Name     string
	Parent   string // the parent's OSMID, empty for the country
	Level    int
	Aliases  []string
	Geometry json.RawMessage
}

// AddBoundary adds a boundary; its parent must have been added first.
func (s *Server) AddBoundary(b BoundarySpec) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	nb := &boundary{id: st.gen.id(), osmID: b.OSMID, name: b.Name, level: b.Level, aliases: slices.Clone(b.Aliases), geometry: b.Geometry}
	if b.Parent != "" {
		i := slices.IndexFunc(st.boundaries.items, func(x *boundary) bool { return x.osmID == b.Parent })
		if i < 0 {
			return fmt.Errorf("rapidprotest: no parent boundary %q", b.Parent)
		}
		nb.parent = st.boundaries.items[i]
	}
	st.boundaries.insert(nb)
	return nil
}

// AddTicket opens a ticket for a contact on a topic (created if missing)
// and returns its UUID.
func (s *Server) AddTicket(contactUUID, topicName string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	c := st.contactsByUUID[contactUUID]
	if c == nil {
		return "", fmt.Errorf("rapidprotest: no contact %q", contactUUID)
	}
	var tp *topic
	for _, t := range st.topics.items {
		if strings.EqualFold(t.name, topicName) {
			tp = t
		}
	}
	now := st.now()
	if tp == nil {
		tp = &topic{id: st.gen.id(), uuid: st.gen.uuid(), name: topicName, created: now}
		st.topics.insert(tp)
	}
	t := &ticket{id: st.gen.id(), uuid: st.gen.uuid(), contact: c, status: "open", topic: tp, opened: now, modified: now}
	st.tickets.insert(t)
	return t.uuid, nil
}

// exportEnvelope is the part of an export file ImportFlows reads.
type exportEnvelope struct {
	Version json.RawMessage   `json:"version"`
	Flows   []json.RawMessage `json:"flows"`
	Fields  []exportField     `json:"fields"`
	Groups  []exportGroup     `json:"groups"`
}

// ImportFlows imports an export document (the file RapidPro's Settings →
// Import accepts) and returns the UUIDs of its flows. Fields and groups it
// declares are created when missing; flows with an existing UUID are
// replaced, as an import into the same workspace updates them. The flows
// then appear in the flows endpoint and definitions returns them.
func (s *Server) ImportFlows(export []byte) ([]string, error) {
	var doc exportEnvelope
	if err := json.Unmarshal(export, &doc); err != nil {
		return nil, fmt.Errorf("rapidprotest: import: %w", err)
	}
	v := strings.Trim(string(doc.Version), `"`)
	major, _, _ := strings.Cut(v, ".")
	if n, err := strconv.Atoi(major); err != nil || n < 3 || n > 13 {
		return nil, fmt.Errorf("rapidprotest: import: unsupported export version %q", v)
	}
	for _, f := range doc.Flows {
		var hdr struct {
			SpecVersion string `json:"spec_version"`
		}
		_ = json.Unmarshal(f, &hdr)
		if major, _, _ := strings.Cut(hdr.SpecVersion, "."); major != "" && atoiOr(major, 0) > 14 {
			return nil, fmt.Errorf("rapidprotest: import: flow spec_version %s is newer than the server supports", hdr.SpecVersion)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	for _, f := range doc.Fields {
		if f.Key != "" && st.fieldsByKey[f.Key] == nil {
			typ := f.Type
			if typ == "numeric" {
				typ = "number"
			}
			if _, ok := legacyValueTypes[typ]; !ok {
				typ = "text"
			}
			st.addField(f.Key, f.Name, typ)
		}
	}
	for _, g := range doc.Groups {
		if st.findGroup(g.Name) != nil || st.groupsByUUID[g.UUID] != nil {
			continue
		}
		q := ""
		if g.Query != nil {
			q = *g.Query
		}
		ng := st.addGroup(g.Name, q)
		if isUUID(g.UUID) {
			delete(st.groupsByUUID, ng.uuid)
			ng.uuid = g.UUID
			st.groupsByUUID[ng.uuid] = ng
		}
	}
	var uuids []string
	for _, raw := range doc.Flows {
		f, err := st.putFlow(raw)
		if err != nil {
			return uuids, err
		}
		uuids = append(uuids, f.uuid)
	}
	return uuids, nil
}

// RunSeed configures SeedRuns.
type RunSeed struct {
	// Count is how many runs to create.
	Count int
	// Contacts is how many distinct contacts the runs belong to (default
	// Count/10, at least 1); they are created with tel URNs.
	Contacts int
	// FlowUUID names an existing flow; empty creates a two-question survey.
	FlowUUID string
	// Start is the created_on of the first run (default: Count × Interval
	// before now) and Interval the gap between runs (default 1s).
	Start    time.Time
	Interval time.Duration
}

// SeedRuns creates completed runs in bulk, for paging tests and
// benchmarks, and returns the flow's UUID. Runs share their path and
// values (two results) to keep memory low: about 200 bytes per run.
func (s *Server) SeedRuns(spec RunSeed) (string, error) {
	if spec.Count <= 0 {
		return "", errors.New("rapidprotest: SeedRuns needs a positive Count")
	}
	if spec.Interval <= 0 {
		spec.Interval = time.Second
	}
	if spec.Contacts <= 0 {
		spec.Contacts = max(1, spec.Count/10)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	if spec.Start.IsZero() {
		spec.Start = st.now().Add(-time.Duration(spec.Count) * spec.Interval)
	}
	start := spec.Start.UTC().Truncate(time.Microsecond)
	nodes := []string{st.gen.uuid(), st.gen.uuid(), st.gen.uuid()}
	var f *flow
	if spec.FlowUUID != "" {
		if f = st.flowsByUUID[spec.FlowUUID]; f == nil {
			return "", fmt.Errorf("rapidprotest: no flow %q", spec.FlowUUID)
		}
	} else {
		var err error
		if f, err = st.putFlow(seedFlow(st.gen, nodes)); err != nil {
			return "", err
		}
	}
	contacts := make([]*contact, spec.Contacts)
	for i := range contacts {
		name := fmt.Sprintf("Health Worker %d", i+1)
		urn := fmt.Sprintf("tel:+2317%08d", len(st.contactsByUUID)+i)
		c := &contact{id: st.gen.id(), uuid: st.gen.uuid(), name: &name, status: "active", urns: []string{urn},
			fields: map[string]string{}, created: start, modified: start}
		contacts[i] = c
		st.contactsByUUID[c.uuid] = c
		st.contactsByURN[urn] = c
		st.contacts.items = append(st.contacts.items, c)
	}
	sortIndex(st.contacts)
	st.counts.Contacts += spec.Contacts

	// The shared, clipped path and values: applyOutcome copies before
	// changing them.
	path := slices.Clip([]pathStep{{nodes[0], start}, {nodes[1], start}, {nodes[2], start}})
	values := slices.Clip([]runValue{
		{key: "available", name: "Available", value: "yes", category: "Yes", node: nodes[1], time: start},
		{key: "facility_stock", name: "Facility Stock", value: "12", category: "Has Number", node: nodes[2], time: start},
	})
	runs := make([]run, spec.Count) // one allocation for every run
	st.runs.items = slices.Grow(st.runs.items, spec.Count)
	for i := range runs {
		r := &runs[i]
		t := start.Add(time.Duration(i) * spec.Interval)
		*r = run{id: st.gen.id(), uuid: st.gen.uuid(), flow: f, contact: contacts[i%len(contacts)], responded: true,
			path: path, values: values, created: t, modified: t, exited: t, exitType: "completed"}
		st.runsByUUID[r.uuid] = r
		st.runs.items = append(st.runs.items, r)
	}
	sortIndex(st.runs)
	f.runCounts["completed"] += spec.Count
	st.counts.Runs += spec.Count
	return f.uuid, nil
}

// sortIndex restores an index's order after a bulk append.
func sortIndex[T any](x *index[T]) {
	slices.SortStableFunc(x.items, func(a, b T) int { return x.key(a).cmp(x.key(b)) })
}

// seedFlow is the survey SeedRuns creates: a question, then two waits
// whose results are the values seeded runs carry (nodes[1] and nodes[2]).
func seedFlow(gen *ids, nodes []string) json.RawMessage {
	wait := func(node, result, next string, cats ...string) map[string]any {
		var categories, exits, cases []any
		for i, c := range cats {
			cu, eu := gen.uuid(), gen.uuid()
			categories = append(categories, map[string]any{"uuid": cu, "name": c, "exit_uuid": eu})
			exits = append(exits, map[string]any{"uuid": eu, "destination_uuid": next})
			if i < len(cats)-1 {
				typ, args := "has_any_word", []string{strings.ToLower(c)}
				if c == "Has Number" {
					typ, args = "has_number", nil
				}
				cases = append(cases, map[string]any{"uuid": gen.uuid(), "type": typ, "arguments": args, "category_uuid": cu})
			}
		}
		return map[string]any{"uuid": node, "actions": []any{}, "exits": exits, "router": map[string]any{
			"type": "switch", "operand": "@input.text", "result_name": result, "wait": map[string]any{"type": "msg"},
			"cases": cases, "categories": categories, "default_category_uuid": categories[len(categories)-1].(map[string]any)["uuid"]}}
	}
	ask := map[string]any{"uuid": nodes[0], "actions": []any{map[string]any{"uuid": gen.uuid(), "type": "send_msg",
		"text": "Are you available this week?"}}, "exits": []any{map[string]any{"uuid": gen.uuid(), "destination_uuid": nodes[1]}}}
	b, _ := json.Marshal(map[string]any{
		"uuid": gen.uuid(), "name": "Seeded Survey", "spec_version": "13.1.0", "language": "eng",
		"type": "messaging", "expire_after_minutes": 10080, "localization": map[string]any{},
		"nodes": []any{ask, wait(nodes[1], "Available", nodes[2], "Yes", "No", "Other"), wait(nodes[2], "Facility Stock", "", "Has Number", "Other")},
	})
	return b
}

func atoiOr(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return def
}

// ChannelSpec describes a channel listed by the channels endpoint.
type ChannelSpec struct {
	Name    string
	Address string  // phone number or handle
	Type    string  // a channel type slug such as "android", "twilio" or "vonage"
	Country string  // ISO 3166-1 alpha-2, optional
	Device  *Device // Android channels only
}

// AddChannel adds a channel and returns its UUID. Messages keep going out
// through the default sandbox channel.
func (s *Server) AddChannel(c ChannelSpec) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	now := st.now()
	ch := &channel{id: st.gen.id(), uuid: st.gen.uuid(), name: c.Name, address: c.Address, typ: c.Type,
		country: c.Country, device: c.Device, created: now, lastSeen: now}
	st.channels.insert(ch)
	return ch.uuid
}

// SetContactStatus changes a contact's status as RapidPro does outside the
// API: "stopped" when the contact opts out (replies STOP, or the channel
// reports it), "blocked" or "archived" by a user, "active" when reactivated.
// A contact that is no longer active leaves every group and its waiting run
// is interrupted, as mailroom's status change does. The change moves the
// contact's modified_on.
func (s *Server) SetContactStatus(uuid, status string) error {
	switch status {
	case "active", "blocked", "stopped", "archived":
	default:
		return fmt.Errorf("rapidprotest: invalid contact status %q", status)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	c := st.contactsByUUID[uuid]
	if c == nil || c.deleted {
		return fmt.Errorf("rapidprotest: no contact %s", uuid)
	}
	if status != "active" {
		st.interrupt(c)
	}
	st.touchContact(c, func() {
		c.status = status
		if status != "active" {
			c.groups = nil
		}
	})
	return nil
}
