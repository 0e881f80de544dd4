package sim

import (
	"fmt"
	"slices"

	"github.com/mhero-go/mhero/internal/excellent"
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
			if f := excellent.LookupFunction(c.Type); f == nil || !f.IsCaseTest() || !f.Supported() {
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

// checkTemplate returns the unsupported features a template uses, in
// the order they appear.
func checkTemplate(tpl string) []string {
	a := excellent.AnalyzeTemplate(tpl)
	type feature struct {
		at   int
		what string
	}
	var found []feature
	for _, at := range a.AnonFunctions {
		found = append(found, feature{at, "an anonymous function"})
	}
	for _, r := range a.Refs {
		if slices.Contains(unsupportedTopLevels, r.Path[0]) {
			found = append(found, feature{r.Offset, "@" + r.Path[0]})
		}
	}
	for _, c := range a.Calls {
		if !excellent.LookupFunction(c.Name).Supported() {
			found = append(found, feature{c.Offset, "the function " + c.Name + "()"})
		}
	}
	slices.SortStableFunc(found, func(a, b feature) int { return a.at - b.at })
	features := make([]string, len(found))
	for i, f := range found {
		features[i] = f.what
	}
	return features
}
