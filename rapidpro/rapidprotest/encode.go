package rapidprotest

import (
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"
)

// rawBody is a reply body that is already JSON, written as is. The runs
// endpoint uses it: encoding runs by hand keeps the server's allocations
// per run near zero, so a client benchmark that streams 100,000 runs from
// this server measures the client, not the server's reflection.
type rawBody []byte

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, escaped as encoding/json does
// (invalid UTF-8 becomes U+FFFD; U+2028 and U+2029 are escaped).
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			switch r {
			case utf8.RuneError:
				b = append(b, `\ufffd`...)
			default:
				b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			}
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, "2006-01-02T15:04:05.000000Z")
	return append(b, '"')
}

func appendTimeOrNull(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, "null"...)
	}
	return appendTime(b, t)
}

func appendRef(b []byte, uuid, name string) []byte {
	b = append(b, `{"uuid":`...)
	b = appendString(b, uuid)
	b = append(b, `,"name":`...)
	b = appendString(b, name)
	return append(b, '}')
}

// appendRun appends the runs endpoint's JSON for r (see the run fields in
// the API reference); anon hides the contact's URN.
func appendRun(b []byte, r *run, paths, anon bool) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, r.id, 10)
	b = append(b, `,"uuid":`...)
	b = appendString(b, r.uuid)
	b = append(b, `,"flow":`...)
	b = appendRef(b, r.flow.uuid, r.flow.name)
	b = append(b, `,"contact":{"uuid":`...)
	b = appendString(b, r.contact.uuid)
	b = append(b, `,"name":`...)
	b = appendString(b, r.contact.displayName())
	if len(r.contact.urns) > 0 && !anon {
		u := r.contact.urns[0]
		display := u
		if i := indexByte(u, ':'); i >= 0 {
			display = u[i+1:]
		}
		b = append(b, `,"urn":`...)
		b = appendString(b, u)
		b = append(b, `,"urn_display":`...)
		b = appendString(b, display)
	} else {
		b = append(b, `,"urn":null,"urn_display":null`...)
	}
	b = append(b, `},"start":`...)
	if r.start != nil {
		b = append(b, `{"uuid":`...)
		b = appendString(b, r.start.uuid)
		b = append(b, '}')
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"responded":`...)
	b = strconv.AppendBool(b, r.responded)
	b = append(b, `,"path":`...)
	if paths {
		b = append(b, '[')
		for i, p := range r.path {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"node":`...)
			b = appendString(b, p.node)
			b = append(b, `,"time":`...)
			b = appendTime(b, p.time)
			b = append(b, '}')
		}
		b = append(b, ']')
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"values":{`...)
	for i, v := range r.values {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, v.key)
		b = append(b, `:{"name":`...)
		b = appendString(b, v.name)
		b = append(b, `,"value":`...)
		b = appendString(b, v.value)
		b = append(b, `,"category":`...)
		if v.category != "" {
			b = appendString(b, v.category)
		} else {
			b = append(b, "null"...)
		}
		b = append(b, `,"node":`...)
		b = appendString(b, v.node)
		b = append(b, `,"time":`...)
		b = appendTime(b, v.time)
		b = append(b, '}')
	}
	b = append(b, `},"created_on":`...)
	b = appendTime(b, r.created)
	b = append(b, `,"modified_on":`...)
	b = appendTime(b, r.modified)
	b = append(b, `,"exited_on":`...)
	b = appendTimeOrNull(b, r.exited)
	b = append(b, `,"exit_type":`...)
	if r.exitType != "" {
		b = appendString(b, r.exitType)
	} else {
		b = append(b, "null"...)
	}
	return append(b, '}')
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// runsPage encodes a runs page: the v2 envelope around the runs.
func runsPage(r *http.Request, items []*run, cursor string, paths, anon bool) rawBody {
	b := make([]byte, 0, 64+len(items)*900)
	b = append(b, `{"next":`...)
	if next := nextURL(r, cursor); next != nil {
		b = appendString(b, *next)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"previous":null,"results":[`...)
	for i, run := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendRun(b, run, paths, anon)
	}
	return append(b, "]}"...)
}
