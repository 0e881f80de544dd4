package sim

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mhero-go/mhero/workflow/flow"
)

// executeActions runs a node's actions in order. When an enter_flow action
// starts a subflow, the child run is returned and the node's remaining
// actions are skipped, as in goflow.
func (s *Sim) executeActions(r *run, n *flow.Node) (*run, error) {
	for _, a := range n.Actions {
		child, err := s.execute(r, n, a)
		if err != nil || child != nil || r.status == StatusFailed {
			return child, err
		}
	}
	return nil, nil
}

func (s *Sim) execute(r *run, n *flow.Node, a flow.Action) (*run, error) {
	switch a := a.(type) {
	case *flow.SendMsg:
		return nil, s.sendMsg(r, n, a)
	case *flow.SetContactField:
		value, failed, err := s.template(r, n, a.Value)
		if err != nil || failed {
			return nil, err
		}
		value = truncate(strings.TrimSpace(value), maxFieldChars)
		if s.fields != nil {
			if _, ok := s.fields[a.Field.Key]; !ok {
				s.logError(n, fmt.Sprintf("missing dependency: field[key=%s,name=%s]", a.Field.Key, a.Field.Name))
				return nil, nil
			}
		}
		if s.contact.Fields[a.Field.Key] == value {
			return nil, nil
		}
		if value == "" {
			delete(s.contact.Fields, a.Field.Key)
		} else {
			s.contact.Fields[a.Field.Key] = value
		}
		s.event("contact_field_changed", n, a.Field.Key+" = "+value)
	case *flow.SetContactName:
		name, failed, err := s.template(r, n, a.Name)
		if err != nil || failed {
			return nil, err
		}
		if name = truncate(strings.TrimSpace(name), maxFieldChars); name != s.contact.Name {
			s.contact.Name = name
			s.event("contact_name_changed", n, name)
		}
	case *flow.SetContactLanguage:
		lang, failed, err := s.template(r, n, a.Language)
		if err != nil || failed {
			return nil, err
		}
		lang = strings.TrimSpace(lang)
		if lang != "" && !isLanguageCode(lang) {
			s.logError(n, fmt.Sprintf("iso-639-3 codes must be 3 characters, got: %s", lang))
			return nil, nil
		}
		if lang != s.contact.Language {
			s.contact.Language = lang
			s.event("contact_language_changed", n, lang)
		}
	case *flow.SetContactStatus:
		if a.Status != s.contact.Status {
			s.contact.Status = a.Status
			s.event("contact_status_changed", n, a.Status)
		}
	case *flow.SetRunResult:
		value, failed, err := s.template(r, n, a.Value)
		if err != nil || failed {
			return nil, err
		}
		localized, _ := s.localize(r.flow, a.UUID, "category", []string{a.Category})
		catLocalized := ""
		if len(localized) > 0 && localized[0] != a.Category {
			catLocalized = localized[0]
		}
		s.saveResult(r, n, a.Name, value, a.Category, catLocalized, "")
	case *flow.AddContactGroups:
		return nil, s.changeGroups(r, n, a.Groups, true, false)
	case *flow.RemoveContactGroups:
		return nil, s.changeGroups(r, n, a.Groups, false, a.AllGroups)
	case *flow.AddInputLabels:
		if s.input != nil {
			names := make([]string, len(a.Labels))
			for i, l := range a.Labels {
				names[i] = l.Name
			}
			s.event("input_labels_added", n, strings.Join(names, ", "))
		}
	case *flow.SendBroadcast:
		text, _, err := s.template(r, n, a.Text)
		if err != nil {
			return nil, err
		}
		s.event("broadcast_created", n, text)
	case *flow.SendEmail:
		subject, _, err := s.template(r, n, a.Subject)
		if err != nil {
			return nil, err
		}
		s.event("email_sent", n, strings.Join(a.Addresses, ", ")+": "+subject)
	case *flow.StartSession:
		s.event("session_triggered", n, a.Flow.Name)
	case *flow.SetContactChannel:
		// channels are never assets of the simulator (exports don't carry
		// them), so goflow's missing dependency is what happens
		if a.Channel != nil {
			s.logError(n, fmt.Sprintf("missing dependency: channel[uuid=%s,name=%s]", a.Channel.UUID, a.Channel.Name))
		}
	case *flow.EnterFlow:
		return s.enterFlow(r, n, a)
	case *flow.CallWebhook:
		return nil, s.callWebhook(r, n, a)
	default:
		return nil, s.unsupported(r, n, fmt.Sprintf("the action %q", a.ActionType()))
	}
	return nil, nil
}

func isLanguageCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, c := range s {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

func (s *Sim) event(typ string, n *flow.Node, detail string) {
	s.events = append(s.events, Event{Type: typ, NodeUUID: n.UUID, Detail: detail})
}

func (s *Sim) sendMsg(r *run, n *flow.Node, a *flow.SendMsg) error {
	texts, lang := s.localize(r.flow, a.UUID, "text", []string{a.Text})
	text, _, err := s.template(r, n, texts[0])
	if err != nil {
		return err
	}
	msg := Message{Text: text, Language: lang, NodeUUID: n.UUID, ActionUUID: a.UUID}
	attachments, _ := s.localize(r.flow, a.UUID, "attachments", a.Attachments)
	for _, att := range attachments {
		v, _, err := s.template(r, n, att)
		if err != nil {
			return err
		}
		if v = strings.TrimSpace(v); v != "" && len(v) <= 2048 {
			msg.Attachments = append(msg.Attachments, v)
		}
	}
	replies, _ := s.localize(r.flow, a.UUID, "quick_replies", a.QuickReplies)
	for _, qr := range replies {
		v, _, err := s.template(r, n, qr)
		if err != nil {
			return err
		}
		if v != "" {
			msg.QuickReplies = append(msg.QuickReplies, truncateEllipsis(v, 64))
		}
	}
	s.messages = append(s.messages, msg)
	return nil
}

// goflow's default engine limits, in characters.
const (
	maxTemplateChars = 10000
	maxFieldChars    = 640
	maxResultChars   = 640
)

// truncate cuts s to at most n characters.
func truncate(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n])
}

