package yamlpos_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mhero-go/mhero/internal/yamlpos"
	"go.yaml.in/yaml/v3"
)

func parse(t testing.TB, src string) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	return &doc
}

// decode reads src's root mapping with keys, returning the fields read and
// the problems reported as "line:col: field: message".
func decode(t testing.TB, src string, keys yamlpos.Keys) (*yamlpos.Decoder, []yamlpos.Field, []string) {
	t.Helper()
	var problems []string
	d := &yamlpos.Decoder{Report: func(at *yaml.Node, field, msg string) {
		problems = append(problems, yamlpos.Message(yamlpos.Where("", at.Line, at.Column), field, false, msg))
	}}
	fields := d.Mapping(parse(t, src), "", keys)
	return d, fields, problems
}

var personKeys = yamlpos.Keys{
	Known:   []string{"name", "phone", "languages"},
	Aliases: map[string]string{"telephone": "phone"},
}

func TestFields(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, src string
		keys      yamlpos.Keys
		fields    []string // name=path
		problems  []string
	}{{
		name:   "known fields in file order",
		src:    "phone: '0770'\nname: Musu\n",
		keys:   personKeys,
		fields: []string{"phone=phone", "name=name"},
	}, {
		name:     "a near misspelling is suggested, case aside",
		src:      "Nmae: Musu\n",
		keys:     personKeys,
		problems: []string{`1:1: Nmae: unknown field "Nmae" (did you mean "name"?)`},
	}, {
		name:     "a far one lists the fields",
		src:      "name: Musu\ncadre: nurse\n",
		keys:     personKeys,
		fields:   []string{"name=name"},
		problems: []string{`2:1: cadre: unknown field "cadre" (known fields: name, phone, languages)`},
	}, {
		name:     "the second of two fields is reported at its key",
		src:      "name: Musu\nphone: '1'\n  \nname: Joseph\n",
		keys:     personKeys,
		fields:   []string{"name=name", "phone=phone"},
		problems: []string{`4:1: name: duplicate field "name" (first at line 1)`},
	}, {
		name:     "an alias is its field",
		src:      "telephone: '1'\nphone: '2'\n",
		keys:     personKeys,
		fields:   []string{"phone=phone"},
		problems: []string{`2:1: phone: duplicate field "phone" (first at line 1)`},
	}, {
		name:     "a list as a key is not a field name",
		src:      "? [a]\n: 1\n",
		keys:     personKeys,
		problems: []string{`1:3: expected a field name, got a list`},
	}, {
		name:     "a swap of neighbours is one edit",
		src:      "nmae: x\n",
		keys:     personKeys,
		problems: []string{`1:1: nmae: unknown field "nmae" (did you mean "name"?)`},
	}, {
		name:     "not a mapping",
		src:      "[name]\n",
		keys:     personKeys,
		problems: []string{`1:1: expected a mapping of name, phone, languages, got a list`},
	}, {
		name:   "aliases are followed",
		src:    "base: &b {name: Musu}\nperson: *b\n",
		keys:   yamlpos.Keys{Known: []string{"base", "person"}},
		fields: []string{"base=base", "person=person"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, fields, problems := decode(t, tc.src, tc.keys)
			var got []string
			for _, f := range fields {
				got = append(got, f.Name+"="+f.Path)
			}
			if !slices.Equal(got, tc.fields) {
				t.Errorf("fields %q, want %q", got, tc.fields)
			}
			if !slices.Equal(problems, tc.problems) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(problems, "\n"), strings.Join(tc.problems, "\n"))
			}
		})
	}
}

func TestValues(t *testing.T) {
	t.Parallel()
	src := `name: [Musu]
phone: ~
on: maybe
count: two
languages: [eng, ~, {a: b}, fra]
one: eng
none: []
sends: 2.5
twice: "2"
`
	var problems []string
	d := &yamlpos.Decoder{Report: func(at *yaml.Node, field, msg string) {
		problems = append(problems, fmt.Sprintf("%d:%d: %s: %s", at.Line, at.Column, field, msg))
	}}
	got := map[string]any{}
	for _, f := range d.Mapping(parse(t, src), "p", yamlpos.Keys{Known: []string{"name", "phone", "on", "count", "languages", "one", "none", "sends", "twice"}}) {
		switch f.Name {
		case "name", "phone":
			got[f.Name] = d.Text(f.Value, f.Path)
		case "on":
			got[f.Name] = d.Bool(f.Value, f.Path)
		case "count", "sends", "twice":
			got[f.Name] = d.Int(f.Value, f.Path)
		default:
			got[f.Name] = d.Texts(f.Value, f.Path)
		}
	}
	want := []string{
		`1:7: p.name: expected text, got a list`,
		`2:8: p.phone: expected text, got nothing`,
		`3:5: p.on: expected true or false, got "maybe"`,
		`4:8: p.count: expected a whole number, got "two"`,
		`5:18: p.languages[1]: expected text, got nothing`,
		`5:21: p.languages[2]: expected text, got a mapping`,
		`8:8: p.sends: expected a whole number, got "2.5"`,
	}
	if !slices.Equal(problems, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(problems, "\n"), strings.Join(want, "\n"))
	}
	if got["twice"] != 2 {
		t.Errorf("twice %v, want 2", got["twice"])
	}
	if l := got["languages"].([]string); !slices.Equal(l, []string{"eng", "fra"}) {
		t.Errorf("languages %q", l)
	}
	if l := got["one"].([]string); !slices.Equal(l, []string{"eng"}) {
		t.Errorf("one %q", l)
	}
	if l := got["none"].([]string); l == nil || len(l) != 0 {
		t.Errorf("an empty list reads %#v, want an empty slice", l)
	}
	// Each item is placed, so that a later check of p.languages[3] points
	// at "fra", and one of a field never read at what holds it.
	for path, want := range map[string][2]int{
		"p.languages[3]": {5, 29}, "p.one[0]": {6, 6}, "p.one": {6, 6},
		"p.count.digits": {4, 8}, "p.absent[2].x": {1, 1}, "p": {1, 1}, "q": {1, 1},
	} {
		if l, c := d.At(path); l != want[0] || c != want[1] {
			t.Errorf("At(%q) = %d:%d, want %d:%d", path, l, c, want[0], want[1])
		}
	}
}

