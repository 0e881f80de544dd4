package rapidprotest

import (
	"strings"
	"testing"
)

func FuzzCursor(f *testing.F) {
	f.Add(int64(1700000000000000), int64(42), true)
	f.Add(int64(-1), int64(0), false)
	f.Fuzz(func(t *testing.T, ts, id int64, reverse bool) {
		c := encodeCursor(sortKey{ts, id}, reverse)
		k, rev, ok := decodeCursor(c)
		if !ok || k != (sortKey{ts, id}) || rev != reverse {
			t.Fatalf("round trip of (%d, %d, %v) gave (%v, %v, %v)", ts, id, reverse, k, rev, ok)
		}
	})
}

func FuzzDecodeCursor(f *testing.F) {
	f.Add("cD0xNzAwMDAwMDAwMDAwMDAwLjQyJnI9MQ")
	f.Add("!!!")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		if k, rev, ok := decodeCursor(s); ok {
			if k2, rev2, ok2 := decodeCursor(encodeCursor(k, rev)); !ok2 || k2 != k || rev2 != rev {
				t.Fatalf("re-encoding %q changed it", s)
			}
		}
	})
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{`district = "Bong"`, `age > 30 AND cadre != nurse OR name ~ ama`, `=`, `a and`, `"x" = "y`} {
		f.Add(s)
	}
	name := "Ama Kollie"
	c := &contact{name: &name, status: "active", urns: []string{"tel:+231770000001"}, fields: map[string]string{"district": "Bong", "age": "34"}}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := parseQuery(s)
		if err != nil {
			return
		}
		_ = q.matches(c) // must not panic
	})
}

func FuzzNormalizeURN(f *testing.F) {
	for _, s := range []string{"tel:+231770000001", "tel:0770000001", "twitter:@Jack", "mailto:A@B.org", "foo:bar", ":", "tel:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := normalizeURN(s, "LR")
		if !ok {
			return
		}
		again, ok := normalizeURN(n, "LR")
		if !ok || again != n {
			t.Fatalf("normalizing %q gave %q, then %q (%v)", s, n, again, ok)
		}
	})
}

func TestParseQuery(t *testing.T) {
	t.Parallel()
	name := "Ama Kollie"
	c := &contact{name: &name, status: "active", urns: []string{"tel:+231770000001"}, fields: map[string]string{"district": "Bong", "age": "34"}}
	for q, want := range map[string]bool{
		`district = "Bong"`:                true,
		`district = bong`:                  true,
		`district != Bong`:                 false,
		`age > 30 AND district = Bong`:     true,
		`age > 40 OR name ~ kollie`:        true,
		`age >= 34 and age <= 34`:          true,
		`tel = +231770000001`:              true,
		`missing = x`:                      false,
		`missing != x`:                     true,
		`fields.district = "Bong"`:         true,
		`district = "Bong and Nimba"`:      false,
		`status = active AND language = x`: false,
	} {
		parsed, err := parseQuery(q)
		if err != nil {
			t.Errorf("%s: %v", q, err)
			continue
		}
		if got := parsed.matches(c); got != want {
			t.Errorf("%s matched %v, want %v", q, got, want)
		}
	}
	for _, bad := range []string{"", "district", "= x"} {
		if _, err := parseQuery(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestPythonJSONLen(t *testing.T) {
	t.Parallel()
	// len(json.dumps({"a": "é", "b": [1, 2]})) in Python is 28.
	if n := pythonJSONLen([]byte(`{"a":"é","b":[1,2]}`)); n != 28 {
		t.Errorf("got %d, want 28", n)
	}
	if n := pythonJSONLen([]byte(`{"a":"x,y:\"z"}`)); n != len(`{"a": "x,y:\"z"}`) {
		t.Errorf("separators inside strings were counted: %d", n)
	}
}

func TestUUIDsAreValidAndSeeded(t *testing.T) {
	t.Parallel()
	a, b := newIDs(7), newIDs(7)
	seen := map[string]bool{}
	for range 1000 {
		u := a.uuid()
		if !isUUID(u) || u[14] != '4' || !strings.ContainsRune("89ab", rune(u[19])) {
			t.Fatalf("%s is not a version 4 UUID", u)
		}
		if u != b.uuid() {
			t.Fatal("the same seed gave different UUIDs")
		}
		if seen[u] {
			t.Fatalf("%s repeated", u)
		}
		seen[u] = true
	}
}
