package analytics

import (
	"slices"
	"testing"
)

func TestFactsRoundTrip(t *testing.T) {
	t.Parallel()
	in := []fact{{q: 0, cat: 1, asks: 1, wait: 34}, {q: 1, cat: 2, asks: 2, wait: 95}, {q: 2, cat: -1, asks: 1, wait: -1}, {q: 7, cat: 0, asks: 0, wait: -1}}
	text := string(appendFacts(nil, in))
	if text != "0:1:1:34,1:2:2:95,2::1:,7:0:0:" {
		t.Errorf("facts written as %q", text)
	}
	out, err := parseFacts(nil, []byte(text))
	if err != nil || !slices.Equal(out, in) {
		t.Errorf("parseFacts(%q) = %v, %v; want %v", text, out, err, in)
	}
	for _, bad := range []string{"x", "1:2", "1:a:1:", "-1:0:1:", "1:2:3:4:5", "1::1:99999999999999999999", "0:-3:1:", "0:1:-1:", "0:1:1:-5"} {
		if _, err := parseFacts(nil, []byte(bad)); err == nil {
			t.Errorf("parseFacts(%q) accepted", bad)
		}
	}
}

func TestValuesAndPathRoundTrip(t *testing.T) {
	t.Parallel()
	vs := []storedValue{{0, 1500, "yes"}, {3, -2, "line one\nline two\ttab \\ backslash\r"}, {4, 0, ""}}
	got, err := parseValues(string(appendValues(nil, vs)))
	if err != nil || !slices.Equal(got, vs) {
		t.Errorf("values round trip: %+v, %v", got, err)
	}
	steps := []storedStep{{0, 0}, {5, 1200}, {2, -3}}
	p, err := parsePath(string(appendPath(nil, steps)))
	if err != nil || !slices.Equal(p, steps) {
		t.Errorf("path round trip: %v, %v", p, err)
	}
}

func FuzzFacts(f *testing.F) {
	for _, s := range []string{"", "0:1:1:34,1:2:2:95,2::1:", "3::0:", "1:2", ",", "0:0:0:0,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		facts, err := parseFacts(nil, []byte(s))
		if err != nil {
			return
		}
		// What parses writes back to something that parses the same.
		again, err := parseFacts(nil, appendFacts(nil, facts))
		if err != nil || !slices.Equal(again, facts) {
			t.Fatalf("%q: %v, then %v (%v)", s, facts, again, err)
		}
	})
}

func FuzzValue(f *testing.F) {
	for _, s := range []string{"", "yes", "a\tb\nc\\d", `\n`, "\\", "é ü 😀"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseValues(string(appendValues(nil, []storedValue{{q: 1, ms: 7, value: s}, {q: 2, ms: 8, value: "x"}})))
		if err != nil || len(got) != 2 || got[0].value != s || got[1].value != "x" {
			t.Fatalf("value %q came back as %+v (%v)", s, got, err)
		}
	})
}
