package target_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/mhero-go/mhero/target"
	"go.yaml.in/yaml/v3"
)

func TestParseGroup(t *testing.T) {
	t.Parallel()
	src := `name: Nurses and midwives in Bong
country: lr
criteria:
  places: [LR-BONG]
  cadres: [nurse, midwife]
phones:
  uses: [mobile, ""]
add:
  workers: [P000123]
  phones: ["0770 123 456"]
exclude:
  workers: [P000456]
`
	g, err := target.ParseGroup("bong.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if g.Name != "Nurses and midwives in Bong" || len(g.Criteria.Cadres) != 2 || g.Add.Phones[0] != "0770 123 456" || g.Phones.Uses[1] != "" {
		t.Errorf("parsed %+v", g)
	}
	c := g.Canonical()
	if c.Country != "LR" || c.Add.Phones[0] != "tel:+231770123456" {
		t.Errorf("canonical %+v", c)
	}
	// The hash ignores order and spelling, and sees every change.
	g2 := *g
	g2.Criteria.Cadres = []string{"midwife", "nurse", "nurse"}
	g2.Country = "LR"
	if g.Hash() != g2.Hash() {
		t.Error("equal targets hash differently")
	}
	g2.Criteria.Places = []string{"LR-NIMBA"}
	if g.Hash() == g2.Hash() {
		t.Error("a changed place keeps the hash")
	}
	// Round trip through YAML.
	out, err := yaml.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	back, err := target.ParseGroup("out.yaml", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if back.Hash() != g.Hash() {
		t.Errorf("round trip changed the target:\n%s", out)
	}
}

func TestParseGroupErrorsArePositioned(t *testing.T) {
	t.Parallel()
	src := `name: ""
country: ZZ
criteria:
  cadre: [nurse]
  status: retired
  places: ["", LR-BONG]
phones:
  uses: [mobile, pager]
add:
  phones: ["12"]
exclude: [P1]
`
	_, err := target.ParseGroup("bad.yaml", []byte(src))
	var ps target.Problems
	if !errors.As(err, &ps) || !errors.Is(err, target.ErrInvalidGroup) {
		t.Fatalf("error %v is not Problems", err)
	}
	want := []string{
		`bad.yaml:1:7: name: a target needs a name`,
		`bad.yaml:2:10: country: "ZZ" is not a country code`,
		`bad.yaml:4:3: criteria.cadre: unknown field "cadre" (did you mean "cadres"?)`,
		`bad.yaml:5:11: criteria.status: status "retired" is not active, inactive or any`,
		`bad.yaml:6:12: criteria.places[0]: places[0] is empty`,
		`bad.yaml:8:18: phones.uses[1]: "pager" is not a phone use`,
		`bad.yaml:10:12: add.phones[0]: invalid phone number`,
		`bad.yaml:11:10: exclude: expected a mapping of workers, phones, got a list`,
	}
	got := strings.Split(err.Error(), "\n")
	if len(got) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%s", len(got), len(want), err)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %d:\n got %s\nwant %s…", i, got[i], want[i])
		}
	}
	for _, bad := range []string{"", "- a list", "name: [x", "name: a\ncountry: LR\nname: b\n"} {
		if _, err := target.ParseGroup("x.yaml", []byte(bad)); !errors.Is(err, target.ErrInvalidGroup) {
			t.Errorf("%q: error %v", bad, err)
		}
	}
}

func FuzzParseGroup(f *testing.F) {
	f.Add([]byte("name: a\ncountry: LR\ncriteria: {places: [x]}\n"))
	f.Add([]byte("name: a\ncountry: LR\nadd: {phones: ['0770 123 456']}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := target.ParseGroup("f.yaml", data)
		if err != nil {
			var ps target.Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("error %v is not Problems", err)
			}
			for _, p := range ps {
				if p.Line < 1 {
					t.Fatalf("unpositioned problem %+v", p)
				}
			}
			return
		}
		if err := g.Validate(); err != nil {
			t.Fatalf("parsed but invalid: %v", err)
		}
	})
}

// A target embedded in another YAML document decodes through
// Group.UnmarshalYAML, with its problems positioned in that document.
func TestGroupEmbeddedInYAML(t *testing.T) {
	t.Parallel()
	var doc struct {
		Title  string       `yaml:"title"`
		Target target.Group `yaml:"target"`
	}
	ok := "title: t\ntarget:\n  name: Nurses\n  country: LR\n  criteria: {cadres: [nurse]}\n"
	if err := yaml.Unmarshal([]byte(ok), &doc); err != nil || doc.Target.Name != "Nurses" || doc.Target.Country != "LR" {
		t.Fatalf("Unmarshal = %v, target %+v", err, doc.Target)
	}
	bad := "title: t\ntarget:\n  name: Nurses\n  country: LR\n  criteria: {cadrs: [nurse]}\n"
	err := yaml.Unmarshal([]byte(bad), &doc)
	var ps target.Problems
	if !errors.As(err, &ps) || len(ps) != 1 || ps[0].Line != 5 || ps[0].Column != 14 || ps[0].File != "" {
		t.Fatalf("Unmarshal = %#v, want one problem at 5:14 with no file", err)
	}
}
