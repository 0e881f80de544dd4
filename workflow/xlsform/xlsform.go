package xlsform

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/mhero-go/mhero/workflow"
)

// maxFileSize bounds the workbooks ParseFile reads: an XLSForm is a few
// tens of kilobytes.
const maxFileSize = 32 << 20

// ParseFile reads an XLSForm workbook file; see Parse.
func ParseFile(path string) (*workflow.Workflow, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if info.Size() > maxFileSize {
		return nil, workflow.Diagnostics{{Pos: workflow.Pos{File: path},
			Message: fmt.Sprintf("%d MB is too large for an XLSForm (at most %d MB)", info.Size()>>20, maxFileSize>>20)}}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse reads an XLSForm workbook (.xlsx) and returns the workflow it
// describes, validated as workflow.Parse validates a YAML file; name is
// the file name used in diagnostics.
//
// When anything is wrong the error is a workflow.Diagnostics listing every
// problem at once, each at its cell (survey!C7, with its row and column
// numbers) and named by its column's header. The workflow returned keeps
// those positions: its Validate (and so workflow.Compile) reports its
// warnings, and those found while reading the workbook, at their cells.
func Parse(name string, data []byte) (*workflow.Workflow, error) {
	wb, err := readWorkbook(name, data)
	if err != nil {
		return nil, err
	}
	c := &converter{wb: wb, src: &source{cells: map[string]workflow.Pos{}, names: map[string]string{}}}
	w := c.convert()
	c.src.warnings = c.warns
	w.SetSource(c.src)
	diags := slices.Concat(c.errs, w.Validate())
	if len(c.errs) > 0 && len(w.Questions) == 0 {
		// Every question row was wrong and is reported: that the
		// workflow has no question follows from it.
		diags = slices.DeleteFunc(diags, func(d workflow.Diagnostic) bool {
			return d.Message == "a workflow needs at least one question"
		})
	}
	diags.Sort()
	if diags.HasErrors() {
		return nil, diags
	}
	return w, nil
}

// source places a workflow's fields in the workbook they were read from:
// it is the workflow.Source of the workflows Parse returns.
type source struct {
	cells    map[string]workflow.Pos // field path → cell
	names    map[string]string       // field path → the column's header
	warnings workflow.Diagnostics
}

// Locate implements workflow.Source.
func (s *source) Locate(path string) (workflow.Pos, string, bool) {
	p, ok := s.cells[path]
	return p, s.names[path], ok
}

// Diagnostics implements workflow.Source.
func (s *source) Diagnostics() workflow.Diagnostics { return slices.Clone(s.warnings) }

func (s *source) set(path string, pos workflow.Pos, header string) {
	s.cells[path] = pos
	s.names[path] = header
}

// converter turns a workbook into a workflow.
type converter struct {
	wb         *workbook
	errs       workflow.Diagnostics
	warns      workflow.Diagnostics
	src        *source
	w          *workflow.Workflow
	base       string // ISO 639-3 base language
	survey     columns
	choiceCols columns
	lists      map[string]*choiceList
	// names holds every named row of the survey, asked or not, so that a
	// reference to one can say what it is.
	names map[string]*namedRow
	// results maps a lowercase result name to the row that took it.
	results map[string]int
}

// namedRow is a named row of the survey sheet.
type namedRow struct {
	row  int
	kind string // question, note, group, repeat, other (metadata, unsupported)
	// q is the question, once converted; nil when the row was wrong.
	q *qinfo
}

func (c *converter) errorf(pos workflow.Pos, field, format string, args ...any) {
	c.errs = append(c.errs, workflow.Diagnostic{Pos: pos, Field: field, Message: fmt.Sprintf(format, args...)})
}

func (c *converter) warnf(pos workflow.Pos, field, format string, args ...any) {
	c.warns = append(c.warns, workflow.Diagnostic{Pos: pos, Field: field, Message: fmt.Sprintf(format, args...), Severity: workflow.SeverityWarning})
}

func (c *converter) convert() *workflow.Workflow {
	c.w = &workflow.Workflow{}
	c.survey = c.readColumns(c.wb.survey, surveyColumns, true)
	c.choiceCols = c.readColumns(c.wb.choices, choicesColumns, false)
	c.settings()
	c.languages()
	c.readChoices()
	c.readSurvey()
	return c.w
}

// settings reads the settings sheet: the form's title, id and default
// language.
func (c *converter) settings() {
	var title, id string
	var titlePos, idPos workflow.Pos
	if s := c.wb.settings; s != nil {
		cols := c.readColumns(s, settingsColumns, false)
		var values row
		for _, r := range s.rows {
			if !r.blank() {
				values = r
				break
			}
		}
		if values.num > 0 {
			cell := func(kind string) (string, workflow.Pos, string, bool) {
				col, ok := cols.one(kind)
				if !ok {
					return "", workflow.Pos{}, "", false
				}
				v := values.get(col.idx)
				return v, c.wb.pos(s, values.num, col.idx), col.header, v != ""
			}
			var header string
			var ok bool
			if title, titlePos, header, ok = cell("form_title"); ok {
				c.src.set("workflow", titlePos, header)
			}
			if id, idPos, header, ok = cell("form_id"); ok {
				c.src.set("key", idPos, header)
			}
			if lang, pos, header, ok := cell("default_language"); ok {
				code, err := parseLanguage(lang)
				if err != nil {
					c.errorf(pos, header, "%v", err)
				}
				c.base = code
				c.src.set("language", pos, header)
			}
		}
	}
	stem := strings.TrimSuffix(filepath.Base(c.wb.file), filepath.Ext(c.wb.file))
	// As pyxform does: the title defaults to the id, the id to the file
	// name.
	c.w.Key = id
	if id == "" {
		c.w.Key = keyFrom(stem)
	}
	c.w.Name = title
	if title == "" {
		c.w.Name = c.w.Key
		if id == "" {
			c.w.Name = stem
		}
	}
}

var notKeyChars = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// keyFrom makes a workflow key of a file name: "Stock check v2" gives
// stock-check-v2.
func keyFrom(s string) string {
	k := strings.Trim(notKeyChars.ReplaceAllString(strings.ToLower(s), "-"), "-_.")
	if k == "" {
		return "xlsform"
	}
	return k
}

// languages settles the base language and the translations. The base is
// settings.default_language, else English when some columns have no
// language (label), else the language of the first label column. The
// translations are the other languages of the survey's labels.
func (c *converter) languages() {
	labels := c.survey.byKind["label"]
	if c.base == "" {
		c.base = "eng"
		if _, plain := c.survey.one("label"); !plain && len(labels) > 0 {
			c.base = labels[0].lang
		}
		if len(labels) > 0 {
			c.src.set("language", c.wb.pos(c.wb.survey, c.wb.survey.headerRow, labels[0].idx), labels[0].header)
		}
	}
	c.w.Language = c.base
	for _, col := range labels {
		if col.lang != "" && col.lang != c.base && !slices.Contains(c.w.Translations, col.lang) {
			c.src.set(fmt.Sprintf("translations[%d]", len(c.w.Translations)), c.wb.pos(c.wb.survey, c.wb.survey.headerRow, col.idx), col.header)
			c.w.Translations = append(c.w.Translations, col.lang)
		}
	}
	// A column in the default language and one naming the base language
	// are the same column twice; one in a language without labels would
	// translate half of the form.
	check := func(s *sheet, cols *columns) {
		for kind, list := range cols.byKind {
			if !translatable[kind] {
				continue
			}
			var kept []column
			var baseCol *column
			for _, col := range list {
				lang := col.lang
				if lang == "" {
					lang = c.base
				}
				pos := c.wb.pos(s, s.headerRow, col.idx)
				switch {
				case lang == c.base && baseCol != nil:
					c.errorf(pos, col.header, "%s and %s are both in %s, the form's default language: keep one", baseCol.header, col.header, c.base)
					continue
				case lang != c.base && !slices.Contains(c.w.Translations, lang):
					c.errorf(pos, col.header, "%s has no label::%s column on the survey sheet: translate the labels too, or remove this column", col.langName, col.langName)
					continue
				}
				col.lang = lang
				if lang == c.base {
					baseCol = &col
				}
				kept = append(kept, col)
			}
			cols.byKind[kind] = kept
		}
	}
	if c.wb.survey != nil {
		check(c.wb.survey, &c.survey)
	}
	if c.wb.choices != nil {
		check(c.wb.choices, &c.choiceCols)
	}
}

// base returns the column of kind in the base language.
func (c *converter) baseColumn(cols columns, kind string) (column, bool) {
	for _, col := range cols.byKind[kind] {
		if col.lang == c.base {
			return col, true
		}
	}
	return column{idx: -1}, false
}

// text reads the cells of kind (label, hint...) of row r in every
// language, recording where each was read for path (and path.lang).
func (c *converter) text(s *sheet, cols columns, r row, kind, path string) workflow.Text {
	var t workflow.Text
	for _, col := range cols.byKind[kind] {
		v := cellText(r, col.idx)
		lp := path
		if col.lang != c.base {
			lp = path + "." + col.lang
		}
		if path != "" {
			c.src.set(lp, c.wb.pos(s, r.num, col.idx), col.header)
		}
		if v == "" {
			continue
		}
		if col.lang == c.base {
			t.Base = v
			continue
		}
		if t.Translations == nil {
			t.Translations = map[string]string{}
		}
		t.Translations[col.lang] = v
	}
	if t.Base != "" && len(t.Translations) == 0 {
		// A text translated in no language is sent to everyone in the
		// base language, as a form falls back to its default language;
		// half translated, validation refuses it.
		for _, col := range cols.byKind[kind] {
			if col.lang != c.base {
				c.warnf(c.wb.pos(s, r.num, col.idx), col.header, "no %s text: contacts who read %s get the %s one", col.langName, col.lang, c.base)
			}
		}
	}
	return t
}

// cellText is a cell's text with its outer spaces trimmed and Windows
// line ends made plain.
func cellText(r row, col int) string {
	if col < 0 || col >= len(r.cells) {
		return ""
	}
	return strings.TrimSpace(strings.ReplaceAll(r.cells[col], "\r\n", "\n"))
}

// join joins two texts line by line, language by language: a note and the
// question it is sent with, or a label and its hint.
func join(a, b workflow.Text, langs []string) workflow.Text {
	switch {
	case a.IsZero():
		return b
	case b.IsZero():
		return a
	}
	out := workflow.Text{Base: joinLines(a.Base, b.Base)}
	for _, lang := range langs {
		_, inA := a.Translations[lang]
		_, inB := b.Translations[lang]
		if inA || inB {
			if out.Translations == nil {
				out.Translations = map[string]string{}
			}
			out.Translations[lang] = joinLines(a.Get(lang), b.Get(lang))
		}
	}
	return out
}

func joinLines(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "\n" + b
}
