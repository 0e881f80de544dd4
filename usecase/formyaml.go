package usecase

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/target"
	"github.com/mhero-go/mhero/workflow"
	"go.yaml.in/yaml/v3"
)

// MaskURN masks a tel URN or phone number as the module's logs and
// reports do ("+231*******56").
func MaskURN(urn string) string { return rapidpro.MaskPhone(strings.TrimPrefix(urn, "tel:")) }

func maskDigits(s string) string { return rapidpro.MaskPhone(s) }

// ParseForm parses a Request Form written in YAML; name is the file name
// used in the problems. Every problem (unknown or duplicate field, wrong
// type, invalid value, in the form, its inline target or the files it
// names) is reported at once as [Problems], each with its file, line and
// column:
//
//	title: Malaria commodity stock check
//	unit:
//	  name: National Malaria Control Program
//	  director: {name: Dr. Musu Kollie, phone: "0886 000 001"}
//	purpose: Know which facilities will run out of ACTs before the rains.
//	requestor: {name: Joseph Flomo, phone: "0776 000 002"}   # or ihris: P000123
//	approver: {name: ..., phone: ...}  # only when the Requestor is the Director
//	target:                            # inline, as target files are written,
//	  name: Nurses of Lahsu            # or the name of a target file
//	  country: LR
//	  criteria: {places: [LR.GK.D01], cadres: [nurse]}
//	workflow: malaria-stock.yaml       # the workflow file (YAML DSL)
//	follow_up:
//	  - The district pharmacist calls every facility out of stock.
//	send:
//	  date: 2026-03-09
//	  time: "08:00"                    # default 08:00
//	  timezone: Africa/Monrovia        # default UTC
//	  window: 24h                      # how long the start may wait (default 24h)
//	  at_once: false                   # true: send when activated
//	expected_sends: 1
//	filed: 2026-03-02                  # default: when it is recorded
//	notes: ...
//
// A request filed less than a week before its send date is flagged with a
// warning, not refused: the problems hold it and the error is nil. now is
// the recording time, the filing date when the form gives none.
//
// open reads the files the form names (a target file, the workflow); nil
// leaves them unread, and a form that names a target file is then not
// fully checked. [ReadForm] reads them from the form's directory.
func ParseForm(name string, data []byte, now time.Time, open func(name string) ([]byte, error)) (*Form, Problems, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line, col, msg := yamlErrorPos(err)
		ps := Problems{{File: name, Line: line, Column: col, Message: "invalid YAML: " + msg}}
		return nil, ps, ps
	}
	if len(doc.Content) == 0 {
		ps := Problems{{File: name, Line: 1, Column: 1, Message: "empty request form"}}
		return nil, ps, ps
	}
	d := &decoder{file: name, pos: map[string][2]int{}}
	f := d.form(doc.Content[0])
	ps := d.ps
	var loaded Problems
	if open != nil {
		loaded = f.load(open, d.at)
	}
	if len(loaded.Errors()) == 0 && (open != nil || f.TargetFile == "") {
		// Every problem at once: the values are checked too, except
		// where a field was already found wrong (a misspelt "phon"
		// would also leave the person without a phone).
		for _, p := range f.problems(now, d.at) {
			if !slices.ContainsFunc(d.ps, func(q Problem) bool { return related(p.Field, q.Field) }) {
				ps = append(ps, p)
			}
		}
	}
	ps = append(ps, loaded...)
	for i := range ps {
		if ps[i].File == "" {
			ps[i].File = name
		}
	}
	slices.SortStableFunc(ps, func(a, b Problem) int {
		if a.File != b.File {
			// The form's own problems first, then each file's.
			switch {
			case a.File == name:
				return -1
			case b.File == name:
				return 1
			}
			return strings.Compare(a.File, b.File)
		}
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Column - b.Column
	})
	if err := ps.Err(); err != nil {
		return nil, ps, err
	}
	return f, ps, nil
}

// ReadForm reads a Request Form file and the files it names (a target
// file, the workflow), which are looked for beside the form first. open,
// when not nil, reads those files (a program can offer built-in example
// workflows that way); by default they are read from disk.
func ReadForm(path string, now time.Time, open func(name string) ([]byte, error)) (*Form, Problems, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	if open == nil {
		open = os.ReadFile
	}
	dir := filepath.Dir(path)
	rel := func(name string) ([]byte, error) {
		if !filepath.IsAbs(name) {
			data, err := open(filepath.Join(dir, name))
			if err == nil || !errors.Is(err, fs.ErrNotExist) {
				return data, err
			}
		}
		return open(name)
	}
	return ParseForm(path, data, now, rel)
}

// Load reads the target file (when the form names one) and the workflow
// through open, and checks the workflow. Its problems are positioned in
// the files they are in.
func (f *Form) Load(open func(name string) ([]byte, error)) Problems {
	return f.load(open, nil)
}

