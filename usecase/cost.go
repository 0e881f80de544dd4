package usecase

import (
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/mhero-go/mhero/workflow/flow"
)

// PathCost is what one conversation costs a single health worker: the
// messages the flow sends on that path and their SMS parts.
type PathCost struct {
	Language string `json:"language"`
	// Messages counts the messages sent, Segments their SMS parts.
	Messages int `json:"messages"`
	Segments int `json:"segments"`
	// UCS2 counts the messages sent as UCS-2 (70 characters an SMS rather
	// than 160): a translation with accents or another script can double
	// a workflow's cost.
	UCS2 int `json:"ucs2"`
	// Transcript is the conversation, so that the Director can see what
	// the path is.
	Transcript Transcript `json:"transcript"`
}

// LanguageCost is the cost of the workflow for recipients of one language.
type LanguageCost struct {
	Language string   `json:"language"`
	Longest  PathCost `json:"longest"`
	Expected PathCost `json:"expected"`
}

// Cost is what sending a workflow to a target costs in SMS, before it is
// sent: SMS parts per recipient on the longest path (the most messages
// any answers can bring, retries and follow-ups included) and on the
// expected path (every question answered once, first category), times the
// recipients. Replies are not counted: health workers send them. Costs are
// given per language; the totals take the most expensive language, as the
// recipients' languages are not known in advance.
type Cost struct {
	Recipients int            `json:"recipients"`
	Languages  []LanguageCost `json:"languages"`
	// Longest and Expected are the most expensive language's.
	Longest  PathCost `json:"longest"`
	Expected PathCost `json:"expected"`
	// LongestTotal and ExpectedTotal are the SMS parts for every
	// recipient: Segments × Recipients.
	LongestTotal  int `json:"longestTotal"`
	ExpectedTotal int `json:"expectedTotal"`
	// Conversations counts the distinct states of conversations explored
	// to find the longest path; Exhaustive is false when a flow had more
	// than the limit, and Longest is then the longest of those tried.
	Conversations int  `json:"conversations"`
	Exhaustive    bool `json:"exhaustive"`
}

// String is the cost in one line, as the approval request gives it.
func (c Cost) String() string {
	s := fmt.Sprintf("%d SMS (expected path, %d a health worker) to %d SMS (longest path, %d a health worker) for %d health workers",
		c.ExpectedTotal, c.Expected.Segments, c.LongestTotal, c.Longest.Segments, c.Recipients)
	if !c.Exhaustive {
		s += fmt.Sprintf(" (longest of %d conversations tried)", c.Conversations)
	}
	return s
}

// exploreLimit bounds the conversations tried for the longest path.
const exploreLimit = 5000

// EstimateCost works out the SMS cost of sending the export's flow to
// recipients health workers, by playing it in the simulator: every
// conversation (each category, a reply fitting none, a timeout, at every
// question) for the longest path, and the expected conversation. Messages
// are filled in for a contact named with 23 characters.
func EstimateCost(exp *flow.Export, recipients int) (*Cost, error) {
	if exp == nil || len(exp.Flows) == 0 {
		return nil, errors.New("usecase: no flow to cost")
	}
	data, err := flow.MarshalExport(exp)
	if err != nil {
		return nil, err
	}
	key := sha256Hex(data)
	costs.Lock()
	c, ok := costs.m[key]
	costs.Unlock()
	if !ok {
		if c, err = estimate(exp); err != nil {
			return nil, err
		}
		costs.Lock()
		if len(costs.m) >= 64 {
			clear(costs.m)
		}
		costs.m[key] = c
		costs.Unlock()
	}
	out := *c
	out.Languages = slices.Clone(c.Languages)
	out.Recipients = recipients
	out.LongestTotal = out.Longest.Segments * recipients
	out.ExpectedTotal = out.Expected.Segments * recipients
	return &out, nil
}

// costs remembers the costs of the exports estimated lately: the search
// for the longest path plays the flow many times, and a program asks for
// the same export's cost again (a new approval request, a report).
var costs = struct {
	sync.Mutex
	m map[string]*Cost
}{m: map[string]*Cost{}}

// estimate works out an export's cost per health worker.
func estimate(exp *flow.Export) (*Cost, error) {
	f := &exp.Flows[0]
	recipients := 0
	clock := fixedClock
	c := &Cost{Recipients: recipients, Exhaustive: true}
	for _, lang := range flowLanguages(f) {
		l := LanguageCost{Language: lang}
		lt, states, exh, err := longest(exp, lang, exploreLimit, clock)
		if err != nil {
			return nil, err
		}
		c.Conversations += states
		c.Exhaustive = c.Exhaustive && exh
		l.Longest = pathCost(lang, lt)
		t, err := expected(exp, lang, clock)
		if err != nil {
			return nil, err
		}
		l.Expected = pathCost(lang, t)
		c.Languages = append(c.Languages, l)
		if l.Longest.Segments > c.Longest.Segments {
			c.Longest = l.Longest
		}
		if l.Expected.Segments > c.Expected.Segments {
			c.Expected = l.Expected
		}
	}
	c.Longest.Transcript.Conversation = "longest path"
	c.LongestTotal = c.Longest.Segments * recipients
	c.ExpectedTotal = c.Expected.Segments * recipients
	return c, nil
}

func pathCost(lang string, t Transcript) PathCost {
	pc := PathCost{Language: lang, Transcript: t}
	for _, turn := range t.Turns {
		if turn.Direction != "out" {
			continue
		}
		seg := Segment(turn.Text)
		pc.Messages++
		pc.Segments += seg.Parts
		if seg.Encoding == UCS2 {
			pc.UCS2++
		}
	}
	return pc
}

// flowLanguages returns the flow's base language, then its translations.
func flowLanguages(f *flow.Flow) []string {
	langs := []string{f.Language}
	var more []string
	for l := range f.Localization {
		if l != f.Language {
			more = append(more, l)
		}
	}
	slices.Sort(more)
	return append(langs, more...)
}
