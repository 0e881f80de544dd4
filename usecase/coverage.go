package usecase

import (
	"fmt"
	"strings"

	"github.com/mhero-go/mhero/workflow/flow"
)

// Coverage says which paths of a flow the test conversations exercised
// and which were never tried: every category of every router (each
// question, its retries, the skip logic between questions) and every exit
// of every node.
type Coverage struct {
	Categories []Branch `json:"categories"`
	Exits      []Branch `json:"exits"`
	// Nodes counts the flow's nodes and Visited those some conversation
	// reached.
	Nodes   int `json:"nodes"`
	Visited int `json:"visited"`
}

// Branch is one category of a router, or one exit of a node, and how many
// test conversations took it.
type Branch struct {
	Node string `json:"node"`
	// Where says in words which part of the flow it is ("act_in_stock",
	// "act_in_stock, retry 1", "skip logic on @results.act_in_stock",
	// "message: Thank you…").
	Where    string `json:"where"`
	Category string `json:"category,omitempty"`
	Exit     string `json:"exit"`
	Hits     int    `json:"hits"`
}

// String names the branch for people.
func (b Branch) String() string {
	if b.Category != "" {
		return b.Where + " → " + b.Category
	}
	return b.Where
}

// Tried counts the branches taken at least once.
func tried(bs []Branch) int {
	n := 0
	for _, b := range bs {
		if b.Hits > 0 {
			n++
		}
	}
	return n
}

// CategoriesTried and ExitsTried count the categories and exits taken.
func (c Coverage) CategoriesTried() int { return tried(c.Categories) }

// ExitsTried counts the exits taken at least once.
func (c Coverage) ExitsTried() int { return tried(c.Exits) }

// Untried lists the categories never taken: what the tests have not
// shown the Requestor yet.
func (c Coverage) Untried() []Branch {
	var out []Branch
	for _, b := range c.Categories {
		if b.Hits == 0 {
			out = append(out, b)
		}
	}
	return out
}

// String summarises the coverage in one line.
func (c Coverage) String() string {
	return fmt.Sprintf("categories %d of %d, exits %d of %d, nodes %d of %d",
		c.CategoriesTried(), len(c.Categories), c.ExitsTried(), len(c.Exits), c.Visited, c.Nodes)
}

// CoverageOf works out the coverage of the transcripts' conversations
// with the flow.
func CoverageOf(f *flow.Flow, ts []Transcript) Coverage {
	where := describeNodes(f)
	cov := Coverage{Nodes: len(f.Nodes)}
	catIdx := map[[2]string]int{}
	exitIdx := map[string]int{}
	for _, n := range f.Nodes {
		if n.Router != nil {
			for _, c := range n.Router.Categories {
				catIdx[[2]string{n.UUID, c.Name}] = len(cov.Categories)
				cov.Categories = append(cov.Categories, Branch{Node: n.UUID, Where: where[n.UUID], Category: c.Name, Exit: c.ExitUUID})
			}
		}
		for _, x := range n.Exits {
			cat := ""
			if n.Router != nil {
				for _, c := range n.Router.Categories {
					if c.ExitUUID == x.UUID {
						cat = c.Name
						break
					}
				}
			}
			exitIdx[x.UUID] = len(cov.Exits)
			cov.Exits = append(cov.Exits, Branch{Node: n.UUID, Where: where[n.UUID], Category: cat, Exit: x.UUID})
		}
	}
	visited := map[string]bool{}
	for _, t := range ts {
		for _, id := range t.Path {
			visited[id] = true
		}
		for _, s := range t.Steps {
			if i, ok := catIdx[[2]string{s.Node, s.Category}]; ok {
				cov.Categories[i].Hits++
			}
			if i, ok := exitIdx[s.Exit]; ok {
				cov.Exits[i].Hits++
			}
		}
		// Nodes without a router leave by their one exit.
		for i, id := range t.Path {
			n := f.Node(id)
			if n == nil || n.Router != nil || len(n.Exits) == 0 {
				continue
			}
			if i+1 < len(t.Path) || t.Status == "completed" {
				cov.Exits[exitIdx[n.Exits[0].UUID]].Hits++
			}
		}
	}
	cov.Visited = len(visited)
	return cov
}

// describeNodes names each node for coverage reports: the question it
// asks (and which retry), the skip logic it applies, or its message.
func describeNodes(f *flow.Flow) map[string]string {
	out := map[string]string{}
	asks := map[string]int{}
	for _, n := range f.Nodes {
		switch {
		case n.Router != nil && n.Router.Wait != nil:
			name := n.Router.ResultName
			if name == "" {
				name = "reply"
			}
			if k := asks[name]; k > 0 {
				out[n.UUID] = fmt.Sprintf("%s, retry %d", name, k)
			} else {
				out[n.UUID] = name
			}
			asks[name]++
		case n.Router != nil:
			if n.Router.ResultName != "" {
				out[n.UUID] = n.Router.ResultName
			} else {
				out[n.UUID] = "skip logic on " + n.Router.Operand
			}
		default:
			out[n.UUID] = "node " + short(n.UUID)
			for _, a := range n.Actions {
				if m, ok := a.(*flow.SendMsg); ok {
					out[n.UUID] = "message: " + ellipsis(oneLine(m.Text), 40)
					break
				}
			}
		}
	}
	return out
}

func short(uuid string) string {
	if len(uuid) > 8 {
		return uuid[:8]
	}
	return uuid
}

func ellipsis(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
