package rapidprotest

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

type groupJSON struct {
	UUID   string  `json:"uuid"`
	Name   string  `json:"name"`
	Query  *string `json:"query"`
	Status string  `json:"status"`
	System bool    `json:"system"`
	Count  int     `json:"count"`
}

func (st *store) groupJSON(g *group) groupJSON {
	out := groupJSON{UUID: g.uuid, Name: g.name, Status: "ready", System: g.system, Count: len(st.groupMembers(g))}
	if g.smart() {
		q := g.query
		out.Query = &q
		if g.parsed == nil {
			out.Status = "invalid"
		}
	}
	return out
}

func (s *Server) listGroups(r *http.Request) reply {
	q := r.URL.Query()
	if bad := exclusive(q, "uuid", "name"); bad != nil {
		return *bad
	}
	uuids, bad := uuidParams(q, "uuid")
	if bad != nil {
		return *bad
	}
	manualOnly, _ := boolParam(q, "manual_only")
	name := q.Get("name")
	p := parsePage(q, false)
	if p.badRequest != nil {
		return *p.badRequest
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	items, cursor := page(s.st.groups, p, func(g *group) bool {
		return (len(uuids) == 0 || slices.Contains(uuids, g.uuid)) &&
			(name == "" || strings.EqualFold(g.name, name)) &&
			(!manualOnly || !g.smart())
	})
	return listReply(r, items, cursor, s.st.groupJSON)
}

// nameRE is the character set RapidPro allows in group, label and field names.
var nameRE = regexp.MustCompile(`^[\pL\pN _\-'&.,/()]+$`)

func (s *Server) writeGroup(r *http.Request) reply {
	q := r.URL.Query()
	body, bad := readObject(r)
	if bad != nil {
		return *bad
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	var target *group
	if v := q.Get("uuid"); v != "" {
		if target = st.groupsByUUID[v]; target == nil {
			return notFound()
		}
		if target.system {
			return detail(http.StatusForbidden, "Cannot modify system object.")
		}
	}
	errs := fieldErrors{}
	name := requiredName(body, "name", 64, errs)
	if existing := st.findGroup(name); name != "" && existing != nil && existing != target {
		errs.add("name", "This field must be unique.")
	}
	if bad := errs.reply(); bad != nil {
		return *bad
	}
	if target != nil {
		target.name = name
		return okReply(st.groupJSON(target))
	}
	g := st.addGroup(name, "")
	return createdReply(st.groupJSON(g))
}

// requiredName validates a required name field of at most max characters.
func requiredName(body map[string]json.RawMessage, key string, max int, errs fieldErrors) string {
	raw, present := body[key]
	if !present {
		errs.add(key, msgRequired)
		return ""
	}
	var v string
	if json.Unmarshal(raw, &v) != nil {
		errs.add(key, "Not a valid string.")
		return ""
	}
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		errs.add(key, "This field may not be blank.")
	case len([]rune(v)) > max:
		errs.add(key, "Ensure this field has no more than "+strconv.Itoa(max)+" characters.")
	case !nameRE.MatchString(v):
		errs.add(key, "Can only contain letters, numbers and hypens.")
	}
	return v
}

func (st *store) addGroup(name, query string) *group {
	g := &group{id: st.gen.id(), uuid: st.gen.uuid(), name: name, query: query, created: st.now()}
	if query != "" {
		g.parsed, _ = parseQuery(query) // an invalid query leaves the group "invalid"
	}
	st.groups.insert(g)
	st.groupsByUUID[g.uuid] = g
	st.counts.Groups++
	return g
}

func (s *Server) deleteGroup(r *http.Request) reply {
	v := r.URL.Query().Get("uuid")
	if v == "" {
		return detail(http.StatusBadRequest, "URL must contain one of the following parameters: uuid")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	g := st.groupsByUUID[v]
	if g == nil {
		return notFound()
	}
	if g.system {
		return detail(http.StatusForbidden, "Cannot delete system object.")
	}
	for _, c := range st.campaigns.items {
		if c.group == g && !c.archived {
			return detail(http.StatusBadRequest, "Group is being used by a campaign which must be archived first.")
		}
	}
	for _, c := range st.contacts.items {
		if c.inGroup(g) {
			c.groups = slices.DeleteFunc(slices.Clone(c.groups), func(x *group) bool { return x == g })
		}
	}
	st.groups.remove(g)
	delete(st.groupsByUUID, g.uuid)
	return noContentReply()
}

type fieldJSON struct {
	Key         string         `json:"key"`
	Name        string         `json:"name"`
	Type        string         `json:"type"`
	Featured    bool           `json:"featured"`
	Priority    int            `json:"priority"`
	Usages      map[string]int `json:"usages"`
	AgentAccess string         `json:"agent_access"`
	Label       string         `json:"label"`
	ValueType   string         `json:"value_type"`
}

// legacyValueTypes maps field types to the deprecated value_type names.
var legacyValueTypes = map[string]string{"text": "text", "number": "numeric", "datetime": "datetime", "state": "state", "district": "district", "ward": "ward"}

func (st *store) fieldJSON(f *field) fieldJSON {
	usages := map[string]int{"flows": 0, "groups": 0, "campaign_events": 0}
	for _, g := range st.groups.items {
		if g.parsed != nil && strings.Contains(g.query, f.key) {
			usages["groups"]++
		}
	}
	for _, e := range st.events.items {
		if e.relativeTo == f {
			usages["campaign_events"]++
		}
	}
	for _, fl := range st.flows.items {
		if strings.Contains(string(fl.definition), "fields."+f.key) {
			usages["flows"]++
		}
	}
	return fieldJSON{Key: f.key, Name: f.name, Type: f.typ, Featured: f.featured, Priority: f.priority,
		Usages: usages, AgentAccess: f.agentAccess, Label: f.name, ValueType: legacyValueTypes[f.typ]}
}

func (s *Server) listFields(r *http.Request) reply {
	q := r.URL.Query()
	key := q.Get("key")
	p := parsePage(q, false)
	if p.badRequest != nil {
		return *p.badRequest
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	items, cursor := page(s.st.fields, p, func(f *field) bool { return key == "" || f.key == key })
	return listReply(r, items, cursor, s.st.fieldJSON)
}

// reservedFieldKeys cannot be field keys: they name contact attributes.
var reservedFieldKeys = []string{"id", "uuid", "name", "language", "created_on", "modified_on", "last_seen_on",
	"status", "urn", "urns", "groups", "fields", "flow", "tel", "mailto", "has", "is", "contact", "channel"}

func (s *Server) writeField(r *http.Request) reply {
	q := r.URL.Query()
	body, bad := readObject(r)
	if bad != nil {
		return *bad
	}
	// The legacy names are still accepted.
	if _, ok := body["name"]; !ok && body["label"] != nil {
		body["name"] = body["label"]
	}
	if _, ok := body["type"]; !ok && body["value_type"] != nil {
		body["type"] = body["value_type"]
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	var target *field
	if k := q.Get("key"); k != "" {
		if target = st.fieldsByKey[k]; target == nil {
			return notFound()
		}
	}
	errs := fieldErrors{}
	name := requiredName(body, "name", 36, errs)
	var typ string
	if raw, present := body["type"]; !present {
		errs.add("type", msgRequired)
	} else {
		_ = json.Unmarshal(raw, &typ)
		if typ == "numeric" {
			typ = "number"
		}
		if _, valid := legacyValueTypes[typ]; !valid {
			errs.add("type", "\""+strings.Trim(string(raw), `"`)+"\" is not a valid choice.")
		}
	}
	key := snakeKey(name)
	if name != "" && !errs.has("name") {
		for _, f := range st.fields.items {
			if f != target && strings.EqualFold(f.name, name) {
				errs.add("name", "This field must be unique.")
			}
		}
		if target == nil && (slices.Contains(reservedFieldKeys, key) || key == "" || key[0] >= '0' && key[0] <= '9') {
			errs.add("name", "Generated key \""+key+"\" is invalid or a reserved name.")
		}
	}
	if target != nil && target.typ == "datetime" && typ != "datetime" && typ != "" {
		for _, e := range st.events.items {
			if e.relativeTo == target {
				errs.add("type", "Can't change type of date fields being used by campaign events.")
				break
			}
		}
	}
	if bad := errs.reply(); bad != nil {
		return *bad
	}
	if target != nil {
		target.name, target.typ = name, typ
		return okReply(st.fieldJSON(target))
	}
	return createdReply(st.fieldJSON(st.addField(key, name, typ)))
}

func (st *store) addField(key, name, typ string) *field {
	f := &field{id: st.gen.id(), key: key, name: name, typ: typ, agentAccess: "view", created: st.now()}
	st.fields.insert(f)
	st.fieldsByKey[key] = f
	return f
}

type labelJSON struct {
	UUID  string `json:"uuid"`
	Name  string `json:"name"`
	Count int    `json:"count"`
}

func (st *store) labelJSON(l *label) labelJSON {
	n := 0
	for _, m := range st.messages.items {
		if m.visibility != "deleted" && slices.Contains(m.labels, l) {
			n++
		}
	}
	return labelJSON{UUID: l.uuid, Name: l.name, Count: n}
}

func (st *store) findLabel(v string) *label {
	for _, l := range st.labels.items {
		if l.uuid == v || strings.EqualFold(l.name, v) {
			return l
		}
	}
	return nil
}

func (st *store) addLabel(name string) *label {
	l := &label{id: st.gen.id(), uuid: st.gen.uuid(), name: name, created: st.now()}
	st.labels.insert(l)
	return l
}

func (s *Server) listLabels(r *http.Request) reply {
	q := r.URL.Query()
	uuids, bad := uuidParams(q, "uuid")
	if bad != nil {
		return *bad
	}
	name := q.Get("name")
	p := parsePage(q, false)
	if p.badRequest != nil {
		return *p.badRequest
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	items, cursor := page(s.st.labels, p, func(l *label) bool {
		return (len(uuids) == 0 || slices.Contains(uuids, l.uuid)) && (name == "" || strings.EqualFold(l.name, name))
	})
	return listReply(r, items, cursor, s.st.labelJSON)
}

func (s *Server) writeLabel(r *http.Request) reply {
	q := r.URL.Query()
	body, bad := readObject(r)
	if bad != nil {
		return *bad
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	var target *label
	if v := q.Get("uuid"); v != "" {
		var ok bool
		if target, ok = st.labels.find(func(l *label) bool { return l.uuid == v }); !ok {
			return notFound()
		}
	}
	errs := fieldErrors{}
	name := requiredName(body, "name", 64, errs)
	if existing := st.findLabel(name); name != "" && existing != nil && existing != target {
		errs.add("name", "This field must be unique.")
	}
	if bad := errs.reply(); bad != nil {
		return *bad
	}
	if target != nil {
		target.name = name
		return okReply(st.labelJSON(target))
	}
	return createdReply(st.labelJSON(st.addLabel(name)))
}

func (s *Server) deleteLabel(r *http.Request) reply {
	v := r.URL.Query().Get("uuid")
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	l, ok := st.labels.find(func(l *label) bool { return l.uuid == v })
	if !ok {
		return notFound()
	}
	st.labels.remove(l)
	for _, m := range st.messages.items {
		m.labels = slices.DeleteFunc(m.labels, func(x *label) bool { return x == l })
	}
	return noContentReply()
}
