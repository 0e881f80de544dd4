package excellent

import (
	"html"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// conversionFunctions convert a value to another type.
var conversionFunctions = map[string]builtin{
	"text":     oneText(fnText),
	"boolean":  oneArg(fnBoolean),
	"number":   oneNumber(fnNumber),
	"date":     oneDate(fnDate),
	"datetime": oneDateTime(fnDateTime),
	"array":    variadic(0, -1, fnArray),
}

// fnText returns the value as text.
func fnText(_ *Env, s string) Value { return s }

// fnBoolean returns whether the value is truthy.
func fnBoolean(_ *Env, v Value) Value {
	if IsError(v) {
		return v
	}
	return Truthy(v)
}

// fnNumber returns the value as a number.
func fnNumber(_ *Env, n Number) Value { return n }

// fnDate returns the value as a date.
func fnDate(_ *Env, d Date) Value { return d }

// fnDateTime returns the value as a datetime.
func fnDateTime(_ *Env, t time.Time) Value { return t }

// fnArray returns its arguments as an array, or the first of them that is
// an error.
func fnArray(_ *Env, args []Value) Value {
	for _, a := range args {
		if IsError(a) {
			return a
		}
	}
	return Array(slices.Clone(args))
}

// textFunctions work on text.
var textFunctions = map[string]builtin{
	"upper":             oneText(fnUpper),
	"lower":             oneText(fnLower),
	"title":             oneText(fnTitle),
	"clean":             oneText(fnClean),
	"text_length":       oneText(fnTextLength),
	"format_urn":        oneText(fnFormatURN),
	"url_encode":        oneText(fnURLEncode),
	"remove_first_word": oneText(fnRemoveFirstWord),
	"trim":              textAndOptionalText(fnTrim),
	"trim_left":         textAndOptionalText(fnTrimLeft),
	"trim_right":        textAndOptionalText(fnTrimRight),
	"word_count":        textAndOptionalText(fnWordCount),
	"split":             textAndOptionalText(fnSplit),
	"word":              initialText(1, 2, fnWord),
	"word_slice":        initialText(1, 3, fnWordSlice),
	"field":             initialText(2, 2, fnField),
	"text_slice":        initialText(1, 2, fnTextSlice),
	"regex_match":       initialText(1, 2, fnRegexMatch),
	"text_compare":      twoTexts(fnTextCompare),
	"repeat":            textAndInteger(fnRepeat),
	"replace":           variadic(3, 4, fnReplace),
	"char":              oneNumber(fnChar),
	"code":              oneText(fnCode),
	"html_decode":       oneText(fnHTMLDecode),
	"percent":           oneNumber(fnPercent),
}

// fnUpper converts text to upper case.
func fnUpper(_ *Env, s string) Value { return strings.ToUpper(s) }

// fnLower converts text to lower case.
func fnLower(_ *Env, s string) Value { return strings.ToLower(s) }

// fnTitle capitalizes each word of text.
func fnTitle(_ *Env, s string) Value { return titleCase(strings.ToLower(s)) }

var nonPrintable = regexp.MustCompile(`[\p{Cc}\p{C}]`)

// fnClean removes non-printable characters.
func fnClean(_ *Env, s string) Value { return nonPrintable.ReplaceAllString(s, "") }

// fnTextLength counts the characters of text.
func fnTextLength(_ *Env, s string) Value { return NumberFromInt(int64(utf8.RuneCountInString(s))) }

// fnFormatURN formats a URN for display.
func fnFormatURN(_ *Env, s string) Value {
	if _, _, _, ok := splitURN(s); !ok {
		return Errorf("%s is not a valid URN", s)
	}
	return FormatURN(s)
}

// fnURLEncode encodes text for use in a URL, spaces as %20.
func fnURLEncode(_ *Env, s string) Value { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

// fnRemoveFirstWord removes the first word of text.
func fnRemoveFirstWord(_ *Env, s string) Value {
	words := extractWords(s, "")
	if len(words) < 2 {
		return ""
	}
	s = s[strings.Index(s, words[0])+len(words[0]):]
	return s[strings.Index(s, words[1]):]
}

// fnTrim removes chars (or white space) from both ends of text.
func fnTrim(_ *Env, s, chars string) Value {
	return trimWith(s, chars, strings.Trim, strings.TrimSpace)
}

// fnTrimLeft removes chars (or white space) from the start of text.
func fnTrimLeft(_ *Env, s, chars string) Value {
	return trimWith(s, chars, strings.TrimLeft, func(s string) string { return strings.TrimLeftFunc(s, unicode.IsSpace) })
}

// fnTrimRight removes chars (or white space) from the end of text.
func fnTrimRight(_ *Env, s, chars string) Value {
	return trimWith(s, chars, strings.TrimRight, func(s string) string { return strings.TrimRightFunc(s, unicode.IsSpace) })
}

func trimWith(s, chars string, withChars func(string, string) string, spaces func(string) string) Value {
	if chars != "" {
		return withChars(s, chars)
	}
	return spaces(s)
}

// fnWordCount counts the words of text, split on delimiters when given.
func fnWordCount(_ *Env, s, delims string) Value {
	return NumberFromInt(int64(len(extractWords(s, delims))))
}

// fnSplit splits text into an array of words.
func fnSplit(_ *Env, s, delims string) Value {
	out := Array{}
	for _, w := range extractWords(s, delims) {
		out = append(out, w)
	}
	return out
}

// fnWord returns the word at an index (negative from the end), split on
// delimiters when given: word(text, index[, delimiters]).
func fnWord(_ *Env, s string, rest []Value) Value {
	index, err := toInteger(rest[0])
	if err != nil {
		return *err
	}
	delims := ""
	if len(rest) == 2 && rest[1] != nil {
		if delims, err = toText(rest[1]); err != nil {
			return *err
		}
	}
	words := extractWords(s, delims)
	offset := index
	if offset < 0 {
		offset += len(words)
	}
	if offset < 0 || offset >= len(words) {
		return Errorf("index %d is out of range for the number of words %d", index, len(words))
	}
	return words[offset]
}

// fnWordSlice returns the words from start up to end, joined with spaces:
// word_slice(text, start[, end[, delimiters]]).
func fnWordSlice(_ *Env, s string, rest []Value) Value {
	start, err := toInteger(rest[0])
	if err != nil {
		return *err
	}
	if start < 0 {
		return Errorf("must start with a positive index")
	}
	end := -1
	if len(rest) >= 2 {
		if end, err = toInteger(rest[1]); err != nil {
			return *err
		}
	}
	if end > 0 && end <= start {
		return Errorf("must have a end which is greater than the start")
	}
	delims := ""
	if len(rest) == 3 && rest[2] != nil {
		if delims, err = toText(rest[2]); err != nil {
			return *err
		}
	}
	words := extractWords(s, delims)
	if start >= len(words) {
		return ""
	}
	if end >= len(words) {
		end = len(words)
	}
	if end > 0 {
		return strings.Join(words[start:end], " ")
	}
	return strings.Join(words[start:], " ")
}

// fnField returns the field at an index of text split by a separator:
// field(text, index, separator).
func fnField(_ *Env, s string, rest []Value) Value {
	index, err := toInteger(rest[0])
	if err != nil {
		return *err
	}
	if index < 0 {
		return Errorf("cannot use a negative index")
	}
	sep, err := toText(rest[1])
	if err != nil {
		return *err
	}
	fields := strings.Split(s, sep)
	if sep == " " {
		fields = slices.DeleteFunc(fields, func(f string) bool { return f == "" })
	}
	if index >= len(fields) {
		return ""
	}
	return strings.TrimSpace(fields[index])
}

// fnTextSlice returns the characters from start up to end (negative from
// the end): text_slice(text, start[, end]).
func fnTextSlice(_ *Env, s string, rest []Value) Value {
	length := utf8.RuneCountInString(s)
	start, err := toInteger(rest[0])
	if err != nil {
		return *err
	}
	if start < 0 {
		start += length
	}
	end := length
	if len(rest) == 2 {
		if end, err = toInteger(rest[1]); err != nil {
			return *err
		}
	}
	if end < 0 {
		end += length
	}
	var b strings.Builder
	i := 0
	for _, r := range s {
		if i >= start && i < end {
			b.WriteRune(r)
		}
		i++
	}
	return b.String()
}

// fnRegexMatch returns the first match of a pattern (ignoring case), or
// one of its groups: regex_match(text, pattern[, group]).
func fnRegexMatch(_ *Env, s string, rest []Value) Value {
	pattern, err := toText(rest[0])
	if err != nil {
		return *err
	}
	group := 0
	if len(rest) == 2 {
		if group, err = toInteger(rest[1]); err != nil {
			return *err
		}
	}
	re, rerr := regexp.Compile("(?mi)" + pattern)
	if rerr != nil {
		return Errorf("invalid regular expression")
	}
	groups := re.FindStringSubmatch(s)
	if group < 0 || group >= len(groups) {
		return Errorf("invalid regular expression group")
	}
	return groups[group]
}

// fnTextCompare compares two texts: -1, 0 or 1.
func fnTextCompare(_ *Env, a, b string) Value {
	return NumberFromInt(int64(strings.Compare(a, b)))
}

// fnRepeat repeats text a number of times.
func fnRepeat(_ *Env, s string, n int) Value {
	if n < 0 {
		return Errorf("must be called with a positive integer, got %d", n)
	}
	if len(s)*n > 10000 {
		return Errorf("result would be too long")
	}
	return strings.Repeat(s, n)
}

// fnReplace replaces occurrences of a text, all of them or the first
// count: replace(text, needle, replacement[, count]).
func fnReplace(_ *Env, args []Value) Value {
	var texts [3]string
	for i := range texts {
		s, err := toText(args[i])
		if err != nil {
			return *err
		}
		texts[i] = s
	}
	count := -1
	if len(args) == 4 {
		c, err := toInteger(args[3])
		if err != nil {
			return *err
		}
		count = c
	}
	return strings.Replace(texts[0], texts[1], texts[2], count)
}

// fnChar returns the character of a Unicode code point.
func fnChar(_ *Env, n Number) Value {
	code, err := toInteger(n)
	if err != nil {
		return *err
	}
	return string(rune(code))
}

// fnCode returns the Unicode code point of the first character of text.
func fnCode(_ *Env, s string) Value {
	if s == "" {
		return Errorf("requires a string of at least one character")
	}
	r, _ := utf8.DecodeRuneInString(s)
	return NumberFromInt(int64(r))
}

// fnHTMLDecode decodes HTML entities.
func fnHTMLDecode(_ *Env, s string) Value {
	return strings.ReplaceAll(html.UnescapeString(s), "\u00a0", " ")
}

// fnPercent formats a number as a whole percentage: 0.256 is "26%".
func fnPercent(_ *Env, n Number) Value {
	return n.mul(NumberFromInt(100)).round(0).truncate().String() + "%"
}

// ---- text helpers ----

// wordTokens matches words as goflow tokenises them: runs of letters, marks,
// digits, "_" and "'", and each symbol on its own.
var wordTokens = regexp.MustCompile(`[\pM\pL\pN_']+|\pS`)

// Words splits text into words as goflow does (for @contact.first_name,
// word() and the word tests).
func Words(s string) []string { return wordTokens.FindAllString(s, -1) }

func extractWords(s, delimiters string) []string {
	if delimiters == "" {
		return Words(s)
	}
	return strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(delimiters, r) })
}

