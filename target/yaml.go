package target

import (
	"cmp"
	"os"
	"slices"

	"github.com/mhero-go/mhero/ihris"
	"github.com/mhero-go/mhero/internal/yamlpos"
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
		line, col, msg := yamlpos.SyntaxError(err)
		return nil, Problems{{File: name, Line: line, Column: col, Message: "invalid YAML: " + msg}}
	}
	if len(doc.Content) == 0 {
		return nil, Problems{{File: name, Line: 1, Column: 1, Message: "empty target file"}}
	}
	return decodeNode(name, doc.Content[0])
}

// decodeNode decodes a target from a YAML node; file names the file the
// node was read from, for the errors' positions.
func decodeNode(file string, n *yaml.Node) (*Group, error) {
	var ps Problems
	d := &yamlpos.Decoder{Report: func(at *yaml.Node, field, msg string) {
		ps = append(ps, Problem{Line: at.Line, Column: at.Column, Field: field, Message: msg})
	}}
	g := decodeGroup(d, n)
	ps = append(ps, g.problems(d.At)...)
	slices.SortStableFunc(ps, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
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
// [Problems] (positioned in the document, without a file name) when
// anything is wrong. It is how another YAML document embeds a target, such
// as a use-case request form.
func (g *Group) UnmarshalYAML(n *yaml.Node) error {
	got, err := decodeNode("", n)
	if err != nil {
		return err
	}
	*g = *got
	return nil
}

var (
	groupKeys = yamlpos.Keys{
		Known:   []string{"name", "rapidpro_group", "smart_group", "country", "phones", "criteria", "add", "exclude"},
		Aliases: map[string]string{"rapidproGroup": "rapidpro_group", "smartGroup": "smart_group"},
	}
	phoneKeys    = yamlpos.Keys{Known: []string{"uses", "all"}}
	criteriaKeys = yamlpos.Keys{
		Known: []string{"places", "cadres", "jobs", "employment_statuses", "genders", "workers", "status"},
		// The criteria's JSON names are accepted too.
		Aliases: map[string]string{"employmentStatuses": "employment_statuses"},
	}
	selectionKeys = yamlpos.Keys{Known: []string{"workers", "phones"}}
)

func decodeGroup(d *yamlpos.Decoder, n *yaml.Node) *Group {
	g := &Group{}
	for _, f := range d.Mapping(n, "", groupKeys) {
		v, path := f.Value, f.Path
		switch f.Name {
		case "name":
			g.Name = d.Text(v, path)
		case "rapidpro_group":
			g.RapidProGroup = d.Text(v, path)
		case "smart_group":
			g.SmartGroup = d.Text(v, path)
		case "country":
			g.Country = d.Text(v, path)
		case "phones":
			for _, pf := range d.Mapping(v, path, phoneKeys) {
				switch pf.Name {
				case "uses":
					g.Phones.Uses = d.Texts(pf.Value, pf.Path)
				case "all":
					g.Phones.All = d.Bool(pf.Value, pf.Path)
				}
			}
		case "criteria":
			g.Criteria = decodeCriteria(d, v)
		case "add":
			g.Add = decodeSelection(d, v, path)
		case "exclude":
			g.Exclude = decodeSelection(d, v, path)
		}
	}
	return g
}

func decodeCriteria(d *yamlpos.Decoder, n *yaml.Node) ihris.Criteria {
	var c ihris.Criteria
	for _, f := range d.Mapping(n, "criteria", criteriaKeys) {
		v, path := f.Value, f.Path
		switch f.Name {
		case "places":
			c.Places = d.Texts(v, path)
		case "cadres":
			c.Cadres = d.Texts(v, path)
		case "jobs":
			c.Jobs = d.Texts(v, path)
		case "employment_statuses":
			c.EmploymentStatuses = d.Texts(v, path)
		case "genders":
			c.Genders = d.Texts(v, path)
		case "workers":
			c.Workers = d.Texts(v, path)
		case "status":
			c.Status = ihris.WorkerStatus(d.Text(v, path))
		}
	}
	return c
}

func decodeSelection(d *yamlpos.Decoder, n *yaml.Node, path string) Selection {
	var s Selection
	for _, f := range d.Mapping(n, path, selectionKeys) {
		switch f.Name {
		case "workers":
			s.Workers = d.Texts(f.Value, f.Path)
		case "phones":
			s.Phones = d.Texts(f.Value, f.Path)
		}
	}
	return s
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
