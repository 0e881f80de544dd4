package workflow

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/mhero-go/mhero/internal/yamlpos"
	"go.yaml.in/yaml/v3"
)

// source remembers where each field of a parsed workflow came from, so that
// validation can point at the line and column of every problem.
type source struct {
	// ext, when set, places fields in a document that is not YAML (see
	// Source); the YAML fields below are then empty.
	ext   Source
	file  string
	lines [][]rune        // the file's lines, to place positions inside values
	idx   yamlpos.Index   // where each field's key and value are
	bad   map[string]bool // field paths already reported as malformed
}

// pos returns the position of the value at path, or of the closest enclosing
// field that has one.
func (s *source) pos(path string) Pos {
	if s == nil {
		return Pos{}
	}
	if s.ext != nil {
		return s.locate(path)
	}
	line, col := s.idx.At(path)
	return Pos{File: s.file, Line: line, Column: col}
}

// keyPos returns the position of the key of the field at path, falling back
// to pos.
func (s *source) keyPos(path string) Pos {
	if s == nil || s.ext != nil {
		return s.pos(path)
	}
	if n, ok := s.idx.Key(path); ok {
		return Pos{File: s.file, Line: n.Line, Column: n.Column}
	}
	return s.pos(path)
}

// posAt returns the position of the offset-th character (counting runes)
// of the scalar value at path, or the value's own position when it cannot
// be told.
func (s *source) posAt(path string, offset int) Pos {
	p := s.pos(path)
	if s == nil {
		return p
	}
	if n, ok := s.idx.Value(path); ok && n.Kind == yaml.ScalarNode {
		if at, ok := s.align(n, offset); ok {
			return at
		}
	}
	return p
}

// align finds where the offset-th rune of scalar n's value is written in
// the file. The value is matched against the file's text from the node's
// position on, rune by rune: spaces and line breaks may be folded away,
// and the characters of quotes, escapes and indentation are skipped over,
// so that positions inside quoted strings and block scalars are right.
func (s *source) align(n *yaml.Node, offset int) (Pos, bool) {
	value := []rune(n.Value)
	offset = min(max(offset, 0), len(value))
	line, col := n.Line-1, n.Column-1
	switch n.Style {
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		col++ // past the opening quote
	case yaml.LiteralStyle, yaml.FoldedStyle:
		line, col = line+1, 0 // the text starts on the line after | or >
	}
	// at is the rune under the cursor, '\n' at the end of a line.
	at := func() (rune, bool) {
		switch {
		case line < 0 || line >= len(s.lines):
			return 0, false
		case col < len(s.lines[line]):
			return s.lines[line][col], true
		}
		return '\n', true
	}
	advance := func() {
		if col++; col > len(s.lines[line]) {
			line, col = line+1, 0
		}
	}
	// find moves the cursor to the next c, skipping at most a few other
	// characters (an escape sequence, a quote) besides white space.
	find := func(c rune) bool {
		skipped := 0
		for {
			r, ok := at()
			switch {
			case !ok:
				return false
			case r == c:
				return true
			case !unicode.IsSpace(r):
				if skipped++; skipped > 10 {
					return false
				}
			}
			advance()
		}
	}
	for _, c := range value[:offset] {
		if unicode.IsSpace(c) {
			if r, ok := at(); ok && r == c {
				advance()
			}
			continue
		}
		if !find(c) {
			return Pos{}, false
		}
		advance()
	}
	if offset < len(value) && !unicode.IsSpace(value[offset]) && !find(value[offset]) {
		return Pos{}, false
	}
	if line >= len(s.lines) {
		return Pos{}, false
	}
	return Pos{File: s.file, Line: line + 1, Column: col + 1}, true
}

// splitLines splits a file into lines of runes, without their line breaks.
func splitLines(data []byte) [][]rune {
	lines := strings.Split(string(data), "\n")
	out := make([][]rune, len(lines))
	for i, l := range lines {
		out[i] = []rune(strings.TrimSuffix(l, "\r"))
	}
	return out
}

