package workflow

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// sameWorkflow compares workflows field by field, ignoring where they were
// read from and the difference between nil and empty.
var sameWorkflow = []cmp.Option{cmpopts.IgnoreUnexported(Workflow{}), cmpopts.EquateEmpty()}

// yamlFiles lists the compiler's test workflows and the examples.
func yamlFiles(t testing.TB) []string {
	t.Helper()
	var files []string
	for _, pattern := range []string{"testdata/*.yaml", "../examples/workflows/*.yaml"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 5 {
		t.Fatalf("found only %d workflow files", len(files))
	}
	return files
}

func TestMarshalYAMLRoundTrip(t *testing.T) {
	t.Parallel()
	for _, file := range yamlFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			w, err := ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			out, err := MarshalYAML(w)
			if err != nil {
				t.Fatal(err)
			}
			again, err := Parse("out.yaml", out)
			if err != nil {
				t.Fatalf("the YAML written does not read back: %v\n%s", err, out)
			}
			if d := cmp.Diff(w, again, sameWorkflow...); d != "" {
				t.Errorf("the workflow read back differs (-original +read back):\n%s\n%s", d, out)
			}
			twice, err := MarshalYAML(again)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, twice) {
				t.Errorf("written twice, the YAML differs:\n%s", cmp.Diff(string(out), string(twice)))
			}
		})
	}
}

func TestMarshalYAMLGolden(t *testing.T) {
	t.Parallel()
	w, err := ParseFile("../examples/workflows/training-needs.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got, err := MarshalYAML(w)
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "golden", "training-needs.yaml")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("MarshalYAML differs from %s (-want +got):\n%s", golden, cmp.Diff(string(want), string(got)))
	}
}

// TestMarshalYAMLTrickyText writes texts YAML would read as something
// else, or only with care, and reads them back.
func TestMarshalYAMLTrickyText(t *testing.T) {
	t.Parallel()
	tricky := []string{
		"yes", "No", "null", "~", "1", "0x10", "1e3", "-", "- item", "a: b", "x #not a comment", "#", "@contact.name",
		"'single'", `"double"`, "it's", "  leading", "trailing  ", "tab\there", "line one\nline two", "ends with a newline\n",
		"two\n\nparagraphs", "line with trailing space \nnext", "\nstarts with a newline", "{not: a mapping}", "[not, a, list]",
		"*alias", "&anchor", "!tag", "%directive", "|", ">", "? key", "é€😀", "a\u00a0non-breaking space", "---", "...",
	}
	b := New("Tricky: texts", "tricky").Language("eng").Translations("fra")
	for i, s := range tricky {
		b.Question(FreeText(fmt.Sprintf("q%d", i), T(s).In("fra", s+" (fr)")).Retry(T("retry "+s).In("fra", s), 0))
	}
	b.Intro(T("intro\n- with a dash line").In("fra", "- tiret"))
	w, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	out, err := MarshalYAML(w)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse("tricky.yaml", out)
	if err != nil {
		t.Fatalf("does not read back: %v\n%s", err, out)
	}
	if d := cmp.Diff(w, again, sameWorkflow...); d != "" {
		t.Errorf("read back differs (-built +read):\n%s\n%s", d, out)
	}
}

// TestMarshalYAMLKeepsTheExport writes what a Go program can hold but the
// format writes another way (Match beside MatchIn, groups of categories
// interleaved), and checks the export compiled from what is read back is
// the original's, byte for byte.
func TestMarshalYAMLKeepsTheExport(t *testing.T) {
	t.Parallel()
	w, err := New("Stock", "stock").Language("eng").Translations("fra", "swa").Keyword("STOCK").ExpireAfter(36*time.Hour).
		Question(
			OneOf("reason", T("Why?").In("fra", "Pourquoi ?").In("swa", "Kwa nini?"),
				Option("Late", "1", "late").MatchingIn("fra", "retard").MatchingIn("eng", "delayed").Named("fra", "Retard").Named("swa", "Kuchelewa"),
				Option("Other", "2", "other").MatchingIn("swa", "nyingine").Named("fra", "Autre").Named("swa", "Nyingine").
					EndingWith(T("Bye").In("fra", "Au revoir").In("swa", "Kwaheri")),
			).Retry(T("1 or 2").In("fra", "1 ou 2").In("swa", "1 au 2"), 3).Timeout(90*time.Minute).
				AddToGroup("Late", "Late deliveries").AddToGroup("No Match", "Unclear").AddToGroup("late", "Follow up").
				Respond("No Response", T("We will call.").In("fra", "On vous appelle.").In("swa", "Tutapiga simu.")).
				SaveTo("stock_reason"),
			Number("weeks", T("Weeks left?").In("fra", "Semaines ?").In("swa", "Wiki?")).Between(-1.5, 52).When(`reason in ["Late", No Match]`),
		).Build()
	if err != nil {
		t.Fatal(err)
	}
	out, err := MarshalYAML(w)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse("stock.yaml", out)
	if err != nil {
		t.Fatalf("does not read back: %v\n%s", err, out)
	}
	compile := func(w *Workflow) []byte {
		e, err := Compile(w)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := WriteExport(&buf, e); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	if !bytes.Equal(compile(w), compile(again)) {
		t.Errorf("the export of the workflow read back differs from the original's; YAML:\n%s", out)
	}
	for _, want := range []string{"expire_after: 1d12h\n", "timeout: 1h30m\n", "min: -1.5\n", "max: 52\n",
		"match: {eng: [\"1\", late, delayed], fra: [retard]}", "add_to_group:\n      Late: [Late deliveries, Follow up]\n      No Match: Unclear\n"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("the YAML lacks %q:\n%s", want, out)
		}
	}
}