func truncateEllipsis(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n-3]) + "..."
}

// changeGroups adds the contact to groups or removes it from them, as
// goflow's groups modifier does: smart (query) groups can't be changed
// and each is logged as an error, as is any change to a blocked or stopped
// contact. all removes the contact from every non-smart group.
func (s *Sim) changeGroups(r *run, n *flow.Node, refs []flow.GroupRef, add, all bool) error {
	var targets []Group
	if all {
		for _, g := range s.groups {
			if g.Query == "" {
				targets = append(targets, Group{UUID: g.UUID, Name: g.Name})
			}
		}
		if s.groups == nil { // a bare flow: the contact's groups are all we know
			targets = append(targets, s.contact.Groups...)
		}
	}
	for _, ref := range refs {
		if ref.NameMatch != "" {
			name, failed, err := s.template(r, n, ref.NameMatch)
			if err != nil {
				return err
			}
			if failed {
				continue
			}
			g, ok := s.groupByName(name)
			if !ok {
				s.logError(n, fmt.Sprintf("no such group with name '%s'", name))
				continue
			}
			targets = append(targets, g)
			continue
		}
		g, ok := s.groupByUUID(ref)
		if !ok {
			s.logError(n, fmt.Sprintf("missing dependency: group[uuid=%s,name=%s]", ref.UUID, ref.Name))
			continue
		}
		targets = append(targets, g)
	}
	if s.contact.Status == "blocked" || s.contact.Status == "stopped" {
		s.logError(n, "can't add blocked or stopped contacts to groups")
		return nil
	}
	var changed []string
	for _, g := range targets {
		if s.isSmartGroup(g.UUID) {
			if add {
				s.logError(n, fmt.Sprintf("can't add contacts to the query based group '%s'", g.Name))
			} else {
				s.logError(n, fmt.Sprintf("can't remove contacts from the query based group '%s'", g.Name))
			}
			continue
		}
		i := indexGroup(s.contact.Groups, g.UUID)
		switch {
		case add && i < 0:
			s.contact.Groups = append(s.contact.Groups, g)
			changed = append(changed, "+"+g.Name)
		case !add && i >= 0:
			s.contact.Groups = slices.Delete(s.contact.Groups, i, i+1)
			changed = append(changed, "-"+g.Name)
		}
	}
	if len(changed) > 0 {
		s.event("contact_groups_changed", n, strings.Join(changed, ", "))
	}
	return nil
}

func indexGroup(groups []Group, uuid string) int {
	for i, g := range groups {
		if g.UUID == uuid {
			return i
		}
	}
	return -1
}

func (s *Sim) isSmartGroup(uuid string) bool {
	for _, g := range s.groups {
		if g.UUID == uuid {
			return g.Query != ""
		}
	}
	return false
}

func (s *Sim) groupByUUID(ref flow.GroupRef) (Group, bool) {
	if s.groups == nil {
		return Group{UUID: ref.UUID, Name: ref.Name}, ref.UUID != ""
	}
	for _, g := range s.groups {
		if g.UUID == ref.UUID {
			return Group{UUID: g.UUID, Name: g.Name}, true
		}
	}
	return Group{}, false
}

func (s *Sim) groupByName(name string) (Group, bool) {
	for _, g := range s.groups {
		if strings.EqualFold(strings.TrimSpace(g.Name), strings.TrimSpace(name)) {
			return Group{UUID: g.UUID, Name: g.Name}, true
		}
	}
	return Group{}, false
}

// enterFlow starts a subflow found in the same export; a flow that isn't
// there fails the run, as a missing flow asset does in goflow.
func (s *Sim) enterFlow(r *run, n *flow.Node, a *flow.EnterFlow) (*run, error) {
	child, ok := s.flows[a.Flow.UUID]
	if !ok {
		s.failRun(r, fmt.Sprintf("missing dependency: flow %s (%s)", a.Flow.UUID, a.Flow.Name))
		return nil, nil
	}
	if child.Type != r.flow.Type {
		s.failRun(r, fmt.Sprintf("can't enter flow[uuid=%s,name=%s] of type %s from type %s", child.UUID, child.Name, child.Type, r.flow.Type))
		return nil, nil
	}
	if a.Terminal {
		for _, other := range s.runs {
			if other.status == StatusActive || other.status == StatusWaiting {
				other.status = StatusCompleted
			}
		}
	}
	s.event("flow_entered", n, child.Name)
	return s.newRun(child, r), nil
}

// saveResult saves a run result under its snakified name.
func (s *Sim) saveResult(r *run, n *flow.Node, name, value, category, categoryLocalized, input string) {
	key := flow.Snakify(name)
	res := &Result{Name: name, Key: key, Value: truncate(value, maxResultChars), Category: category, CategoryLocalized: categoryLocalized, Input: input, NodeUUID: n.UUID, CreatedOn: s.now()}
	if _, seen := r.results[key]; !seen {
		r.order = append(r.order, key)
	}
	r.results[key] = res
	delete(r.extras, key)
	r.resultsContext = nil
	s.event("run_result_changed", n, fmt.Sprintf("%s = %s (%s)", name, value, category))
}
