package rapidpro

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/mhero-go/mhero/internal/httpx"
	"github.com/nyaruka/phonenumbers"
)

// URN schemes RapidPro uses most.
const (
	SchemeTel      = "tel"
	SchemeWhatsApp = "whatsapp"
	SchemeTelegram = "telegram"
	SchemeMailto   = "mailto"
	SchemeFacebook = "facebook"
	SchemeTwitter  = "twitter"
	SchemeExternal = "ext"
)

// maxURNLength is RapidPro's limit on a URN.
const maxURNLength = 255

// ErrInvalidPhone is matched by the errors of PhoneURN.
var ErrInvalidPhone = errors.New("rapidpro: invalid phone number")

// PhoneError explains why a phone number was refused. Its message masks the
// number.
type PhoneError struct {
	// Masked is the number as given, with all but a few digits hidden.
	Masked string
	// Reason says what is wrong, e.g. "too short for RW".
	Reason string
}

// Error describes the refusal without the full number.
func (e *PhoneError) Error() string {
	return fmt.Sprintf("rapidpro: invalid phone number %q: %s", e.Masked, e.Reason)
}

// Is matches ErrInvalidPhone.
func (e *PhoneError) Is(target error) bool { return target == ErrInvalidPhone }

// MaskPhone hides all but a few digits of a phone number, or of a URN that
// holds one, for what people read (logs, reports, a program's output):
// "+250788123456" becomes "+250*******56" and "tel:+250788123456"
// "tel:+250*******56", so that numbers can still be told apart. It is the
// masking of the package's own errors and logs (see PhoneError.Masked).
// Text with fewer than 7 digits is returned unchanged.
func MaskPhone(s string) string { return httpx.MaskPhone(s) }

// MaskURN hides a contact address (a URN, or a bare phone number) for what
// people read: the scheme and any display name or query go, and of a phone
// number only the +, the first three and the last two digits stay
// ("tel:+231770123456" and "whatsapp:231770123456" become "+231*******56"
// and "231*******56"). Any other address keeps only its first and last two
// characters ("mailto:jane@moh.gov.lr" is "ja***********lr"), and one of at
// most four characters is all stars, so nothing short leaks whole.
func MaskURN(urn string) string {
	_, path, ok := strings.Cut(urn, ":")
	if !ok {
		path = urn
	}
	if i := strings.IndexAny(path, "#?"); i >= 0 {
		path = path[:i] // a display name or query after the path is not shown
	}
	if countDigits(path) >= 7 {
		return httpx.MaskPhone(path)
	}
	r := []rune(path)
	if len(r) <= 4 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:2]) + strings.Repeat("*", len(r)-4) + string(r[len(r)-2:])
}

func countDigits(s string) int {
	n := 0
	for _, c := range s {
		if c >= '0' && c <= '9' {
			n++
		}
	}
	return n
}

// PhoneURN builds a tel: URN in E.164 ("tel:+250788123456") from a phone
// number written locally ("0788 123 456") or internationally
// ("+250 788 123 456", "00250788123456"), using defaultCountry (ISO 3166
// alpha-2, e.g. "RW") for local numbers. A number that is not valid for its
// country is refused with a *PhoneError giving the reason.
func PhoneURN(number, defaultCountry string) (string, error) {
	masked := MaskPhone(strings.TrimSpace(number))
	region := strings.ToUpper(strings.TrimSpace(defaultCountry))
	num, err := phonenumbers.Parse(number, region)
	if err != nil {
		reason := err.Error()
		switch {
		case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
			if region == "" {
				reason = "no country code, and no default country given"
			} else {
				reason = "unknown country code or default country " + region
			}
		case errors.Is(err, phonenumbers.ErrNotANumber):
			reason = "not a phone number"
		case errors.Is(err, phonenumbers.ErrTooShortNSN), errors.Is(err, phonenumbers.ErrTooShortAfterIDD):
			reason = "too short"
		case errors.Is(err, phonenumbers.ErrNumTooLong):
			reason = "too long"
		}
		return "", &PhoneError{Masked: masked, Reason: reason}
	}
	country := phonenumbers.GetRegionCodeForNumber(num)
	if country == "" || country == "ZZ" {
		country = phonenumbers.GetRegionCodeForCountryCode(int(num.GetCountryCode()))
	}
	if country == "ZZ" {
		country = ""
	}
	if !phonenumbers.IsValidNumber(num) {
		reason := "not a valid number"
		if country != "" {
			reason += " for " + country
		}
		switch phonenumbers.IsPossibleNumberWithReason(num) {
		case phonenumbers.TOO_SHORT:
			reason = "too short"
		case phonenumbers.TOO_LONG:
			reason = "too long"
		case phonenumbers.INVALID_COUNTRY_CODE:
			reason = "unknown country code"
		case phonenumbers.INVALID_LENGTH:
			reason = "wrong length"
		}
		if country != "" && !strings.HasSuffix(reason, country) {
			reason += " for " + country
		}
		return "", &PhoneError{Masked: masked, Reason: reason}
	}
	return SchemeTel + ":" + phonenumbers.Format(num, phonenumbers.E164), nil
}

// URN is a parsed contact URN: scheme:path, with an optional ?query and
// #display as RapidPro writes them.
type URN struct {
	Scheme  string
	Path    string
	Query   string
	Display string
}

// ParseURN splits a URN, checking that it has a lower-case scheme and a
// path and is at most 255 characters long.
func ParseURN(s string) (URN, error) {
	if len(s) > maxURNLength {
		return URN{}, fmt.Errorf("rapidpro: URN longer than %d characters", maxURNLength)
	}
	scheme, rest, ok := strings.Cut(s, ":")
	if !ok || scheme == "" || rest == "" {
		return URN{}, fmt.Errorf("rapidpro: invalid URN %q: want scheme:path", MaskPhone(s))
	}
	for _, r := range scheme {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
			return URN{}, fmt.Errorf("rapidpro: invalid URN scheme %q", scheme)
		}
	}
	var u URN
	u.Scheme = scheme
	rest, u.Display, _ = strings.Cut(rest, "#")
	u.Path, u.Query, _ = strings.Cut(rest, "?")
	if u.Path == "" {
		return URN{}, fmt.Errorf("rapidpro: invalid URN %q: empty path", scheme+":")
	}
	if p, err := url.PathUnescape(u.Path); err == nil {
		u.Path = p
	}
	if d, err := url.PathUnescape(u.Display); err == nil {
		u.Display = d
	}
	return u, nil
}

// NewURN returns scheme:path.
func NewURN(scheme, path string) URN { return URN{Scheme: scheme, Path: path} }

// String writes the URN back as scheme:path[?query][#display].
func (u URN) String() string {
	var b strings.Builder
	b.WriteString(u.Scheme)
	b.WriteByte(':')
	b.WriteString(strings.NewReplacer("?", "%3F", "#", "%23").Replace(u.Path))
	if u.Query != "" {
		b.WriteByte('?')
		b.WriteString(u.Query)
	}
	if u.Display != "" {
		b.WriteByte('#')
		b.WriteString(url.PathEscape(u.Display))
	}
	return b.String()
}

// Identity returns scheme:path, without query and display, the form
// RapidPro matches contacts on.
func (u URN) Identity() string { return URN{Scheme: u.Scheme, Path: u.Path}.String() }
