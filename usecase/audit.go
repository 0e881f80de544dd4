package usecase

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Entry is one line of the audit log: who did what to which use case,
// when and why. Every transition of a use case is one, and so are the
// events around it (a test's transcript, an approval request sent, a
// reply refused because it came from the wrong phone).
//
// The log is append-only and chained: each entry holds the hash of the
// one before it (Prev) and its own hash over its content and Prev, so an
// entry changed or deleted afterwards breaks the chain where it was
// (see [Manager.Verify]).
type Entry struct {
	// Seq numbers the entries of the whole log from 1, without gaps.
	Seq  int64  `json:"seq"`
	Case string `json:"case"`
	// At is when it happened, to the microsecond, in UTC.
	At time.Time `json:"at"`
	// Actor is who did it: a person's name, or the program acting for
	// them ("mhero on behalf of …"), or the approver whose SMS arrived.
	Actor  string `json:"actor"`
	Action string `json:"action"`
	// From and To are the states before and after; equal when the entry
	// records an event that changes no state.
	From State `json:"from,omitempty"`
	To   State `json:"to,omitempty"`
	// Reason is why, in the actor's words.
	Reason string `json:"reason,omitempty"`
	// Data holds the details as JSON (a version's hashes, a transcript,
	// a flow start's UUID, a sync's summary).
	Data json.RawMessage `json:"data,omitempty"`
	Prev string          `json:"prev"`
	Hash string          `json:"hash"`
}

// Transition reports whether the entry moved the use case to another
// state.
func (e Entry) Transition() bool { return e.From != e.To }

// String renders the entry in one line.
func (e Entry) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "#%d %s %s %s: %s", e.Seq, e.At.Format("2006-01-02 15:04:05Z07:00"), e.Case, e.Actor, e.Action)
	if e.Transition() {
		fmt.Fprintf(&b, " (%s → %s)", e.From.Label(), e.To.Label())
	}
	if e.Reason != "" {
		fmt.Fprintf(&b, ": %s", e.Reason)
	}
	return b.String()
}

// auditDomain separates these hashes from any other SHA-256 of the same
// bytes, and versions the hashing.
const auditDomain = "mhero usecase audit v1\n"

// ComputeHash returns the hash the entry must carry: SHA-256 over its
// content (everything but Hash) and the previous entry's hash.
func (e Entry) ComputeHash() string {
	body := struct {
		Seq    int64           `json:"seq"`
		Case   string          `json:"case"`
		At     string          `json:"at"`
		Actor  string          `json:"actor"`
		Action string          `json:"action"`
		From   State           `json:"from"`
		To     State           `json:"to"`
		Reason string          `json:"reason"`
		Data   json.RawMessage `json:"data"`
		Prev   string          `json:"prev"`
	}{e.Seq, e.Case, e.At.UTC().Format(time.RFC3339Nano), e.Actor, e.Action, e.From, e.To, e.Reason, rawOrNull(e.Data), e.Prev}
	data, err := json.Marshal(body)
	if err != nil {
		panic(err) // plain data always marshals
	}
	h := sha256.New()
	h.Write([]byte(auditDomain))
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

// rawOrNull keeps JSON as written: json.Marshal would compact a
// RawMessage, so a changed space would pass unseen; it is hashed as a
// string instead.
func rawOrNull(r json.RawMessage) json.RawMessage {
	if len(r) == 0 {
		return json.RawMessage("null")
	}
	s, _ := json.Marshal(string(r))
	return s
}

// Finding is a break in the audit chain.
type Finding struct {
	Seq     int64  `json:"seq"`
	Case    string `json:"case,omitempty"`
	Problem string `json:"problem"`
}

func (f Finding) String() string {
	if f.Case != "" {
		return fmt.Sprintf("entry #%d (%s): %s", f.Seq, f.Case, f.Problem)
	}
	return fmt.Sprintf("entry #%d: %s", f.Seq, f.Problem)
}

// Verification is the result of checking the audit log.
type Verification struct {
	Entries int `json:"entries"`
	// Head is the hash of the last entry: written down elsewhere (the
	// register, a report), it lets a later check also detect entries
	// removed from the end.
	Head     string    `json:"head"`
	Findings []Finding `json:"findings"`
}

// OK reports whether the log is intact.
func (v Verification) OK() bool { return len(v.Findings) == 0 }

// chainChecker checks entries read in Seq order.
type chainChecker struct {
	prev    string
	lastSeq int64
	v       Verification
}

func (c *chainChecker) add(e Entry) {
	c.v.Entries++
	find := func(format string, args ...any) {
		c.v.Findings = append(c.v.Findings, Finding{Seq: e.Seq, Case: e.Case, Problem: fmt.Sprintf(format, args...)})
	}
	if e.Seq != c.lastSeq+1 {
		if e.Seq > c.lastSeq+1 {
			find("entries #%d to #%d are missing (deleted)", c.lastSeq+1, e.Seq-1)
		} else {
			find("out of order after #%d", c.lastSeq)
		}
	}
	if e.Prev != c.prev {
		find("does not follow the entry before it (its previous hash is %s, the chain's %s)", short(e.Prev), short(c.prev))
	}
	if h := e.ComputeHash(); h != e.Hash {
		find("changed after it was written (its content hashes to %s, it was recorded as %s)", short(h), short(e.Hash))
	}
	c.prev, c.lastSeq = e.Hash, e.Seq
	c.v.Head = e.Hash
}
