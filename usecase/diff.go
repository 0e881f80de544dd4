package usecase

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/mhero-go/mhero/internal/yamlpos"
	"github.com/mhero-go/mhero/workflow"
	"github.com/mhero-go/mhero/workflow/flow"
)

// Change is one difference between two versions of a use case, as the
// approval request shows the Director what changed since the version
// approved before.
type Change struct {
	// Part is "workflow", "target" or "send".
	Part string `json:"part"`
	// What says it in words: `question act_in_stock: ask (fra) changed
	// from "…" to "…"`.
	What string `json:"what"`
}

func (c Change) String() string { return c.Part + ": " + c.What }

// Diff lists what changed from version a to version b: questions added,
// removed, moved or changed (every field, every translation), the
// workflow's other messages and settings, the target's definition, and the
// send window.
func Diff(a, b *Version) []Change {
	var out []Change
	add := func(part, format string, args ...any) {
		out = append(out, Change{Part: part, What: fmt.Sprintf(format, args...)})
	}
	wa, erra := workflow.Parse(cmpOr(a.WorkflowFile, "a.yaml"), a.Workflow)
	wb, errb := workflow.Parse(cmpOr(b.WorkflowFile, "b.yaml"), b.Workflow)
	switch {
	case erra != nil || errb != nil:
		if a.Binding.Export != b.Binding.Export {
			add("workflow", "the compiled flow changed")
		}
	default:
		for _, c := range diffWorkflows(wa, wb) {
			add("workflow", "%s", c)
		}
		if len(out) == 0 && a.Binding.Export != b.Binding.Export {
			add("workflow", "the compiled flow changed (the same questions, compiled differently)")
		}
	}
	if a.Binding.Target != b.Binding.Target {
		for _, c := range diffJSON("", a.Target, b.Target) {
			add("target", "%s", c)
		}
		if len(out) == 0 || out[len(out)-1].Part != "target" {
			add("target", "the target's definition changed")
		}
	}
	if a.Binding.Window != b.Binding.Window {
		add("send", "the send window changed from %s to %s", a.Binding.Window, b.Binding.Window)
	}
	return out
}

func diffWorkflows(a, b *workflow.Workflow) []string {
	var out []string
	if a.Name != b.Name {
		out = append(out, fmt.Sprintf("name changed from %q to %q", a.Name, b.Name))
	}
	if a.Key != b.Key {
		out = append(out, fmt.Sprintf("key changed from %q to %q: RapidPro sees a new flow", a.Key, b.Key))
	}
	if a.Language != b.Language {
		out = append(out, fmt.Sprintf("base language changed from %s to %s", a.Language, b.Language))
	}
	for _, l := range b.Translations {
		if !slices.Contains(a.Translations, l) {
			out = append(out, "translation added: "+l)
		}
	}
	for _, l := range a.Translations {
		if !slices.Contains(b.Translations, l) {
			out = append(out, "translation removed: "+l)
		}
	}
	if a.Keyword != b.Keyword {
		out = append(out, fmt.Sprintf("keyword changed from %q to %q", a.Keyword, b.Keyword))
	}
	if a.ExpireAfter != b.ExpireAfter {
		out = append(out, fmt.Sprintf("expiry changed from %s to %s", a.ExpireAfter, b.ExpireAfter))
	}
	out = append(out, diffText("intro", a.Intro, b.Intro)...)
	out = append(out, diffText("closing", a.Closing, b.Closing)...)
	keys := func(w *workflow.Workflow) []string {
		var ks []string
		for _, q := range w.Questions {
			ks = append(ks, q.Result)
		}
		return ks
	}
	ka, kb := keys(a), keys(b)
	for i, q := range b.Questions {
		j := slices.Index(ka, q.Result)
		if j < 0 {
			out = append(out, fmt.Sprintf("question %s added (question %d): %q", q.Result, i+1, q.Ask.Base))
			continue
		}
		if j != i {
			out = append(out, fmt.Sprintf("question %s moved from position %d to %d", q.Result, j+1, i+1))
		}
		out = append(out, diffQuestion(&a.Questions[j], &b.Questions[i])...)
	}
	for _, q := range a.Questions {
		if !slices.Contains(kb, q.Result) {
			out = append(out, fmt.Sprintf("question %s removed: %q", q.Result, q.Ask.Base))
		}
	}
	return out
}

