package workflow

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mhero-go/mhero/workflow/flow"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// compileFile parses and compiles a workflow file to export JSON.
func compileFile(t testing.TB, path string, opts ...CompileOption) (*flow.Export, []byte) {
	t.Helper()
	w, err := ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	e, err := Compile(w, opts...)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteExport(&buf, e); err != nil {
		t.Fatal(err)
	}
	return e, buf.Bytes()
}

func TestCompileGolden(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no workflows in testdata: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e, got := compileFile(t, file)
			checkExport(t, e)
			golden := filepath.Join("testdata", "golden", name+".json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("compiled %s differs from %s (run go test -update if the change is intended)", file, golden)
			}
		})
	}
}

func TestCompileTwiceGivesTheSameBytes(t *testing.T) {
	t.Parallel()
	_, first := compileFile(t, "testdata/clinic_survey.yaml")
	_, second := compileFile(t, "testdata/clinic_survey.yaml")
	if !bytes.Equal(first, second) {
		t.Error("two compilations of the same workflow differ")
	}
}

func TestCompiledExportReadsBack(t *testing.T) {
	t.Parallel()
	_, data := compileFile(t, "testdata/clinic_survey.yaml")
	e, err := flow.ParseExport(data)
	if err != nil {
		t.Fatal(err)
	}
	again, err := flow.MarshalExport(e)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, again) {
		t.Error("the export read by workflow/flow writes back differently")
	}
}

func TestCompileSpecVersion(t *testing.T) {
	t.Parallel()
	e, _ := compileFile(t, "testdata/malaria_stock.yaml")
	if got := e.Flows[0].SpecVersion; got != "13.0.0" {
		t.Errorf("default spec_version = %q, want 13.0.0", got)
	}
	e, _ = compileFile(t, "testdata/malaria_stock.yaml", WithSpecVersion(SpecVersion132))
	if got := e.Flows[0].SpecVersion; got != "13.2.0" {
		t.Errorf("spec_version = %q, want 13.2.0", got)
	}
	w, err := ParseFile("testdata/malaria_stock.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Compile(w, WithSpecVersion("14.0.0")); err == nil {
		t.Error("Compile accepted spec version 14.0.0")
	}
}

func TestCompileRefusesAnInvalidWorkflow(t *testing.T) {
	t.Parallel()
	w := &Workflow{Name: "x", Key: "x", Language: "eng"}
	_, err := Compile(w)
	ds, ok := err.(Diagnostics)
	if !ok || len(ds) == 0 || ds[0].Field != "questions" {
		t.Errorf("Compile() error = %v, want Diagnostics about questions", err)
	}
}

func TestUUIDsAreStableWhenQuestionsAreInserted(t *testing.T) {
	t.Parallel()
	base, err := ParseFile("testdata/malaria_stock.yaml")
	if err != nil {
		t.Fatal(err)
	}
	grown := *base
	grown.Questions = slices.Insert(slices.Clone(base.Questions), 1, Question{Result: "extra", Ask: T("Anything else?"), Type: TypeText})
	e1, err := Compile(base)
	if err != nil {
		t.Fatal(err)
	}
	e2, err := Compile(&grown)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range e1.Flows[0].Nodes {
		if e2.Flows[0].Node(n.UUID) == nil {
			t.Errorf("node %s disappeared when a question was inserted", n.UUID)
		}
	}
	if e1.Flows[0].UUID != e2.Flows[0].UUID {
		t.Error("the flow UUID changed")
	}
}

func TestUUID(t *testing.T) {
	t.Parallel()
	a, b := UUID("malaria-stock", "flow"), UUID("malaria-stock", "flow")
	if a != b || !uuid4.MatchString(a) {
		t.Errorf("UUID = %q, %q; want equal v4 UUIDs", a, b)
	}
	if UUID("malaria-stock", "flow") == UUID("malaria-stocks", "flow") || UUID("a", "bc") == UUID("ab", "c") {
		t.Error("different keys or paths gave the same UUID")
	}
}

