package excellent

import (
	"strings"
	"unicode"
)

// This file splits an expression into lexemes following goflow's grammar
// (antlr/Excellent3.g4 of github.com/nyaruka/goflow).

type lexKind int

const (
	lexEOF lexKind = iota
	lexName
	lexText
	lexNumber
	lexTrue
	lexFalse
	lexNull
	lexOp // punctuation and operators; text holds which
	lexError
)

type lexeme struct {
	kind lexKind
	text string
	at   int // where it starts, in runes
}

// describe names the lexeme in an author's error message.
func (l lexeme) describe() string {
	switch l.kind {
	case lexEOF:
		return "the end of the expression"
	case lexText:
		return "the text " + l.text
	case lexError:
		if strings.HasPrefix(l.text, `"`) {
			return "a text without its closing \""
		}
	}
	return `"` + l.text + `"`
}

func lex(s string) []lexeme {
	var out []lexeme
	rs := []rune(s)
	for i := 0; i < len(rs); {
		c := rs[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '"':
			j := i + 1
			for j < len(rs) && rs[j] != '"' {
				if rs[j] == '\\' && j+1 < len(rs) && rs[j+1] == '"' {
					j++
				}
				j++
			}
			if j >= len(rs) {
				out = append(out, lexeme{lexError, string(rs[i:]), i})
				return append(out, lexeme{kind: lexEOF, at: len(rs)})
			}
			out = append(out, lexeme{lexText, string(rs[i : j+1]), i})
			i = j + 1
		case c >= '0' && c <= '9':
			j := i
			for j < len(rs) && rs[j] >= '0' && rs[j] <= '9' {
				j++
			}
			if j+1 < len(rs) && rs[j] == '.' && rs[j+1] >= '0' && rs[j+1] <= '9' {
				j++
				for j < len(rs) && rs[j] >= '0' && rs[j] <= '9' {
					j++
				}
			}
			out = append(out, lexeme{lexNumber, string(rs[i:j]), i})
			i = j
		case unicode.IsLetter(c) || c == '_':
			j := i
			for j < len(rs) && (unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j]) || rs[j] == '_') {
				j++
			}
			word := string(rs[i:j])
			switch strings.ToLower(word) {
			case "true":
				out = append(out, lexeme{lexTrue, word, i})
			case "false":
				out = append(out, lexeme{lexFalse, word, i})
			case "null":
				out = append(out, lexeme{lexNull, word, i})
			default:
				out = append(out, lexeme{lexName, word, i})
			}
			i = j
		default:
			two := ""
			if i+1 < len(rs) {
				two = string(rs[i : i+2])
			}
			switch two {
			case "=>", "!=", "<=", ">=":
				out = append(out, lexeme{lexOp, two, i})
				i += 2
				continue
			}
			if strings.ContainsRune(",()[].+-*/^=<>&", c) {
				out = append(out, lexeme{lexOp, string(c), i})
			} else {
				out = append(out, lexeme{lexError, string(c), i})
			}
			i++
		}
	}
	return append(out, lexeme{kind: lexEOF, at: len(rs)})
}
