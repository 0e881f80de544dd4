package usecase

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mhero-go/mhero/internal/yamlpos"
	"github.com/mhero-go/mhero/target"
	"github.com/mhero-go/mhero/workflow"
	"go.yaml.in/yaml/v3"
)

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
		line, col, msg := yamlpos.SyntaxError(err)
		ps := Problems{{File: name, Line: line, Column: col, Message: "invalid YAML: " + msg}}
		return nil, ps, ps
	}
	if len(doc.Content) == 0 {
		ps := Problems{{File: name, Line: 1, Column: 1, Message: "empty request form"}}
		return nil, ps, ps
	}
	d := newDecoder(name)
	f := d.form(doc.Content[0])
	ps := d.ps
	var loaded Problems
	if open != nil {
		loaded = f.load(open, d.At)
	}
	if len(loaded.Errors()) == 0 && (open != nil || f.TargetFile == "") {
		// Every problem at once: the values are checked too, except
		// where a field was already found wrong (a misspelt "phon"
		// would also leave the person without a phone).
		for _, p := range f.problems(now, d.At) {
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

// decoder reads a form, its problems positioned in the form's file.
type decoder struct {
	yamlpos.Decoder
	file string
	ps   Problems
}

func newDecoder(file string) *decoder {
	d := &decoder{file: file}
	d.Report = func(at *yaml.Node, field, msg string) {
		d.ps = append(d.ps, Problem{Line: at.Line, Column: at.Column, Field: field, Message: msg})
	}
	return d
}

func (d *decoder) duration(n *yaml.Node, path string) time.Duration {
	s := d.Text(n, path)
	if s == "" {
		return 0
	}
	dur, err := workflow.ParseDuration(s)
	if err != nil {
		d.Errorf(n, path, "%q is not a duration like 24h, 2d or 90m", s)
	}
	return dur
}

// date reads a date ("2026-03-02") or a time (RFC 3339).
func (d *decoder) date(n *yaml.Node, path string) time.Time {
	s := d.Text(n, path)
	if s == "" {
		return time.Time{}
	}
	for _, layout := range []string{"2006-01-02", time.RFC3339, "2006-01-02 15:04", "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	d.Errorf(n, path, "%q is not a date like 2026-03-02", s)
	return time.Time{}
}

// texts reads a list of texts, leaving out the empty ones; a single text
// is a list of one.
func (d *decoder) texts(n *yaml.Node, path string) []string {
	var out []string
	for _, s := range d.Texts(n, path) {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

var (
	formKeys   = yamlpos.Keys{Known: []string{"title", "unit", "purpose", "requestor", "approver", "country", "target", "workflow", "follow_up", "send", "expected_sends", "filed", "notes"}}
	unitKeys   = yamlpos.Keys{Known: []string{"name", "director"}}
	personKeys = yamlpos.Keys{Known: []string{"name", "title", "phone", "ihris"}}
	sendKeys   = yamlpos.Keys{Known: []string{"date", "time", "timezone", "window", "at_once"}}
)

func (d *decoder) form(n *yaml.Node) *Form {
	f := &Form{}
	n = yamlpos.Resolve(n)
	d.Set("", n)
	for _, fl := range d.Mapping(n, "", formKeys) {
		v, path := fl.Value, fl.Path
		switch fl.Name {
		case "title":
			f.Title = d.Text(v, path)
		case "unit":
			for _, u := range d.Mapping(v, path, unitKeys) {
				switch u.Name {
				case "name":
					f.Unit.Name = d.Text(u.Value, u.Path)
				case "director":
					f.Unit.Director = d.person(u.Value, u.Path)
				}
			}
		case "purpose":
			f.Purpose = d.Text(v, path)
		case "requestor":
			f.Requestor = d.person(v, path)
		case "approver":
			p := d.person(v, path)
			f.Approver = &p
		case "country":
			f.Country = d.Text(v, path)
		case "target":
			if v.Kind == yaml.ScalarNode && v.Tag != "!!null" {
				f.TargetFile = v.Value
				continue
			}
			// UnmarshalYAML is called directly, not through v.Decode,
			// which would skip it for a null node and leave an empty
			// target without a problem.
			var g target.Group
			if err := g.UnmarshalYAML(v); err != nil {
				f.badTarget = true
				// Its country still reads the people's phone numbers.
				for i := 0; i+1 < len(v.Content); i += 2 {
					if k, c := v.Content[i], yamlpos.Resolve(v.Content[i+1]); k.Value == "country" && c.Kind == yaml.ScalarNode {
						f.Target.Country = c.Value
					}
				}
				// The problems have no file: they are in the form's.
				d.ps = append(d.ps, fromTarget(err, "target.")...)
				continue
			}
			f.Target = g
		case "workflow":
			f.WorkflowFile = d.Text(v, path)
		case "follow_up":
			f.FollowUp = d.texts(v, path)
		case "send":
			if v.Kind == yaml.ScalarNode && v.Tag != "!!null" {
				// send: 2026-03-09 is the date alone.
				f.Send.Date = v.Value
				continue
			}
			for _, s := range d.Mapping(v, path, sendKeys) {
				sv, sp := s.Value, s.Path
				switch s.Name {
				case "date":
					f.Send.Date = d.Text(sv, sp)
				case "time":
					f.Send.Time = d.Text(sv, sp)
				case "timezone":
					f.Send.TimeZone = d.Text(sv, sp)
				case "window":
					f.Send.Window = d.duration(sv, sp)
				case "at_once":
					f.Send.AtOnce = d.Bool(sv, sp)
				}
			}
		case "expected_sends":
			f.ExpectedSends = d.Int(v, path)
		case "filed":
			f.Filed = d.date(v, path)
		case "notes":
			f.Notes = d.Text(v, path)
		}
	}
	for _, req := range []string{"title", "unit", "purpose", "requestor", "target", "workflow", "send"} {
		if _, ok := d.Value(req); !ok {
			d.ps = append(d.ps, Problem{Line: n.Line, Column: n.Column, Field: req, Message: "missing field " + strconv.Quote(req)})
		}
	}
	return f
}

func (d *decoder) person(n *yaml.Node, path string) Person {
	var p Person
	for _, fl := range d.Mapping(n, path, personKeys) {
		v, fp := fl.Value, fl.Path
		switch fl.Name {
		case "name":
			p.Name = d.Text(v, fp)
		case "title":
			p.Title = d.Text(v, fp)
		case "phone":
			p.Phone = d.Text(v, fp)
		case "ihris":
			p.IHRIS = d.Text(v, fp)
		}
	}
	return p
}
