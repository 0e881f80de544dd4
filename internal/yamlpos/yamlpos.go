// Package yamlpos is the plumbing shared by the module's YAML formats (the
// workflow DSL, target files, request forms): reading a document while
// remembering where each field was written, reporting unknown and
// duplicate fields, and formatting positioned problems, so that every
// format points at the line and column of each mistake the same way.
//
// A field path names a field from the document's root: "criteria.cadres",
// "questions[2].ask"; the root itself is "".
package yamlpos

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Resolve follows aliases to the node they name, and a document to its
// content; an empty document is returned as it is.
func Resolve(n *yaml.Node) *yaml.Node {
	for n != nil {
		switch {
		case n.Kind == yaml.AliasNode && n.Alias != nil:
			n = n.Alias
		case n.Kind == yaml.DocumentNode && len(n.Content) > 0:
			n = n.Content[0]
		default:
			return n
		}
	}
	return n
}

// Describe says what a (resolved) node is, for messages such as "expected
// a list, got a mapping": a quoted scalar, "nothing" for null, "a list" or
// "a mapping".
func Describe(n *yaml.Node) string {
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

// Join returns the path of field key of the mapping at path.
func Join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// Parent strips the last element of a field path: "questions[2].ask"
// gives "questions[2]", which gives "questions", which gives "".
func Parent(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

var syntaxLine = regexp.MustCompile(`line (\d+)(?:, column (\d+))?`)

// SyntaxError returns where the error of a document that is not YAML is
// and its message without the position. yaml.v3 writes the line (and
// sometimes the column) into its message; what it does not say is 1.
func SyntaxError(err error) (line, col int, msg string) {
	line, col = 1, 1
	msg = strings.TrimPrefix(err.Error(), "yaml: ")
	if m := syntaxLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		if m[2] != "" {
			col, _ = strconv.Atoi(m[2])
		}
		msg = strings.TrimPrefix(strings.TrimPrefix(msg, m[0]), ": ")
	}
	return line, col, msg
}

// Index records where the fields of a document were read: the value node
// of each field path and, for the fields of a mapping, its key node. The
// zero Index is empty and ready to use.
type Index struct {
	values map[string]*yaml.Node
	keys   map[string]*yaml.Node
}

// Set records v as the value of the field at path.
func (x *Index) Set(path string, v *yaml.Node) {
	if x.values == nil {
		x.values = map[string]*yaml.Node{}
	}
	x.values[path] = v
}

// SetField records the key and value nodes of the field at path.
func (x *Index) SetField(path string, k, v *yaml.Node) {
	if x.keys == nil {
		x.keys = map[string]*yaml.Node{}
	}
	x.keys[path] = k
	x.Set(path, v)
}

// Value returns the value recorded for the field at path.
func (x *Index) Value(path string) (*yaml.Node, bool) {
	n, ok := x.values[path]
	return n, ok
}

// Key returns the key recorded for the field at path.
func (x *Index) Key(path string) (*yaml.Node, bool) {
	n, ok := x.keys[path]
	return n, ok
}

// Nearest returns the value of the field at path or, when it has none (a
// field that is missing, or was never read because its mapping is wrong),
// the value of the nearest field holding it.
func (x *Index) Nearest(path string) (*yaml.Node, bool) {
	for p := path; ; p = Parent(p) {
		if n, ok := x.values[p]; ok {
			return n, true
		}
		if p == "" {
			return nil, false
		}
	}
}

// At returns the line and column of [Index.Nearest], or 1, 1 (the start
// of the file) when no field holding path was recorded.
func (x *Index) At(path string) (line, col int) {
	if n, ok := x.Nearest(path); ok {
		return n.Line, n.Column
	}
	return 1, 1
}

// Keys describes the fields a mapping may hold.
type Keys struct {
	// Known lists the field names, in the order they are documented
	// (the order messages list them in).
	Known []string
	// Aliases maps other accepted spellings to the name in Known they
	// stand for.
	Aliases map[string]string
}

func (ks Keys) unknown(name string) string {
	msg := fmt.Sprintf("unknown field %q", name)
	if s := Closest(name, ks.Known); s != "" {
		return msg + fmt.Sprintf(" (did you mean %q?)", s)
	}
	return msg + " (known fields: " + strings.Join(ks.Known, ", ") + ")"
}

// A Field is a known field of a mapping.
type Field struct {
	Name       string // as in Keys.Known, an alias replaced
	Path       string // Join(the mapping's path, Name)
	Key, Value *yaml.Node
}

// Fields returns the known fields of mapping n (at path) in file order and
// records them, and n itself, in x. An unknown field (with a suggestion
// when one is near) and the second of two fields of the same name (an
// alias and its name count as the same) are reported, with the key node
// and the field's path, and left out.
func (x *Index) Fields(n *yaml.Node, path string, ks Keys, report func(at *yaml.Node, field, msg string)) []Field {
	x.Set(path, n)
	var out []Field
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := Resolve(n.Content[i]), Resolve(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			report(k, path, "expected a field name, got "+Describe(k))
			continue
		}
		name := k.Value
		if a, ok := ks.Aliases[name]; ok {
			name = a
		}
		fp := Join(path, name)
		if !slices.Contains(ks.Known, name) {
			report(k, fp, ks.unknown(k.Value))
			continue
		}
		if first, dup := x.keys[fp]; dup {
			report(k, fp, fmt.Sprintf("duplicate field %q (first at line %d)", k.Value, first.Line))
			continue
		}
		x.SetField(fp, k, v)
		out = append(out, Field{Name: name, Path: fp, Key: k, Value: v})
	}
	return out
}

// Closest returns the known name nearest to s (ignoring case) when it is
// near enough to be a likely typo: one edit for names of up to three
// letters, two up to eight, three beyond; otherwise "".
func Closest(s string, known []string) string {
	limit := 1
	switch n := utf8.RuneCountInString(s); {
	case n > 8:
		limit = 3
	case n > 3:
		limit = 2
	}
	best, bestDist := "", limit+1
	for _, k := range known {
		if d := distance(strings.ToLower(s), strings.ToLower(k)); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// distance is the optimal string alignment distance between a and b, in
// runes: insertions, deletions, substitutions and swaps of neighbours.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
