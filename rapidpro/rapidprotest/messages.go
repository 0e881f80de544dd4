package rapidprotest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Message is an outgoing or incoming message as passed to message hooks.
type Message struct {
	ID           int64
	UUID         string
	ContactUUID  string
	URN          string // empty when the contact has no URN
	Direction    string // "out" or "in"
	Text         string
	QuickReplies []string
	Status       string
	FlowUUID     string // empty outside flows
	CreatedOn    time.Time
}

type messageJSON struct {
	ID           int64        `json:"id"`
	UUID         string       `json:"uuid"`
	Contact      ref          `json:"contact"`
	URN          *string      `json:"urn"`
	Channel      *ref         `json:"channel"`
	Direction    string       `json:"direction"`
	Type         string       `json:"type"`
	Status       string       `json:"status"`
	Visibility   string       `json:"visibility"`
	Text         string       `json:"text"`
	Attachments  []attachment `json:"attachments"`
	QuickReplies []quickReply `json:"quick_replies"`
	Labels       []ref        `json:"labels"`
	Flow         *ref         `json:"flow"`
	Archived     bool         `json:"archived"`
	Broadcast    *int64       `json:"broadcast"`
	CreatedOn    string       `json:"created_on"`
	SentOn       *string      `json:"sent_on"`
	ModifiedOn   string       `json:"modified_on"`
}

func (s *Server) messageToJSON(m *message) messageJSON {
	out := messageJSON{ID: m.id, UUID: m.uuid, Contact: m.contact.ref(), Direction: m.direction, Type: "text",
		Status: m.status, Visibility: m.visibility, Text: m.text, Attachments: m.attachments,
		QuickReplies: m.quickReplies, Labels: []ref{}, Archived: m.visibility == "archived",
		CreatedOn: formatTime(m.created), SentOn: formatTimePtr(m.sent), ModifiedOn: formatTime(m.modified)}
	if out.Attachments == nil {
		out.Attachments = []attachment{}
	}
	if out.QuickReplies == nil {
		out.QuickReplies = []quickReply{}
	}
	if m.urn != "" {
		u := m.urn
		if s.cfg.workspace.Anon {
			scheme, _, _ := strings.Cut(u, ":")
			u = scheme + ":********"
		}
		out.URN = &u
	}
	if m.channel != nil {
		out.Channel = &ref{m.channel.uuid, m.channel.name}
	}
	for _, l := range m.labels {
		out.Labels = append(out.Labels, ref{l.uuid, l.name})
	}
	if m.flow != nil {
		fr := m.flow.ref()
		out.Flow = &fr
	}
	if m.broadcast != 0 {
		b := m.broadcast
		out.Broadcast = &b
	}
	return out
}

// deliveryStatuses are the statuses an engine may give an outgoing message.
var deliveryStatuses = []string{"queued", "wired", "sent", "delivered", "read", "errored", "failed"}

// addOutgoing creates an outgoing message to the contact's first URN. A
// contact without a URN gets a failed message, as RapidPro records it.
func (st *store) addOutgoing(c *contact, text string, qrs []string, f *flow, bcast int64, status string, now time.Time) *message {
	m := &message{id: st.gen.id(), uuid: st.gen.uuid(), contact: c, channel: st.defaultChannel, direction: "out",
		status: "wired", visibility: "visible", text: text, flow: f, broadcast: bcast, created: now, modified: now}
	if slices.Contains(deliveryStatuses, status) {
		m.status = status
	}
	for _, q := range qrs {
		m.quickReplies = append(m.quickReplies, quickReply{Text: q})
	}
	if len(c.urns) == 0 {
		m.status, m.channel = "failed", nil
	} else {
		m.urn = c.urns[0]
	}
	if m.status != "failed" && m.status != "queued" && m.status != "errored" {
		m.sent = now
	}
	st.insertMessage(m)
	return m
}

func (st *store) insertMessage(m *message) {
	st.messages.insert(m)
	st.messagesByID[m.id] = m
	st.messagesByUUID[m.uuid] = m
	st.counts.Messages++
}

