package rapidprotest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

type noteJSON struct {
	Text      string `json:"text"`
	CreatedOn string `json:"created_on"`
	CreatedBy struct {
		Email string `json:"email"`
		Name  string `json:"name"`
	} `json:"created_by"`
}

type urnJSON struct {
	Channel *ref    `json:"channel"`
	Scheme  string  `json:"scheme"`
	Path    string  `json:"path"`
	Display *string `json:"display"`
}

type contactJSON struct {
	UUID       string             `json:"uuid"`
	Name       *string            `json:"name"`
	Status     *string            `json:"status"`
	Language   *string            `json:"language"`
	URNs       any                `json:"urns"`
	Groups     []ref              `json:"groups"`
	Notes      []noteJSON         `json:"notes"`
	Fields     map[string]*string `json:"fields"`
	Flow       *ref               `json:"flow"`
	CreatedOn  string             `json:"created_on"`
	ModifiedOn string             `json:"modified_on"`
	LastSeenOn *string            `json:"last_seen_on"`
	Blocked    bool               `json:"blocked"`
	Stopped    bool               `json:"stopped"`
}

// contactGroups returns the manual groups plus the smart groups whose query
// matches, in creation order.
func (st *store) contactGroups(c *contact) []*group {
	if c.deleted {
		return nil
	}
	var out []*group
	for _, g := range st.groups.items {
		if (g.smart() && g.parsed != nil && g.parsed.matches(c)) || (!g.smart() && c.inGroup(g)) {
			out = append(out, g)
		}
	}
	return out
}

func (st *store) groupMembers(g *group) []*contact {
	var out []*contact
	for _, c := range st.contacts.items {
		if c.deleted {
			continue
		}
		if (g.smart() && g.parsed != nil && g.parsed.matches(c)) || (!g.smart() && c.inGroup(g)) {
			out = append(out, c)
		}
	}
	return out
}

func (s *Server) contactJSON(c *contact, expand bool) contactJSON {
	st := s.st
	out := contactJSON{
		UUID: c.uuid, Name: c.name, Language: c.language,
		Groups: []ref{}, Notes: []noteJSON{}, Fields: map[string]*string{},
		CreatedOn: formatTime(c.created), ModifiedOn: formatTime(c.modified), LastSeenOn: formatTimePtr(c.lastSeen),
		Blocked: c.status == "blocked", Stopped: c.status == "stopped",
	}
	if !c.deleted {
		status := c.status
		out.Status = &status
		for _, g := range st.contactGroups(c) {
			out.Groups = append(out.Groups, g.ref())
		}
		for _, f := range st.fields.items {
			if v, ok := c.fields[f.key]; ok {
				out.Fields[f.key] = &v
			} else {
				out.Fields[f.key] = nil
			}
		}
		for _, n := range c.notes {
			nj := noteJSON{Text: n.text, CreatedOn: formatTime(n.created)}
			nj.CreatedBy.Email, nj.CreatedBy.Name = "admin@mhero.example", "Sandbox Admin"
			out.Notes = append(out.Notes, nj)
		}
		if r := st.waiting[c]; r != nil {
			fr := r.flow.ref()
			out.Flow = &fr
		}
	}
	urns := c.urns
	if s.cfg.workspace.Anon {
		urns = make([]string, len(c.urns))
		for i, u := range c.urns {
			scheme, _, _ := strings.Cut(u, ":")
			urns[i] = scheme + ":********"
		}
	}
	if expand {
		objs := make([]urnJSON, 0, len(urns))
		for _, u := range urns {
			scheme, path, _ := strings.Cut(u, ":")
			ch := st.defaultChannel
			display := path
			objs = append(objs, urnJSON{Channel: &ref{ch.uuid, ch.name}, Scheme: scheme, Path: path, Display: &display})
		}
		out.URNs = objs
	} else {
		out.URNs = append([]string{}, urns...)
	}
	return out
}

