package analytics

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
)

// A run's facts are what the analyses need of its answers, kept in
// analytics_run.facts as short text: one entry per question the run
// reached or has a value for, in the order it was first asked,
//
//	idx:category:asks:wait[,idx:category:asks:wait…]
//
// idx is the question's analytics_question.idx, category the index of the
// value's category in the question's categories (empty while no value was
// saved), asks how many times the question was asked (its nodes visited),
// and wait the seconds from the first asking to a reply (empty when there
// was no reply: no value, or the wait timed out). "0:1:1:34,1:2:2:95,2::1:"
// is a run that answered the first question in 34 seconds, the second
// after being asked twice, and waits on the third.
type fact struct {
	q    int   // question idx
	cat  int   // category index, -1 while none
	asks int   // times asked
	wait int64 // seconds to the reply, -1 when none
}

func appendFacts(b []byte, fs []fact) []byte {
	for i, f := range fs {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(f.q), 10)
		b = append(b, ':')
		if f.cat >= 0 {
			b = strconv.AppendInt(b, int64(f.cat), 10)
		}
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(f.asks), 10)
		b = append(b, ':')
		if f.wait >= 0 {
			b = strconv.AppendInt(b, f.wait, 10)
		}
	}
	return b
}

var errBadFacts = errors.New("analytics: malformed run facts")

// parseFacts appends the facts in s to dst. It does not allocate beyond
// dst's growth, so the analyses can read millions of runs.
func parseFacts(dst []fact, s []byte) ([]fact, error) {
	for len(s) > 0 {
		var entry []byte
		entry, s, _ = bytes.Cut(s, []byte{','})
		var f fact
		var fields [4][]byte
		for i := range fields {
			var ok bool
			fields[i], entry, ok = bytes.Cut(entry, []byte{':'})
			if ok != (i < 3) { // three colons, no more
				return dst, errBadFacts
			}
		}
		var err error
		if f.q, err = atoi(fields[0]); err != nil || f.q < 0 {
			return dst, errBadFacts
		}
		f.cat = -1
		if len(fields[1]) > 0 {
			if f.cat, err = atoi(fields[1]); err != nil || f.cat < 0 {
				return dst, errBadFacts
			}
		}
		if f.asks, err = atoi(fields[2]); err != nil || f.asks < 0 {
			return dst, errBadFacts
		}
		f.wait = -1
		if len(fields[3]) > 0 {
			w, err := atoi(fields[3])
			if err != nil || w < 0 {
				return dst, errBadFacts
			}
			f.wait = int64(w)
		}
		dst = append(dst, f)
	}
	return dst, nil
}

// atoi parses a decimal integer without allocating.
func atoi(b []byte) (int, error) {
	if len(b) == 0 || len(b) > 18 {
		return 0, errBadFacts
	}
	neg := b[0] == '-'
	if neg {
		b = b[1:]
		if len(b) == 0 {
			return 0, errBadFacts
		}
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, errBadFacts
		}
		n = n*10 + int(c-'0')
	}
	if neg {
		n = -n
	}
	return n, nil
}

// A run's values are kept in analytics_run_detail.results, one line per
// value: the question's idx, the milliseconds from the run's creation to
// the value's time, and the value with backslash, tab and newline escaped:
//
//	idx\tms\tvalue[\nidx\tms\tvalue…]
//
// (the category is in the facts). The path is kept in
// analytics_run_detail.path as node idx:ms pairs separated by spaces, node
// idx being the node's analytics_node.idx.
type storedValue struct {
	q     int
	ms    int64
	value string
}

var valueEscaper = strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`, "\r", `\r`)

func appendValues(b []byte, vs []storedValue) []byte {
	for i, v := range vs {
		if i > 0 {
			b = append(b, '\n')
		}
		b = strconv.AppendInt(b, int64(v.q), 10)
		b = append(b, '\t')
		b = strconv.AppendInt(b, v.ms, 10)
		b = append(b, '\t')
		b = append(b, valueEscaper.Replace(v.value)...)
	}
	return b
}

func parseValues(s string) ([]storedValue, error) {
	var out []storedValue
	for line := range strings.SplitSeq(s, "\n") {
		if line == "" {
			continue
		}
		qs, rest, ok1 := strings.Cut(line, "\t")
		ms, value, ok2 := strings.Cut(rest, "\t")
		if !ok1 || !ok2 {
			return nil, errBadFacts
		}
		q, err1 := strconv.Atoi(qs)
		t, err2 := strconv.ParseInt(ms, 10, 64)
		if err1 != nil || err2 != nil {
			return nil, errBadFacts
		}
		out = append(out, storedValue{q: q, ms: t, value: unescape(value)})
	}
	return out, nil
}

func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

type storedStep struct {
	node int
	ms   int64
}

func appendPath(b []byte, steps []storedStep) []byte {
	for i, s := range steps {
		if i > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendInt(b, int64(s.node), 10)
		b = append(b, ':')
		b = strconv.AppendInt(b, s.ms, 10)
	}
	return b
}

func parsePath(s string) ([]storedStep, error) {
	var out []storedStep
	for part := range strings.FieldsSeq(s) {
		n, ms, ok := strings.Cut(part, ":")
		if !ok {
			return nil, errBadFacts
		}
		node, err1 := strconv.Atoi(n)
		t, err2 := strconv.ParseInt(ms, 10, 64)
		if err1 != nil || err2 != nil {
			return nil, errBadFacts
		}
		out = append(out, storedStep{node, t})
	}
	return out, nil
}
