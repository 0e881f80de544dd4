package xlsform

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/mhero-go/mhero/workflow"
	"github.com/mhero-go/mhero/workflow/flow"
)

// want is a diagnostic expected at a cell.
type want struct {
	at, field, says string
	warning         bool
}

func checkDiagnostics(t *testing.T, ds workflow.Diagnostics, wants ...want) {
	t.Helper()
	if len(ds) != len(wants) {
		t.Errorf("%d diagnostics, want %d:\n%v", len(ds), len(wants), ds)
	}
	for i, w := range wants {
		if i >= len(ds) {
			return
		}
		d := ds[i]
		at := d.Pos.Sheet
		if d.Pos.Line > 0 {
			at += "!" + workflow.ColumnName(d.Pos.Column) + strconv.Itoa(d.Pos.Line)
		}
		if at != w.at || d.Field != w.field || !strings.Contains(d.Message, w.says) || (d.Severity == workflow.SeverityWarning) != w.warning {
			t.Errorf("diagnostic %d: got %s\nwant at %s, field %q, saying %q (warning %v)", i, d, w.at, w.field, w.says, w.warning)
		}
	}
}

// TestValidationAtCells checks that what the workflow validation finds is
// placed at the cell the field was read from, named by its column.
func TestValidationAtCells(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("This question is far too long for one text message. ", 4)
	_, ds := parseForm(t, form{
		survey: [][]string{
			{"type", "name", "label::English (en)", "label::French (fr)", "label::Swahili (sw)"},
			{"text", "long", long, "Trop long ?", "Ndefu?"},
			{"text", strings.Repeat("x", 70), "Name?", "Nom ?", "Jina?"},
			{"text", "half", "Half translated?", "À moitié ?"},
			{"select_one dup", "dup", "Which?", "Lequel ?", "Ipi?"},
		},
		choices: [][]string{
			{"list_name", "name", "label::English (en)", "label::French (fr)", "label::Swahili (sw)"},
			{"dup", "a", "Same", "Même", "Sawa"},
			{"dup", "b", "Same", "Même", "Sawa"},
			{"dup", "c", "A", "Ah", "Ah"},
		},
		settings: [][]string{{"form_title", "form_id"}, {"Positions", "bad id!"}},
	})
	checkDiagnostics(t, ds,
		want{"survey!C2", "label::English (en)", "will be sent as 2 SMS", true},
		want{"survey!B3", "name", "must be a letter then letters, digits or _ (at most 64)", false},
		want{"survey!E4", "label::Swahili (sw)", "missing the swa translation", false},
		want{"choices!C3", "label::English (en)", `duplicate category "Same"`, false},
		want{"choices!C4", "label::English (en)", `"A" also picks choice a (row 2), listed first: a reply A picks that one`, true},
		want{"settings!B2", "form_id", `key "bad id!" must be`, false},
	)
}

func TestNotes(t *testing.T) {
	t.Parallel()
	w, ds := parseForm(t, form{
		survey: [][]string{
			{"type", "name", "label", "relevant"},
			{"note", "n1", "Hello."},
			{"note", "n2", "Two questions."},
			{"select_one yn", "a", "A?"},
			{"note", "n3", "About B:"},
			{"text", "b", "B?", "${a} = 'yes'"},
			{"note", "n4", "About C:", "${a} = 'yes'"},
			{"text", "c", "C?", "${a} = 'yes'"},
			{"note", "n5", "Goodbye."},
			{"note", "n6", "See you."},
		},
		choices:  choices(yesNoList),
		settings: [][]string{{"form_id"}, {"notes"}},
	})
	checkDiagnostics(t, ds, want{"survey!A5", "type", "this note is sent with the next question (row 6), so only when that question is asked (a == Yes)", true})
	if w == nil {
		t.Fatal("no workflow")
	}
	if w.Intro.Base != "Hello.\nTwo questions." || w.Closing.Base != "Goodbye.\nSee you." {
		t.Errorf("intro %q, closing %q", w.Intro.Base, w.Closing.Base)
	}
	if got := w.Question("b").Ask.Base; got != "About B:\nB?" {
		t.Errorf("b asks %q", got)
	}
	if got := w.Question("c").Ask.Base; got != "About C:\nC?" {
		t.Errorf("c asks %q", got)
	}

	_, ds = parseForm(t, form{
		survey: [][]string{
			{"type", "name", "label", "relevant"},
			{"note", "n1", "Hello.", "${a} = 'yes'"},
			{"select_one yn", "a", "A?"},
			{"note", "n3", "Only when yes.", "${a} = 'yes'"},
			{"text", "b", "B?"},
			{"note", "n5", "Bye.", "${a} = 'no'"},
		},
		choices:  choices(yesNoList),
		settings: [][]string{{"form_id"}, {"notes"}},
	})
	checkDiagnostics(t, ds,
		want{"survey!D2", "relevant", "${a} is asked later (row 3)", false},
		want{"survey!D4", "relevant", "this note is sent with the next question (row 5), asked always: the note's relevant must hold", false},
		want{"survey!D6", "relevant", "this note is the closing message", false},
	)
}