func (f *Form) load(open func(string) ([]byte, error), at func(string) (int, int)) Problems {
	var ps Problems
	pos := func(field, msg string) Problem {
		p := Problem{Field: field, Message: msg}
		if at != nil {
			p.Line, p.Column = at(field)
		}
		return p
	}
	if f.TargetFile != "" {
		data, err := open(f.TargetFile)
		if err != nil {
			ps = append(ps, pos("target", fmt.Sprintf("reading the target file: %v", pathless(err))))
		} else if g, err := target.ParseGroup(f.TargetFile, data); err != nil {
			ps = append(ps, fromTarget(err, "")...)
		} else {
			f.Target = *g
		}
	}
	if f.WorkflowFile != "" {
		data, err := open(f.WorkflowFile)
		if err != nil {
			ps = append(ps, pos("workflow", fmt.Sprintf("reading the workflow: %v", pathless(err))))
			return ps
		}
		f.Workflow = data
	}
	if len(f.Workflow) > 0 {
		if _, err := f.ParsedWorkflow(); err != nil {
			var ds workflow.Diagnostics
			if errors.As(err, &ds) {
				ps = append(ps, fromWorkflow(ds.Errors())...)
			} else {
				ps = append(ps, pos("workflow", err.Error()))
			}
		}
	}
	return ps
}

// related reports whether one field path is the other or lies within it.
func related(a, b string) bool {
	within := func(x, y string) bool {
		return x == y || strings.HasPrefix(x, y+".") || strings.HasPrefix(x, y+"[")
	}
	return within(a, b) || within(b, a)
}

// pathless drops the *PathError wrapper, whose path the problem already
// names.
func pathless(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

var yamlLine = regexp.MustCompile(`line (\d+)(?:, column (\d+))?`)

func yamlErrorPos(err error) (line, col int, msg string) {
	line, col = 1, 1
	msg = strings.TrimPrefix(err.Error(), "yaml: ")
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		if m[2] != "" {
			col, _ = strconv.Atoi(m[2])
		}
		msg = strings.TrimPrefix(strings.TrimPrefix(msg, m[0]), ": ")
	}
	return line, col, msg
}

type decoder struct {
	file string
	ps   Problems
	pos  map[string][2]int // field path → line, column of its value
}

// at returns the position of the field at path, or of the nearest
// enclosing field that has one.
func (d *decoder) at(path string) (int, int) {
	for p := path; ; {
		if lc, ok := d.pos[p]; ok {
			return lc[0], lc[1]
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			if lc, ok := d.pos[""]; ok {
				return lc[0], lc[1]
			}
			return 1, 1
		}
		p = p[:i]
	}
}

func (d *decoder) errorf(n *yaml.Node, field, format string, args ...any) {
	d.ps = append(d.ps, Problem{Line: n.Line, Column: n.Column, Field: field, Message: fmt.Sprintf(format, args...)})
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && (n.Kind == yaml.AliasNode || n.Kind == yaml.DocumentNode) {
		if n.Kind == yaml.AliasNode {
			n = n.Alias
		} else if len(n.Content) > 0 {
			n = n.Content[0]
		} else {
			return n
		}
	}
	return n
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

type field struct {
	key string
	v   *yaml.Node
}

// mapping returns the known fields of n in file order, reporting unknown
// and duplicate ones.
func (d *decoder) mapping(n *yaml.Node, path string, known []string) []field {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "expected a mapping of %s, got %s", strings.Join(known, ", "), describe(n))
		return nil
	}
	if _, ok := d.pos[path]; !ok {
		d.pos[path] = [2]int{n.Line, n.Column}
	}
	var out []field
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		key := k.Value
		fp := join(path, key)
		if k.Kind != yaml.ScalarNode || !slices.Contains(known, key) {
			msg := fmt.Sprintf("unknown field %q", k.Value)
			if s := closest(k.Value, known); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			} else {
				msg += " (known fields: " + strings.Join(known, ", ") + ")"
			}
			d.errorf(k, fp, "%s", msg)
			continue
		}
		if first, dup := seen[key]; dup {
			d.errorf(k, fp, "duplicate field %q (first at line %d)", k.Value, first)
			continue
		}
		seen[key] = k.Line
		d.pos[fp] = [2]int{v.Line, v.Column}
		out = append(out, field{key, v})
	}
	return out
}

func (d *decoder) str(n *yaml.Node, path string) string {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		d.errorf(n, path, "expected text, got %s", describe(n))
		return ""
	}
	return n.Value
}

func (d *decoder) boolean(n *yaml.Node, path string) bool {
	var b bool
	if n.Kind != yaml.ScalarNode || n.Decode(&b) != nil {
		d.errorf(n, path, "expected true or false, got %s", describe(n))
	}
	return b
}

func (d *decoder) integer(n *yaml.Node, path string) int {
	var i int
	if n.Kind != yaml.ScalarNode || n.Decode(&i) != nil {
		d.errorf(n, path, "expected a whole number, got %s", describe(n))
	}
	return i
}

func (d *decoder) duration(n *yaml.Node, path string) time.Duration {
	s := d.str(n, path)
	if s == "" {
		return 0
	}
	dur, err := workflow.ParseDuration(s)
	if err != nil {
		d.errorf(n, path, "%q is not a duration like 24h, 2d or 90m", s)
	}
	return dur
}