var uuid4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// checkExport verifies what RapidPro and its editor need of a compiled
// export (spec §10 of flow-spec.md): v4 UUIDs unique in the flow, exits
// leading to nodes of the flow, a default Other category on every router,
// No Response for timeouts, categories and exits one to one, a _ui entry
// for every node without overlaps, and every field and flow referenced
// declared in the export.
func checkExport(t *testing.T, e *flow.Export) {
	t.Helper()
	if e.Version.Text != "13" || len(e.Flows) != 1 {
		t.Fatalf("export version %q with %d flows, want 13 with 1", e.Version.Text, len(e.Flows))
	}
	f := e.Flows[0]
	seen := map[string]string{}
	unique := func(uuid, what string) {
		if !uuid4.MatchString(uuid) {
			t.Errorf("%s UUID %q is not a v4 UUID", what, uuid)
		}
		if prev, dup := seen[uuid]; dup {
			t.Errorf("%s UUID %s is also a %s", what, uuid, prev)
		}
		seen[uuid] = what
	}
	unique(f.UUID, "flow")
	positions := map[[2]float64]string{}
	fields, groups := map[string]bool{}, map[string]bool{}
	for _, fd := range e.Fields {
		fields[fd.Key] = true
	}
	for _, g := range e.Groups {
		groups[g.UUID+" "+g.Name] = true
	}
	for _, n := range f.Nodes {
		unique(n.UUID, "node")
		for _, a := range n.Actions {
			unique(a.ActionUUID(), "action")
			if sf, ok := a.(*flow.SetContactField); ok && !fields[sf.Field.Key] {
				t.Errorf("field %q is set but not declared", sf.Field.Key)
			}
			if ag, ok := a.(*flow.AddContactGroups); ok {
				for _, g := range ag.Groups {
					if !groups[g.UUID+" "+g.Name] {
						t.Errorf("group %q (%s) is joined but not declared", g.Name, g.UUID)
					}
				}
			}
		}
		for _, x := range n.Exits {
			unique(x.UUID, "exit")
			if x.DestinationUUID != "" && f.Node(x.DestinationUUID) == nil {
				t.Errorf("node %s exits to unknown node %s", n.UUID, x.DestinationUUID)
			}
		}
		ui, ok := f.UI.Nodes[n.UUID]
		if !ok {
			t.Errorf("node %s has no _ui entry", n.UUID)
		}
		pos := [2]float64{ui.Position.Left, ui.Position.Top}
		if other, dup := positions[pos]; dup {
			t.Errorf("nodes %s and %s are drawn at the same place", n.UUID, other)
		}
		positions[pos] = n.UUID
		r := n.Router
		if r == nil {
			if len(n.Exits) != 1 {
				t.Errorf("action node %s has %d exits, want 1", n.UUID, len(n.Exits))
			}
			continue
		}
		if len(r.Categories) != len(n.Exits) {
			t.Errorf("node %s has %d categories and %d exits", n.UUID, len(r.Categories), len(n.Exits))
		}
		for i, c := range r.Categories {
			unique(c.UUID, "category")
			if i < len(n.Exits) && c.ExitUUID != n.Exits[i].UUID {
				t.Errorf("node %s: category %q is not paired with exit %d", n.UUID, c.Name, i)
			}
		}
		names := map[string]bool{}
		for _, c := range r.Categories {
			if names[categoryKey(c.Name)] {
				t.Errorf("node %s has two categories named %q", n.UUID, c.Name)
			}
			names[categoryKey(c.Name)] = true
		}
		// The default is Other, unless a category of its own has that name,
		// or All Responses for a wait without cases (an any question).
		wantDefault := CategoryOther
		if len(r.Cases) == 0 && r.Wait != nil {
			wantDefault = CategoryAllResponses
		} else if slices.ContainsFunc(r.Categories, func(c flow.Category) bool {
			return c.UUID != r.DefaultCategoryUUID && categoryKey(c.Name) == categoryKey(CategoryOther)
		}) {
			wantDefault = CategoryNoMatch
		}
		if d := r.Category(r.DefaultCategoryUUID); d == nil || d.Name != wantDefault {
			t.Errorf("node %s has no default %s category", n.UUID, wantDefault)
		}
		if r.Wait != nil && r.Wait.Timeout != nil {
			if c := r.Category(r.Wait.Timeout.CategoryUUID); c == nil || c.Name != CategoryNoResponse {
				t.Errorf("node %s: the timeout does not lead to No Response", n.UUID)
			}
		}
		for _, c := range r.Cases {
			if r.Category(c.CategoryUUID) == nil {
				t.Errorf("node %s: case %s has no category", n.UUID, c.Type)
			}
		}
	}
	for lang, items := range f.Localization {
		for uuid := range items {
			if _, ok := seen[uuid]; !ok && !isCaseUUID(f, uuid) {
				t.Errorf("localization %s names unknown item %s", lang, uuid)
			}
		}
	}
	for _, tr := range e.Triggers {
		if tr.Flow == nil || tr.Flow.UUID != f.UUID {
			t.Errorf("trigger %v does not start the exported flow", tr.Keywords)
		}
	}
}

