package rapidprotest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Workspace describes the server's workspace (RapidPro's org).
type Workspace struct {
	UUID      string   `json:"uuid"`
	Name      string   `json:"name"`
	Country   string   `json:"country"`
	Languages []string `json:"languages"`
	Timezone  string   `json:"timezone"`
	DateStyle string   `json:"date_style"`
	Anon      bool     `json:"anon"`
}

type workspaceJSON struct {
	Workspace
	Credits         map[string]int `json:"credits"`
	PrimaryLanguage string         `json:"primary_language"`
}

func (s *Server) getWorkspace(*http.Request) reply {
	w := s.cfg.workspace
	return okReply(workspaceJSON{Workspace: w, Credits: map[string]int{"used": -1, "remaining": -1}, PrimaryLanguage: w.Languages[0]})
}

// Device is an Android channel's device report.
type Device struct {
	Name        string `json:"name"`
	PowerLevel  int    `json:"power_level"`
	PowerStatus string `json:"power_status"`
	PowerSource string `json:"power_source"`
	NetworkType string `json:"network_type"`
}

type channelJSON struct {
	UUID      string  `json:"uuid"`
	Name      string  `json:"name"`
	Address   string  `json:"address"`
	Type      string  `json:"type"`
	Country   *string `json:"country"`
	Device    *Device `json:"device"`
	LastSeen  *string `json:"last_seen"`
	CreatedOn string  `json:"created_on"`
}

func channelToJSON(c *channel) channelJSON {
	out := channelJSON{UUID: c.uuid, Name: c.name, Address: c.address, Type: c.typ, Device: c.device,
		LastSeen: formatTimePtr(c.lastSeen), CreatedOn: formatTime(c.created)}
	if c.country != "" {
		cc := c.country
		out.Country = &cc
	}
	return out
}

func (s *Server) listChannels(r *http.Request) reply {
	q := r.URL.Query()
	uuids, bad := uuidParams(q, "uuid")
	if bad != nil {
		return *bad
	}
	address := q.Get("address")
	return listSimple(s, r, s.st.channels, false, func(c *channel) bool {
		return (len(uuids) == 0 || slices.Contains(uuids, c.uuid)) && (address == "" || c.address == address)
	}, channelToJSON)
}

