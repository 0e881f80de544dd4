package decompile

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mhero-go/mhero/workflow"
	"github.com/mhero-go/mhero/workflow/flow"
)

// Options says which flow of an export to decompile, and how.
type Options struct {
	// Flow names the flow, by UUID or name; it may be left empty when
	// the export holds one flow.
	Flow string
	// Key is the workflow key. Left empty, the key of a workflow this
	// module compiled is recovered from the flow's UUID when it is made
	// of the words of the flow's name; otherwise one is made from the
	// name.
	Key string
}

// Result is a decompiled flow.
type Result struct {
	// Workflow is the workflow closest to the flow. When Problems holds
	// errors it does not do what the flow does, at the nodes they name.
	Workflow *workflow.Workflow
	// Flow is the flow decompiled, as read (before any migration).
	Flow *flow.Flow
	// Problems lists, node by node, what the workflow does not express as
	// the flow does; see Problem.
	Problems Problems
}

// Err returns the problems that are errors, as an error, or nil when the
// workflow does what the flow does.
func (r *Result) Err() error {
	if errs := r.Problems.Errors(); len(errs) > 0 {
		return errs
	}
	return nil
}

// ErrLegacy is the error for a flow definition older than spec 11 (an
// export made before 2019), which RapidPro itself migrates when it
// imports it.
var ErrLegacy = errors.New("a legacy flow definition (before spec 11): import it in RapidPro and export it again to migrate it")

// Decompile turns a flow of a RapidPro export into a workflow, as far as
// the flow fits the workflow format. What does not fit is listed in the
// result's Problems, node by node: the workflow is never silently
// different from the flow. To make sure, the workflow is compiled and
// every conversation with it (each way of answering its questions) is
// compared with the same conversation with the flow: the messages, the
// results and their categories, the fields saved and the groups joined.
//
// The error is for an export Decompile cannot read a flow from: none or
// several flows and no Options.Flow, a flow that is not there, or a
// legacy definition (ErrLegacy).
func Decompile(e *flow.Export, opts Options) (*Result, error) {
	f, err := pick(e, opts.Flow)
	if err != nil {
		return nil, err
	}
	mf, err := migrate(f)
	if err != nil {
		return nil, err
	}
	probs := &problems{}
	w := &workflow.Workflow{Name: mf.Name, Key: opts.Key}
	if w.Key == "" {
		w.Key = recoverKey(mf, e)
	}
	header(e, mf, w, probs)

	a := analyze(mf, probs)
	d, err := newDomain(a)
	if err != nil {
		probs.add("", "%v", err)
		return finish(f, mf, w, probs), nil
	}
	a.explore(d)
	fz := &fitter{f: mf, a: a, d: d, p: probs, w: w}
	fz.fit()

	diags := w.Validate()
	for _, dg := range diags.Errors() {
		node := fz.nodeOf(dg.Field)
		if node != "" && fz.hasError(node) || dg.Field == "questions" && len(fz.order) == 0 {
			continue // the workflow differs there already, as reported
		}
		probs.add(node, "the workflow is not valid: %s: %s", dg.Field, dg.Message)
	}
	if !diags.HasErrors() {
		if ce, err := workflow.Compile(w); err != nil {
			probs.add("", "the workflow does not compile: %v", err)
		} else {
			fz.verify(&ce.Flows[0])
			fields(e, ce, probs)
		}
	}
	return finish(f, mf, w, probs), nil
}