// titleCase upper-cases the first letter of each word, where words are
// separated as in the standard library's (deprecated) strings.Title.
func titleCase(s string) string {
	prev := ' '
	return strings.Map(func(r rune) rune {
		sep := isTitleSeparator(prev)
		prev = r
		if sep {
			return unicode.ToTitle(r)
		}
		return r
	}, s)
}

func isTitleSeparator(r rune) bool {
	if r <= 0x7F {
		switch {
		case '0' <= r && r <= '9', 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', r == '_':
			return false
		}
		return true
	}
	if unicode.IsLetter(r) || unicode.IsDigit(r) {
		return false
	}
	return unicode.IsSpace(r)
}

// splitURN splits "scheme:path?query#display".
func splitURN(urn string) (scheme, path, display string, ok bool) {
	scheme, rest, ok := strings.Cut(urn, ":")
	if !ok || scheme == "" || rest == "" {
		return "", "", "", false
	}
	rest, display, _ = strings.Cut(rest, "#")
	path, _, _ = strings.Cut(rest, "?")
	return scheme, path, display, true
}

// FormatURN formats a URN for display as goflow does: phone numbers in
// national format, other URNs by display name or path.
func FormatURN(urn string) string {
	scheme, path, display, ok := splitURN(urn)
	if !ok {
		return urn
	}
	if scheme == "tel" {
		if p, err := phonenumbers.Parse(path, ""); err == nil {
			return phonenumbers.Format(p, phonenumbers.NATIONAL)
		}
		return path
	}
	if display != "" {
		return display
	}
	return path
}