func (s *Server) listContacts(r *http.Request) reply {
	q := r.URL.Query()
	uuids, bad := uuidParams(q, "uuid")
	if bad != nil {
		return *bad
	}
	var urn string
	if v := q.Get("urn"); v != "" {
		if s.cfg.workspace.Anon {
			return detail(http.StatusBadRequest, "URN lookups not allowed for anonymous organizations")
		}
		n, valid := normalizeURN(v, s.cfg.workspace.Country)
		if !valid {
			return detail(http.StatusBadRequest, "Invalid URN: "+v)
		}
		urn = n
	}
	deleted, _ := boolParam(q, "deleted")
	expand, _ := boolParam(q, "expand_urns")
	p := parsePage(q, true)
	if p.badRequest != nil {
		return *p.badRequest
	}

	s.mu.RLock()
	defer s.mu.RUnlock()
	st := s.st
	var grp *group
	if v := q.Get("group"); v != "" {
		if grp = st.findGroup(v); grp == nil {
			p.empty = true
		}
	}
	items, cursor := page(st.contacts, p, func(c *contact) bool {
		if c.deleted != deleted {
			return false
		}
		if len(uuids) > 0 && !slices.Contains(uuids, c.uuid) {
			return false
		}
		if urn != "" && !slices.Contains(c.urns, urn) {
			return false
		}
		if grp != nil {
			if grp.smart() {
				return grp.parsed != nil && grp.parsed.matches(c)
			}
			return c.inGroup(grp)
		}
		return true
	})
	return listReply(r, items, cursor, func(c *contact) contactJSON { return s.contactJSON(c, expand) })
}

// findGroup looks a group up by UUID or case-insensitive name.
func (st *store) findGroup(v string) *group {
	if g := st.groupsByUUID[v]; g != nil {
		return g
	}
	for _, g := range st.groups.items {
		if strings.EqualFold(g.name, v) {
			return g
		}
	}
	return nil
}

// findContact looks a contact up by UUID or URN.
func (st *store) findContact(v, country string) *contact {
	if c := st.contactsByUUID[v]; c != nil && !c.deleted {
		return c
	}
	if n, ok := normalizeURN(v, country); ok {
		return st.contactsByURN[n]
	}
	return nil
}

var languageRE = regexp.MustCompile(`^[a-z]{3}$`)

// contactWrite is a validated contact POST body; nil members were absent.
type contactWrite struct {
	name     *string
	hasName  bool
	language *string
	hasLang  bool
	urns     []string
	hasURNs  bool
	groups   []*group
	hasGrps  bool
	fields   map[string]*string
	note     *string
}

// parseContactBody validates a contact body against the workspace; target
// is the contact being updated (nil for a create).
func (s *Server) parseContactBody(body map[string]json.RawMessage, target *contact, urnLookup bool) (contactWrite, *reply) {
	st := s.st
	var w contactWrite
	errs := fieldErrors{}
	if raw, ok := body["name"]; ok {
		v, valid := optString(raw)
		switch {
		case !valid:
			errs.add("name", "Not a valid string.")
		case v != nil && len([]rune(*v)) > 64:
			errs.add("name", "Ensure this field has no more than 64 characters.")
		}
		w.name, w.hasName = v, true
	}
	if raw, ok := body["language"]; ok {
		v, valid := optString(raw)
		if !valid || (v != nil && !languageRE.MatchString(*v)) {
			errs.add("language", "Not a valid ISO639-3 language code.")
		}
		w.language, w.hasLang = v, true
	}
	if raw, ok := body["urns"]; ok {
		if urnLookup && target == nil {
			errs.add("urns", "Field not allowed when using URN in URL")
		} else if list, msg := stringList(raw); msg != "" {
			errs.add("urns", msg)
		} else {
			w.hasURNs = true
			for i, u := range list {
				n, valid := normalizeURN(u, s.cfg.workspace.Country)
				switch {
				case !valid:
					errs.addAt("urns", fmt.Sprint(i), invalidURN(u))
				case st.contactsByURN[n] != nil && st.contactsByURN[n] != target:
					errs.addAt("urns", fmt.Sprint(i), msgURNInUse)
				case !slices.Contains(w.urns, n):
					w.urns = append(w.urns, n)
				}
			}
		}
	}
	if raw, ok := body["groups"]; ok {
		if list, msg := stringList(raw); msg != "" {
			errs.add("groups", msg)
		} else {
			w.hasGrps, w.groups = true, []*group{}
			for _, v := range list {
				g := st.findGroup(v)
				switch {
				case g == nil:
					errs.add("groups", noSuchObject(v))
				case g.smart() || g.system:
					errs.add("groups", "Contact group must not be query based: "+g.name)
				case !slices.Contains(w.groups, g):
					w.groups = append(w.groups, g)
				}
			}
		}
	}
	if raw, ok := body["fields"]; ok {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			errs.add("fields", `Expected a dictionary of items but got type "`+jsonType(raw)+`".`)
		} else if len(m) > maxItems {
			errs.add("fields", "Ensure this field has no more than 100 elements.")
		} else {
			w.fields = map[string]*string{}
			for k, v := range m {
				if st.fieldsByKey[k] == nil {
					errs.add("fields", "Invalid contact field key: "+k)
					continue
				}
				if string(v) == "null" {
					w.fields[k] = nil
					continue
				}
				var sv string
				if json.Unmarshal(v, &sv) != nil {
					sv = strings.Trim(string(v), `"`)
				}
				if strings.ContainsRune(sv, 0) {
					errs.addAt("fields", k, "Null characters are not allowed.")
				}
				w.fields[k] = &sv
			}
		}
	}
	if raw, ok := body["note"]; ok {
		v, valid := optString(raw)
		if !valid {
			errs.add("note", "Not a valid string.")
		}
		w.note = v
	}
	if target != nil && target.status != "active" && len(w.groups) > 0 {
		errs.add("groups", "Non-active contacts cannot be added to groups")
	}
	return w, errs.reply()
}