func TestLanguages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		header       []string
		settings     [][]string
		base         string
		translations []string
		diags        []want
	}{
		{"plain label is English", []string{"label"}, nil, "eng", nil, nil},
		{"default language names the plain label", []string{"label", "label::English (en)"}, [][]string{{"default_language"}, {"French (fr)"}}, "fra", []string{"eng"}, nil},
		{"the first language is the base", []string{"label::Kiswahili", "label::English"}, nil, "swa", []string{"eng"}, nil},
		{"a three-letter code", []string{"label::Krio (kri)", "label::English (en)"}, [][]string{{"default_language"}, {"English (en)"}}, "eng", []string{"kri"}, nil},
		{"a region", []string{"label::English (en-GB)"}, nil, "eng", nil, nil},
		{"the base twice", []string{"label", "label::English (en)"}, nil, "eng", nil,
			[]want{{"survey!D1", "label::English (en)", "label and label::English (en) are both in eng", false}}},
		{"a hint without labels", []string{"label", "hint::French (fr)"}, nil, "eng", nil,
			[]want{{"survey!D1", "hint::French (fr)", "French (fr) has no label::French (fr) column on the survey sheet", false}}},
		{"an unknown code", []string{"label", "label::Elvish (elv)"}, nil, "eng", nil,
			[]want{{"survey!D1", "label::Elvish (elv)", `unknown language code "elv" in "Elvish (elv)"`, false}}},
		{"label per language twice", []string{"label::French (fr)", "label::Français (fr)"}, nil, "fra", nil,
			[]want{{"survey!D1", "label::Français (fr)", "a second label::Français (fr) column (the first is C)", false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			header := append([]string{"type", "name"}, tt.header...)
			row := []string{"text", "q"}
			for range tt.header {
				row = append(row, "Q?")
			}
			w, ds := parseForm(t, form{survey: [][]string{header, row}, settings: tt.settings})
			checkDiagnostics(t, ds, tt.diags...)
			if w == nil {
				return
			}
			if w.Language != tt.base || strings.Join(w.Translations, ",") != strings.Join(tt.translations, ",") {
				t.Errorf("language %s, translations %v; want %s, %v", w.Language, w.Translations, tt.base, tt.translations)
			}
		})
	}
}

