package sim

import (
	"fmt"
	"slices"
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/mhero-go/mhero/workflow/flow"
)

// context builds the root of the expression context for run r at node n,
// with the shape goflow gives it (see the @contact, @results, @input, ...
// documentation of goflow).
func (s *Sim) context(r *run, n *flow.Node, e *env) *object {
	contact := s.contactContext(e)
	fields, _ := contact.get("fields")
	results := resultsContext(r)

	var input value
	if s.input != nil {
		input = newObjectWithDefault(s.input.text, map[string]value{
			"type":        "msg",
			"uuid":        s.input.uuid,
			"created_on":  s.input.created,
			"channel":     nil,
			"urn":         urnValue(s.contact.URN),
			"text":        s.input.text,
			"attachments": array{},
			"external_id": "",
		})
	}

	var node value
	if n != nil {
		visits := 0
		for _, uuid := range r.path {
			if uuid == n.UUID {
				visits++
			}
		}
		node = newObject(map[string]value{"uuid": n.UUID, "visit_count": numberFromInt(int64(visits))})
	}

	params := newObject(map[string]value{})
	if s.opts.params != nil {
		if p, ok := fromJSON(map[string]any(s.opts.params)).(*object); ok {
			params = p
		}
	}

	return newObject(map[string]value{
		"run":          s.runContext(r, contact, results),
		"child":        s.relatedRunContext(r.child, contact, fields),
		"parent":       s.relatedRunContext(r.parent, contact, fields),
		"contact":      contact,
		"results":      results,
		"urns":         s.urnsContext(),
		"fields":       fields,
		"ticket":       nil,
		"trigger":      s.triggerContext(params),
		"resume":       unsupportedValue{"@resume"},
		"input":        input,
		"globals":      unsupportedValue{"@globals"},
		"webhook":      r.webhook,
		"node":         node,
		"legacy_extra": unsupportedValue{"@legacy_extra"},
	})
}

// triggerContext is @trigger: a manual start, or a message.
func (s *Sim) triggerContext(params *object) *object {
	typ, keyword := "manual", value(nil)
	if t := s.opts.trigger; t != nil {
		typ = "msg"
		if t.keyword != "" {
			keyword = t.keyword
		}
	}
	return newObject(map[string]value{
		"type":     typ,
		"params":   params,
		"keyword":  keyword,
		"user":     nil,
		"origin":   nil,
		"campaign": nil,
		"ticket":   nil,
		"optin":    nil,
	})
}

func urnValue(urn string) value {
	if urn == "" {
		return nil
	}
	return urn
}

func (s *Sim) contactContext(e *env) *object {
	c := &s.contact
	var firstName value
	if words := tokenize(c.Name); len(words) > 0 {
		firstName = words[0]
	}
	def := c.Name
	if def == "" {
		def = formatURN(c.URN)
	}
	groups := make(array, len(c.Groups))
	for i, g := range c.Groups {
		groups[i] = newObject(map[string]value{"uuid": g.UUID, "name": g.Name})
	}
	urns := array{}
	if c.URN != "" {
		urns = append(urns, c.URN)
	}
	var timezone value
	if c.Timezone != "" {
		timezone = c.Timezone
	}
	return newObjectWithDefault(def, map[string]value{
		"uuid":         c.UUID,
		"id":           "1",
		"name":         c.Name,
		"first_name":   firstName,
		"language":     c.Language,
		"timezone":     timezone,
		"status":       c.Status,
		"created_on":   s.started,
		"last_seen_on": nil,
		"urns":         urns,
		"urn":          urnValue(c.URN),
		"groups":       groups,
		"fields":       s.fieldsContext(e),
		"channel":      nil,
		"tickets":      array{},
	})
}

// urnSchemes are the URN schemes goflow knows; @urns has one property per
// scheme, null when the contact has no URN of it.
var urnSchemes = []string{"discord", "mailto", "ext", "facebook", "fcm", "freshchat", "instagram", "jiochat", "line",
	"rocketchat", "slack", "teams", "telegram", "tel", "twitterid", "twitter", "viber", "vk", "webchat", "wechat", "whatsapp"}

func (s *Sim) urnsContext() *object {
	props := make(map[string]value, len(urnSchemes))
	for _, scheme := range urnSchemes {
		props[scheme] = nil
	}
	if scheme, _, ok := strings.Cut(s.contact.URN, ":"); ok {
		props[scheme] = s.contact.URN
	}
	return newObject(props)
}