// messageEvent is the hook view of m.
func (st *store) messageEvent(m *message) Message {
	out := Message{ID: m.id, UUID: m.uuid, ContactUUID: m.contact.uuid, URN: m.urn, Direction: m.direction,
		Text: m.text, Status: m.status, CreatedOn: m.created}
	for _, q := range m.quickReplies {
		out.QuickReplies = append(out.QuickReplies, q.Text)
	}
	if m.flow != nil {
		out.FlowUUID = m.flow.uuid
	}
	return out
}

// folderMatch returns the predicate of a messages folder, or nil for an
// unknown folder (which lists nothing, like RapidPro).
func folderMatch(folder string) func(*message) bool {
	switch strings.ToLower(folder) {
	case "":
		return func(m *message) bool { return m.visibility != "deleted" && m.status != "pending" }
	case "inbox":
		return func(m *message) bool { return m.direction == "in" && m.visibility == "visible" && m.flow == nil }
	case "flows":
		return func(m *message) bool { return m.direction == "in" && m.visibility == "visible" && m.flow != nil }
	case "archived":
		return func(m *message) bool { return m.direction == "in" && m.visibility == "archived" }
	case "outbox":
		return func(m *message) bool {
			return m.direction == "out" && m.visibility == "visible" && (m.status == "queued" || m.status == "errored")
		}
	case "sent":
		return func(m *message) bool {
			return m.direction == "out" && m.visibility == "visible" && slices.Contains([]string{"wired", "sent", "delivered", "read"}, m.status)
		}
	case "failed":
		return func(m *message) bool {
			return m.direction == "out" && m.visibility == "visible" && m.status == "failed"
		}
	}
	return nil
}

func (s *Server) listMessages(r *http.Request) reply {
	q := r.URL.Query()
	n := 0
	for _, k := range []string{"contact", "folder", "label", "broadcast"} {
		if q.Get(k) != "" {
			n++
		}
	}
	if n > 1 {
		return detail(http.StatusBadRequest, "You may only specify one of the contact, folder, label, broadcast parameters")
	}
	uuids, bad := uuidParams(q, "uuid")
	if bad != nil {
		return *bad
	}
	contactIDs, bad := uuidParams(q, "contact")
	if bad != nil {
		return *bad
	}
	folder := q.Get("folder")
	inFolder := folderMatch(folder)
	p := parsePage(q, false)
	if p.badRequest != nil {
		return *p.badRequest
	}
	if inFolder == nil {
		p.empty = true
	}
	var id, bcast int64
	if v := q.Get("id"); v != "" {
		if _, err := fmt.Sscan(v, &id); err != nil {
			p.empty = true
		}
	}
	if v := q.Get("broadcast"); v != "" {
		if _, err := fmt.Sscan(v, &bcast); err != nil {
			p.empty = true
		}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	st := s.st
	var lbl *label
	if v := q.Get("label"); v != "" {
		if lbl = st.findLabel(v); lbl == nil {
			p.empty = true
		}
	}
	match := func(m *message) bool {
		return inFolder(m) && m.visibility != "deleted" &&
			(len(uuids) == 0 || slices.Contains(uuids, m.uuid)) &&
			(len(contactIDs) == 0 || slices.Contains(contactIDs, m.contact.uuid)) &&
			(lbl == nil || slices.Contains(m.labels, lbl)) &&
			(id == 0 || m.id == id) && (bcast == 0 || m.broadcast == bcast)
	}
	idx := st.messages
	if strings.EqualFold(folder, "sent") && !p.empty {
		// The sent folder is ordered by sent_on: index the matches by it.
		idx = newIndex(func(m *message) sortKey { return keyOf(m.sent, m.id) })
		for _, m := range st.messages.items {
			if match(m) {
				idx.items = append(idx.items, m)
			}
		}
		slices.SortFunc(idx.items, func(a, b *message) int { return idx.key(a).cmp(idx.key(b)) })
	}
	items, cursor := page(idx, p, match)
	return listReply(r, items, cursor, s.messageToJSON)
}

// parseQuickReplies accepts a list of quick replies: objects or strings.
func parseQuickReplies(raw json.RawMessage, field string, errs fieldErrors) []quickReply {
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		errs.add(field, `Expected a list of items but got type "`+jsonType(raw)+`".`)
		return nil
	}
	if len(items) > 10 {
		errs.add(field, "Ensure this field has no more than 10 elements.")
		return nil
	}
	var out []quickReply
	for i, it := range items {
		var qr quickReply
		var text string
		if json.Unmarshal(it, &text) == nil {
			qr.Text = text
		} else if json.Unmarshal(it, &qr) != nil {
			errs.addAt(field, fmt.Sprint(i), "Invalid quick reply.")
			continue
		}
		switch {
		case qr.Text == "" && qr.Type != "location":
			errs.addAt(field, fmt.Sprint(i), "text: This field is required.")
		case len([]rune(qr.Text)) > 64:
			errs.addAt(field, fmt.Sprint(i), "text: Ensure this field has no more than 64 characters.")
		case len([]rune(qr.Extra)) > 1000:
			errs.addAt(field, fmt.Sprint(i), "extra: Ensure this field has no more than 1000 characters.")
		}
		out = append(out, qr)
	}
	return out
}

