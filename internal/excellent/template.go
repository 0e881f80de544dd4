package excellent

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file scans templates: "Hi @contact.name", "@(upper(results.name))",
// "@@" for a literal "@". It follows goflow's scanner (excellent/scanner.go
// and VisitTemplate of github.com/nyaruka/goflow); the code is our own.

// TokenKind is the kind of a template token.
type TokenKind int

// The kinds of template tokens.
const (
	TextToken       TokenKind = iota // literal text
	IdentifierToken                  // "@contact.name": Text is "contact.name"
	ExpressionToken                  // "@(1 + 2)": Text is "1 + 2"
	// UnclosedToken is an "@(" never closed, up to the end of the
	// template: goflow prints it as text, an author most likely forgot a
	// parenthesis.
	UnclosedToken
)

// Token is a piece of a template.
type Token struct {
	Kind TokenKind
	// Text is the literal text of a text token ("@@" read as "@"), or
	// the expression of the others (what follows "@(" in an unclosed one).
	Text string
	// Source is the token as written: the tokens' sources, joined, are
	// the template.
	Source string
	// Offset is where the token starts in the template, in runes.
	Offset int
}

// ExprOffset is where the token's expression (Text) starts in the
// template, in runes.
func (t Token) ExprOffset() int {
	switch t.Kind {
	case IdentifierToken:
		return t.Offset + 1
	case ExpressionToken, UnclosedToken:
		return t.Offset + 2
	}
	return t.Offset
}

// IsExpression reports whether the token is evaluated: an identifier or
// an expression.
func (t Token) IsExpression() bool { return t.Kind == IdentifierToken || t.Kind == ExpressionToken }

// tokenSource is how goflow's error texts show the token: @identifier or
// @(expression).
func (t Token) errorSource() string {
	if t.Kind == IdentifierToken {
		return "@" + t.Text
	}
	return "@(" + t.Text + ")"
}

// TopLevels are the names goflow's run context has at its top: an
// identifier is only one when it starts with one of them.
var TopLevels = []string{"child", "contact", "fields", "globals", "input", "legacy_extra", "node", "parent", "resume", "results", "run", "ticket", "trigger", "urns", "webhook"}

func isNameChar(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) || r == '_' }

// Scan splits a template into tokens. An identifier is only an identifier
// when its first part is one of topLevels (ignoring case); otherwise (an
// email address, say) it stays literal text.
func Scan(template string, topLevels []string) []Token {
	var tokens []Token
	rs := []rune(template)
	// at[i] is the byte offset of rune i, so that sources are slices of
	// the template rather than copies.
	at := make([]int, len(rs)+1)
	n := 0
	for i, r := range rs {
		at[i] = n
		n += utf8.RuneLen(r)
	}
	at[len(rs)] = len(template)
	if !utf8.ValidString(template) {
		at[len(rs)] = n // invalid bytes were read as U+FFFD
		template = string(rs)
	}
	// body is the text of a text token holding "@@"; other text tokens are
	// their source.
	var body strings.Builder
	escaped := false
	bodyStart := 0
	literal := func(text string) {
		if escaped {
			body.WriteString(text)
		}
	}
	flush := func(next int) {
		if bodyStart < next {
			t := Token{Kind: TextToken, Text: template[at[bodyStart]:at[next]], Source: template[at[bodyStart]:at[next]], Offset: bodyStart}
			if escaped {
				t.Text = body.String()
			}
			tokens = append(tokens, t)
		}
		body.Reset()
		escaped = false
		bodyStart = next
	}
	for i := 0; i < len(rs); {
		if rs[i] != '@' || i+1 >= len(rs) {
			literal(template[at[i]:at[i+1]])
			i++
			continue
		}
		next := rs[i+1]
		switch {
		case next == '@':
			if !escaped {
				body.WriteString(template[at[bodyStart]:at[i]])
				escaped = true
			}
			body.WriteByte('@')
			i += 2
		case next == '(':
			expr, end, ok := scanExpression(rs, i+2)
			flush(i)
			kind := ExpressionToken
			if !ok {
				kind = UnclosedToken
			}
			tokens = append(tokens, Token{Kind: kind, Text: expr, Source: template[at[i]:at[end]], Offset: i})
			i = end
			bodyStart = i
		case isNameChar(next):
			end := scanIdentifier(rs, i+1)
			ident := template[at[i+1]:at[end]]
			top, _, _ := strings.Cut(ident, ".")
			if !containsFold(topLevels, top) {
				literal(template[at[i]:at[end]])
				i = end
				continue
			}
			flush(i)
			tokens = append(tokens, Token{Kind: IdentifierToken, Text: ident, Source: template[at[i]:at[end]], Offset: i})
			i = end
			bodyStart = i
		default:
			literal(template[at[i]:at[i+2]])
			i += 2
		}
	}
	flush(len(rs))
	return tokens
}

func containsFold(list []string, s string) bool {
	s = strings.ToLower(s)
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// scanExpression reads an expression body from rs[start:] up to its closing
// parenthesis, skipping parentheses inside text literals. It returns the
// body, the index after the closing parenthesis, and false when the
// expression is never closed.
func scanExpression(rs []rune, start int) (string, int, bool) {
	depth := 1
	i := start
	for i < len(rs) {
		ch := rs[i]
		i++
		switch ch {
		case '"':
			escaped := false
			for i < len(rs) {
				c := rs[i]
				i++
				if c == '"' && !escaped {
					break
				}
				escaped = c == '\\'
			}
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return string(rs[start : i-1]), i, true
			}
		}
	}
	return string(rs[start:i]), i, false
}

// scanIdentifier reads a dotted identifier from rs[start:] and returns
// where it ends; a period is part of it only when a name character
// follows.
func scanIdentifier(rs []rune, start int) int {
	i := start
	for i < len(rs) {
		if isNameChar(rs[i]) {
			i++
			continue
		}
		if rs[i] == '.' && i+1 < len(rs) && isNameChar(rs[i+1]) {
			i++
			continue
		}
		break
	}
	return i
}
