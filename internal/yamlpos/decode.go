package yamlpos

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Decoder reads the values of a document's fields, recording where each
// is in its Index and reporting each problem, so that a format reports
// every problem at once.
type Decoder struct {
	Index
	// Report is told of each problem: the node at fault, the path of
	// the field and the message. It must be set.
	Report func(at *yaml.Node, field, msg string)
}

// Errorf reports a problem of the field at path, positioned at n.
func (d *Decoder) Errorf(n *yaml.Node, path, format string, args ...any) {
	d.Report(n, path, fmt.Sprintf(format, args...))
}

// Mapping returns the known fields of n (at path) in file order, as
// [Index.Fields] does, reporting a node that is not a mapping.
func (d *Decoder) Mapping(n *yaml.Node, path string, ks Keys) []Field {
	n = Resolve(n)
	if n.Kind != yaml.MappingNode {
		d.Errorf(n, path, "expected a mapping of %s, got %s", strings.Join(ks.Known, ", "), Describe(n))
		return nil
	}
	return d.Fields(n, path, ks, d.Report)
}

// Text reads a scalar as text, whatever YAML would have typed it as; null
// is a problem.
func (d *Decoder) Text(n *yaml.Node, path string) string {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		d.Errorf(n, path, "expected text, got %s", Describe(n))
		return ""
	}
	return n.Value
}

// Bool reads true or false (and the other spellings YAML accepts).
func (d *Decoder) Bool(n *yaml.Node, path string) bool {
	var b bool
	if n.Kind != yaml.ScalarNode || n.Decode(&b) != nil {
		d.Errorf(n, path, "expected true or false, got %s", Describe(n))
	}
	return b
}

// Int reads a whole number.
func (d *Decoder) Int(n *yaml.Node, path string) int {
	// yaml.v3 decodes 2.5 into an int as 2, without a word: only an
	// integer, or text holding one ("2"), is a whole number.
	var i int
	var err error
	switch {
	case n.Kind != yaml.ScalarNode:
		err = errors.New("not a scalar")
	case n.ShortTag() == "!!int":
		err = n.Decode(&i)
	case n.ShortTag() == "!!str":
		i, err = strconv.Atoi(strings.TrimSpace(n.Value))
	default:
		err = errors.New("not an integer")
	}
	if err != nil {
		d.Errorf(n, path, "expected a whole number, got %s", Describe(n))
		return 0
	}
	return i
}

// Texts reads a list of texts; a single text is a list of one. An item
// that is not text is reported and left out; an empty list is an empty,
// not nil, slice.
func (d *Decoder) Texts(n *yaml.Node, path string) []string {
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		d.Set(path+"[0]", n)
		return []string{n.Value}
	}
	if n.Kind != yaml.SequenceNode {
		d.Errorf(n, path, "expected a list, got %s", Describe(n))
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for i, item := range n.Content {
		item = Resolve(item)
		ip := fmt.Sprintf("%s[%d]", path, i)
		d.Set(ip, item)
		if item.Kind != yaml.ScalarNode || item.Tag == "!!null" {
			d.Errorf(item, ip, "expected text, got %s", Describe(item))
			continue
		}
		out = append(out, item.Value)
	}
	return out
}