func isCaseUUID(f flow.Flow, uuid string) bool {
	for _, n := range f.Nodes {
		if n.Router != nil {
			for _, c := range n.Router.Cases {
				if c.UUID == uuid {
					return true
				}
			}
		}
	}
	return false
}

func TestCompileFeatures(t *testing.T) {
	t.Parallel()
	e, _ := compileFile(t, "testdata/clinic_survey.yaml")
	f := e.Flows[0]
	if f.ExpireAfterMinutes != 2*24*60 {
		t.Errorf("expire_after_minutes = %d, want 2880", f.ExpireAfterMinutes)
	}
	if len(e.Triggers) != 1 || e.Triggers[0].Keywords[0] != "ready" {
		t.Errorf("triggers = %+v, want keyword ready", e.Triggers)
	}
	var keys []string
	for _, fd := range e.Fields {
		keys = append(keys, fd.Key+":"+fd.Type)
	}
	if want := []string{"clinic_comments:text", "facility:text", "staff_present:number"}; !slices.Equal(keys, want) {
		t.Errorf("fields = %v, want %v", keys, want)
	}
	var groups []string
	for _, g := range e.Groups {
		groups = append(groups, g.Name)
	}
	if want := []string{"Closed facilities", "Emergency watch", "Flooded facilities"}; !slices.Equal(groups, want) {
		t.Errorf("groups = %v, want %v", groups, want)
	}
	counts := map[string]int{}
	for _, n := range f.Nodes {
		if n.Router != nil {
			for _, c := range n.Router.Cases {
				counts[c.Type]++
			}
		}
	}
	for _, test := range []string{"has_any_word", "has_phrase", "has_number_gte", "has_category", "has_number_lt", "has_date", "has_phone", "has_text"} {
		if counts[test] == 0 {
			t.Errorf("no %s case in the compiled clinic survey (cases: %v)", test, counts)
		}
	}
	for _, lang := range []string{"fra", "swa"} {
		props := map[string]int{}
		for _, item := range f.Localization[lang] {
			for p := range item {
				props[p]++
			}
		}
		for _, p := range []string{"text", "name", "arguments"} {
			if props[p] == 0 {
				t.Errorf("no %s localization in %s", p, lang)
			}
		}
	}
}

// TestCompileDeclaresFieldsReadInExpressions checks that every contact
// field a message reads is declared in the export, wherever it stands in
// an expression: RapidPro's import creates only the declared fields.
func TestCompileDeclaresFieldsReadInExpressions(t *testing.T) {
	t.Parallel()
	w, err := New("Fields", "fields").Language("eng").
		Intro(T("@(1+fields.age) years, @contact.fields.district, @(upper(fields[\"Facility\"]))").In("fra", "@(10*fields.cadre)")).
		Translations("fra").
		Question(Number("stock", T("Stock at @(default(contact.fields.unit, \"your facility\"))?").In("fra", "Stock ?")).SaveTo("stock_level")).
		Closing(T("@(fields[results.stock.category]) ann@example.com")).
		Build()
	if err != nil {
		t.Fatal(err)
	}
	e, err := Compile(w)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, fd := range e.Fields {
		keys = append(keys, fd.Key+":"+fd.Type)
	}
	want := []string{"age:text", "cadre:text", "district:text", "facility:text", "stock_level:number", "unit:text"}
	if !slices.Equal(keys, want) {
		t.Errorf("fields = %v, want %v", keys, want)
	}
}