// locate asks the external source where the field at path was read
// from, then the fields holding it, and returns the first position it
// knows.
func (s *source) locate(path string) Pos {
	for p := path; ; p = yamlpos.Parent(p) {
		if pos, _, ok := s.ext.Locate(p); ok {
			return pos
		}
		if p == "" {
			return Pos{}
		}
	}
}

// fieldName is how a diagnostic names the field at path: the path itself,
// or what an external source calls it.
func (s *source) fieldName(path string) string {
	if s == nil || s.ext == nil || path == "" {
		return path
	}
	for p := path; p != ""; p = yamlpos.Parent(p) {
		if _, name, ok := s.ext.Locate(p); ok && name != "" {
			return name
		}
	}
	return path
}

// isBad reports whether the field at path, or a field holding it, was
// already reported as malformed: what validation would find wrong in it
// follows from that.
func (s *source) isBad(path string) bool {
	if s == nil {
		return false
	}
	for p := path; p != ""; p = yamlpos.Parent(p) {
		if s.bad[p] {
			return true
		}
	}
	return false
}

// Known keys of each mapping of the format, in the order they are documented.
var (
	workflowKeys = fieldNames("workflow", "key", "language", "translations", "keyword", "expire_after", "intro", "questions", "closing")
	questionKeys = fieldNames("result", "ask", "type", "retry", "max_retries", "timeout", "min", "max", "choices", "when", "save_to_field", "responses", "add_to_group")
	choiceKeys   = fieldNames("category", "match", "closing")
)

func fieldNames(known ...string) yamlpos.Keys {
	return yamlpos.Keys{Known: known}
}

// ParseFile reads and parses a workflow file; see Parse.
func ParseFile(path string) (*Workflow, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse parses and validates a workflow written in YAML; name is the file
// name used in diagnostics. When anything is wrong the error is a
// Diagnostics listing every problem (errors and warnings) with its position;
// otherwise warnings, if any, are available from Validate.
func Parse(name string, data []byte) (*Workflow, error) {
	p := &parser{src: &source{
		file:  name,
		lines: splitLines(data),
		bad:   map[string]bool{},
	}}
	w := p.parse(data)
	if w == nil {
		return nil, p.diags
	}
	diags := append(p.diags, w.Validate()...)
	diags.Sort()
	if diags.HasErrors() {
		return nil, diags
	}
	return w, nil
}

type parser struct {
	src   *source
	diags Diagnostics
}

func (p *parser) errorf(pos Pos, field, format string, args ...any) {
	p.diags = append(p.diags, Diagnostic{Pos: pos, Field: field, Message: fmt.Sprintf(format, args...)})
}

// wrongType reports a value of the wrong kind and marks the field so that
// validation does not report it a second time as missing.
func (p *parser) wrongType(n *yaml.Node, path, want string) {
	p.src.bad[path] = true
	p.errorf(p.nodePos(n), path, "expected %s, got %s", want, yamlpos.Describe(n))
}

// report reports a problem the YAML plumbing found at node n.
func (p *parser) report(n *yaml.Node, field, msg string) {
	p.errorf(p.nodePos(n), field, "%s", msg)
}

func (p *parser) nodePos(n *yaml.Node) Pos {
	return Pos{File: p.src.file, Line: n.Line, Column: n.Column}
}

func (p *parser) parse(data []byte) *Workflow {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		p.yamlError(err)
		return nil
	}
	if len(doc.Content) == 0 {
		p.errorf(Pos{File: p.src.file, Line: 1, Column: 1}, "", "empty workflow file")
		return nil
	}
	p.secondDocument(dec, doc.Content[0])
	root := yamlpos.Resolve(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		p.wrongType(root, "", "a mapping of workflow fields")
		return nil
	}
	w := &Workflow{src: p.src}

	fields := p.src.idx.Fields(root, "", workflowKeys, p.report)
	// The base language is needed to read every text, so it comes first.
	if i := slices.IndexFunc(fields, func(f yamlpos.Field) bool { return f.Name == "language" }); i >= 0 {
		w.Language = p.str(fields[i].Value, "language")
	}
	for _, f := range fields {
		n, path := f.Value, f.Path
		switch f.Name {
		case "workflow":
			w.Name = p.str(n, path)
		case "key":
			w.Key = p.str(n, path)
		case "translations":
			w.Translations = p.strList(n, path)
		case "keyword":
			w.Keyword = p.str(n, path)
		case "expire_after":
			w.ExpireAfter = p.duration(n, path)
		case "intro":
			w.Intro = p.text(n, path, w.Language)
		case "closing":
			w.Closing = p.text(n, path, w.Language)
		case "questions":
			if n.Kind != yaml.SequenceNode {
				p.wrongType(n, path, "a list of questions")
				continue
			}
			for i, qn := range n.Content {
				w.Questions = append(w.Questions, p.question(yamlpos.Resolve(qn), fmt.Sprintf("questions[%d]", i), w.Language))
			}
		}
	}
	return w
}