func TestParseLanguage(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"French (fr)": "fra", "English (en)": "eng", "Kiswahili (sw)": "swa", "Português (pt-BR)": "por", "fra": "fra", "fr": "fra",
		"en_US": "eng", "French": "fra", "english": "eng", "Krio (kri)": "kri", "Amharic (am)": "amh", "Arabic (ar)": "ara",
	} {
		if got, err := parseLanguage(in); got != want || err != nil {
			t.Errorf("parseLanguage(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"Klingon", "Elvish (elv)", "xx", "", "French (f)"} {
		if got, err := parseLanguage(in); err == nil {
			t.Errorf("parseLanguage(%q) = %q, want an error", in, got)
		}
	}
}

func TestWorkbookShape(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		form  form
		diags []want
	}{
		{"no survey sheet", form{choices: choices(yesNoList), extraSheets: map[string][][]string{"Sheet2": {{"x"}}}},
			[]want{{"", "", "no survey sheet", false}}},
		{"no type column", form{survey: [][]string{{"name", "label"}, {"q", "Q?"}}},
			[]want{{"survey!1", "type", "the survey sheet has no type column", false}}},
		{"a header row further down, names and types in any case", form{survey: [][]string{{}, {}, {"Type", "NAME", "Label"}, {"Select_One yn", "q", "Q?"}, {"END"}}, choices: choices(yesNoList)},
			nil},
		{"unknown and unsupported columns", form{survey: [][]string{{"type", "name", "label", "my notes", "media::image", "choice_filter"}, {"text", "q", "Q?", "ask Ann", "pic.png", ""}, {"text", "r", "R?", "", "", "x = 1"}}},
			[]want{{"survey!D1", "my notes", `column "my notes" is not an XLSForm column this converter reads: it is ignored`, true},
				{"survey!E2", "media::image", "images cannot be sent by SMS", false},
				{"survey!F3", "choice_filter", "filtered choices (cascading selects) are not supported", false}}},
		{"a group never ended", form{survey: [][]string{{"type", "name", "label"}, {"begin group", "g"}, {"text", "q", "Q?"}}},
			[]want{{"survey!A2", "type", "this group is never ended", false}}},
		{"a row without a type", form{survey: [][]string{{"type", "name", "label"}, {"", "q", "Q?"}, {"text", "r", "R?"}}},
			[]want{{"survey!A2", "type", "missing the type of this row", false}}},
		{"a question without a name", form{survey: [][]string{{"type", "name", "label"}, {"text", "", "Q?"}}},
			[]want{{"survey!B2", "name", "missing the question's name", false}}},
		{"a select_one without a list", form{survey: [][]string{{"type", "name", "label"}, {"select_one", "q", "Q?"}, {"text", "r", "R?"}}, choices: choices(yesNoList)},
			[]want{{"survey!A2", "type", "select_one needs a list name", false}}},
		{"no choices sheet", form{survey: [][]string{{"type", "name", "label"}, {"select_one yn", "q", "Q?"}, {"text", "r", "R?"}}},
			[]want{{"survey!A2", "type", "no choices sheet", false}}},
		{"names that are no result names", form{survey: [][]string{{"type", "name", "label"}, {"text", "visit-date", "Q?"}, {"text", "visit_date", "R?"}}},
			[]want{{"survey!B3", "name", `"visit_date" gives the result name visit_date, as row 2's name does`, false}}},
		{"a choice named twice", form{survey: [][]string{{"type", "name", "label"}, {"select_one l", "q", "Q?"}}, choices: choices([][]string{{"l", "a", "A"}, {"l", "a", "B"}})},
			[]want{{"choices!B3", "name", `list l already has a choice named "a" (row 2)`, false}}},
		{"a label too long for a category", form{survey: [][]string{{"type", "name", "label"}, {"select_one l", "q", "Q?"}},
			choices: choices([][]string{{"l", "short_name", "A label much longer than thirty-six characters"}, {"l", "b", "B"}})},
			[]want{{"choices!C2", "label", `this choice's category is "Short name", after its name`, true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, ds := parseForm(t, tt.form)
			checkDiagnostics(t, ds, tt.diags...)
		})
	}
}

func TestNotAWorkbook(t *testing.T) {
	t.Parallel()
	for name, data := range map[string][]byte{
		"not a zip":    []byte("type,name,label\ntext,q,Q?\n"),
		"an .xls file": append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 600)...),
		"empty":        nil,
	} {
		_, err := Parse("form.xlsx", data)
		var ds workflow.Diagnostics
		if !errors.As(err, &ds) || len(ds) != 1 || ds[0].Pos.File != "form.xlsx" || !strings.Contains(ds[0].Message, ".xlsx") {
			t.Errorf("%s: got %v, want one diagnostic saying it is no .xlsx workbook", name, err)
		}
	}
}

