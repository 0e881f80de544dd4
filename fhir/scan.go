package fhir

import "unicode/utf8"

// topLevelString finds key among the members of the JSON object data and
// returns its value when that is an ASCII string without escapes. It skips the
// other members without decoding them or allocating, so reading a
// resource's type costs little wherever the server put it. It never
// panics; on anything unexpected it reports false and the caller falls
// back to encoding/json.
func topLevelString(data []byte, key string) (string, bool) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return "", false
	}
	i++
	for {
		i = skipSpace(data, i)
		if i >= len(data) || data[i] != '"' {
			return "", false
		}
		end := skipString(data, i)
		if end < 0 {
			return "", false
		}
		name := data[i+1 : end-1]
		i = skipSpace(data, end)
		if i >= len(data) || data[i] != ':' {
			return "", false
		}
		i = skipSpace(data, i+1)
		if string(name) == key {
			if i >= len(data) || data[i] != '"' {
				return "", false
			}
			end = skipString(data, i)
			if end < 0 {
				return "", false
			}
			value := data[i+1 : end-1]
			for _, c := range value {
				if c == '\\' || c >= utf8.RuneSelf {
					return "", false // escapes and non-ASCII: leave them to encoding/json
				}
			}
			return string(value), true
		}
		if i = skipValue(data, i); i < 0 {
			return "", false
		}
		i = skipSpace(data, i)
		if i >= len(data) || data[i] != ',' {
			return "", false
		}
		i++
	}
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string starting at data[i] (a
// quote), or -1.
func skipString(data []byte, i int) int {
	for i++; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

// skipValue returns the index after the value starting at data[i], or -1.
func skipValue(data []byte, i int) int {
	if i >= len(data) {
		return -1
	}
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for ; i < len(data); i++ {
			switch data[i] {
			case '"':
				if i = skipString(data, i); i < 0 {
					return -1
				}
				i-- // the loop's i++ moves past the closing quote
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return -1
	}
	// A number, true, false or null.
	for ; i < len(data); i++ {
		switch data[i] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			return i
		}
	}
	return i
}