// yamlError reports a file that is not YAML. yaml.v3 puts the line (and
// sometimes the column) in its message, but for a tab in the indentation
// it names the line before the tab's: the tab itself is looked for.
func (p *parser) yamlError(err error) {
	line, col, msg := yamlpos.SyntaxError(err)
	pos := Pos{File: p.src.file, Line: line, Column: col}
	if line, col, ok := p.indentingTab(pos.Line, strings.Contains(msg, "tab character")); ok {
		pos.Line, pos.Column = line, col
		msg = "a tab indents this line: YAML indents with spaces only"
	}
	p.errorf(pos, "", "invalid YAML: %s", msg)
}

// indentingTab finds a tab in the indentation of line (1-based) or of the
// next one; anywhere in them when the error is known to be about a tab.
func (p *parser) indentingTab(line int, aboutTab bool) (int, int, bool) {
	for l := line; l <= line+1 && l >= 1 && l <= len(p.src.lines); l++ {
		for i, r := range p.src.lines[l-1] {
			if r == '\t' {
				return l, i + 1, true
			}
			if r != ' ' && !aboutTab {
				break
			}
		}
	}
	return 0, 0, false
}

// secondDocument reports a YAML document after the first one: a workflow
// file holds one workflow, and whatever follows a "---" would otherwise be
// dropped without a word.
func (p *parser) secondDocument(dec *yaml.Decoder, first *yaml.Node) {
	var next yaml.Node
	err := dec.Decode(&next)
	switch {
	case errors.Is(err, io.EOF):
		return
	case err == nil && (len(next.Content) == 0 || isNull(next.Content[0])):
		return // a trailing --- with nothing after it loses nothing
	}
	line := next.Line
	if err != nil { // the rest does not parse: find where it starts
		line = first.Line
		for i := first.Line; i < len(p.src.lines); i++ {
			if l := string(p.src.lines[i]); l == "---" || strings.HasPrefix(l, "--- ") || strings.HasPrefix(l, "---\t") {
				line = i + 1
				break
			}
		}
	}
	p.errorf(Pos{File: p.src.file, Line: line, Column: 1}, "",
		"a second YAML document starts here: a workflow file holds one workflow (put another workflow in a file of its own)")
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null" && n.Value == ""
}

