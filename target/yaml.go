package target

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/mhero-go/mhero/ihris"
	"go.yaml.in/yaml/v3"
)

// ParseGroupFile reads a target definition file; see [ParseGroup].
func ParseGroupFile(path string) (*Group, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseGroup(path, data)
}

// ParseGroup parses and validates a target written in YAML; name is the
// file name used in the errors. Every problem (unknown or duplicate field,
// wrong type, invalid value) is reported at once as [Problems], each with
// its line and column:
//
//	name: Nurses and midwives in Bong
//	country: LR
//	criteria:
//	  places: [LR-BONG]          # any level: region, district, facility
//	  cadres: [nurse, midwife]
//	  status: active             # the default
//	phones:
//	  uses: [mobile, ""]         # "" is a number stored without a use
//	add:
//	  workers: [P000123]
//	  phones: ["0770 123 456"]
//	exclude:
//	  workers: [P000456]
//
// The other fields are rapidpro_group (the group's name in RapidPro when it
// is not the target's), smart_group (an existing smart group to use as it
// is), phones.all (message every acceptable number, not only the best),
// and the criteria's jobs, employment_statuses, genders and workers.
func ParseGroup(name string, data []byte) (*Group, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line, col, msg := yamlErrorPos(err)
		return nil, Problems{{File: name, Line: line, Column: col, Message: "invalid YAML: " + msg}}
	}
	if len(doc.Content) == 0 {
		return nil, Problems{{File: name, Line: 1, Column: 1, Message: "empty target file"}}
	}
	return DecodeGroup(name, doc.Content[0])
}

// DecodeGroup decodes a target from a YAML node, such as the target
// embedded in a use-case request form; file names the file the node was
// read from, for the errors' positions.
func DecodeGroup(file string, n *yaml.Node) (*Group, error) {
	d := &decoder{file: file, pos: map[string][2]int{}}
	g := d.group(n)
	ps := append(d.ps, g.problems(d.at)...)
	slices.SortStableFunc(ps, func(a, b Problem) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Column - b.Column
	})
	for i := range ps {
		ps[i].File = file
	}
	if len(ps) > 0 {
		return nil, ps
	}
	return g, nil
}

// UnmarshalYAML decodes a target with go.yaml.in/yaml/v3, failing with
// [Problems] (positioned in the document) when anything is wrong.
func (g *Group) UnmarshalYAML(n *yaml.Node) error {
	got, err := DecodeGroup("", n)
	if err != nil {
		return err
	}
	*g = *got
	return nil
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
			if lc, ok := d.pos[""]; ok && p != "" {
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

// mapping returns the known fields of n in file order, reporting unknown
// and duplicate ones. aliases maps accepted spellings to their key.
func (d *decoder) mapping(n *yaml.Node, path string, known []string, aliases map[string]string) [][2]any {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "expected a mapping of %s, got %s", strings.Join(known, ", "), describe(n))
		return nil
	}
	d.pos[path] = [2]int{n.Line, n.Column}
	var out [][2]any
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		key := k.Value
		if a, ok := aliases[key]; ok {
			key = a
		}
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
		out = append(out, [2]any{key, v})
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

// list reads a list of strings; a single scalar is taken as a list of one.
func (d *decoder) list(n *yaml.Node, path string) []string {
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		d.pos[path+"[0]"] = [2]int{n.Line, n.Column}
		return []string{n.Value}
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, path, "expected a list, got %s", describe(n))
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for i, item := range n.Content {
		item = resolve(item)
		ip := fmt.Sprintf("%s[%d]", path, i)
		d.pos[ip] = [2]int{item.Line, item.Column}
		if item.Kind != yaml.ScalarNode || item.Tag == "!!null" {
			d.errorf(item, ip, "expected text, got %s", describe(item))
			continue
		}
		out = append(out, item.Value)
	}
	return out
}

var (
	groupKeys     = []string{"name", "rapidpro_group", "smart_group", "country", "phones", "criteria", "add", "exclude"}
	phoneKeys     = []string{"uses", "all"}
	criteriaKeys  = []string{"places", "cadres", "jobs", "employment_statuses", "genders", "workers", "status"}
	selectionKeys = []string{"workers", "phones"}
	// The criteria's JSON names are accepted too.
	criteriaAliases = map[string]string{"employmentStatuses": "employment_statuses"}
	groupAliases    = map[string]string{"rapidproGroup": "rapidpro_group", "smartGroup": "smart_group"}
)

