package httpx

import (
	"net/url"
	"regexp"
	"strings"
)

// phoneRE matches candidate phone numbers: an optional + (or its URL
// encoding), then at least 7 digits possibly separated by spaces, dots,
// dashes or brackets. [Redactor.String] then decides which are phone numbers.
var phoneRE = regexp.MustCompile(`(?:\+|%2[bB])?\(?\d[\d ().-]{5,}\d`)

// dateRE matches the start of an ISO date, which is never a phone number.
var dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}`)

// MaskPhone masks a phone number, keeping a URN scheme ("tel:"), a leading
// + (or %2B), the first 3 digits and the last 2 so numbers can still be told
// apart in a log: "+250788123456" becomes "+250*******56" and
// "tel:+250788123456" "tel:+250*******56". Strings with fewer than 7 digits
// are returned unchanged.
func MaskPhone(s string) string {
	scheme := ""
	if i := strings.IndexByte(s, ':'); i > 0 && isScheme(s[:i]) {
		scheme, s = s[:i+1], s[i+1:]
	}
	prefix := scheme
	for _, p := range []string{"+", "%2B", "%2b"} {
		if strings.HasPrefix(s, p) {
			prefix, s = scheme+p, s[len(p):]
			break
		}
	}
	digits := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			digits++
		}
	}
	if digits < 7 {
		return prefix + s
	}
	b := []byte(prefix)
	seen := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			continue
		}
		seen++
		if seen <= 3 || seen > digits-2 {
			b = append(b, c)
		} else {
			b = append(b, '*')
		}
	}
	return string(b)
}

// isScheme reports whether s can be a URN scheme: lower-case letters,
// digits and dashes, starting with a letter.
func isScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (i == 0 || (c < '0' || c > '9') && c != '-') {
			return false
		}
	}
	return s != ""
}

// Redactor removes secrets and phone numbers from text that may reach an
// error message or a log line. The zero value masks phone numbers only.
type Redactor struct {
	secrets []string
}

// NewRedactor returns a Redactor that also hides each of the non-empty
// secrets (API tokens, passwords), wherever they appear.
func NewRedactor(secrets ...string) *Redactor {
	r := &Redactor{}
	for _, s := range secrets {
		if len(s) >= 4 {
			r.secrets = append(r.secrets, s, url.QueryEscape(s))
		}
	}
	return r
}

// String returns s with secrets replaced by "REDACTED" and phone numbers
// masked with [MaskPhone].
func (r *Redactor) String(s string) string {
	if r != nil {
		for _, sec := range r.secrets {
			s = strings.ReplaceAll(s, sec, "REDACTED")
		}
	}
	return maskPhones(s)
}

// maskPhones masks every phone number in s. A run of digits counts as a
// phone number when it follows a + or a URN scheme, or when it has 9 to 15
// digits (a local mobile number) and is not a date; runs glued to letters
// (hex ids) are left alone.
func maskPhones(s string) string {
	locs := phoneRE.FindAllStringIndex(s, -1)
	if locs == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, l := range locs {
		m := s[l[0]:l[1]]
		if !isPhone(s, l[0], l[1], m) {
			continue
		}
		b.WriteString(s[last:l[0]])
		b.WriteString(MaskPhone(m))
		last = l[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

func isPhone(s string, start, end int, m string) bool {
	if end < len(s) && isWordByte(s[end]) {
		return false
	}
	n := 0
	for i := 0; i < len(m); i++ {
		if m[i] >= '0' && m[i] <= '9' {
			n++
		}
	}
	if m[0] == '+' || m[0] == '%' {
		return n-boolInt(m[0] == '%') <= 15
	}
	if start > 0 && isWordByte(s[start-1]) {
		// The digits continue a word: a UUID, a hex id, a name.
		return false
	}
	if n > 15 || dateRE.MatchString(strings.TrimLeft(m, "(")) {
		return false
	}
	prefix := strings.ToLower(s[:start])
	for _, scheme := range []string{"tel:", "tel%3a", "whatsapp:", "whatsapp%3a"} {
		if strings.HasSuffix(prefix, scheme) {
			return true
		}
	}
	return n >= 9
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func isWordByte(c byte) bool {
	return c == '_' || c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// sensitiveParams are query parameters whose values are always hidden.
var sensitiveParams = []string{"token", "access_token", "api_key", "apikey", "key", "password", "client_secret", "code"}

// URL returns u as a string with credentials, sensitive query parameters,
// secrets and phone numbers hidden. It never changes u.
func (r *Redactor) URL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	if c.User != nil {
		c.User = url.User("REDACTED")
	}
	if c.RawQuery != "" {
		q := c.Query()
		changed := false
		for _, p := range sensitiveParams {
			if q.Has(p) {
				q.Set(p, "REDACTED")
				changed = true
			}
		}
		if changed {
			c.RawQuery = q.Encode()
		}
	}
	return r.String(c.String())
}
