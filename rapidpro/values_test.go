package rapidpro

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestPhoneURN(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ number, country, want string }{
		{"0788 123 456", "RW", "tel:+250788123456"},
		{"+250 788-123-456", "", "tel:+250788123456"},
		{"00250788123456", "RW", "tel:+250788123456"},
		{"0712 345 678", "ke", "tel:+254712345678"},
		{"(206) 555-1212", "US", "tel:+12065551212"},
		{"+231 77 012 3456", "RW", "tel:+231770123456"}, // a Liberian number keeps its own country
	} {
		got, err := PhoneURN(tc.number, tc.country)
		if err != nil || got != tc.want {
			t.Errorf("PhoneURN(%q, %q) = %q, %v; want %q", tc.number, tc.country, got, err, tc.want)
		}
	}
}

func TestPhoneURNRefusesWithReasonAndMasks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ number, country, reason string }{
		{"0788 12", "RW", "too short"},
		{"0788123456789012", "RW", "too long"},
		{"0788123456", "", "no country code"},
		{"hello", "RW", "not a phone number"},
		{"0788123456", "XX", "unknown country code or default country XX"},
		{"+250 988 123 456", "", "for RW"},
		{"+1 011 555 1212", "", "for US"},
	} {
		_, err := PhoneURN(tc.number, tc.country)
		var pe *PhoneError
		if !errors.As(err, &pe) || !errors.Is(err, ErrInvalidPhone) {
			t.Errorf("PhoneURN(%q, %q): %v, want a *PhoneError", tc.number, tc.country, err)
			continue
		}
		if !strings.Contains(pe.Reason, tc.reason) {
			t.Errorf("PhoneURN(%q, %q) reason %q, want it to say %q", tc.number, tc.country, pe.Reason, tc.reason)
		}
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, tc.number)
		if len(digits) >= 7 && strings.Contains(strings.ReplaceAll(err.Error(), " ", ""), digits) {
			t.Errorf("error %q shows the number", err)
		}
	}
}

func TestParseURN(t *testing.T) {
	t.Parallel()
	u, err := ParseURN("whatsapp:250788123456?channel=abc#Amina%20K")
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme != "whatsapp" || u.Path != "250788123456" || u.Query != "channel=abc" || u.Display != "Amina K" {
		t.Errorf("got %+v", u)
	}
	if u.Identity() != "whatsapp:250788123456" {
		t.Errorf("identity %q", u.Identity())
	}
	if got := u.String(); got != "whatsapp:250788123456?channel=abc#Amina%20K" {
		t.Errorf("String %q", got)
	}
	for _, bad := range []string{"", "tel", "tel:", ":123", "TEL:+1", strings.Repeat("x", 300)} {
		if _, err := ParseURN(bad); err == nil {
			t.Errorf("ParseURN(%q) accepted", bad)
		}
	}
}

func FuzzParseURN(f *testing.F) {
	for _, s := range []string{"tel:+250788123456", "mailto:a@b.c", "ext:x?y#z", "twitter:jack#Jack%20D", "a:b?c?d#e#f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseURN(s)
		if err != nil {
			return
		}
		again, err := ParseURN(u.String())
		if err != nil {
			t.Fatalf("ParseURN(%q).String() = %q does not parse: %v", s, u.String(), err)
		}
		if again != u && len(u.String()) <= maxURNLength {
			t.Fatalf("round trip of %q: %+v != %+v", s, again, u)
		}
	})
}

func TestTimeFormats(t *testing.T) {
	t.Parallel()
	want := time.Date(2015, 11, 11, 13, 5, 57, 457742000, time.UTC)
	for _, s := range []string{"2015-11-11T13:05:57.457742Z", "2015-11-11T13:05:57.457742+00:00", "2015-11-11T15:05:57.457742+02:00", "2015-11-11T13:05:57.457742"} {
		var v Time
		if err := json.Unmarshal([]byte(`"`+s+`"`), &v); err != nil || !v.Equal(want) {
			t.Errorf("%s: got %v, %v", s, v, err)
		}
	}
	var v Time
	if err := json.Unmarshal([]byte(`null`), &v); err != nil || !v.IsZero() {
		t.Errorf("null: %v %v", v, err)
	}
	if b, _ := json.Marshal(Time{want}); string(b) != `"2015-11-11T13:05:57.457742Z"` {
		t.Errorf("marshal %s", b)
	}
	if b, _ := json.Marshal(Time{}); string(b) != `null` {
		t.Errorf("zero marshals as %s", b)
	}
	if err := json.Unmarshal([]byte(`"yesterday"`), &v); err == nil {
		t.Error("a bad timestamp was accepted")
	}
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2015-11-11T13:05:57.457742Z", "2013-02-27T09:06:15.456", "2017-02-20", "2015-11-11T13:05:57+00:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := ParseTime(s)
		if err != nil {
			return
		}
		b, err := json.Marshal(Time{tm})
		if err != nil {
			return // years outside 0-9999 cannot be written as JSON
		}
		var back Time
		if err := json.Unmarshal(b, &back); err != nil || (!tm.IsZero() && !back.Equal(tm)) {
			t.Fatalf("%q -> %s -> %v (%v)", s, b, back, err)
		}
	})
}