// splitURN splits "scheme:path?query#display".
func splitURN(urn string) (scheme, path, display string, ok bool) {
	scheme, rest, ok := strings.Cut(urn, ":")
	if !ok || scheme == "" || rest == "" {
		return "", "", "", false
	}
	rest, display, _ = strings.Cut(rest, "#")
	path, _, _ = strings.Cut(rest, "?")
	return scheme, path, display, true
}

// formatURN formats a URN for display as goflow does: phone numbers in
// national format, other URNs by display name or path.
func formatURN(urn string) string {
	scheme, path, display, ok := splitURN(urn)
	if !ok {
		return urn
	}
	if scheme == "tel" {
		if p, err := phonenumbers.Parse(path, ""); err == nil {
			return phonenumbers.Format(p, phonenumbers.NATIONAL)
		}
		return path
	}
	if display != "" {
		return display
	}
	return path
}

// fieldsContext gives every declared field (null when unset) and every
// field the contact has, typed by the field's declared type.
func (s *Sim) fieldsContext(e *env) *object {
	props := map[string]value{}
	var lines []string
	for key := range s.fields {
		props[key] = nil
	}
	for key, text := range s.contact.Fields {
		if _, declared := s.fields[key]; s.fields != nil && !declared {
			continue // not a field of this workspace
		}
		v := s.fieldValue(e, key, text)
		props[key] = v
		if v != nil {
			name := key
			if f, ok := s.fields[key]; ok && f.Name != "" {
				name = f.Name
			}
			lines = append(lines, fmt.Sprintf("%s: %s", name, render(v)))
		}
	}
	slices.Sort(lines)
	return newObjectWithDefault(strings.Join(lines, "\n"), props)
}

// fieldValue types a field's text by the field's declared type: numbers and
// datetimes that don't parse have no value.
func (s *Sim) fieldValue(e *env, key, text string) value {
	if text == "" {
		return nil
	}
	switch s.fields[key].Type {
	case flow.FieldNumber:
		if n, ok := parseNumber(text); ok {
			return n
		}
		return nil
	case flow.FieldDatetime:
		if t, ok := e.parseDateTime(text, false); ok {
			return t
		}
		return nil
	}
	return text
}

// resultsContext returns @results for a run, built once per change of the
// run's results: context objects are never modified once built.
func resultsContext(r *run) *object {
	if r.resultsContext == nil {
		r.resultsContext = buildResultsContext(r)
	}
	return r.resultsContext
}

func buildResultsContext(r *run) *object {
	props := make(map[string]value, len(r.results))
	lines := make([]string, 0, len(r.results))
	for key, res := range r.results {
		props[key] = resultContext(res, r.extras[key])
		lines = append(lines, fmt.Sprintf("%s: %s", res.Name, res.Value))
	}
	slices.Sort(lines)
	return newObjectWithDefault(strings.Join(lines, "\n"), props)
}

func resultContext(r *Result, extra value) *object {
	localized := r.CategoryLocalized
	if localized == "" {
		localized = r.Category
	}
	return newObjectWithDefault(r.Value, map[string]value{
		"name":                 r.Name,
		"value":                r.Value,
		"values":               array{r.Value},
		"category":             r.Category,
		"categories":           array{r.Category},
		"category_localized":   localized,
		"categories_localized": array{localized},
		"input":                r.Input,
		"extra":                extra,
		"node_uuid":            r.NodeUUID,
		"created_on":           r.CreatedOn,
	})
}

func flowContext(f *flow.Flow) *object {
	return newObjectWithDefault(f.Name, map[string]value{
		"uuid":     f.UUID,
		"name":     f.Name,
		"revision": numberFromInt(int64(f.Revision)),
	})
}

func (s *Sim) runContext(r *run, contact, results *object) *object {
	var exited value
	return newObjectWithDefault(unsupportedValue{"@run as text"}, map[string]value{
		"uuid":       r.uuid,
		"contact":    contact,
		"flow":       flowContext(r.flow),
		"status":     string(r.status),
		"results":    results,
		"path":       unsupportedValue{"@run.path"},
		"created_on": r.created,
		"exited_on":  exited,
	})
}

// relatedRunContext is @child or @parent.
func (s *Sim) relatedRunContext(r *run, contact *object, fields value) value {
	if r == nil {
		return nil
	}
	return newObjectWithDefault(unsupportedValue{"@child or @parent as text"}, map[string]value{
		"uuid":    r.uuid,
		"contact": contact,
		"flow":    flowContext(r.flow),
		"fields":  fields,
		"urns":    unsupportedValue{"@child.urns or @parent.urns"},
		"results": resultsContext(r),
		"status":  string(r.status),
	})
}
