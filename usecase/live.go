package usecase

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/store"
	"github.com/mhero-go/mhero/workflow/flow"
)

// fixedClock is the time simulations for costs and default conversations
// are played at, so that they give the same transcript every time.
var fixedClock = time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)

// ErrNoRapidPro reports a step that needs the RapidPro workspace on a
// Manager that has none (see [WithRapidPro]).
var ErrNoRapidPro = errors.New("usecase: this step needs a RapidPro workspace")

// FlowMismatchError reports that the flow in RapidPro is not the version
// being tested or sent: missing (never imported) or different (an older
// version, or edited in RapidPro's editor). RapidPro's API cannot import
// flows: import Export under Settings → Import, and run the step again.
type FlowMismatchError struct {
	Case    string
	Version int
	Flow    string // UUID
	Name    string
	Missing bool
	// Export is the export to import.
	Export []byte
}

func (e *FlowMismatchError) Error() string {
	what := "differs from"
	if e.Missing {
		what = "is missing: it is not"
	}
	return fmt.Sprintf("usecase %s: the flow %q (%s) in RapidPro %s version %d; import its export in RapidPro (Settings → Import), then run the step again",
		e.Case, e.Name, e.Flow, what, e.Version)
}

// Fingerprint is a hash of what a flow does: every node's actions (each
// message in every language, its quick replies), every router's operand,
// cases, categories and timeouts, every exit's destination, and the
// expiry; not its editor layout, revision or spec version, which RapidPro
// changes on import. Two flows with the same fingerprint send the same
// messages and route the same replies the same way.
func Fingerprint(f *flow.Flow) string {
	h := sha256.New()
	w := func(parts ...any) {
		for _, p := range parts {
			fmt.Fprintf(h, "%v\x1f", p)
		}
		h.Write([]byte{'\x1e'})
	}
	tr := func(uuid string) {
		var langs []string
		for l := range f.Localization {
			langs = append(langs, l)
		}
		sort.Strings(langs)
		for _, l := range langs {
			props := f.Localization[l][uuid]
			var keys []string
			for k := range props {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				w("tr", l, uuid, k, strings.Join(props[k], "\x1d"))
			}
		}
	}
	w("flow", f.UUID, f.Language, f.Type, f.ExpireAfterMinutes)
	for _, n := range f.Nodes {
		w("node", n.UUID)
		for _, a := range n.Actions {
			data, _ := json.Marshal(a)
			var m map[string]any
			_ = json.Unmarshal(data, &m)
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				v, _ := json.Marshal(m[k])
				w("action", a.ActionUUID(), k, string(v))
			}
			tr(a.ActionUUID())
		}
		if r := n.Router; r != nil {
			w("router", r.Type, r.Operand, r.ResultName, r.DefaultCategoryUUID)
			if r.Wait != nil {
				w("wait", r.Wait.Type)
				if t := r.Wait.Timeout; t != nil {
					w("timeout", t.Seconds, t.CategoryUUID)
				}
			}
			for _, c := range r.Cases {
				w("case", c.UUID, c.Type, strings.Join(c.Arguments, "\x1d"), c.CategoryUUID)
				tr(c.UUID)
			}
			for _, c := range r.Categories {
				w("category", c.UUID, c.Name, c.ExitUUID)
				tr(c.UUID)
			}
		}
		for _, x := range n.Exits {
			w("exit", x.UUID, x.DestinationUUID)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ensureFlow checks that RapidPro holds the version's flow as compiled,
// importing it when the Manager has an importer.
func (m *Manager) ensureFlow(ctx context.Context, v *Version) (*flow.Flow, error) {
	if m.rp == nil {
		return nil, ErrNoRapidPro
	}
	exp, err := v.ParsedExport()
	if err != nil {
		return nil, err
	}
	want := &exp.Flows[0]
	check := func() (missing bool, err error) {
		got, err := m.rp.Definitions.Get(ctx, &rapidpro.DefinitionsParams{Flows: []string{want.UUID}, Dependencies: "none"})
		if errors.Is(err, rapidpro.ErrNotFound) {
			return true, nil
		}
		if err != nil {
			return false, err
		}
		for _, raw := range got.Flows {
			f, err := flow.ParseFlow(raw)
			if err != nil || f.UUID != want.UUID {
				continue
			}
			if Fingerprint(f) == Fingerprint(want) {
				return false, nil
			}
			return false, &FlowMismatchError{Case: v.Case, Version: v.N, Flow: want.UUID, Name: want.Name, Export: v.Export}
		}
		return true, &FlowMismatchError{Case: v.Case, Version: v.N, Flow: want.UUID, Name: want.Name, Missing: true, Export: v.Export}
	}
	_, err = check()
	var mm *FlowMismatchError
	if errors.As(err, &mm) && m.importer != nil {
		if err := m.importer(ctx, v.Export); err != nil {
			return nil, fmt.Errorf("usecase: importing the flow: %w", err)
		}
		_, err = check()
	}
	if err != nil {
		return nil, err
	}
	return want, nil
}

// TestPhone says whose phone a live test reaches.
type TestPhone string

// The test phones: the Data Manager's, then the Requestor's.
const (
	PhoneDataManager TestPhone = "dm"
	PhoneRequestor   TestPhone = "requestor"
)

// ErrNotTestPhone reports a live test aimed at a number that is not one of
// the use case's test phones.
var ErrNotTestPhone = errors.New("usecase: a test may reach only the use case's test phones")

// testPhones returns the URNs a live test of rec may reach: the Data
// Manager's and the Requestor's phones, nothing else.
func testPhones(rec *Record) map[TestPhone]string {
	return map[TestPhone]string{PhoneDataManager: rec.DataManager.URN, PhoneRequestor: rec.Form.Requestor.URN}
}

// testStart builds the flow start of a live test. It is the only place a
// test start is made, and it can address one URN of the use case's test
// phones and nothing else: no group, no contact, no second URN. So
// however a test is asked for, the target group is never reached.
func testStart(rec *Record, flowUUID string, who TestPhone, mark string) (*rapidpro.FlowStartRequest, error) {
	urn := testPhones(rec)[who]
	if urn == "" {
		return nil, fmt.Errorf("%w: %s has no %s phone recorded", ErrNotTestPhone, rec.ID, who)
	}
	allowed := slices.Collect(func(yield func(string) bool) {
		for _, u := range testPhones(rec) {
			if u != "" && !yield(u) {
				return
			}
		}
	})
	if !slices.Contains(allowed, urn) {
		return nil, ErrNotTestPhone
	}
	return &rapidpro.FlowStartRequest{Flow: flowUUID, URNs: []string{urn},
		Params: map[string]any{rapidpro.MarkParam: mark, "mhero_test": string(who)}}, nil
}

// TestOnPhone starts the current version's flow for one test phone — the
// Data Manager's (after the simulator test) or the Requestor's (after the
// Requestor was notified) — and records the test. The start names that
// phone's URN only (see testStart); the flow start RapidPro made is
// checked to hold no group and at most one contact.
func (m *Manager) TestOnPhone(ctx context.Context, id, by string, who TestPhone) (*Record, *Test, error) {
	if m.rp == nil {
		return nil, nil, ErrNoRapidPro
	}
	rec, err := m.Get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	to, from := StateTestedDM, []State{StateSimulated, StateTestedDM}
	if who == PhoneRequestor {
		to, from = StateTestedReq, []State{StateNotified, StateTestedReq}
	} else if who != PhoneDataManager {
		return nil, nil, fmt.Errorf("%w: unknown test phone %q (dm or requestor)", ErrNotTestPhone, who)
	}
	if !slices.Contains(from, rec.State) {
		return nil, nil, &StateError{Case: rec.ID, From: rec.State, To: to, Action: "test on the " + string(who) + " phone", Need: needs[to]}
	}
	v, err := getVersion(ctx, m.db, rec.ID, rec.Version)
	if err != nil {
		return nil, nil, err
	}
	f, err := m.ensureFlow(ctx, v)
	if err != nil {
		return nil, nil, err
	}
	var n int64
	if err := m.db.QueryRow(ctx, `SELECT COUNT(*) FROM usecase_test WHERE case_id = $1`, rec.ID).Scan(&n); err != nil {
		return nil, nil, err
	}
	req, err := testStart(rec, f.UUID, who, fmt.Sprintf("%s-v%d-test%d", rec.ID, v.N, n+1))
	if err != nil {
		return nil, nil, err
	}
	owner := rec.DataManager.Name
	if who == PhoneRequestor {
		owner = rec.Form.Requestor.Name
	}
	if err := m.nameTestPhone(ctx, req.URNs[0], owner); err != nil {
		return nil, nil, fmt.Errorf("usecase: naming the test phone's contact: %w", err)
	}
	start, err := m.rp.FlowStarts.Create(ctx, req)
	if err != nil {
		return nil, nil, fmt.Errorf("usecase: starting the test: %w", err)
	}
	if len(start.Groups) > 0 || len(start.Contacts) > 1 {
		// Cannot happen with the request testStart builds; a server that
		// widened it must not go unnoticed.
		return nil, nil, fmt.Errorf("usecase: RapidPro made test start %s for %d groups and %d contacts; stop it in RapidPro", start.UUID, len(start.Groups), len(start.Contacts))
	}
	urn := req.URNs[0]
	test := &Test{Case: rec.ID, Version: v.N, Kind: TestDataManager, Actor: by, URN: urn, FlowStart: start.UUID}
	whom := "the Data Manager's phone"
	if who == PhoneRequestor {
		test.Kind, whom = TestRequestorPhone, "the Requestor's phone"
	}
	out, err := m.apply(ctx, rec.ID, step{action: "tested on " + whom, actor: by, to: to, version: v.N,
		reason: fmt.Sprintf("version %d sent to %s (%s) only", v.N, whom, rapidpro.MaskURN(urn)),
		data:   map[string]any{"version": v.N, "flowStart": start.UUID, "urn": rapidpro.MaskURN(urn)},
		write: func(ctx context.Context, tx *store.Tx, rec *Record) error {
			return m.insertTest(ctx, tx, test)
		}})
	if err != nil {
		return nil, nil, err
	}
	return out, test, nil
}

// nameTestPhone gives the contact of a test phone its owner's name when
// it has none (a phone that was no contact, or one a notification SMS
// made): the flow greets health workers by @contact.name, and a test
// greeting "Hello , " would not show what they see. A contact that has a
// name keeps it. Naming is an upsert by URN, safe to repeat.
func (m *Manager) nameTestPhone(ctx context.Context, urn, name string) error {
	if name == "" {
		return nil
	}
	c, err := m.rp.Contacts.GetByURN(ctx, urn)
	switch {
	case errors.Is(err, rapidpro.ErrNotFound):
	case err != nil:
		return err
	case c.Name != "":
		return nil
	}
	_, err = m.rp.Contacts.UpdateByURN(ctx, urn, &rapidpro.ContactRequest{Name: &name})
	return err
}

// LiveTranscript reads back from RapidPro the conversation of a live test
// (the messages exchanged with the test phone since its start, and how
// the run ended), records it with the test, and returns it.
func (m *Manager) LiveTranscript(ctx context.Context, id string, testID int64) (*Transcript, error) {
	if m.rp == nil {
		return nil, ErrNoRapidPro
	}
	tests, err := m.Tests(ctx, id)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(tests, func(t Test) bool { return t.ID == testID })
	if i < 0 || tests[i].FlowStart == "" {
		return nil, fmt.Errorf("%w: live test %d of %s", ErrNotFound, testID, id)
	}
	test := tests[i]
	rec, err := m.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	start, err := m.rp.FlowStarts.Get(ctx, test.FlowStart)
	if err != nil {
		return nil, err
	}
	t := &Transcript{Conversation: string(test.Kind), Status: "waiting"}
	var contact string
	for run, err := range m.rp.Runs.List(ctx, &rapidpro.RunListParams{Flow: rec.FlowUUID, After: start.CreatedOn.Time}) {
		if err != nil {
			return nil, err
		}
		if run.Start == nil || run.Start.UUID != test.FlowStart {
			continue
		}
		contact = run.Contact.UUID
		if run.ExitType != "" {
			t.Status = run.ExitType
		}
		keys := make([]string, 0, len(run.Values))
		for k := range run.Values {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v := run.Values[k]
			t.Results = append(t.Results, Value{Key: k, Value: v.Value, Category: v.Category})
		}
		for _, p := range run.Path {
			t.Path = append(t.Path, p.Node)
		}
	}
	if contact != "" {
		var msgs []rapidpro.Message
		for msg, err := range m.rp.Messages.List(ctx, &rapidpro.MessageListParams{Contact: contact, After: start.CreatedOn.Time}) {
			if err != nil {
				return nil, err
			}
			msgs = append(msgs, msg)
		}
		// The API lists newest first; messages of one step can share a
		// time, so reverse before sorting stably.
		slices.Reverse(msgs)
		sort.SliceStable(msgs, func(a, b int) bool { return msgs[a].CreatedOn.Before(msgs[b].CreatedOn.Time) })
		for _, msg := range msgs {
			turn := Turn{Direction: msg.Direction, Text: msg.Text, At: msg.CreatedOn.UTC()}
			if msg.Direction == "out" {
				seg := Segment(msg.Text)
				turn.Segments = &seg
			}
			t.Turns = append(t.Turns, turn)
		}
	}
	_, err = m.db.Exec(ctx, `UPDATE usecase_test SET transcripts = $1 WHERE id = $2`, jsonText([]Transcript{*t}), testID)
	return t, err
}

// Notify tells the Requestor, in one SMS, that a test of the workflow is
// coming to their phone.
func (m *Manager) Notify(ctx context.Context, id, by string) (*Record, error) {
	if m.rp == nil {
		return nil, ErrNoRapidPro
	}
	rec, err := m.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if rec.State != StateTestedDM {
		return nil, &StateError{Case: rec.ID, From: rec.State, To: StateNotified, Action: "notify the Requestor", Need: needs[StateNotified]}
	}
	text, err := oneSMS(func(title string) string {
		return fmt.Sprintf("mHero: a test of %q (%s) is coming to this phone now. Answer as a health worker would, then tell %s what to change.",
			title, rec.ID, firstName(rec.DataManager.Name))
	}, rec.Title)
	if err != nil {
		return nil, err
	}
	b, err := m.rp.Broadcasts.Create(ctx, &rapidpro.BroadcastRequest{URNs: []string{rec.Form.Requestor.URN}, Text: rapidpro.Translations{"": text}})
	if err != nil {
		return nil, fmt.Errorf("usecase: notifying the Requestor: %w", err)
	}
	return m.apply(ctx, rec.ID, step{action: "Requestor notified", actor: by, to: StateNotified, version: rec.Version,
		reason: fmt.Sprintf("one SMS to %s: %s", rec.Form.Requestor, text),
		data:   map[string]any{"broadcast": b.UUID, "text": text, "segments": Segment(text)}})
}

// oneSMS fills a message with a title, shortening the title until the
// message fits in one SMS.
func oneSMS(msg func(title string) string, title string) (string, error) {
	r := []rune(title)
	for n := len(r); n >= 8; n-- {
		t := string(r[:n])
		if n < len(r) {
			// "..." rather than an ellipsis, which is not GSM-7 and would
			// halve what one SMS holds.
			t = strings.TrimSpace(string(r[:n-3])) + "..."
		}
		text := msg(t)
		if Segment(text).Parts == 1 {
			return text, nil
		}
	}
	return "", errors.New("usecase: the notice does not fit in one SMS")
}

func firstName(name string) string {
	if f := strings.Fields(name); len(f) > 0 {
		return f[0]
	}
	return "the Data Manager"
}

// FeedbackInput is the Requestor's verdict on the version tested on their
// phone.
type FeedbackInput struct {
	By string
	// Text is what the Requestor said.
	Text string
	// Accept records that the Requestor is satisfied: the use case can go
	// for approval. Otherwise it goes back to development for the changes
	// asked for.
	Accept bool
}

// Feedback records the Requestor's feedback after the test on their phone.
func (m *Manager) Feedback(ctx context.Context, id string, in FeedbackInput) (*Record, error) {
	rec, err := m.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(in.Text) == "" {
		return nil, errors.New("usecase: feedback needs the Requestor's words")
	}
	if in.Accept {
		return m.apply(ctx, rec.ID, step{action: "accepted by the Requestor", actor: in.By, to: StateAccepted, version: rec.Version,
			from: []State{StateTestedReq}, reason: in.Text, data: map[string]any{"version": rec.Version},
			write: func(ctx context.Context, tx *store.Tx, rec *Record) error {
				_, err := tx.Exec(ctx, `UPDATE usecase_case SET accepted = version WHERE id = $1`, rec.ID)
				return err
			}})
	}
	return m.apply(ctx, rec.ID, step{action: "changes asked by the Requestor", actor: in.By, to: StateInDevelopment, version: rec.Version,
		from: []State{StateTestedReq, StateAccepted}, reason: in.Text, data: map[string]any{"version": rec.Version},
		write: func(ctx context.Context, tx *store.Tx, rec *Record) error {
			_, err := tx.Exec(ctx, `UPDATE usecase_case SET accepted = 0 WHERE id = $1`, rec.ID)
			return err
		}})
}