func TestIndexNearest(t *testing.T) {
	t.Parallel()
	var x yamlpos.Index
	if _, ok := x.Nearest("a.b"); ok {
		t.Error("the zero Index found something")
	}
	if l, c := x.At("a.b"); l != 1 || c != 1 {
		t.Errorf("the zero Index places a.b at %d:%d, want 1:1", l, c)
	}
	root, q, ask := &yaml.Node{Line: 2, Column: 1}, &yaml.Node{Line: 5, Column: 5}, &yaml.Node{Line: 6, Column: 10}
	key := &yaml.Node{Line: 6, Column: 5}
	x.Set("", root)
	x.Set("questions[2]", q)
	x.SetField("questions[2].ask", key, ask)
	for path, want := range map[string]*yaml.Node{
		"":                         root,
		"questions":                root,
		"questions[2]":             q,
		"questions[2].ask":         ask,
		"questions[2].ask.fra":     ask,
		"questions[2].choices[0]":  q,
		"questions[20]":            root,
		"questions[2].ask[1].text": ask,
	} {
		if got, _ := x.Nearest(path); got != want {
			t.Errorf("Nearest(%q) = %v, want %v", path, got, want)
		}
	}
	if k, ok := x.Key("questions[2].ask"); !ok || k != key {
		t.Errorf("Key = %v, %v", k, ok)
	}
	if _, ok := x.Key("questions[2]"); ok {
		t.Error("a value set alone has a key")
	}
}

func TestPaths(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ path, parent string }{
		{"questions[2].ask", "questions[2]"}, {"questions[2]", "questions"}, {"questions", ""}, {"", ""},
		{"a.b.c", "a.b"},
	} {
		if got := yamlpos.Parent(tc.path); got != tc.parent {
			t.Errorf("Parent(%q) = %q, want %q", tc.path, got, tc.parent)
		}
	}
	if got := yamlpos.Join("", "name"); got != "name" {
		t.Errorf("Join at the root = %q", got)
	}
	if got := yamlpos.Join("criteria", "cadres"); got != "criteria.cadres" {
		t.Errorf("Join = %q", got)
	}
}

func TestResolveAndDescribe(t *testing.T) {
	t.Parallel()
	doc := parse(t, "a: &x [1]\nb: *x\nc: ~\nd: 'q\"'\ne: {}\n")
	root := yamlpos.Resolve(doc)
	if root.Kind != yaml.MappingNode {
		t.Fatalf("the document resolves to kind %v", root.Kind)
	}
	b := yamlpos.Resolve(root.Content[3])
	if b != root.Content[1] {
		t.Error("an alias does not resolve to its anchor")
	}
	for i, want := range []string{"a list", "a list", "nothing", `"q\""`, "a mapping"} {
		if got := yamlpos.Describe(yamlpos.Resolve(root.Content[2*i+1])); got != want {
			t.Errorf("Describe(value %d) = %s, want %s", i, got, want)
		}
	}
	empty := &yaml.Node{Kind: yaml.DocumentNode}
	if yamlpos.Resolve(empty) != empty || yamlpos.Describe(empty) != "something else" {
		t.Error("an empty document is not itself")
	}
	if yamlpos.Resolve(nil) != nil {
		t.Error("nil resolves to something")
	}
}

func TestSyntaxError(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		src       string
		line, col int
		msg       string
	}{
		{"a: [1, 2\n", 1, 1, "did not find expected ',' or ']'"},
		{"a: b\n c: d\n", 2, 1, "mapping values are not allowed in this context"},
		{"a: *nope\n", 1, 1, "unknown anchor 'nope' referenced"},
	} {
		var n yaml.Node
		err := yaml.Unmarshal([]byte(tc.src), &n)
		if err == nil {
			t.Fatalf("%q parses", tc.src)
		}
		line, col, msg := yamlpos.SyntaxError(err)
		if line != tc.line || col != tc.col || msg != tc.msg {
			t.Errorf("%q: %d:%d %q, want %d:%d %q (from %q)", tc.src, line, col, msg, tc.line, tc.col, tc.msg, err)
		}
	}
	if l, c, msg := yamlpos.SyntaxError(errors.New("yaml: line 7, column 3: bad")); l != 7 || c != 3 || msg != "bad" {
		t.Errorf("got %d:%d %q", l, c, msg)
	}
}