// diffText compares a message in every language.
func diffText(what string, a, b workflow.Text) []string {
	var out []string
	if a.Base != b.Base {
		out = append(out, fmt.Sprintf("%s changed from %q to %q", what, a.Base, b.Base))
	}
	langs := map[string]bool{}
	for l := range a.Translations {
		langs[l] = true
	}
	for l := range b.Translations {
		langs[l] = true
	}
	sorted := make([]string, 0, len(langs))
	for l := range langs {
		sorted = append(sorted, l)
	}
	slices.Sort(sorted)
	for _, l := range sorted {
		ta, tb := a.Translations[l], b.Translations[l]
		switch {
		case ta == tb:
		case ta == "":
			out = append(out, fmt.Sprintf("%s (%s) added: %q", what, l, tb))
		case tb == "":
			out = append(out, fmt.Sprintf("%s (%s) removed", what, l))
		default:
			out = append(out, fmt.Sprintf("%s (%s) changed from %q to %q", what, l, ta, tb))
		}
	}
	return out
}

// diffQuestion compares every field of a question.
func diffQuestion(a, b *workflow.Question) []string {
	var out []string
	prefix := "question " + b.Result + ": "
	va, vb := reflect.ValueOf(*a), reflect.ValueOf(*b)
	t := va.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		x, y := va.Field(i).Interface(), vb.Field(i).Interface()
		if tx, ok := x.(workflow.Text); ok {
			for _, c := range diffText(fieldName(f.Name), tx, y.(workflow.Text)) {
				out = append(out, prefix+c)
			}
			continue
		}
		if reflect.DeepEqual(x, y) {
			continue
		}
		out = append(out, prefix+fmt.Sprintf("%s changed from %s to %s", fieldName(f.Name), show(x), show(y)))
	}
	return out
}

func fieldName(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte(' ')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func show(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	s := string(data)
	if s == "null" || s == `""` || s == "[]" || s == "0" {
		return "nothing"
	}
	return ellipsis(s, 120)
}

// diffJSON compares two values field by field through their JSON.
func diffJSON(path string, a, b any) []string {
	var ma, mb any
	da, _ := json.Marshal(a)
	db, _ := json.Marshal(b)
	_ = json.Unmarshal(da, &ma)
	_ = json.Unmarshal(db, &mb)
	var out []string
	var walk func(p string, x, y any)
	walk = func(p string, x, y any) {
		xm, xok := x.(map[string]any)
		ym, yok := y.(map[string]any)
		if xok && yok {
			keys := map[string]bool{}
			for k := range xm {
				keys[k] = true
			}
			for k := range ym {
				keys[k] = true
			}
			sorted := make([]string, 0, len(keys))
			for k := range keys {
				sorted = append(sorted, k)
			}
			slices.Sort(sorted)
			for _, k := range sorted {
				walk(yamlpos.Join(p, k), xm[k], ym[k])
			}
			return
		}
		if !reflect.DeepEqual(x, y) {
			out = append(out, fmt.Sprintf("%s changed from %s to %s", p, show(x), show(y)))
		}
	}
	walk(path, ma, mb)
	return out
}

// ParsedExport parses the version's compiled export.
func (v *Version) ParsedExport() (*flow.Export, error) { return flow.ParseExport(v.Export) }

// ParsedWorkflow parses the version's workflow.
func (v *Version) ParsedWorkflow() (*workflow.Workflow, error) {
	return workflow.Parse(cmpOr(v.WorkflowFile, "workflow.yaml"), v.Workflow)
}
