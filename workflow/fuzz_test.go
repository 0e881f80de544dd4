package workflow

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// parseSeeds are workflows, valid or not, that start the fuzzers of Parse
// and MarshalYAML.
var parseSeeds = []string{
	"",
	"- a list",
	head + okQuestion,
	head + "questions:\n  - {result: a, ask: hi, type: yes_no}\n  - {result: b, ask: ho, type: number, when: \"a in [yes, 'No Response'] or (a != no and a == yes)\"}\n  - {result: c, ask: x, type: text, when: b >= 3.5}\n",
	head + "translations: [fra]\nintro: {eng: a, fra: b, fra: c}\n" + okQuestion,
	head + "questions:\n  - &q {result: a, ask: hi, type: text}\n  - *q\n",
	head + "questions:\n  - result: a\n    ask: hi\n    type: choice\n    choices:\n      - {category: A, match: {eng: [x, y z]}, closing: bye}\n    responses: {A: ok, Other: hmm}\n",
	head + "expire_after: 1d12h\nquestions:\n  - {result: a, ask: hi, type: number, min: -1e3, max: 0x10, timeout: 90s}\n",
	head + "intro: \"Hi @(upper(contact.name) @results.a\"\nquestions:\n  - {result: a, ask: \"@(1 + fields.age) \\\"x\\\"\", type: text}\n",
	head + "questions:\n  - result: a\n    ask: |\n      Hello @contact.name,\n      @(round(fields.x / ), 2) @(uper(1)\n    type: choice\n    choices: [{category: Not delivered, match: [x]}, {category: Longer ago, match: [y]}]\n  - {result: b, ask: ho, type: text, when: a in [Not delivered, Longer ago] or a == Not delivered}\n",
	"workflow: [\n",
	"? [a]\n: b\n",
}

// FuzzParse checks that Parse never panics, that every problem it reports
// is positioned in the file, and that whatever it accepts compiles.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range parseSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		w, err := Parse("fuzz.yaml", data)
		if err != nil {
			var ds Diagnostics
			if !errors.As(err, &ds) || !ds.HasErrors() {
				t.Fatalf("error %T without diagnostics: %v", err, err)
			}
			for _, d := range ds {
				if !d.Pos.IsValid() || d.Pos.File != "fuzz.yaml" || d.Pos.Column < 1 {
					t.Fatalf("diagnostic not positioned in the file: %#v", d)
				}
			}
			return
		}
		if _, err := Compile(w); err != nil {
			t.Fatalf("a workflow Parse accepted does not compile: %v", err)
		}
	})
}

// FuzzMarshalYAML checks that whatever Parse accepts is written by
// MarshalYAML as YAML that reads back as the same workflow and is written
// again as the same bytes.
func FuzzMarshalYAML(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range parseSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		w, err := Parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		out, err := MarshalYAML(w)
		if err != nil {
			t.Fatalf("MarshalYAML: %v", err)
		}
		again, err := Parse("out.yaml", out)
		if err != nil {
			t.Fatalf("the YAML written does not read back: %v\n%s", err, out)
		}
		if d := cmp.Diff(w, again, sameWorkflow...); d != "" {
			t.Fatalf("read back differs (-parsed +read back):\n%s\n%s", d, out)
		}
		twice, err := MarshalYAML(again)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out, twice) {
			t.Fatalf("written twice, the YAML differs:\n%s\n%s", out, twice)
		}
	})
}
