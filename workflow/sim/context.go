package sim

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mhero-go/mhero/internal/excellent"
	"github.com/mhero-go/mhero/workflow/flow"
)

// context builds the root of the expression context for run r at node n,
// with the shape goflow gives it (see the @contact, @results, @input, ...
// documentation of goflow).
func (s *Sim) context(r *run, n *flow.Node, e *excellent.Env) *excellent.Object {
	contact := s.contactContext(e)
	fields, _ := contact.Get("fields")
	results := resultsContext(r)

	var input excellent.Value
	if s.input != nil {
		input = excellent.NewObjectWithDefault(s.input.text, map[string]excellent.Value{
			"type":        "msg",
			"uuid":        s.input.uuid,
			"created_on":  s.input.created,
			"channel":     nil,
			"urn":         urnValue(s.contact.URN),
			"text":        s.input.text,
			"attachments": excellent.Array{},
			"external_id": "",
		})
	}

	var node excellent.Value
	if n != nil {
		visits := 0
		for _, uuid := range r.path {
			if uuid == n.UUID {
				visits++
			}
		}
		node = excellent.NewObject(map[string]excellent.Value{"uuid": n.UUID, "visit_count": excellent.NumberFromInt(int64(visits))})
	}

	params := excellent.NewObject(map[string]excellent.Value{})
	if s.opts.params != nil {
		if p, ok := excellent.FromJSON(map[string]any(s.opts.params)).(*excellent.Object); ok {
			params = p
		}
	}

	return excellent.NewObject(map[string]excellent.Value{
		"run":          s.runContext(r, contact, results),
		"child":        s.relatedRunContext(r.child, contact, fields),
		"parent":       s.relatedRunContext(r.parent, contact, fields),
		"contact":      contact,
		"results":      results,
		"urns":         s.urnsContext(),
		"fields":       fields,
		"ticket":       nil,
		"trigger":      s.triggerContext(params),
		"resume":       excellent.Unsupported{What: "@resume"},
		"input":        input,
		"globals":      excellent.Unsupported{What: "@globals"},
		"webhook":      r.webhook,
		"node":         node,
		"legacy_extra": excellent.Unsupported{What: "@legacy_extra"},
	})
}