// applyContact writes a validated body onto c (new or existing).
func (st *store) applyContact(c *contact, w contactWrite) {
	if w.hasName {
		c.name = w.name
	}
	if w.hasLang {
		c.language = w.language
	}
	if w.hasURNs {
		for _, u := range c.urns {
			delete(st.contactsByURN, u)
		}
		c.urns = w.urns
		for _, u := range c.urns {
			st.contactsByURN[u] = c
		}
	}
	if w.hasGrps {
		c.groups = w.groups
	}
	for k, v := range w.fields {
		if v == nil {
			delete(c.fields, k)
		} else {
			c.fields[k] = *v
		}
	}
	if w.note != nil && *w.note != "" {
		c.notes = append(c.notes, note{text: *w.note, created: st.now()})
	}
}

func (st *store) newContact() *contact {
	now := st.now()
	c := &contact{id: st.gen.id(), uuid: st.gen.uuid(), status: "active", fields: map[string]string{}, created: now, modified: now}
	st.contactsByUUID[c.uuid] = c
	st.contacts.insert(c)
	st.counts.Contacts++
	return c
}

// touchContact bumps modified_on, keeping the index ordered.
func (st *store) touchContact(c *contact, change func()) {
	st.contacts.update(c, func() {
		if change != nil {
			change()
		}
		c.modified = st.now()
	})
}

