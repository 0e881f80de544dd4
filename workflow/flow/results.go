package flow

import (
	"regexp"
	"slices"
	"strings"
)

// nonKeyChars are the runs of characters a result or field key replaces by "_".
var nonKeyChars = regexp.MustCompile(`[^\p{L}\d_]+`)

// Snakify turns a result name into its key as RapidPro does: trimmed,
// lowercased, with each run of characters other than letters, ASCII digits
// and "_" replaced by "_". "RDT Stock" gives "rdt_stock".
func Snakify(name string) string {
	return strings.ToLower(nonKeyChars.ReplaceAllString(strings.TrimSpace(name), "_"))
}

// Result describes a run result a flow can save: a question (a wait router
// or split with a result name) or a set_run_result action.
type Result struct {
	// Name is the result name as written in the flow.
	Name string `json:"name"`
	// Key is the snakified name, the key of @results.key and of the run
	// values in the API.
	Key string `json:"key"`
	// Question is the text of the send_msg that asks it (the last one on
	// the same node or on a node leading to it), in the flow's language.
	Question string `json:"question,omitempty"`
	// Categories are the possible categories in router order, without
	// duplicates across nodes.
	Categories []string `json:"categories"`
	// NodeUUIDs are the nodes that save the result.
	NodeUUIDs []string `json:"node_uuids"`
	// Wait reports that the result is the answer to a wait for a message.
	Wait bool `json:"wait,omitempty"`
}

// Results lists the results of a flow in node order, merging those with
// the same key (several nodes may save one result).
func (f *Flow) Results() []Result {
	var out []Result
	index := map[string]int{}
	add := func(name, nodeUUID, question string, categories []string, wait bool) {
		key := Snakify(name)
		i, seen := index[key]
		if !seen {
			index[key] = len(out)
			out = append(out, Result{Name: name, Key: key, Categories: []string{}})
			i = len(out) - 1
		}
		r := &out[i]
		if !slices.Contains(r.NodeUUIDs, nodeUUID) {
			r.NodeUUIDs = append(r.NodeUUIDs, nodeUUID)
		}
		if r.Question == "" {
			r.Question = question
		}
		r.Wait = r.Wait || wait
		for _, c := range categories {
			if !slices.Contains(r.Categories, c) {
				r.Categories = append(r.Categories, c)
			}
		}
	}
	for i := range f.Nodes {
		n := &f.Nodes[i]
		for _, a := range n.Actions {
			if rr, ok := a.(*SetRunResult); ok && rr.Name != "" {
				var cats []string
				if rr.Category != "" {
					cats = []string{rr.Category}
				}
				add(rr.Name, n.UUID, "", cats, false)
			}
		}
		if n.Router == nil || n.Router.ResultName == "" {
			continue
		}
		cats := make([]string, len(n.Router.Categories))
		for j, c := range n.Router.Categories {
			cats[j] = c.Name
		}
		add(n.Router.ResultName, n.UUID, f.question(n), cats, n.Router.Wait != nil)
	}
	return out
}

// question returns the text of the message that asks for a node's result:
// the last send_msg on the node itself or, failing that, on a node whose
// exit leads to it.
func (f *Flow) question(n *Node) string {
	if text := lastSendMsg(n); text != "" {
		return text
	}
	for i := range f.Nodes {
		for _, x := range f.Nodes[i].Exits {
			if x.DestinationUUID == n.UUID {
				if text := lastSendMsg(&f.Nodes[i]); text != "" {
					return text
				}
			}
		}
	}
	return ""
}

func lastSendMsg(n *Node) string {
	for _, a := range slices.Backward(n.Actions) {
		if m, ok := a.(*SendMsg); ok && m.Text != "" {
			return m.Text
		}
	}
	return ""
}