func (p *parser) question(n *yaml.Node, path, base string) Question {
	var q Question
	p.src.idx.Set(path, n)
	if n.Kind != yaml.MappingNode {
		p.wrongType(n, path, "a question (a mapping with result, ask, type...)")
		return q
	}
	for _, f := range p.src.idx.Fields(n, path, questionKeys, p.report) {
		v, fp := f.Value, f.Path
		switch f.Name {
		case "result":
			q.Result = p.str(v, fp)
		case "ask":
			q.Ask = p.text(v, fp, base)
		case "type":
			q.Type = QuestionType(p.str(v, fp))
		case "retry":
			q.Retry = p.text(v, fp, base)
		case "max_retries":
			q.MaxRetries = p.retries(v, fp)
		case "timeout":
			q.Timeout = p.duration(v, fp)
		case "min":
			q.Min = p.number(v, fp)
		case "max":
			q.Max = p.number(v, fp)
		case "when":
			q.When = p.str(v, fp)
		case "save_to_field":
			q.SaveToField = p.str(v, fp)
		case "choices":
			if v.Kind != yaml.SequenceNode {
				p.wrongType(v, fp, "a list of choices")
				continue
			}
			q.Choices = []Choice{}
			for i, cn := range v.Content {
				q.Choices = append(q.Choices, p.choice(yamlpos.Resolve(cn), fmt.Sprintf("%s[%d]", fp, i), base))
			}
		case "add_to_group":
			if v.Kind != yaml.MappingNode {
				p.wrongType(v, fp, "a mapping of category to group name(s)")
				continue
			}
			for i := 0; i+1 < len(v.Content); i += 2 {
				k, gv := yamlpos.Resolve(v.Content[i]), yamlpos.Resolve(v.Content[i+1])
				category := p.str(k, fmt.Sprintf("%s[%d]", fp, len(q.Groups)))
				names := []*yaml.Node{gv}
				if gv.Kind == yaml.SequenceNode {
					names = gv.Content
				}
				// One entry per group, so each name keeps its own position.
				for _, gn := range names {
					gn = yamlpos.Resolve(gn)
					gp := fmt.Sprintf("%s[%d]", fp, len(q.Groups))
					p.src.idx.SetField(gp, k, k)
					p.src.idx.Set(gp+".group", gn)
					q.Groups = append(q.Groups, GroupAdd{Category: category, Group: p.str(gn, gp+".group")})
				}
			}
		case "responses":
			if v.Kind != yaml.MappingNode {
				p.wrongType(v, fp, "a mapping of category to message")
				continue
			}
			for i := 0; i+1 < len(v.Content); i += 2 {
				k := yamlpos.Resolve(v.Content[i])
				rp := fmt.Sprintf("%s[%d]", fp, i/2)
				p.src.idx.SetField(rp, k, k)
				q.Responses = append(q.Responses, Response{
					Category: p.str(k, rp),
					Text:     p.text(yamlpos.Resolve(v.Content[i+1]), rp+".text", base),
				})
			}
		}
	}
	return q
}

func (p *parser) choice(n *yaml.Node, path, base string) Choice {
	var c Choice
	p.src.idx.Set(path, n)
	if n.Kind != yaml.MappingNode {
		p.wrongType(n, path, "a choice (a mapping with category and match)")
		return c
	}
	for _, f := range p.src.idx.Fields(n, path, choiceKeys, p.report) {
		v, fp := f.Value, f.Path
		switch f.Name {
		case "category":
			c.Category = p.text(v, fp, base)
		case "closing":
			c.Closing = p.text(v, fp, base)
		case "match":
			if v.Kind == yaml.MappingNode {
				c.MatchIn = map[string][]string{}
				for i := 0; i+1 < len(v.Content); i += 2 {
					k, lv := yamlpos.Resolve(v.Content[i]), yamlpos.Resolve(v.Content[i+1])
					lang := p.str(k, fp)
					lp := yamlpos.Join(fp, lang)
					p.src.idx.SetField(lp, k, lv)
					c.MatchIn[lang] = p.strList(lv, lp)
				}
				continue
			}
			c.Match = p.strList(v, fp)
		}
	}
	return c
}

// str reads a scalar as a string, whatever YAML would have typed it as; a
// null value is the empty string.
func (p *parser) str(n *yaml.Node, path string) string {
	if n.Kind != yaml.ScalarNode {
		p.wrongType(n, path, "a string")
		return ""
	}
	if n.Tag == "!!null" {
		return ""
	}
	return n.Value
}