func TestYesNoWordsDoNotOverlap(t *testing.T) {
	t.Parallel()
	for lang, e := range yesNoWords {
		if !isLanguage(lang) {
			t.Errorf("%s is not a language code", lang)
		}
		for _, y := range e.yes {
			for other, o := range yesNoWords {
				if slices.Contains(o.no, y) {
					t.Errorf("%q is yes in %s and no in %s", y, lang, other)
				}
			}
			if got := words(y); len(got) != 1 || got[0] != y {
				t.Errorf("yes word %q of %s is not one lowercase word: %v", y, lang, got)
			}
		}
		for _, n := range e.no {
			if got := words(n); len(got) != 1 || got[0] != n {
				t.Errorf("no word %q of %s is not one lowercase word: %v", n, lang, got)
			}
		}
	}
}

func TestSMSParts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text  string
		parts int
		ucs2  bool
	}{
		{"", 1, false},
		{strings.Repeat("a", 160), 1, false},
		{strings.Repeat("a", 161), 2, false},
		{strings.Repeat("a", 306), 2, false},
		{strings.Repeat("a", 307), 3, false},
		{strings.Repeat("€", 80), 1, false}, // 2 septets each
		{strings.Repeat("€", 81), 2, false},
		{strings.Repeat("é", 160), 1, false}, // in the GSM alphabet
		{strings.Repeat("ê", 70), 1, true},
		{strings.Repeat("ê", 71), 2, true},
		{strings.Repeat("ê", 134), 2, true},
		{strings.Repeat("ê", 135), 3, true},
		{strings.Repeat("😀", 35), 1, true}, // two UTF-16 units each
		{strings.Repeat("😀", 36), 2, true},
	}
	for _, tt := range tests {
		parts, ucs2 := SMSParts(tt.text)
		if parts != tt.parts || ucs2 != tt.ucs2 {
			t.Errorf("SMSParts(%d × %q) = %d, %v; want %d, %v", len([]rune(tt.text)), firstRune(tt.text), parts, ucs2, tt.parts, tt.ucs2)
		}
	}
}

func firstRune(s string) string {
	for _, r := range s {
		return string(r)
	}
	return ""
}

func TestIsLanguage(t *testing.T) {
	t.Parallel()
	for _, code := range []string{"eng", "fra", "swa", "swh", "kin", "lug", "por", "ara", "amh", "und"} {
		if !isLanguage(code) {
			t.Errorf("isLanguage(%q) = false", code)
		}
	}
	for _, code := range []string{"", "en", "xyz", "ENG", "base", "zzz"} {
		if isLanguage(code) {
			t.Errorf("isLanguage(%q) = true", code)
		}
	}
}

func ExampleUUID() {
	fmt.Println(UUID("malaria-stock", "flow"))
	// Output: 2d7ab7f2-7dee-4ba6-b763-c6a208f150b9
}

// The example workflows of examples/workflows (real MOH use cases) must
// stay free of problems and compile to well-formed exports.
func TestExampleWorkflowsCompile(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("../examples/workflows/*.yaml")
	if len(files) == 0 {
		t.Skip("no example workflows")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			w, err := ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if ds := w.Validate(); len(ds) > 0 {
				t.Errorf("warnings:\n%v", ds)
			}
			e, err := Compile(w)
			if err != nil {
				t.Fatal(err)
			}
			checkExport(t, e)
		})
	}
}