// triggerContext is @trigger: a manual start, or a message.
func (s *Sim) triggerContext(params *excellent.Object) *excellent.Object {
	typ, keyword := "manual", excellent.Value(nil)
	if t := s.opts.trigger; t != nil {
		typ = "msg"
		if t.keyword != "" {
			keyword = t.keyword
		}
	}
	return excellent.NewObject(map[string]excellent.Value{
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

func urnValue(urn string) excellent.Value {
	if urn == "" {
		return nil
	}
	return urn
}

func (s *Sim) contactContext(e *excellent.Env) *excellent.Object {
	c := &s.contact
	var firstName excellent.Value
	if words := excellent.Words(c.Name); len(words) > 0 {
		firstName = words[0]
	}
	def := c.Name
	if def == "" {
		def = excellent.FormatURN(c.URN)
	}
	groups := make(excellent.Array, len(c.Groups))
	for i, g := range c.Groups {
		groups[i] = excellent.NewObject(map[string]excellent.Value{"uuid": g.UUID, "name": g.Name})
	}
	urns := excellent.Array{}
	if c.URN != "" {
		urns = append(urns, c.URN)
	}
	var timezone excellent.Value
	if c.Timezone != "" {
		timezone = c.Timezone
	}
	return excellent.NewObjectWithDefault(def, map[string]excellent.Value{
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
		"tickets":      excellent.Array{},
	})
}

// urnSchemes are the URN schemes goflow knows; @urns has one property per
// scheme, null when the contact has no URN of it.
var urnSchemes = []string{"discord", "mailto", "ext", "facebook", "fcm", "freshchat", "instagram", "jiochat", "line",
	"rocketchat", "slack", "teams", "telegram", "tel", "twitterid", "twitter", "viber", "vk", "webchat", "wechat", "whatsapp"}

func (s *Sim) urnsContext() *excellent.Object {
	props := make(map[string]excellent.Value, len(urnSchemes))
	for _, scheme := range urnSchemes {
		props[scheme] = nil
	}
	if scheme, _, ok := strings.Cut(s.contact.URN, ":"); ok {
		props[scheme] = s.contact.URN
	}
	return excellent.NewObject(props)
}

// fieldsContext gives every declared field (null when unset) and every
// field the contact has, typed by the field's declared type.
func (s *Sim) fieldsContext(e *excellent.Env) *excellent.Object {
	props := map[string]excellent.Value{}
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
			lines = append(lines, fmt.Sprintf("%s: %s", name, excellent.Render(v)))
		}
	}
	slices.Sort(lines)
	return excellent.NewObjectWithDefault(strings.Join(lines, "\n"), props)
}

// fieldValue types a field's text by the field's declared type: numbers and
// datetimes that don't parse have no value.
func (s *Sim) fieldValue(e *excellent.Env, key, text string) excellent.Value {
	if text == "" {
		return nil
	}
	switch s.fields[key].Type {
	case flow.FieldNumber:
		if n, ok := excellent.ParseNumber(text); ok {
			return n
		}
		return nil
	case flow.FieldDatetime:
		if t, ok := e.ParseDateTime(text); ok {
			return t
		}
		return nil
	}
	return text
}

// resultsContext returns @results for a run, built once per change of the
// run's results: context objects are never modified once built.
func resultsContext(r *run) *excellent.Object {
	if r.resultsContext == nil {
		r.resultsContext = buildResultsContext(r)
	}
	return r.resultsContext
}

func buildResultsContext(r *run) *excellent.Object {
	props := make(map[string]excellent.Value, len(r.results))
	lines := make([]string, 0, len(r.results))
	for key, res := range r.results {
		props[key] = resultContext(res, r.extras[key])
		lines = append(lines, fmt.Sprintf("%s: %s", res.Name, res.Value))
	}
	slices.Sort(lines)
	return excellent.NewObjectWithDefault(strings.Join(lines, "\n"), props)
}

func resultContext(r *Result, extra excellent.Value) *excellent.Object {
	localized := r.CategoryLocalized
	if localized == "" {
		localized = r.Category
	}
	return excellent.NewObjectWithDefault(r.Value, map[string]excellent.Value{
		"name":                 r.Name,
		"value":                r.Value,
		"values":               excellent.Array{r.Value},
		"category":             r.Category,
		"categories":           excellent.Array{r.Category},
		"category_localized":   localized,
		"categories_localized": excellent.Array{localized},
		"input":                r.Input,
		"extra":                extra,
		"node_uuid":            r.NodeUUID,
		"created_on":           r.CreatedOn,
	})
}

func flowContext(f *flow.Flow) *excellent.Object {
	return excellent.NewObjectWithDefault(f.Name, map[string]excellent.Value{
		"uuid":     f.UUID,
		"name":     f.Name,
		"revision": excellent.NumberFromInt(int64(f.Revision)),
	})
}

func (s *Sim) runContext(r *run, contact, results *excellent.Object) *excellent.Object {
	var exited excellent.Value
	return excellent.NewObjectWithDefault(excellent.Unsupported{What: "@run as text"}, map[string]excellent.Value{
		"uuid":       r.uuid,
		"contact":    contact,
		"flow":       flowContext(r.flow),
		"status":     string(r.status),
		"results":    results,
		"path":       excellent.Unsupported{What: "@run.path"},
		"created_on": r.created,
		"exited_on":  exited,
	})
}

// relatedRunContext is @child or @parent.
func (s *Sim) relatedRunContext(r *run, contact *excellent.Object, fields excellent.Value) excellent.Value {
	if r == nil {
		return nil
	}
	return excellent.NewObjectWithDefault(excellent.Unsupported{What: "@child or @parent as text"}, map[string]excellent.Value{
		"uuid":    r.uuid,
		"contact": contact,
		"flow":    flowContext(r.flow),
		"fields":  fields,
		"urns":    excellent.Unsupported{What: "@child.urns or @parent.urns"},
		"results": resultsContext(r),
		"status":  string(r.status),
	})
}
