package xlsform

import (
	"strings"

	"github.com/mhero-go/mhero/workflow"
)

// column is a column of a sheet, known by its header.
type column struct {
	idx    int    // 0-based
	header string // as written
	kind   string // the XLSForm column: label, relevant, ...
	lang   string // ISO 639-3 code for a per-language column; "" for the default language
	// langName is the language as written in the header ("French (fr)").
	langName string
}

// Columns of the survey sheet, by what this package does with them.
var (
	// translatable columns may be written per language: label::French (fr).
	translatable = map[string]bool{"label": true, "hint": true, "constraint_message": true, "required_message": true, "guidance_hint": true}
	// ignoredColumns change nothing in an SMS conversation: a reply is
	// always awaited (required), nothing is displayed (appearance), and
	// guidance is for the interviewer.
	ignoredColumns = map[string]bool{"required": true, "required_message": true, "appearance": true, "guidance_hint": true,
		"autoplay": true, "note": true, "notes": true, "comment": true, "comments": true}
	// unsupportedColumns cannot be followed by SMS: a cell with content
	// in one of them is an error.
	unsupportedColumns = map[string]string{
		"calculation":   "calculations are not supported by SMS",
		"default":       "default answers are not supported: an SMS question always waits for a reply",
		"choice_filter": "filtered choices (cascading selects) are not supported: give each question its own list",
		"repeat_count":  "repeats are not supported by SMS",
		"read_only":     "read-only questions are not supported: use a note",
		"trigger":       "triggers are not supported by SMS",
		"image":         "images cannot be sent by SMS",
		"big-image":     "images cannot be sent by SMS",
		"audio":         "audio cannot be sent by SMS",
		"video":         "video cannot be sent by SMS",
		"media":         "media cannot be sent by SMS",
		"body":          "custom XForm body attributes are not supported",
		"bind":          "custom XForm bind attributes are not supported",
		"instance":      "custom XForm instance attributes are not supported",
	}
	// aliases are other spellings XLSForm tools accept.
	aliases = map[string]string{
		"list name": "list_name", "constraint message": "constraint_message", "jr:constraintmsg": "constraint_message",
		"required message": "required_message", "jr:requiredmsg": "required_message", "relevance": "relevant",
		"choice filter": "choice_filter", "repeat count": "repeat_count", "jr:count": "repeat_count",
		"read only": "read_only", "readonly": "read_only", "guidance hint": "guidance_hint", "caption": "label",
		"form title": "form_title", "form id": "form_id", "default language": "default_language",
	}
	surveyColumns   = []string{"type", "name", "label", "hint", "relevant", "constraint", "constraint_message", "parameters"}
	choicesColumns  = []string{"list_name", "name", "label"}
	settingsColumns = []string{"form_title", "form_id", "default_language", "version", "instance_name", "public_key",
		"submission_url", "style", "name", "allow_choice_duplicates", "clean_text_values", "omit_instanceID", "namespaces", "auto_send", "auto_delete"}
)

// columns classifies the header of a sheet. Problems with the header
// itself (an unknown language, a column given twice) are reported here.
type columns struct {
	all    []column
	byKind map[string][]column // kind → its columns, the default language's first
}

// Unknown columns are warned about on the survey sheet (warnUnknown); on
// the choices sheet they are the attributes choice filters read, and on
// the settings sheet settings of other tools.
func (c *converter) readColumns(s *sheet, known []string, warnUnknown bool) columns {
	cols := columns{byKind: map[string][]column{}}
	if s == nil {
		return cols
	}
	seen := map[string]column{}
	for i, h := range s.header {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		parts := strings.Split(h, "::")
		kind := strings.ToLower(strings.TrimSpace(parts[0]))
		if a, ok := aliases[kind]; ok {
			kind = a
		}
		if kind == "media" && len(parts) > 1 {
			if m := strings.ToLower(strings.TrimSpace(parts[1])); unsupportedColumns[m] != "" {
				kind = m // media::image is an image column
			}
		}
		col := column{idx: i, header: h, kind: kind}
		pos := c.wb.pos(s, s.headerRow, i)
		_, unsupported := unsupportedColumns[kind]
		if !unsupported && len(parts) > 1 {
			if !translatable[kind] || len(parts) > 2 {
				c.errorf(pos, h, "%q is not a column of this sheet: only label, hint and constraint_message are written per language", h)
				continue
			}
			col.langName = strings.TrimSpace(parts[1])
			lang, err := parseLanguage(col.langName)
			if err != nil {
				c.errorf(pos, h, "%v", err)
				continue
			}
			col.lang = lang
		}
		key := kind + "::" + col.lang
		if unsupported {
			key = strings.ToLower(h) // media::image and media::audio are two columns
		}
		if first, dup := seen[key]; dup {
			c.errorf(pos, h, "a second %s column (the first is %s): keep one", h, workflow.ColumnName(first.idx+1))
			continue
		}
		seen[key] = col
		if !contains(known, kind) && !unsupported && !ignoredColumns[kind] && !translatable[kind] {
			if !warnUnknown {
				continue
			}
			// Authors keep their own notes in extra columns; say it is
			// ignored, once, rather than refuse the form.
			c.warnf(pos, h, "column %q is not an XLSForm column this converter reads: it is ignored", h)
			continue
		}
		cols.all = append(cols.all, col)
		cols.byKind[kind] = append(cols.byKind[kind], col)
	}
	return cols
}

// one returns the column of kind (in the default language), if any.
func (cs columns) one(kind string) (column, bool) {
	for _, c := range cs.byKind[kind] {
		if c.lang == "" {
			return c, true
		}
	}
	return column{idx: -1}, false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