func (s *Server) writeContact(r *http.Request) reply {
	q := r.URL.Query()
	if bad := exclusive(q, "urn", "uuid"); bad != nil {
		return *bad
	}
	body, bad := readObject(r)
	if bad != nil {
		return *bad
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	var target *contact
	var lookupURN string
	switch {
	case q.Get("uuid") != "":
		if target = st.contactsByUUID[q.Get("uuid")]; target == nil || target.deleted {
			return notFound()
		}
	case q.Get("urn") != "" && s.cfg.workspace.Anon:
		return detail(http.StatusBadRequest, "URN lookups not allowed for anonymous organizations")
	case q.Get("urn") != "":
		n, valid := normalizeURN(q.Get("urn"), s.cfg.workspace.Country)
		if !valid {
			return detail(http.StatusBadRequest, "Invalid URN: "+q.Get("urn"))
		}
		lookupURN = n
		target = st.contactsByURN[n]
	}
	w, bad := s.parseContactBody(body, target, lookupURN != "")
	if bad != nil {
		return *bad
	}
	if target != nil {
		st.touchContact(target, func() { st.applyContact(target, w) })
		return okReply(s.contactJSON(target, false))
	}
	c := st.newContact()
	if lookupURN != "" {
		w.urns, w.hasURNs = []string{lookupURN}, true
	}
	st.applyContact(c, w)
	return createdReply(s.contactJSON(c, false))
}

func (s *Server) deleteContact(r *http.Request) reply {
	q := r.URL.Query()
	if bad := exclusive(q, "urn", "uuid"); bad != nil {
		return *bad
	}
	if q.Get("uuid") == "" && q.Get("urn") == "" {
		return detail(http.StatusBadRequest, "URL must contain one of the following parameters: urn, uuid")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.st.findContact(q.Get("uuid")+q.Get("urn"), s.cfg.workspace.Country)
	if c == nil {
		return notFound()
	}
	s.st.releaseContact(c)
	return noContentReply()
}

// releaseContact deletes a contact the way RapidPro does: the row stays,
// emptied, so deleted=true listings can sync the deletion.
func (st *store) releaseContact(c *contact) {
	st.interrupt(c)
	st.touchContact(c, func() {
		for _, u := range c.urns {
			delete(st.contactsByURN, u)
		}
		c.deleted, c.name, c.language = true, nil, nil
		c.urns, c.groups, c.fields, c.notes = nil, nil, map[string]string{}, nil
	})
}

var contactActionNames = []string{"add", "remove", "block", "unblock", "interrupt", "archive_messages", "archive", "delete"}

func (s *Server) contactActions(r *http.Request) reply {
	body, bad := readObject(r)
	if bad != nil {
		return *bad
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	errs := fieldErrors{}
	var contacts []*contact
	if raw, present := body["contacts"]; !present {
		errs.add("contacts", msgRequired)
	} else if list, msg := stringList(raw); msg != "" {
		errs.add("contacts", msg)
	} else if len(list) == 0 {
		errs.add("contacts", "Ensure this field has at least 1 elements.")
	} else {
		for _, v := range list {
			c := st.findContact(v, s.cfg.workspace.Country)
			if c == nil {
				errs.add("contacts", noSuchObject(v))
				continue
			}
			if !slices.Contains(contacts, c) {
				contacts = append(contacts, c)
			}
		}
	}
	var action string
	if raw, present := body["action"]; !present {
		errs.add("action", msgRequired)
	} else if json.Unmarshal(raw, &action) != nil || !slices.Contains(contactActionNames, action) {
		errs.add("action", fmt.Sprintf("\"%s\" is not a valid choice.", strings.Trim(string(raw), `"`)))
	}
	var grp *group
	if raw, present := body["group"]; present && string(raw) != "null" {
		var v string
		_ = json.Unmarshal(raw, &v)
		switch grp = st.findGroup(v); {
		case grp == nil:
			errs.add("group", noSuchObject(v))
		case grp.smart() || grp.system:
			errs.add("group", "Contact group must not be query based: "+grp.name)
		}
	}
	if len(errs) == 0 {
		needsGroup := action == "add" || action == "remove"
		if needsGroup && grp == nil {
			errs.add("non_field_errors", fmt.Sprintf("For action \"%s\" you should also specify a group", action))
		} else if !needsGroup && grp != nil {
			errs.add("non_field_errors", fmt.Sprintf("For action \"%s\" you should not specify a group", action))
		}
	}
	if action == "add" && len(errs) == 0 {
		var inactive []string
		for _, c := range contacts {
			if c.status != "active" {
				inactive = append(inactive, c.uuid)
			}
		}
		if len(inactive) > 0 {
			errs.add("non_field_errors", "Non-active contacts cannot be added to groups: "+strings.Join(inactive, ", "))
		}
	}
	if bad := errs.reply(); bad != nil {
		return *bad
	}
	for _, c := range contacts {
		switch action {
		case "add":
			if !c.inGroup(grp) {
				st.touchContact(c, func() { c.groups = append(c.groups, grp) })
			}
		case "remove":
			if c.inGroup(grp) {
				st.touchContact(c, func() {
					c.groups = slices.DeleteFunc(slices.Clone(c.groups), func(g *group) bool { return g == grp })
				})
			}
		case "block":
			st.interrupt(c)
			st.touchContact(c, func() { c.status, c.groups = "blocked", nil })
		case "unblock":
			st.touchContact(c, func() { c.status = "active" })
		case "interrupt":
			st.interrupt(c)
		case "archive_messages", "archive":
			for _, m := range st.messages.items {
				if m.contact == c && m.direction == "in" && m.visibility == "visible" {
					m.visibility, m.modified = "archived", st.now()
				}
			}
		case "delete":
			st.releaseContact(c)
		}
	}
	return noContentReply()
}