func TestFieldValues(t *testing.T) {
	t.Parallel()
	var fields map[string]FieldValue
	if err := json.Unmarshal([]byte(`{"name":"Amina","age":34,"score":-1.5,"gone":null,"joined":"2020-01-02T00:00:00Z"}`), &fields); err != nil {
		t.Fatal(err)
	}
	if fields["name"].String() != "Amina" || !fields["gone"].IsNull() {
		t.Errorf("got %+v", fields)
	}
	if n, ok := fields["age"].Number(); !ok || n != 34 {
		t.Errorf("age %v %v", n, ok)
	}
	if n, ok := fields["score"].Number(); !ok || n != -1.5 {
		t.Errorf("score %v %v", n, ok)
	}
	if tm, ok := fields["joined"].Time(); !ok || tm.Year() != 2020 {
		t.Errorf("joined %v %v", tm, ok)
	}
	b, _ := json.Marshal(fields)
	if string(b) != `{"age":34,"gone":null,"joined":"2020-01-02T00:00:00Z","name":"Amina","score":-1.5}` {
		t.Errorf("round trip %s", b)
	}
}

func TestTranslationsAcceptPlainString(t *testing.T) {
	t.Parallel()
	var tr Translations
	if err := json.Unmarshal([]byte(`"Hello"`), &tr); err != nil || tr.Text("eng") != "Hello" {
		t.Fatalf("%v %v", tr, err)
	}
	if b, _ := json.Marshal(tr); string(b) != `"Hello"` {
		t.Errorf("plain string written back as %s", b)
	}
	if err := json.Unmarshal([]byte(`{"eng":"Hi","fra":"Salut"}`), &tr); err != nil || tr.Text("fra") != "Salut" || tr.Text("kin") != "" {
		t.Errorf("%v %v", tr, err)
	}
}

func FuzzParseErrorBody(f *testing.F) {
	for _, s := range []string{`{"detail":"Not found."}`, `{"urns":{"0":["bad"]}}`, `{"a":[["x"],{"b":1}]}`, `Server Error`, `["x"]`, `{"detail":5}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		detail, fields := parseErrorBody(body)
		var obj map[string]any
		if json.Unmarshal(body, &obj) != nil {
			return
		}
		var want []string
		collectStrings(obj, &want)
		got := detail + "\n"
		for _, msgs := range fields {
			got += strings.Join(msgs, "\n") + "\n"
		}
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Fatalf("%s: message %q lost (got %q)", body, w, got)
			}
		}
	})
}

func TestMaskURN(t *testing.T) {
	t.Parallel()
	for urn, want := range map[string]string{
		"tel:+231770123456":      "+231*******56",
		"tel:+231 77 012 3456":   "+231*******56",
		"whatsapp:231770123456":  "231*******56",
		"tel:0770123456":         "077*****56",
		"+231770123456":          "+231*******56", // a bare number
		"tel:+2317701234#Jane":   "+231*****34",   // the display name goes
		"tel:+231770123456?x=1":  "+231*******56",
		"telegram:123456":        "12**56", // too few digits for a phone: still masked
		"mailto:jane@moh.gov.lr": "ja***********lr",
		"tel:":                   "",
		"tel:1234":               "****",
		"garbage":                "ga***ge",
		":":                      "",
		"":                       "",
	} {
		if got := MaskURN(urn); got != want {
			t.Errorf("MaskURN(%q) = %q, want %q", urn, got, want)
		}
	}
}