func TestClosest(t *testing.T) {
	t.Parallel()
	known := []string{"name", "country", "criteria"}
	for s, want := range map[string]string{
		"Name": "name", "nmae": "name", "contry": "country", "critera": "criteria", "xyz": "", "": "",
	} {
		if got := yamlpos.Closest(s, known); got != want {
			t.Errorf("Closest(%q) = %q, want %q", s, got, want)
		}
	}
}

type problem struct {
	line    int
	warning bool
}

func (p problem) String() string {
	return yamlpos.Message(yamlpos.Where("f.yaml", p.line, 2), "x", p.warning, "m")
}

func TestFormatting(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file      string
		line, col int
		field     string
		warning   bool
		want      string
	}{
		{"f.yaml", 3, 4, "a.b", false, "f.yaml:3:4: a.b: m"},
		{"", 3, 4, "a.b", true, "3:4: a.b: warning: m"},
		{"f.yaml", 0, 0, "", false, "f.yaml: m"},
		{"", 0, 0, "", true, "warning: m"},
	} {
		if got := yamlpos.Message(yamlpos.Where(tc.file, tc.line, tc.col), tc.field, tc.warning, "m"); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
	ps := []problem{{1, false}, {2, true}, {3, false}}
	if got, want := yamlpos.Lines(ps), "f.yaml:1:2: x: m\nf.yaml:2:2: x: warning: m\nf.yaml:3:2: x: m"; got != want {
		t.Errorf("Lines = %q, want %q", got, want)
	}
	warnings := yamlpos.Filter(ps, func(p problem) bool { return p.warning })
	if len(warnings) != 1 || warnings[0].line != 2 {
		t.Errorf("Filter = %v", warnings)
	}
	if none := yamlpos.Filter(ps, func(problem) bool { return false }); none != nil {
		t.Errorf("Filter of nothing = %#v, want nil", none)
	}
}

// FuzzDecode checks, on any document, that decoding never panics, that
// every field read is known, once, at its path, and that every problem and
// every position is inside the document.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		"name: Musu\nphone: '0770'\n", "Nmae: x\nname: y\nname: z\n", "? [a]\n: 1\n", "telephone: 1\nphone: 2\n",
		"&a {name: *a}\n", "- a\n", "", "name: [a, ~, {b: c}]\nlanguages: eng\n", "a: [1,\n", "\tname: x\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
			line, col, msg := yamlpos.SyntaxError(err)
			if line < 1 || col < 1 || strings.HasPrefix(msg, "yaml: ") {
				t.Errorf("SyntaxError(%q) = %d:%d %q", err, line, col, msg)
			}
			return
		}
		if len(doc.Content) == 0 {
			return
		}
		// yaml.v3 breaks lines as libyaml does, and may place a node of
		// nothing on the line after the last.
		lines := 2
		for _, br := range []string{"\n", "\r", "\u0085", "\u2028", "\u2029"} {
			lines += strings.Count(src, br)
		}
		d := &yamlpos.Decoder{}
		d.Report = func(at *yaml.Node, field, msg string) {
			if at.Line < 1 || at.Line > lines || msg == "" {
				t.Errorf("problem %q of %q at line %d of %d", msg, field, at.Line, lines)
			}
		}
		keys := personKeys
		seen := map[string]bool{}
		for _, fl := range d.Mapping(&doc, "", keys) {
			if !slices.Contains(keys.Known, fl.Name) || fl.Path != fl.Name || seen[fl.Name] {
				t.Errorf("field %+v read (seen %v)", fl, seen)
			}
			seen[fl.Name] = true
			if v, ok := d.Value(fl.Path); !ok || v != fl.Value {
				t.Errorf("field %s not indexed", fl.Path)
			}
			d.Texts(fl.Value, fl.Path)
			if l, _ := d.At(fl.Path + "[3].x"); l < 1 || l > lines {
				t.Errorf("%s[3].x placed at line %d of %d", fl.Path, l, lines)
			}
		}
	})
}

func ExampleDecoder() {
	src := `name: Musu Kollie
phone: [0770 123 456]
cadre: nurse
`
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		panic(err)
	}
	d := &yamlpos.Decoder{Report: func(at *yaml.Node, field, msg string) {
		fmt.Println(yamlpos.Message(yamlpos.Where("person.yaml", at.Line, at.Column), field, false, msg))
	}}
	for _, f := range d.Mapping(&doc, "", yamlpos.Keys{Known: []string{"name", "phone"}}) {
		fmt.Printf("%s = %q\n", f.Path, d.Text(f.Value, f.Path))
	}
	// Output:
	// person.yaml:3:1: cadre: unknown field "cadre" (known fields: name, phone)
	// name = "Musu Kollie"
	// person.yaml:2:8: phone: expected text, got a list
	// phone = ""
}