// listSimple is a read-only cursor list under the read lock.
func listSimple[T, W any](s *Server, r *http.Request, idx *index[T], reversible bool, match func(T) bool, conv func(T) W) reply {
	p := parsePage(r.URL.Query(), reversible)
	if p.badRequest != nil {
		return *p.badRequest
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	items, cursor := page(idx, p, match)
	return listReply(r, items, cursor, conv)
}

type channelEventJSON struct {
	ID         int64          `json:"id"`
	Type       string         `json:"type"`
	Contact    ref            `json:"contact"`
	Channel    ref            `json:"channel"`
	Extra      map[string]any `json:"extra"`
	OccurredOn string         `json:"occurred_on"`
	CreatedOn  string         `json:"created_on"`
}

func (s *Server) listChannelEvents(r *http.Request) reply {
	q := r.URL.Query()
	contactID := q.Get("contact")
	return listSimple(s, r, s.st.chEvents, false, func(e *channelEvent) bool {
		return (contactID == "" || e.contact.uuid == contactID) && (q.Get("id") == "" || fmt.Sprint(e.id) == q.Get("id"))
	}, func(e *channelEvent) channelEventJSON {
		return channelEventJSON{ID: e.id, Type: e.typ, Contact: e.contact.ref(), Channel: ref{e.channel.uuid, e.channel.name},
			Extra: e.extra, OccurredOn: formatTime(e.occurred), CreatedOn: formatTime(e.created)}
	})
}

type globalJSON struct {
	Key        string `json:"key"`
	Name       string `json:"name"`
	Value      string `json:"value"`
	ModifiedOn string `json:"modified_on"`
}

func globalToJSON(g *global) globalJSON {
	return globalJSON{g.key, g.name, g.value, formatTime(g.modified)}
}

func (s *Server) listGlobals(r *http.Request) reply {
	key := r.URL.Query().Get("key")
	return listSimple(s, r, s.st.globals, true, func(g *global) bool { return key == "" || g.key == key }, globalToJSON)
}

func (s *Server) writeGlobal(r *http.Request) reply {
	key := r.URL.Query().Get("key")
	body, bad := readObject(r)
	if bad != nil {
		return *bad
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	var target *global
	if key != "" {
		for _, g := range st.globals.items {
			if g.key == key {
				target = g
			}
		}
		if target == nil {
			return notFound()
		}
	}
	errs := fieldErrors{}
	var name string
	if target == nil {
		name = requiredName(body, "name", 36, errs)
		for _, g := range st.globals.items {
			if name != "" && (strings.EqualFold(g.name, name) || g.key == snakeKey(name)) {
				errs.add("name", "This field must be unique.")
			}
		}
	}
	var value string
	if raw, present := body["value"]; !present {
		errs.add("value", msgRequired)
	} else if json.Unmarshal(raw, &value) != nil {
		errs.add("value", "Not a valid string.")
	} else if len([]rune(value)) > 10000 {
		errs.add("value", "Ensure this field has no more than 10000 characters.")
	}
	if bad := errs.reply(); bad != nil {
		return *bad
	}
	if target != nil {
		st.globals.update(target, func() { target.value, target.modified = value, st.now() })
		return okReply(globalToJSON(target))
	}
	g := &global{id: st.gen.id(), key: snakeKey(name), name: name, value: value, modified: st.now()}
	st.globals.insert(g)
	return createdReply(globalToJSON(g))
}

type archiveJSON struct {
	Type        string  `json:"type"`
	StartDate   string  `json:"start_date"`
	Period      string  `json:"period"`
	RecordCount int     `json:"record_count"`
	Size        int     `json:"size"`
	Hash        *string `json:"hash"`
	DownloadURL *string `json:"download_url"`
}

func archiveToJSON(a *archive) archiveJSON {
	out := archiveJSON{Type: a.typ, StartDate: a.startDate.Format("2006-01-02"), Period: a.period,
		RecordCount: a.recordCount, Size: a.size}
	if a.hash != "" {
		h := a.hash
		out.Hash = &h
	}
	if a.downloadURL != "" {
		u := a.downloadURL
		out.DownloadURL = &u
	}
	return out
}

func (s *Server) listArchives(r *http.Request) reply {
	q := r.URL.Query()
	typ := q.Get("type")
	if typ == "" {
		typ = q.Get("archive_type")
	}
	period := q.Get("period")
	return listSimple(s, r, s.st.archives, false, func(a *archive) bool {
		return (typ == "" || a.typ == typ) && (period == "" || a.period == period)
	}, archiveToJSON)
}

type boundaryRef struct {
	OSMID string `json:"osm_id"`
	Name  string `json:"name"`
}

type boundaryJSON struct {
	OSMID    string          `json:"osm_id"`
	Name     string          `json:"name"`
	Parent   *boundaryRef    `json:"parent"`
	Level    int             `json:"level"`
	Aliases  []string        `json:"aliases"`
	Geometry json.RawMessage `json:"geometry,omitempty"`
}

func (s *Server) listBoundaries(r *http.Request) reply {
	geometry, _ := boolParam(r.URL.Query(), "geometry")
	// Boundaries are ordered by osm_id ascending, so walk oldest first.
	q := r.URL.Query()
	q.Set("reverse", "true")
	p := parsePage(q, true)
	if p.badRequest != nil {
		return *p.badRequest
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	items, cursor := page(s.st.boundaries, p, nil)
	return listReply(r, items, cursor, func(b *boundary) boundaryJSON {
		out := boundaryJSON{OSMID: b.osmID, Name: b.name, Level: b.level, Aliases: append([]string{}, b.aliases...)}
		if b.parent != nil {
			out.Parent = &boundaryRef{b.parent.osmID, b.parent.name}
		}
		if geometry {
			out.Geometry = b.geometry
		}
		return out
	})
}

type campaignJSON struct {
	UUID      string `json:"uuid"`
	Name      string `json:"name"`
	Archived  bool   `json:"archived"`
	Group     ref    `json:"group"`
	CreatedOn string `json:"created_on"`
}

func campaignToJSON(c *campaign) campaignJSON {
	return campaignJSON{c.uuid, c.name, c.archived, c.group.ref(), formatTime(c.created)}
}

func (s *Server) listCampaigns(r *http.Request) reply {
	uuids, bad := uuidParams(r.URL.Query(), "uuid")
	if bad != nil {
		return *bad
	}
	return listSimple(s, r, s.st.campaigns, false, func(c *campaign) bool {
		return !c.archived && (len(uuids) == 0 || slices.Contains(uuids, c.uuid))
	}, campaignToJSON)
}

func (st *store) findCampaign(v string) *campaign {
	for _, c := range st.campaigns.items {
		if c.uuid == v || strings.EqualFold(c.name, v) {
			return c
		}
	}
	return nil
}

func (s *Server) writeCampaign(r *http.Request) reply {
	body, bad := readObject(r)
	if bad != nil {
		return *bad
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	var target *campaign
	if v := r.URL.Query().Get("uuid"); v != "" {
		if target = st.findCampaign(v); target == nil || target.uuid != v {
			return notFound()
		}
	}
	errs := fieldErrors{}
	name := requiredName(body, "name", 255, errs)
	if c := st.findCampaign(name); name != "" && c != nil && c != target {
		errs.add("name", "This field must be unique.")
	}
	var grp *group
	if raw, present := body["group"]; !present {
		errs.add("group", msgRequired)
	} else {
		var v string
		_ = json.Unmarshal(raw, &v)
		if grp = st.findGroup(v); grp == nil {
			errs.add("group", noSuchObject(v))
		}
	}
	if bad := errs.reply(); bad != nil {
		return *bad
	}
	if target != nil {
		target.name, target.group = name, grp
		return okReply(campaignToJSON(target))
	}
	c := &campaign{id: st.gen.id(), uuid: st.gen.uuid(), name: name, group: grp, created: st.now()}
	st.campaigns.insert(c)
	return createdReply(campaignToJSON(c))
}

type relativeToJSON struct {
	Key   string `json:"key"`
	Name  string `json:"name"`
	Label string `json:"label"`
}

type campaignEventJSON struct {
	UUID         string            `json:"uuid"`
	Campaign     ref               `json:"campaign"`
	RelativeTo   relativeToJSON    `json:"relative_to"`
	Offset       int               `json:"offset"`
	Unit         string            `json:"unit"`
	DeliveryHour int               `json:"delivery_hour"`
	Flow         *ref              `json:"flow"`
	Message      map[string]string `json:"message"`
	CreatedOn    string            `json:"created_on"`
}

func eventToJSON(e *campaignEvent) campaignEventJSON {
	out := campaignEventJSON{UUID: e.uuid, Campaign: ref{e.campaign.uuid, e.campaign.name},
		RelativeTo: relativeToJSON{e.relativeTo.key, e.relativeTo.name, e.relativeTo.name},
		Offset:     e.offset, Unit: e.unit, DeliveryHour: e.deliveryHour, Message: e.message, CreatedOn: formatTime(e.created)}
	if e.flow != nil {
		fr := e.flow.ref()
		out.Flow = &fr
	}
	return out
}

func (s *Server) listCampaignEvents(r *http.Request) reply {
	q := r.URL.Query()
	uuids, bad := uuidParams(q, "uuid")
	if bad != nil {
		return *bad
	}
	camp := q.Get("campaign")
	return listSimple(s, r, s.st.events, false, func(e *campaignEvent) bool {
		return (len(uuids) == 0 || slices.Contains(uuids, e.uuid)) &&
			(camp == "" || e.campaign.uuid == camp || strings.EqualFold(e.campaign.name, camp))
	}, eventToJSON)
}

var eventUnits = []string{"minutes", "hours", "days", "weeks"}

func (s *Server) writeCampaignEvent(r *http.Request) reply {
	body, bad := readObject(r)
	if bad != nil {
		return *bad
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	var target *campaignEvent
	if v := r.URL.Query().Get("uuid"); v != "" {
		var ok bool
		if target, ok = st.events.find(func(e *campaignEvent) bool { return e.uuid == v }); !ok {
			return notFound()
		}
	}
	errs := fieldErrors{}
	var camp *campaign
	if raw, present := body["campaign"]; !present && target == nil {
		errs.add("campaign", msgRequired)
	} else if present {
		var v string
		_ = json.Unmarshal(raw, &v)
		if camp = st.findCampaign(v); camp == nil {
			errs.add("campaign", noSuchObject(v))
		} else if target != nil && camp != target.campaign {
			errs.add("campaign", "Cannot change campaign for existing events")
		}
	}
	var rel *field
	if raw, present := body["relative_to"]; !present {
		errs.add("relative_to", msgRequired)
	} else {
		var v string
		_ = json.Unmarshal(raw, &v)
		if rel = st.fieldsByKey[v]; rel == nil {
			errs.add("relative_to", noSuchObject(v))
		}
	}
	var offset int
	if raw, present := body["offset"]; !present {
		errs.add("offset", msgRequired)
	} else if json.Unmarshal(raw, &offset) != nil {
		errs.add("offset", "A valid integer is required.")
	}
	var unit string
	if raw, present := body["unit"]; !present {
		errs.add("unit", msgRequired)
	} else if json.Unmarshal(raw, &unit) != nil || !slices.Contains(eventUnits, unit) {
		errs.add("unit", fmt.Sprintf("\"%s\" is not a valid choice.", strings.Trim(string(raw), `"`)))
	}
	hour := -1
	if raw, present := body["delivery_hour"]; present {
		if json.Unmarshal(raw, &hour) != nil || hour < -1 || hour > 23 {
			errs.add("delivery_hour", "Ensure this value is between -1 and 23.")
		}
	}
	var fl *flow
	var msg map[string]string
	rawMsg, hasMsg := body["message"]
	rawFlow, hasFlow := body["flow"]
	hasMsg, hasFlow = hasMsg && string(rawMsg) != "null", hasFlow && string(rawFlow) != "null"
	switch {
	case hasMsg == hasFlow:
		errs.add("non_field_errors", "Flow or a message text required.")
	case hasFlow:
		var v string
		_ = json.Unmarshal(rawFlow, &v)
		if fl = st.flowsByUUID[v]; fl == nil {
			errs.add("flow", noSuchObject(v))
		}
	default:
		m, valid := translations[string](rawMsg, s.cfg.workspace.Languages[0])
		if !valid {
			errs.add("message", "Not a valid string or translations.")
		} else if _, hasBase := m[s.cfg.workspace.Languages[0]]; !hasBase {
			errs.add("message", "Message text in default flow language is required.")
		}
		msg = m
	}
	if bad := errs.reply(); bad != nil {
		return *bad
	}
	e := target
	if e == nil {
		e = &campaignEvent{id: st.gen.id(), uuid: st.gen.uuid(), campaign: camp, created: st.now()}
		st.events.insert(e)
	}
	e.relativeTo, e.offset, e.unit, e.deliveryHour, e.flow, e.message = rel, offset, unit, hour, fl, msg
	if target != nil {
		return okReply(eventToJSON(e))
	}
	return createdReply(eventToJSON(e))
}

func (s *Server) deleteCampaignEvent(r *http.Request) reply {
	v := r.URL.Query().Get("uuid")
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.st.events.find(func(e *campaignEvent) bool { return e.uuid == v })
	if !ok {
		return notFound()
	}
	s.st.events.remove(e)
	return noContentReply()
}

type userJSON struct {
	UUID      string  `json:"uuid"`
	Name      string  `json:"name"`
	Email     string  `json:"email"`
	Role      string  `json:"role"`
	Team      *ref    `json:"team"`
	CreatedOn string  `json:"created_on"`
	Avatar    *string `json:"avatar"`
	FirstName string  `json:"first_name"`
	LastName  string  `json:"last_name"`
}

func (s *Server) listUsers(r *http.Request) reply {
	q := r.URL.Query()
	uuids, emails, roles := splitParam(q, "uuid"), splitParam(q, "email"), splitParam(q, "role")
	return listSimple(s, r, s.st.users, false, func(u *user) bool {
		return (len(uuids) == 0 || slices.Contains(uuids, u.uuid)) &&
			(len(emails) == 0 || slices.ContainsFunc(emails, func(e string) bool { return strings.EqualFold(e, u.email) })) &&
			(len(roles) == 0 || slices.Contains(roles, u.role))
	}, func(u *user) userJSON {
		return userJSON{UUID: u.uuid, Name: strings.TrimSpace(u.firstName + " " + u.lastName), Email: u.email,
			Role: u.role, CreatedOn: formatTime(u.created), FirstName: u.firstName, LastName: u.lastName}
	})
}

type topicJSON struct {
	UUID      string         `json:"uuid"`
	Name      string         `json:"name"`
	Counts    map[string]int `json:"counts"`
	System    bool           `json:"system"`
	CreatedOn string         `json:"created_on"`
}

func (st *store) topicJSON(t *topic) topicJSON {
	counts := map[string]int{"open": 0, "closed": 0}
	for _, tk := range st.tickets.items {
		if tk.topic == t {
			counts[tk.status]++
		}
	}
	return topicJSON{t.uuid, t.name, counts, t.system, formatTime(t.created)}
}

func (s *Server) listTopics(r *http.Request) reply {
	uuids, bad := uuidParams(r.URL.Query(), "uuid")
	if bad != nil {
		return *bad
	}
	return listSimple(s, r, s.st.topics, false, func(t *topic) bool {
		return len(uuids) == 0 || slices.Contains(uuids, t.uuid)
	}, s.st.topicJSON)
}

func (s *Server) writeTopic(r *http.Request) reply {
	body, bad := readObject(r)
	if bad != nil {
		return *bad
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	var target *topic
	if v := r.URL.Query().Get("uuid"); v != "" {
		var ok bool
		if target, ok = st.topics.find(func(t *topic) bool { return t.uuid == v }); !ok {
			return notFound()
		}
		if target.system {
			return detail(http.StatusForbidden, "Cannot modify system object.")
		}
	}
	errs := fieldErrors{}
	name := requiredName(body, "name", 64, errs)
	for _, t := range st.topics.items {
		if t != target && name != "" && strings.EqualFold(t.name, name) {
			errs.add("name", "This field must be unique.")
		}
	}
	if bad := errs.reply(); bad != nil {
		return *bad
	}
	if target != nil {
		target.name = name
		return okReply(st.topicJSON(target))
	}
	t := &topic{id: st.gen.id(), uuid: st.gen.uuid(), name: name, created: st.now()}
	st.topics.insert(t)
	return createdReply(st.topicJSON(t))
}

type emailRef struct {
	Email string `json:"email"`
	Name  string `json:"name"`
}

type ticketJSON struct {
	UUID       string    `json:"uuid"`
	Contact    ref       `json:"contact"`
	Status     string    `json:"status"`
	Topic      ref       `json:"topic"`
	Body       *string   `json:"body"`
	Assignee   *emailRef `json:"assignee"`
	OpenedOn   string    `json:"opened_on"`
	OpenedBy   *emailRef `json:"opened_by"`
	OpenedIn   *ref      `json:"opened_in"`
	ModifiedOn string    `json:"modified_on"`
	ClosedOn   *string   `json:"closed_on"`
}

func (s *Server) listTickets(r *http.Request) reply {
	q := r.URL.Query()
	uuids, bad := uuidParams(q, "uuid")
	if bad != nil {
		return *bad
	}
	contactID := q.Get("contact")
	return listSimple(s, r, s.st.tickets, true, func(t *ticket) bool {
		return (len(uuids) == 0 || slices.Contains(uuids, t.uuid)) && (contactID == "" || t.contact.uuid == contactID)
	}, func(t *ticket) ticketJSON {
		out := ticketJSON{UUID: t.uuid, Contact: t.contact.ref(), Status: t.status, Topic: ref{t.topic.uuid, t.topic.name},
			OpenedOn: formatTime(t.opened), ModifiedOn: formatTime(t.modified), ClosedOn: formatTimePtr(t.closed)}
		if t.assignee != nil {
			out.Assignee = &emailRef{t.assignee.email, strings.TrimSpace(t.assignee.firstName + " " + t.assignee.lastName)}
		}
		if t.openedIn != nil {
			fr := t.openedIn.ref()
			out.OpenedIn = &fr
		}
		return out
	})
}

type resthookJSON struct {
	Resthook   string `json:"resthook"`
	CreatedOn  string `json:"created_on"`
	ModifiedOn string `json:"modified_on"`
}

func (s *Server) listResthooks(r *http.Request) reply {
	return listSimple(s, r, s.st.resthooks, true, nil, func(h *resthook) resthookJSON {
		return resthookJSON{h.slug, formatTime(h.created), formatTime(h.modified)}
	})
}

type resthookEventJSON struct {
	Resthook  string          `json:"resthook"`
	Data      json.RawMessage `json:"data"`
	CreatedOn string          `json:"created_on"`
}

func (s *Server) listResthookEvents(r *http.Request) reply {
	slug := r.URL.Query().Get("resthook")
	return listSimple(s, r, s.st.rhEvents, false, func(e *resthookEvent) bool {
		return slug == "" || e.resthook == slug
	}, func(e *resthookEvent) resthookEventJSON {
		return resthookEventJSON{e.resthook, e.data, formatTime(e.created)}
	})
}

type resthookSubscriberJSON struct {
	ID        int64  `json:"id"`
	Resthook  string `json:"resthook"`
	TargetURL string `json:"target_url"`
	CreatedOn string `json:"created_on"`
}

func subscriberToJSON(sub *resthookSubscriber) resthookSubscriberJSON {
	return resthookSubscriberJSON{sub.id, sub.resthook, sub.targetURL, formatTime(sub.created)}
}

func (s *Server) listResthookSubscribers(r *http.Request) reply {
	q := r.URL.Query()
	slug, id := q.Get("resthook"), q.Get("id")
	return listSimple(s, r, s.st.rhSubs, false, func(sub *resthookSubscriber) bool {
		return (slug == "" || sub.resthook == slug) && (id == "" || fmt.Sprint(sub.id) == id)
	}, subscriberToJSON)
}

func (s *Server) createResthookSubscriber(r *http.Request) reply {
	body, bad := readObject(r)
	if bad != nil {
		return *bad
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	errs := fieldErrors{}
	var slug, target string
	if raw, present := body["resthook"]; !present {
		errs.add("resthook", msgRequired)
	} else {
		_ = json.Unmarshal(raw, &slug)
		if !slices.ContainsFunc(st.resthooks.items, func(h *resthook) bool { return h.slug == slug }) {
			errs.add("resthook", "No resthook with slug: "+slug)
		}
	}
	if raw, present := body["target_url"]; !present {
		errs.add("target_url", msgRequired)
	} else {
		_ = json.Unmarshal(raw, &target)
		if u, err := url.Parse(target); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs.add("target_url", "Enter a valid URL.")
		}
	}
	for _, sub := range st.rhSubs.items {
		if len(errs) == 0 && sub.resthook == slug && sub.targetURL == target {
			errs.add("non_field_errors", "URL is already subscribed to this event.")
		}
	}
	if bad := errs.reply(); bad != nil {
		return *bad
	}
	sub := &resthookSubscriber{id: st.gen.id(), resthook: slug, targetURL: target, created: st.now()}
	st.rhSubs.insert(sub)
	return createdReply(subscriberToJSON(sub))
}

func (s *Server) deleteResthookSubscriber(r *http.Request) reply {
	id := r.URL.Query().Get("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sub := range s.st.rhSubs.items {
		if fmt.Sprint(sub.id) == id {
			s.st.rhSubs.remove(sub)
			return noContentReply()
		}
	}
	return notFound()
}
