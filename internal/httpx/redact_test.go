package httpx

import (
	"net/url"
	"strings"
	"testing"
)

func TestRedactorString(t *testing.T) {
	t.Parallel()
	r := NewRedactor("abcd1234token")
	for in, want := range map[string]string{
		"Invalid URN: tel:+250788123456":               "Invalid URN: tel:+250*******56",
		"urn=tel%3A%2B250788123456&x=1":                "urn=tel%3A%2B250*******56&x=1",
		"call 0770 123 456 now":                        "call 077*****56 now",
		"Token abcd1234token":                          "Token REDACTED",
		"contact 09d23a05-47fe-11e4-bfe9-b8f6b119e9ab": "contact 09d23a05-47fe-11e4-bfe9-b8f6b119e9ab",
		"after=2024-01-15T10:00:00.123456Z":            "after=2024-01-15T10:00:00.123456Z",
		"uuid 12345678-1234-4234-8234-123456789012 ok": "uuid 12345678-1234-4234-8234-123456789012 ok",
		"page 1234567 of runs":                         "page 1234567 of runs",
		"whatsapp:250788123456":                        "whatsapp:250*******56",
		"hex a1234567890b stays":                       "hex a1234567890b stays",
	} {
		if got := r.String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactorURL(t *testing.T) {
	t.Parallel()
	r := NewRedactor("tok-99999999")
	u, _ := url.Parse("https://user:pass@rp.example.org/api/v2/contacts.json?urn=tel:%2B231770123456&token=abc&cursor=cD0y")
	got := r.URL(u)
	for _, leak := range []string{"pass", "abc", "770123456"} {
		if strings.Contains(got, leak) {
			t.Errorf("%q leaks %q", got, leak)
		}
	}
	if !strings.Contains(got, "cursor=cD0y") {
		t.Errorf("%q lost the cursor", got)
	}
	if u.User.String() != "user:pass" {
		t.Error("URL changed the caller's url")
	}
}

func FuzzRedactor(f *testing.F) {
	for _, s := range []string{"tel:+250788123456", "0770 123 456", "%2B1 (206) 555-1212", "2024-01-01", ""} {
		f.Add(s)
	}
	r := NewRedactor("secret-token")
	f.Fuzz(func(t *testing.T, s string) {
		out := r.String(s)
		if strings.Contains(s, "secret-token") && strings.Contains(out, "secret-token") {
			t.Fatalf("secret kept in %q", out)
		}
	})
}

func TestMaskPhone(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"+250788123456":         "+250*******56",
		"tel:+250788123456":     "tel:+250*******56",
		"whatsapp:250788123456": "whatsapp:250*******56",
		"%2B250788123456":       "%2B250*******56",
		"0788 123 456":          "078*****56",
		"tel:+25078":            "tel:+25078",
	} {
		if got := MaskPhone(in); got != want {
			t.Errorf("MaskPhone(%q) = %q, want %q", in, got, want)
		}
	}
}