func TestOrOther(t *testing.T) {
	t.Parallel()
	w, ds := parseForm(t, form{
		survey:  [][]string{{"type", "name", "label", "relevant"}, {"select_one l or_other", "q", "Q?"}, {"text", "r", "R?", "${q} = 'other'"}},
		choices: choices([][]string{{"l", "a", "A"}, {"l", "b", "B"}}),
	})
	if w == nil {
		t.Fatalf("diagnostics:\n%v", ds)
	}
	if got := w.Question("q").Categories(); strings.Join(got, ",") != "A,B,Other,No Match" {
		t.Errorf("categories %v", got)
	}
	if q := w.Question("q_other"); q == nil || q.When != "q == Other" || q.Ask.Base != "Specify other." {
		t.Errorf("q_other: %+v", q)
	}
	if got := w.Question("r").When; got != "q == Other" {
		t.Errorf("r asked when %q", got)
	}
}

// TestOtherChoices checks the test workbooks whose lists end with Other
// (or Outro, translated Other; or or_other): the choice is an answer of
// its own, the reply that fits no choice is No Match, and in no language
// does a router of the export have two categories of one name.
func TestOtherChoices(t *testing.T) {
	t.Parallel()
	defaults := map[string]map[string]string{ // workbook → question → default category
		"stock_check":          {"reason": workflow.CategoryOther}, // Other (specify) beside Other
		"census":               {"cadre": workflow.CategoryNoMatch},
		"two_languages":        {"short_vaccine": workflow.CategoryNoMatch},
		"immunization_session": {"no_session_reason": workflow.CategoryNoMatch},
		"maternal_death_alert": {"place": workflow.CategoryNoMatch},
		"hiv_test_stock":       {"motivo": workflow.CategoryNoMatch},
	}
	for _, name := range validForms() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			w := parseTestdata(t, name)
			for q, want := range defaults[name] {
				if got := w.Question(q).DefaultCategory(); got != want {
					t.Errorf("%s: default category %q, want %q (categories %q)", q, got, want, w.Question(q).Categories())
				}
			}
			export, err := flow.ParseExport(compile(t, w))
			if err != nil {
				t.Fatal(err)
			}
			f := export.Flows[0]
			for _, n := range f.Nodes {
				if n.Router == nil {
					continue
				}
				for _, lang := range w.Languages() {
					seen := map[string]string{}
					for _, c := range n.Router.Categories {
						shown := c.Name
						if l := f.Localization[lang][c.UUID]["name"]; len(l) > 0 {
							shown = l[0]
						}
						key := strings.ToLower(shown)
						if first, dup := seen[key]; dup {
							t.Errorf("%s: a router on %q has categories %q and %q both shown as %q", lang, n.Router.Operand, first, c.Name, shown)
						}
						seen[key] = c.Name
					}
				}
			}
		})
	}
}

// TestOrOtherOnAListWithOther checks that or_other on a list that has an
// Other choice already is one error, at the type cell, saying where that
// choice is.
func TestOrOtherOnAListWithOther(t *testing.T) {
	t.Parallel()
	for name, other := range map[string][]string{
		"labelled Other": {"l", "something_else", "Other"},
		"named other":    {"l", "other", "Another reason"},
	} {
		_, ds := parseForm(t, form{
			survey:  [][]string{{"type", "name", "label"}, {"select_one l or_other", "q", "Q?"}, {"text", "r", "R?"}},
			choices: choices([][]string{{"l", "a", "A"}, other}),
		})
		if len(ds.Errors()) != 1 {
			t.Errorf("%s: got %v, want one error", name, ds)
			continue
		}
		d := ds.Errors()[0]
		if d.Pos.Sheet != "survey" || d.Pos.Line != 2 || d.Pos.Column != 1 || !strings.Contains(d.Message, "list l has one already (choices!C3)") {
			t.Errorf("%s: got %s", name, d)
		}
	}
}