// parseAttachments accepts media UUIDs or "type:url" strings.
func parseAttachments(raw json.RawMessage, field string, errs fieldErrors) []attachment {
	var items []string
	if json.Unmarshal(raw, &items) != nil {
		errs.add(field, `Expected a list of items but got type "`+jsonType(raw)+`".`)
		return nil
	}
	if len(items) > 10 {
		errs.add(field, "Ensure this field has no more than 10 elements.")
		return nil
	}
	var out []attachment
	for _, a := range items {
		typ, u, found := strings.Cut(a, ":")
		if isUUID(a) {
			typ, u, found = "image/jpeg", "https://media.example/"+a, true
		}
		if !found || !strings.Contains(typ, "/") && !isUUID(a) {
			errs.add(field, "Invalid attachment: "+a)
			continue
		}
		out = append(out, attachment{ContentType: typ, URL: u})
	}
	return out
}

func (s *Server) sendMessage(r *http.Request) reply {
	body, bad := readObject(r)
	if bad != nil {
		return *bad
	}
	s.mu.Lock()
	st := s.st
	errs := fieldErrors{}
	var c *contact
	if raw, present := body["contact"]; !present {
		errs.add("contact", msgRequired)
	} else {
		var v string
		_ = json.Unmarshal(raw, &v)
		if c = st.findContact(v, s.cfg.workspace.Country); c == nil {
			errs.add("contact", noSuchObject(v))
		}
	}
	var text string
	if raw, present := body["text"]; present {
		if json.Unmarshal(raw, &text) != nil {
			errs.add("text", "Not a valid string.")
		} else if len([]rune(text)) > 4096 {
			errs.add("text", "Ensure this field has no more than 4096 characters.")
		}
	}
	var atts []attachment
	if raw, present := body["attachments"]; present {
		atts = parseAttachments(raw, "attachments", errs)
	}
	var qrs []quickReply
	if raw, present := body["quick_replies"]; present {
		qrs = parseQuickReplies(raw, "quick_replies", errs)
	}
	if len(errs) == 0 && text == "" && len(atts) == 0 {
		errs.add("non_field_errors", "Must provide either text or attachments.")
	}
	if bad := errs.reply(); bad != nil {
		s.mu.Unlock()
		return *bad
	}
	now := st.now()
	m := st.addOutgoing(c, text, nil, nil, 0, "queued", now)
	m.attachments, m.quickReplies = atts, qrs
	resp := s.messageToJSON(m) // queued, as mailroom has only just accepted it
	if m.status == "queued" {
		m.status, m.sent = "wired", now
	}
	ev := st.messageEvent(m)
	s.mu.Unlock()
	s.notify([]Message{ev})
	return createdReply(resp)
}

var messageActionNames = []string{"label", "unlabel", "archive", "restore", "delete"}