// A number comparison in a when expression tests the earlier value only
// when it is a number answer; categories in the same in [...] are tested
// first, on the result itself.
func TestNumericWhenTestsOnlyNumberAnswers(t *testing.T) {
	t.Parallel()
	e, _ := compileFile(t, "testdata/cholera_count.yaml")
	f := e.Flows[0]
	const guard = `@(if(results.cases.category = "Has Number", results.cases.value, ""))`
	type split struct{ operand, ui, tests string }
	var got []split
	for _, n := range f.Nodes {
		if r := n.Router; r != nil && r.Wait == nil && strings.Contains(r.Operand, "results.cases") {
			var tests []string
			for _, c := range r.Cases {
				tests = append(tests, c.Type+" "+strings.Join(c.Arguments, ","))
			}
			got = append(got, split{r.Operand, f.UI.Nodes[n.UUID].Type, strings.Join(tests, "; ")})
		}
	}
	want := []split{
		{guard, "split_by_expression", "has_number_gt 0"},                     // deaths: cases > 0
		{"@results.cases", "split_by_run_result", "has_category No Response"}, // nil_report: cases in [0, no_response]
		{guard, "split_by_expression", "has_number_eq 0"},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(split{})); diff != "" {
		t.Errorf("when splits on cases (-want +got):\n%s", diff)
	}
}

// Each contact matches the yes/no words of their own language and of the
// base language, never those of the other translations; a base language
// with no words of its own uses English.
func TestYesNoWordsPerLanguage(t *testing.T) {
	t.Parallel()
	argsOf := func(w *Workflow) map[string][2]string {
		e, err := Compile(w)
		if err != nil {
			t.Fatal(err)
		}
		f := e.Flows[0]
		got := map[string][2]string{}
		for _, n := range f.Nodes {
			if r := n.Router; r != nil && r.ResultName == "ok" && len(r.Cases) == 2 {
				for i, c := range r.Cases {
					for _, lang := range append([]string{""}, w.Translations...) {
						args := c.Arguments
						if lang != "" {
							args = f.Localization[lang][c.UUID]["arguments"]
						}
						v := got[lang]
						v[i] = strings.Join(args, "")
						got[lang] = v
					}
				}
				return got
			}
		}
		t.Fatal("no yes_no router")
		return nil
	}
	w, err := New("Check", "check").Language("eng").Translations("fra", "swa", "kri").
		Question(YesNo("ok", T("OK?").In("fra", "OK ?").In("swa", "Sawa?").In("kri", "Ɔl rayt?"))).Build()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]string{
		"":    {"yes y yeah yep yea", "no n nope nah"},
		"fra": {"oui ouais yes y yeah yep yea", "non no n nope nah"},
		"swa": {"ndiyo ndio yes y yeah yep yea", "hapana no n nope nah"},
		"kri": {"", ""}, // no words of its own: the base language's
	}
	if diff := cmp.Diff(want, argsOf(w)); diff != "" {
		t.Errorf("yes and no arguments by contact language (-want +got):\n%s", diff)
	}

	w, err = New("Check", "check").Language("kri").Translations("fra").
		Question(YesNo("ok", T("Ɔl rayt?").In("fra", "OK ?"))).Build()
	if err != nil {
		t.Fatal(err)
	}
	want = map[string][2]string{
		"":    {"yes y yeah yep yea", "no n nope nah"},
		"fra": {"oui ouais yes y yeah yep yea", "non no n nope nah"},
	}
	if diff := cmp.Diff(want, argsOf(w)); diff != "" {
		t.Errorf("with a base language of no words (-want +got):\n%s", diff)
	}
}

// Replies that are no answer must not match a yes or no word of any
// language.
func TestYesNoWordsSkipAmbiguousReplies(t *testing.T) {
	t.Parallel()
	for _, reply := range []string{"not sure", "ok", "okay", "sure", "la", "vale"} {
		for lang, e := range yesNoWords {
			for _, wd := range words(reply) {
				if slices.Contains(e.yes, wd) || slices.Contains(e.no, wd) {
					t.Errorf("%q of %q is a yes or no word in %s", wd, reply, lang)
				}
			}
		}
	}
}

// The package documentation lists every language's yes and no words.
func TestDocListsYesNoWords(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	for lang, e := range yesNoWords {
		line := fmt.Sprintf("//\t%s  yes: %s; no: %s\n", lang, strings.Join(e.yes, ", "), strings.Join(e.no, ", "))
		if !strings.Contains(string(doc), line) {
			t.Errorf("doc.go does not list %q", strings.TrimSpace(line))
		}
	}
}