// DecompileAll decompiles every flow of an export.
func DecompileAll(e *flow.Export) ([]*Result, error) {
	var out []*Result
	for i := range e.Flows {
		r, err := Decompile(e, Options{Flow: e.Flows[i].UUID})
		if err != nil {
			return out, fmt.Errorf("flow %q: %w", e.Flows[i].Name, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func finish(f, mf *flow.Flow, w *workflow.Workflow, probs *problems) *Result {
	pos := map[string]int{}
	for i, n := range mf.Nodes {
		pos[n.UUID] = i + 1
	}
	list := slices.Clone(probs.list)
	slices.SortStableFunc(list, func(a, b Problem) int { return cmp.Compare(pos[a.Node], pos[b.Node]) })
	for i := range list {
		list[i].Flow = f.Name
		if n := mf.Node(list[i].Node); n != nil {
			list[i].Label = label(mf, n)
		}
	}
	return &Result{Workflow: w, Flow: f, Problems: list}
}

// pick finds the flow to decompile.
func pick(e *flow.Export, name string) (*flow.Flow, error) {
	if len(e.Flows) == 0 {
		return nil, errors.New("the export has no flows")
	}
	if name == "" {
		if len(e.Flows) > 1 {
			return nil, fmt.Errorf("the export has %d flows (%s): name one", len(e.Flows), flowNames(e))
		}
		return &e.Flows[0], nil
	}
	for i := range e.Flows {
		if e.Flows[i].UUID == name {
			return &e.Flows[i], nil
		}
	}
	var found *flow.Flow
	for i := range e.Flows {
		if strings.EqualFold(e.Flows[i].Name, name) {
			if found != nil {
				return nil, fmt.Errorf("the export has two flows named %q: name it by UUID", name)
			}
			found = &e.Flows[i]
		}
	}
	if found == nil {
		return nil, fmt.Errorf("the export has no flow %q (its flows: %s)", name, flowNames(e))
	}
	return found, nil
}

func flowNames(e *flow.Export) string {
	names := make([]string, len(e.Flows))
	for i, f := range e.Flows {
		names[i] = strconv.Quote(f.Name)
	}
	return strings.Join(names, ", ")
}

// migrate brings a flow to spec 13.2 as goflow reads it: specs 11 and 12
// are read as they are, 13.0 and 13.1 differ from 13.2 only in what the
// workflow format has no use for (a WhatsApp template's UUID) and in the
// language, which 13.2 makes "und" when it is not a 3-letter code.
func migrate(f *flow.Flow) (*flow.Flow, error) {
	if f.SpecVersion == "" {
		return nil, ErrLegacy
	}
	major, _, _ := strings.Cut(f.SpecVersion, ".")
	n, err := strconv.Atoi(major)
	switch {
	case err != nil:
		return nil, fmt.Errorf("flow %q: unreadable spec_version %q", f.Name, f.SpecVersion)
	case n < 11:
		return nil, ErrLegacy
	case n > 13:
		return nil, fmt.Errorf("flow %q: spec_version %s is newer than this package reads (11 to 13)", f.Name, f.SpecVersion)
	}
	mf := *f
	if len(mf.Language) != 3 {
		mf.Language = "und"
	}
	return &mf, nil
}

// header sets the workflow's name, languages, keyword and expiry.
func header(e *flow.Export, f *flow.Flow, w *workflow.Workflow, p *problems) {
	if f.Type != flow.TypeMessaging {
		p.add("", "a %s flow: a workflow is a messaging flow", f.Type)
	}
	w.Language = f.Language
	switch f.Language {
	case "und", "mul", "zxx", "mis":
		w.Language = "eng"
		p.warn("", "the flow's language is %q; the workflow's is eng, which RapidPro treats the same for contacts without a translation", f.Language)
	}
	for _, lang := range sortedKeys(f.Localization) {
		if lang != f.Language && len(f.Localization[lang]) > 0 {
			w.Translations = append(w.Translations, lang)
		}
	}
	switch m := f.ExpireAfterMinutes; {
	case m == 0:
		p.warn("", "the flow's runs never expire; a workflow's expire after 7 days unless expire_after says otherwise")
	case m != 7*24*60:
		w.ExpireAfter = time.Duration(m) * time.Minute
	}
	for _, t := range e.Triggers {
		if t.Flow == nil || t.Flow.UUID != f.UUID {
			continue
		}
		if t.TriggerType != "K" {
			p.add("", "a trigger of type %s starts the flow: a workflow has a keyword trigger only", t.TriggerType)
			continue
		}
		kws := t.Keywords
		if len(kws) == 0 && t.Keyword != "" {
			kws = []string{t.Keyword}
		}
		for _, kw := range kws {
			if w.Keyword == "" {
				// RapidPro matches keywords in any case; they are
				// usually written in capitals, as in an SMS campaign.
				w.Keyword = strings.ToUpper(kw)
			} else if !strings.EqualFold(kw, w.Keyword) {
				p.add("", "the keyword %q also starts the flow: a workflow has one keyword (%s)", kw, w.Keyword)
			}
		}
		if t.MatchType == "O" {
			p.add("", "the keyword %q starts the flow only when it is the whole message: a workflow's keyword starts it as the first word", w.Keyword)
		}
		if len(t.Groups) > 0 || len(t.ExcludeGroups) > 0 {
			p.add("", "the keyword trigger is limited to some groups: a workflow's is for everyone")
		}
		if ch := strings.TrimSpace(string(t.Channel)); ch != "" && ch != "null" {
			p.add("", "the keyword trigger is limited to one channel: a workflow's is for every channel")
		}
	}
}

// fields compares the types of the contact fields the workflow declares
// with the export's.
func fields(orig, compiled *flow.Export, p *problems) {
	for _, cf := range compiled.Fields {
		for _, of := range orig.Fields {
			typ := of.Type
			if typ == "" {
				if raw, ok := of.Extra["value_type"]; ok {
					typ = map[string]string{`"T"`: "text", `"N"`: "number", `"D"`: "datetime", `"S"`: "state", `"I"`: "district", `"W"`: "ward"}[string(raw)]
				}
			}
			if of.Key == cf.Key && typ != "" && typ != cf.Type {
				p.warn("", "the contact field %s is declared %s in the export; the workflow declares it %s", cf.Key, typ, cf.Type)
			}
		}
	}
}

// recoverKey finds the key a workflow compiled by this module had: the
// flow's UUID derives from it. Keys are tried made of the words of the
// flow's name (runs of them, joined by -, _ or nothing) and of the
// trigger keyword; failing that, the key is made from the name.
func recoverKey(f *flow.Flow, e *flow.Export) string {
	ws := strings.FieldsFunc(strings.ToLower(f.Name), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
	if len(ws) > 12 {
		ws = ws[:12]
	}
	var cands []string
	for i := range ws {
		for j := i + 1; j <= len(ws) && j-i <= 6; j++ {
			cands = joins(cands, ws[i:j], "")
		}
	}
	// Two or three words of the name, not next to each other.
	for i := range ws {
		for j := i + 2; j < len(ws); j++ {
			cands = joins(cands, []string{ws[i], ws[j]}, "")
			for k := j + 1; k < len(ws); k++ {
				cands = joins(cands, []string{ws[i], ws[j], ws[k]}, "")
			}
		}
	}
	for _, t := range e.Triggers {
		if t.Flow != nil && t.Flow.UUID == f.UUID {
			for _, kw := range append(slices.Clone(t.Keywords), t.Keyword) {
				if kw != "" {
					cands = append(cands, strings.ToLower(kw))
				}
			}
		}
	}
	for _, k := range cands {
		if workflow.UUID(k, "flow") == f.UUID {
			return k
		}
	}
	key := strings.Join(ws, "-")
	if len(key) > 64 {
		key = strings.TrimRight(key[:64], "-")
	}
	if key == "" {
		key = "flow"
	}
	return key
}

// joins adds every way of joining parts with -, _ or nothing.
func joins(out []string, parts []string, prefix string) []string {
	if len(parts) == 1 {
		return append(out, prefix+parts[0])
	}
	for _, sep := range []string{"-", "_", ""} {
		out = joins(out, parts[1:], prefix+parts[0]+sep)
	}
	return out
}

var questionField = regexp.MustCompile(`^questions\[(\d+)\]`)

// nodeOf returns the node of the flow a workflow field came from.
func (fz *fitter) nodeOf(field string) string {
	if m := questionField.FindStringSubmatch(field); m != nil {
		if i, err := strconv.Atoi(m[1]); err == nil && i < len(fz.order) {
			return fz.order[i].node()
		}
	}
	return ""
}