func (s *Server) messageActions(r *http.Request) reply {
	body, bad := readObject(r)
	if bad != nil {
		return *bad
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	errs := fieldErrors{}
	var ids []int64
	if raw, present := body["messages"]; !present {
		errs.add("messages", msgRequired)
	} else if json.Unmarshal(raw, &ids) != nil {
		errs.add("messages", "A valid integer is required.")
	} else if len(ids) > maxItems {
		errs.add("messages", msgTooManyItems)
	} else if len(ids) == 0 {
		errs.add("messages", "Ensure this field has at least 1 elements.")
	}
	var action string
	if raw, present := body["action"]; !present {
		errs.add("action", msgRequired)
	} else if json.Unmarshal(raw, &action) != nil || !slices.Contains(messageActionNames, action) {
		errs.add("action", fmt.Sprintf("\"%s\" is not a valid choice.", strings.Trim(string(raw), `"`)))
	}
	var lbl *label
	var newLabel string
	if raw, present := body["label"]; present && string(raw) != "null" {
		var v string
		_ = json.Unmarshal(raw, &v)
		if lbl = st.findLabel(v); lbl == nil {
			errs.add("label", noSuchObject(v))
		}
	} else if raw, present := body["label_name"]; present {
		_ = json.Unmarshal(raw, &newLabel)
		lbl = st.findLabel(newLabel)
	}
	needsLabel := action == "label" || action == "unlabel"
	if len(errs) == 0 && needsLabel && lbl == nil && newLabel == "" {
		errs.add("non_field_errors", fmt.Sprintf("For action \"%s\" you should also specify a label", action))
	}
	if len(errs) == 0 && !needsLabel && (lbl != nil || newLabel != "") {
		errs.add("non_field_errors", fmt.Sprintf("For action \"%s\" you should not specify a label", action))
	}
	if bad := errs.reply(); bad != nil {
		return *bad
	}
	if needsLabel && lbl == nil {
		lbl = st.addLabel(newLabel)
	}
	var failures []int64
	now := st.now()
	for _, id := range ids {
		m := st.messagesByID[id]
		if m == nil || m.direction != "in" || m.visibility == "deleted" {
			failures = append(failures, id)
			continue
		}
		switch action {
		case "label":
			if !slices.Contains(m.labels, lbl) {
				m.labels = append(m.labels, lbl)
			}
		case "unlabel":
			m.labels = slices.DeleteFunc(m.labels, func(x *label) bool { return x == lbl })
		case "archive":
			m.visibility = "archived"
		case "restore":
			m.visibility = "visible"
		case "delete":
			m.visibility, m.labels = "deleted", nil
		}
		m.modified = now
	}
	if len(failures) > 0 {
		return okReply(map[string][]int64{"failures": failures})
	}
	return noContentReply()
}

type broadcastJSON struct {
	ID           int64                   `json:"id"`
	UUID         string                  `json:"uuid"`
	Status       string                  `json:"status"`
	Progress     progressJSON            `json:"progress"`
	URNs         []string                `json:"urns"`
	Contacts     []ref                   `json:"contacts"`
	Groups       []ref                   `json:"groups"`
	Text         map[string]string       `json:"text"`
	Attachments  map[string][]string     `json:"attachments"`
	QuickReplies map[string][]quickReply `json:"quick_replies"`
	BaseLanguage string                  `json:"base_language"`
	CreatedOn    string                  `json:"created_on"`
}

func (s *Server) broadcastToJSON(b *broadcast) broadcastJSON {
	out := broadcastJSON{ID: b.id, UUID: b.uuid, Status: b.status, Progress: progressJSON{b.total, b.total},
		URNs: append([]string{}, b.urns...), Contacts: append([]ref{}, b.contacts...), Groups: append([]ref{}, b.groups...),
		Text: b.text, Attachments: b.attachments, QuickReplies: b.quickReplies, BaseLanguage: b.baseLanguage,
		CreatedOn: formatTime(b.created)}
	if b.status == "queued" {
		out.Progress = progressJSON{-1, 0}
	}
	if s.cfg.workspace.Anon {
		out.URNs = nil
	}
	return out
}

func (s *Server) listBroadcasts(r *http.Request) reply {
	q := r.URL.Query()
	uuids, bad := uuidParams(q, "uuid")
	if bad != nil {
		return *bad
	}
	var id int64
	if v := q.Get("id"); v != "" {
		_, _ = fmt.Sscan(v, &id)
	}
	p := parsePage(q, false)
	if p.badRequest != nil {
		return *p.badRequest
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	items, cursor := page(s.st.broadcasts, p, func(b *broadcast) bool {
		return (len(uuids) == 0 || slices.Contains(uuids, b.uuid)) && (q.Get("id") == "" || b.id == id)
	})
	return listReply(r, items, cursor, s.broadcastToJSON)
}

// translations decodes a string or {lang: T} field into {lang: T}, using
// base for a plain value.
func translations[T any](raw json.RawMessage, base string) (map[string]T, bool) {
	var m map[string]T
	if json.Unmarshal(raw, &m) == nil {
		return m, true
	}
	var v T
	if json.Unmarshal(raw, &v) == nil {
		return map[string]T{base: v}, true
	}
	return nil, false
}

func (s *Server) createBroadcast(r *http.Request) reply {
	body, bad := readObject(r)
	if bad != nil {
		return *bad
	}
	s.mu.Lock()
	st := s.st
	errs := fieldErrors{}
	base := s.cfg.workspace.Languages[0]
	if raw, present := body["base_language"]; present {
		_ = json.Unmarshal(raw, &base)
	}
	rc := s.parseRecipients(body, errs)
	b := &broadcast{baseLanguage: base, text: map[string]string{}, attachments: map[string][]string{}, quickReplies: map[string][]quickReply{}}
	if raw, present := body["text"]; present {
		if m, valid := translations[string](raw, base); !valid {
			errs.add("text", "Not a valid string or translations.")
		} else if len(m) > 50 {
			errs.add("text", "Ensure this field has no more than 50 languages.")
		} else {
			b.text = m
		}
	}
	if raw, present := body["attachments"]; present {
		if m, valid := translations[[]string](raw, base); !valid {
			errs.add("attachments", "Not a valid list or translations.")
		} else {
			for lang, list := range m {
				if len(list) > 10 {
					errs.add("attachments", "Ensure this field has no more than 10 elements.")
				}
				b.attachments[lang] = list
			}
		}
	}
	if raw, present := body["quick_replies"]; present {
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) != nil {
			m = map[string]json.RawMessage{base: raw}
		}
		for lang, list := range m {
			b.quickReplies[lang] = parseQuickReplies(list, "quick_replies", errs)
		}
	}
	if len(errs) == 0 && len(b.text) == 0 && len(b.attachments) == 0 {
		errs.add("non_field_errors", "Must provide either text or attachments.")
	}
	if _, hasText := b.text[base]; len(errs) == 0 && len(b.text) > 0 && !hasText {
		errs.add("base_language", "No text translation provided in base language.")
	}
	if bad := errs.reply(); bad != nil {
		s.mu.Unlock()
		return *bad
	}
	now := st.now()
	b.id, b.uuid, b.status, b.created = st.gen.id(), st.gen.uuid(), "queued", now
	b.urns = rc.urns
	for _, g := range rc.groups {
		b.groups = append(b.groups, g.ref())
	}
	for _, c := range rc.contacts {
		b.contacts = append(b.contacts, c.ref())
	}
	for lang := range b.text {
		if _, ok := b.attachments[lang]; !ok {
			b.attachments[lang] = []string{}
		}
		if _, ok := b.quickReplies[lang]; !ok {
			b.quickReplies[lang] = []quickReply{}
		}
	}
	st.broadcasts.insert(b)
	st.counts.Broadcasts++
	resp := s.broadcastToJSON(b)
	var sent []Message
	for _, c := range st.resolve(rc) {
		if c.status != "active" {
			continue
		}
		lang := base
		if c.language != nil && b.text[*c.language] != "" {
			lang = *c.language
		}
		var qrs []string
		for _, q := range b.quickReplies[lang] {
			qrs = append(qrs, q.Text)
		}
		m := st.addOutgoing(c, b.text[lang], qrs, nil, b.id, "", now)
		sent = append(sent, st.messageEvent(m))
		b.total++
	}
	b.status = "completed"
	s.mu.Unlock()
	s.notify(sent)
	return createdReply(resp)
}