func (p *parser) strList(n *yaml.Node, path string) []string {
	if n.Kind != yaml.SequenceNode {
		p.wrongType(n, path, "a list")
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for i, e := range n.Content {
		ep := fmt.Sprintf("%s[%d]", path, i)
		e = yamlpos.Resolve(e)
		p.src.idx.Set(ep, e)
		out = append(out, p.str(e, ep))
	}
	return out
}

// text reads a Text: a plain string in the base language, or a mapping of
// language code to string.
func (p *parser) text(n *yaml.Node, path, base string) Text {
	if n.Kind == yaml.ScalarNode {
		return Text{Base: p.str(n, path)}
	}
	if n.Kind != yaml.MappingNode {
		p.wrongType(n, path, "a text or a mapping of language to text")
		return Text{}
	}
	var t Text
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := yamlpos.Resolve(n.Content[i]), yamlpos.Resolve(n.Content[i+1])
		lang := p.str(k, path)
		lp := yamlpos.Join(path, lang)
		if _, dup := p.src.idx.Key(lp); dup {
			p.errorf(p.nodePos(k), lp, "duplicate language %q", lang)
			continue
		}
		p.src.idx.SetField(lp, k, v)
		s := p.str(v, lp)
		if lang == base {
			t.Base = s
			continue
		}
		if t.Translations == nil {
			t.Translations = map[string]string{}
		}
		t.Translations[lang] = s
	}
	if _, ok := p.src.idx.Key(yamlpos.Join(path, base)); !ok && isLanguage(base) {
		p.src.bad[path] = true
		p.errorf(p.nodePos(n), path, "missing the base language %q", base)
	}
	return t
}

// retries reads max_retries: a whole number, or unlimited.
func (p *parser) retries(n *yaml.Node, path string) int {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" && n.Value == "unlimited" {
		return UnlimitedRetries
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		if i, err := strconv.ParseInt(n.Value, 0, 32); err == nil {
			return int(i)
		}
	}
	p.wrongType(n, path, "a whole number or unlimited")
	return 0
}

func (p *parser) number(n *yaml.Node, path string) *float64 {
	if n.Kind == yaml.ScalarNode && (n.Tag == "!!int" || n.Tag == "!!float") {
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return &f
		}
	}
	p.wrongType(n, path, "a number")
	return nil
}

func (p *parser) duration(n *yaml.Node, path string) time.Duration {
	s := p.str(n, path)
	if p.src.bad[path] {
		return 0
	}
	d, err := ParseDuration(s)
	if err != nil {
		p.src.bad[path] = true
		p.errorf(p.nodePos(n), path, "%v", err)
	}
	return d
}

// ParseDuration reads a duration such as "12h", "30m", "7d", "2w" or
// "1d12h": whole numbers followed by w (weeks), d (days), h, m or s.
func ParseDuration(s string) (time.Duration, error) {
	units := map[byte]time.Duration{'w': 7 * 24 * time.Hour, 'd': 24 * time.Hour, 'h': time.Hour, 'm': time.Minute, 's': time.Second}
	rest := strings.TrimSpace(s)
	if rest == "" {
		return 0, errors.New(`invalid duration "": use a number and a unit, like 12h, 30m or 7d`)
	}
	var total time.Duration
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i == len(rest) {
			return 0, fmt.Errorf("invalid duration %q: use a number and a unit, like 12h, 30m or 7d", s)
		}
		unit, ok := units[rest[i]]
		if !ok {
			return 0, fmt.Errorf("invalid duration %q: unknown unit %q (use w, d, h, m or s)", s, rest[i:i+1])
		}
		v, err := strconv.ParseInt(rest[:i], 10, 64)
		if err != nil || v > int64(365*24*time.Hour/unit) {
			return 0, fmt.Errorf("invalid duration %q: too long", s)
		}
		total += time.Duration(v) * unit
		rest = rest[i+1:]
	}
	if total > 365*24*time.Hour {
		return 0, fmt.Errorf("invalid duration %q: too long", s)
	}
	return total, nil
}