// date reads a date ("2026-03-02") or a time (RFC 3339).
func (d *decoder) date(n *yaml.Node, path string) time.Time {
	s := d.str(n, path)
	if s == "" {
		return time.Time{}
	}
	for _, layout := range []string{"2006-01-02", time.RFC3339, "2006-01-02 15:04", "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	d.errorf(n, path, "%q is not a date like 2026-03-02", s)
	return time.Time{}
}

// texts reads a list of strings; a single string is a list of one.
func (d *decoder) texts(n *yaml.Node, path string) []string {
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		return []string{n.Value}
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, path, "expected a list, got %s", describe(n))
		return nil
	}
	var out []string
	for i, item := range n.Content {
		item = resolve(item)
		ip := fmt.Sprintf("%s[%d]", path, i)
		d.pos[ip] = [2]int{item.Line, item.Column}
		if s := d.str(item, ip); s != "" {
			out = append(out, s)
		}
	}
	return out
}

var (
	formKeys   = []string{"title", "unit", "purpose", "requestor", "approver", "country", "target", "workflow", "follow_up", "send", "expected_sends", "filed", "notes"}
	unitKeys   = []string{"name", "director"}
	personKeys = []string{"name", "title", "phone", "ihris"}
	sendKeys   = []string{"date", "time", "timezone", "window", "at_once"}
)

func (d *decoder) form(n *yaml.Node) *Form {
	f := &Form{}
	n = resolve(n)
	d.pos[""] = [2]int{n.Line, n.Column}
	for _, fl := range d.mapping(n, "", formKeys) {
		switch fl.key {
		case "title":
			f.Title = d.str(fl.v, fl.key)
		case "unit":
			for _, u := range d.mapping(fl.v, "unit", unitKeys) {
				switch u.key {
				case "name":
					f.Unit.Name = d.str(u.v, "unit.name")
				case "director":
					f.Unit.Director = d.person(u.v, "unit.director")
				}
			}
		case "purpose":
			f.Purpose = d.str(fl.v, fl.key)
		case "requestor":
			f.Requestor = d.person(fl.v, fl.key)
		case "approver":
			p := d.person(fl.v, fl.key)
			f.Approver = &p
		case "country":
			f.Country = d.str(fl.v, fl.key)
		case "target":
			if fl.v.Kind == yaml.ScalarNode && fl.v.Tag != "!!null" {
				f.TargetFile = fl.v.Value
				continue
			}
			g, err := target.DecodeGroup(d.file, fl.v)
			if err != nil {
				f.badTarget = true
				// Its country still reads the people's phone numbers.
				for i := 0; i+1 < len(fl.v.Content); i += 2 {
					if k, v := fl.v.Content[i], resolve(fl.v.Content[i+1]); k.Value == "country" && v.Kind == yaml.ScalarNode {
						f.Target.Country = v.Value
					}
				}
				ps := fromTarget(err, "target.")
				for i := range ps {
					ps[i].File = ""
				}
				d.ps = append(d.ps, ps...)
				continue
			}
			f.Target = *g
		case "workflow":
			f.WorkflowFile = d.str(fl.v, fl.key)
		case "follow_up":
			f.FollowUp = d.texts(fl.v, fl.key)
		case "send":
			if fl.v.Kind == yaml.ScalarNode && fl.v.Tag != "!!null" {
				// send: 2026-03-09 is the date alone.
				f.Send.Date = fl.v.Value
				continue
			}
			for _, s := range d.mapping(fl.v, "send", sendKeys) {
				p := "send." + s.key
				switch s.key {
				case "date":
					f.Send.Date = d.str(s.v, p)
				case "time":
					f.Send.Time = d.str(s.v, p)
				case "timezone":
					f.Send.TimeZone = d.str(s.v, p)
				case "window":
					f.Send.Window = d.duration(s.v, p)
				case "at_once":
					f.Send.AtOnce = d.boolean(s.v, p)
				}
			}
		case "expected_sends":
			f.ExpectedSends = d.integer(fl.v, fl.key)
		case "filed":
			f.Filed = d.date(fl.v, fl.key)
		case "notes":
			f.Notes = d.str(fl.v, fl.key)
		}
	}
	for _, req := range []string{"title", "unit", "purpose", "requestor", "target", "workflow", "send"} {
		if _, ok := d.pos[req]; !ok {
			d.ps = append(d.ps, Problem{Line: n.Line, Column: n.Column, Field: req, Message: "missing field " + strconv.Quote(req)})
		}
	}
	return f
}

func (d *decoder) person(n *yaml.Node, path string) Person {
	var p Person
	for _, fl := range d.mapping(n, path, personKeys) {
		fp := path + "." + fl.key
		switch fl.key {
		case "name":
			p.Name = d.str(fl.v, fp)
		case "title":
			p.Title = d.str(fl.v, fp)
		case "phone":
			p.Phone = d.str(fl.v, fp)
		case "ihris":
			p.IHRIS = d.str(fl.v, fp)
		}
	}
	return p
}

// closest returns the known name nearest to s (an edit distance of at most
// two), or "".
func closest(s string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := distance(strings.ToLower(s), k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
