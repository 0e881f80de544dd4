package goflowcheck

import (
	"encoding/json"
	"fmt"

	"github.com/nyaruka/goflow/envs"
	"github.com/nyaruka/goflow/flows"
	"github.com/nyaruka/goflow/flows/definition"
	"github.com/nyaruka/goflow/flows/engine"
	"github.com/nyaruka/goflow/flows/inspect/issues"
)

// Issue is one problem goflow's inspection found in a flow.
type Issue struct {
	Type        string // e.g. "missing_dependency", "invalid_regex", "legacy_vars"
	NodeUUID    string
	Language    string // set when the issue is in a translation
	Description string
	// Dependency names the missing asset of a missing_dependency issue,
	// as "type:identity" (e.g. "field:age", "group:Testers").
	Dependency string
}

// String formats the issue for test failures and logs.
func (i Issue) String() string {
	s := fmt.Sprintf("%s at node %s: %s", i.Type, i.NodeUUID, i.Description)
	if i.Language != "" {
		s += " (" + i.Language + ")"
	}
	return s
}

// ResultSpec is a result a flow can produce, as goflow lists it.
type ResultSpec struct {
	Key        string
	Name       string
	Categories []string
}

// FlowCheck is goflow's verdict on one flow of an export.
type FlowCheck struct {
	UUID string
	Name string
	// Err is set when goflow refuses to read the flow at all.
	Err     error
	Issues  []Issue
	Results []ResultSpec
}

// Inspect reads every flow of a RapidPro export with goflow (migrating it to
// goflow's spec version as RapidPro does on import) and inspects it against
// the assets the export declares (its flows, fields and groups). A flow that
// cannot be read has Err set; the others list their issues and results.
// The error is for an export that is not JSON or whose assets are invalid.
func Inspect(export []byte) ([]FlowCheck, error) {
	e, err := readExport(export)
	if err != nil {
		return nil, err
	}
	src, err := e.source(false)
	if err != nil {
		return nil, err
	}
	sa, err := engine.NewSessionAssets(envs.NewBuilder().Build(), src, nil)
	if err != nil {
		return nil, fmt.Errorf("goflow session assets: %w", err)
	}
	checks := make([]FlowCheck, 0, len(e.Flows))
	for _, raw := range e.Flows {
		var h flowHeader
		_ = json.Unmarshal(raw, &h)
		c := FlowCheck{UUID: h.UUID, Name: h.Name}
		flow, err := definition.ReadFlow(raw, nil)
		if err != nil {
			c.Err = err
			checks = append(checks, c)
			continue
		}
		in := flow.Inspect(sa)
		for _, is := range in.Issues {
			c.Issues = append(c.Issues, newIssue(is))
		}
		for _, r := range in.Results {
			c.Results = append(c.Results, ResultSpec{Key: r.Key, Name: r.Name, Categories: r.Categories})
		}
		checks = append(checks, c)
	}
	return checks, nil
}

func newIssue(is flows.Issue) Issue {
	i := Issue{
		Type:        is.Type(),
		NodeUUID:    string(is.NodeUUID()),
		Language:    string(is.Language()),
		Description: is.Description(),
	}
	if md, ok := is.(*issues.MissingDependency); ok {
		ref := md.Dependency.Reference
		i.Dependency = ref.Type() + ":" + ref.Identity()
	}
	return i
}
