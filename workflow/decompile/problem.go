package decompile

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/mhero-go/mhero/workflow"
	"github.com/mhero-go/mhero/workflow/flow"
)

// Problem is a part of a flow that its workflow does not express as the
// flow does. An error is a difference in what a conversation does (a
// message, a result, a category, where the flow goes); a warning is the
// same conversation written differently (a result name respelt, say).
type Problem struct {
	Flow string // the flow's name
	// Node is the UUID of the node at fault, or "" for the flow as a
	// whole (its language, triggers, ...).
	Node string
	// Label is how RapidPro's editor shows the node: the label recorded
	// in the flow's _ui when there is one, or the kind of node and what it
	// does.
	Label    string
	Severity workflow.Severity
	Message  string
}

// String formats the problem as `flow "name": node UUID (label): message`.
func (p Problem) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "flow %q: ", p.Flow)
	if p.Node != "" {
		fmt.Fprintf(&b, "node %s", p.Node)
		if p.Label != "" {
			fmt.Fprintf(&b, " (%s)", p.Label)
		}
		b.WriteString(": ")
	}
	if p.Severity == workflow.SeverityWarning {
		b.WriteString("warning: ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Problems lists what a decompiled workflow does not express as its flow
// does. As an error it lists them one per line.
type Problems []Problem

// Error lists the problems, one per line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Errors returns the problems that are errors.
func (ps Problems) Errors() Problems {
	var out Problems
	for _, p := range ps {
		if p.Severity == workflow.SeverityError {
			out = append(out, p)
		}
	}
	return out
}

// problems collects problems once each, in the order found.
type problems struct {
	list []Problem
	seen map[string]bool
}

func (ps *problems) report(sev workflow.Severity, node, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	k := node + "\x00" + msg
	if ps.seen == nil {
		ps.seen = map[string]bool{}
	}
	if ps.seen[k] {
		return
	}
	ps.seen[k] = true
	ps.list = append(ps.list, Problem{Node: node, Severity: sev, Message: msg})
}

// add reports an error at a node ("" for the whole flow).
func (ps *problems) add(node, format string, args ...any) {
	ps.report(workflow.SeverityError, node, format, args...)
}

// warn reports a warning at a node.
func (ps *problems) warn(node, format string, args ...any) {
	ps.report(workflow.SeverityWarning, node, format, args...)
}

// editorTypes name the forms of RapidPro's editor.
var editorTypes = map[string]string{
	"execute_actions":        "Send Message",
	"wait_for_response":      "Wait for Response",
	"split_by_expression":    "Split by Expression",
	"split_by_contact_field": "Split by Contact Field",
	"split_by_run_result":    "Split by Flow Result",
	"split_by_groups":        "Split by Group Membership",
	"split_by_random":        "Split by Random Chance",
	"split_by_webhook":       "Call Webhook",
	"split_by_subflow":       "Enter a Flow",
	"split_by_resthook":      "Call Zapier",
	"split_by_airtime":       "Send Airtime",
	"split_by_classify":      "Split by Classifier",
	"split_by_ticket":        "Open Ticket",
}

// actionTitles name actions as the editor's action forms do.
var actionTitles = map[string]string{
	"send_msg":              "Send Message",
	"send_broadcast":        "Send Broadcast",
	"send_email":            "Send Email",
	"add_contact_groups":    "Add to Group",
	"remove_contact_groups": "Remove from Group",
	"set_contact_field":     "Update Contact",
	"set_contact_name":      "Update Contact",
	"set_contact_language":  "Update Contact",
	"set_contact_channel":   "Update Contact",
	"set_contact_status":    "Update Contact",
	"set_contact_timezone":  "Update Contact",
	"add_contact_urn":       "Add URN",
	"set_run_result":        "Save Flow Result",
	"add_input_labels":      "Add Labels",
	"call_webhook":          "Call Webhook",
	"call_resthook":         "Call Zapier",
	"call_classifier":       "Split by Intent",
	"enter_flow":            "Enter a Flow",
	"start_session":         "Start Somebody Else",
	"open_ticket":           "Open Ticket",
	"transfer_airtime":      "Send Airtime",
	"request_optin":         "Request Opt-in",
}

// label describes a node as the editor shows it: the _ui label when the
// flow has one, otherwise the form and what the node saves or sends.
func label(f *flow.Flow, n *flow.Node) string {
	var kind string
	if f.UI != nil {
		if ui, ok := f.UI.Nodes[n.UUID]; ok {
			if raw, ok := ui.Extra["label"]; ok {
				var s string
				if json.Unmarshal(raw, &s) == nil && s != "" {
					return s
				}
			}
			kind = editorTypes[ui.Type]
			if kind == "" {
				kind = ui.Type
			}
		}
	}
	switch {
	case n.Router != nil && n.Router.ResultName != "":
		if kind == "" {
			kind = "Split"
			if n.Router.Wait != nil {
				kind = "Wait for Response"
			}
		}
		return fmt.Sprintf("%s, result %q", kind, n.Router.ResultName)
	case len(n.Actions) > 0:
		if kind == "" || kind == "Send Message" {
			kind = actionTitles[n.Actions[0].ActionType()]
			if kind == "" {
				kind = n.Actions[0].ActionType()
			}
		}
		if m, ok := n.Actions[0].(*flow.SendMsg); ok {
			return fmt.Sprintf("%s %q", kind, short(m.Text))
		}
		return kind
	}
	if kind == "" && n.Router != nil {
		kind = "Split on " + n.Router.Operand
	}
	return kind
}

func compactJSON(raw json.RawMessage) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return string(raw)
	}
	b, _ := json.Marshal(v)
	return string(b)
}