func (d *decoder) group(n *yaml.Node) *Group {
	g := &Group{}
	n = resolve(n)
	for _, f := range d.mapping(n, "", groupKeys, groupAliases) {
		key, v := f[0].(string), f[1].(*yaml.Node)
		switch key {
		case "name":
			g.Name = d.str(v, key)
		case "rapidpro_group":
			g.RapidProGroup = d.str(v, key)
		case "smart_group":
			g.SmartGroup = d.str(v, key)
		case "country":
			g.Country = d.str(v, key)
		case "phones":
			for _, pf := range d.mapping(v, key, phoneKeys, nil) {
				pk, pv := pf[0].(string), pf[1].(*yaml.Node)
				switch pk {
				case "uses":
					g.Phones.Uses = d.list(pv, "phones.uses")
				case "all":
					g.Phones.All = d.boolean(pv, "phones.all")
				}
			}
		case "criteria":
			g.Criteria = d.criteria(v)
		case "add":
			g.Add = d.selection(v, key)
		case "exclude":
			g.Exclude = d.selection(v, key)
		}
	}
	return g
}

func (d *decoder) criteria(n *yaml.Node) ihris.Criteria {
	var c ihris.Criteria
	for _, f := range d.mapping(n, "criteria", criteriaKeys, criteriaAliases) {
		key, v := f[0].(string), f[1].(*yaml.Node)
		path := "criteria." + key
		switch key {
		case "places":
			c.Places = d.list(v, path)
		case "cadres":
			c.Cadres = d.list(v, path)
		case "jobs":
			c.Jobs = d.list(v, path)
		case "employment_statuses":
			c.EmploymentStatuses = d.list(v, path)
		case "genders":
			c.Genders = d.list(v, path)
		case "workers":
			c.Workers = d.list(v, path)
		case "status":
			c.Status = ihris.WorkerStatus(d.str(v, path))
		}
	}
	return c
}

func (d *decoder) selection(n *yaml.Node, path string) Selection {
	var s Selection
	for _, f := range d.mapping(n, path, selectionKeys, nil) {
		key, v := f[0].(string), f[1].(*yaml.Node)
		switch key {
		case "workers":
			s.Workers = d.list(v, path+".workers")
		case "phones":
			s.Phones = d.list(v, path+".phones")
		}
	}
	return s
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

// MarshalYAML writes the target in the form ParseGroup reads.
func (g Group) MarshalYAML() (any, error) {
	type phones struct {
		Uses []string `yaml:"uses,omitempty"`
		All  bool     `yaml:"all,omitempty"`
	}
	type criteria struct {
		Places             []string `yaml:"places,omitempty"`
		Cadres             []string `yaml:"cadres,omitempty"`
		Jobs               []string `yaml:"jobs,omitempty"`
		EmploymentStatuses []string `yaml:"employment_statuses,omitempty"`
		Genders            []string `yaml:"genders,omitempty"`
		Workers            []string `yaml:"workers,omitempty"`
		Status             string   `yaml:"status,omitempty"`
	}
	type selection struct {
		Workers []string `yaml:"workers,omitempty"`
		Phones  []string `yaml:"phones,omitempty"`
	}
	type doc struct {
		Name          string     `yaml:"name"`
		RapidProGroup string     `yaml:"rapidpro_group,omitempty"`
		SmartGroup    string     `yaml:"smart_group,omitempty"`
		Country       string     `yaml:"country"`
		Phones        *phones    `yaml:"phones,omitempty"`
		Criteria      criteria   `yaml:"criteria"`
		Add           *selection `yaml:"add,omitempty"`
		Exclude       *selection `yaml:"exclude,omitempty"`
	}
	c := g.Criteria
	out := doc{Name: g.Name, RapidProGroup: g.RapidProGroup, SmartGroup: g.SmartGroup, Country: g.Country,
		Criteria: criteria{c.Places, c.Cadres, c.Jobs, c.EmploymentStatuses, c.Genders, c.Workers, string(c.Status)}}
	if len(g.Phones.Uses) > 0 || g.Phones.All {
		out.Phones = &phones{g.Phones.Uses, g.Phones.All}
	}
	if !g.Add.IsZero() {
		out.Add = &selection{g.Add.Workers, g.Add.Phones}
	}
	if !g.Exclude.IsZero() {
		out.Exclude = &selection{g.Exclude.Workers, g.Exclude.Phones}
	}
	return out, nil
}
