package sim

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mhero-go/mhero/workflow/flow"
)

// Check lists what in a flow the simulator can't run, without running it:
// actions, routers, waits and case tests it doesn't support, and templates
// that use unsupported functions or context (@globals, @resume, anonymous
// functions). Each problem is an *UnsupportedError naming the node. A flow
// that passes may still stop on something only evaluation finds. Webhooks
// are listed too: they run only when the simulator is given WithWebhook
// (their error's Option).
func Check(f *flow.Flow) []*UnsupportedError {
	var problems []*UnsupportedError
	funcs := newFunctions()
	for i := range f.Nodes {
		n := &f.Nodes[i]
		report := func(feature string) {
			problems = append(problems, &UnsupportedError{FlowName: f.Name, NodeUUID: n.UUID, Label: nodeLabel(f, n), Feature: feature})
		}
		for _, a := range n.Actions {
			if _, other := a.(*flow.OtherAction); other {
				report(fmt.Sprintf("the action %q", a.ActionType()))
				continue
			}
			if a.ActionType() == flow.ActionCallWebhook {
				problems = append(problems, webhookUnsupported(f, n))
				continue
			}
			for _, tpl := range actionTemplates(a) {
				for _, feature := range checkTemplate(tpl) {
					report(feature)
				}
			}
		}
		rt := n.Router
		if rt == nil {
			continue
		}
		if rt.Type != flow.RouterSwitch && rt.Type != flow.RouterRandom {
			report(fmt.Sprintf("the router type %q", rt.Type))
		}
		if rt.Wait != nil && rt.Wait.Type != flow.WaitMsg {
			report(fmt.Sprintf("a wait of type %q", rt.Wait.Type))
		}
		for _, feature := range checkTemplate(rt.Operand) {
			report(feature)
		}
		for _, c := range rt.Cases {
			name := strings.ToLower(c.Type)
			if funcs[name] == nil || !strings.HasPrefix(name, "has_") || slices.Contains(unsupportedFunctions, name) {
				report(fmt.Sprintf("the case test %q", c.Type))
			}
			for _, arg := range c.Arguments {
				for _, feature := range checkTemplate(arg) {
					report(feature)
				}
			}
		}
	}
	return problems
}

// actionTemplates returns the templates an action evaluates.
func actionTemplates(a flow.Action) []string {
	switch a := a.(type) {
	case *flow.SendMsg:
		return slices.Concat([]string{a.Text}, a.Attachments, a.QuickReplies)
	case *flow.SetContactField:
		return []string{a.Value}
	case *flow.SetContactName:
		return []string{a.Name}
	case *flow.SetContactLanguage:
		return []string{a.Language}
	case *flow.SetRunResult:
		return []string{a.Value}
	case *flow.SendBroadcast:
		return []string{a.Text}
	case *flow.SendEmail:
		return []string{a.Subject}
	case *flow.AddContactGroups:
		return groupTemplates(a.Groups)
	case *flow.RemoveContactGroups:
		return groupTemplates(a.Groups)
	}
	return nil
}

func groupTemplates(refs []flow.GroupRef) []string {
	var out []string
	for _, r := range refs {
		if r.NameMatch != "" {
			out = append(out, r.NameMatch)
		}
	}
	return out
}

// unsupportedTopLevels are the context names the simulator doesn't model.
var unsupportedTopLevels = []string{"globals", "resume", "legacy_extra"}

// checkTemplate returns the unsupported features a template uses.
func checkTemplate(tpl string) []string {
	var features []string
	for _, t := range scanTemplate(tpl, topLevelNames) {
		if t.kind == tokenBody {
			continue
		}
		x, err := parseExpression(t.text)
		if err != nil {
			if strings.Contains(err.Error(), anonFunction) {
				features = append(features, "an anonymous function")
			}
			continue
		}
		walk(x, func(x expr) {
			switch x := x.(type) {
			case *contextRef:
				if slices.Contains(unsupportedTopLevels, strings.ToLower(x.name)) {
					features = append(features, "@"+strings.ToLower(x.name))
				}
			case *callExpr:
				if ref, ok := x.fn.(*contextRef); ok && slices.Contains(unsupportedFunctions, strings.ToLower(ref.name)) {
					features = append(features, "the function "+strings.ToLower(ref.name)+"()")
				}
			}
		})
	}
	return features
}

// walk calls fn for x and every expression inside it.
func walk(x expr, fn func(expr)) {
	fn(x)
	switch x := x.(type) {
	case *lookupExpr:
		walk(x.container, fn)
		walk(x.key, fn)
	case *callExpr:
		walk(x.fn, fn)
		for _, a := range x.args {
			walk(a, fn)
		}
	case *negateExpr:
		walk(x.x, fn)
	case *binaryExpr:
		walk(x.left, fn)
		walk(x.right, fn)
	}
}
