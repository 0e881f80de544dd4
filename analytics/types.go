package analytics

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// This file holds the results the analytics give: the contract between
// the computations and the report writers (analytics/report, the mhero
// program, usecase). Every count is of runs: one run is one health worker
// reached by one send of a workflow.

// Counts are what happened to the runs of a selection: a whole workflow,
// one send, one district, one week. They are the headline numbers of
// monitoring, and every [Group] of a [Breakdown] carries them.
//
// Delivery comes from the status of the messages RapidPro sent for each
// run: a run is Delivered when at least one of its messages reached the
// network (any status but failed or errored), Failed when every one failed
// or errored, which most often means the worker's phone is out of network
// coverage (or switched off, or the number dead). A run whose messages are
// not known yet (fetched before its messages were) is neither.
//
// The exit types are RapidPro's. A workflow whose questions time out goes
// on to its end, so a worker who never replied can still have Completed:
// Responded and AnsweredAll say whether the worker took part.
type Counts struct {
	// Contacted counts the runs: health workers the sends reached.
	Contacted int `json:"contacted"`
	// Delivered counts the runs with a message that reached the network.
	Delivered int `json:"delivered"`
	// Failed counts the runs all of whose messages failed or errored:
	// likely out of coverage.
	Failed int `json:"failed"`
	// Responded counts the runs whose worker replied at least once.
	Responded int `json:"responded"`
	// AnsweredAll counts the exited runs whose worker replied to every
	// question the workflow asked them.
	AnsweredAll int `json:"answeredAll"`

	// Completed, Interrupted, Expired and Errored count the runs by
	// RapidPro exit type (Errored is the exit type "failed": the flow
	// engine could not go on, a broken webhook say); Active counts the
	// runs that have not exited, most waiting for a reply.
	Completed   int `json:"completed"`
	Interrupted int `json:"interrupted"`
	Expired     int `json:"expired"`
	Errored     int `json:"errored"`
	Active      int `json:"active"`

	// NoAnswer, Stopped and NeedsTraining count the runs by the reason a
	// [NonResponder] is listed with (Failed counts the fourth reason, out
	// of coverage). Runs still active are counted too: their reason may
	// yet change.
	NoAnswer      int `json:"noAnswer"`
	Stopped       int `json:"stopped"`
	NeedsTraining int `json:"needsTraining"`
}

// DeliveryRate is Delivered of Contacted.
func (c Counts) DeliveryRate() Rate { return Rate{c.Delivered, c.Contacted} }

// FailureRate is Failed of Contacted: the share likely out of coverage.
func (c Counts) FailureRate() Rate { return Rate{c.Failed, c.Contacted} }

// ResponseRate is Responded of Contacted: the headline response rate.
func (c Counts) ResponseRate() Rate { return Rate{c.Responded, c.Contacted} }

// ReachedResponseRate is Responded of Delivered: the response rate of the
// workers the messages reached, which coverage does not affect.
func (c Counts) ReachedResponseRate() Rate { return Rate{c.Responded, c.Delivered} }

// CompletionRate is AnsweredAll of Contacted: the share who answered
// every question asked.
func (c Counts) CompletionRate() Rate { return Rate{c.AnsweredAll, c.Contacted} }

// Dimension is what a [Breakdown] groups runs by. The health-worker
// dimensions (region, district, facility, cadre, gender) are the worker's
// as recorded by the target sync when the workflow reached them, so that a
// transfer or a contact field edited later does not move a past answer.
type Dimension string

// The dimensions runs can be grouped by.
const (
	// BySend groups by flow start, oldest first. Runs that no start made
	// (a keyword trigger, another flow) form a group with the key "".
	BySend Dimension = "send"
	// ByWeek groups by the ISO week the run began, in the Monitor's time
	// zone ([WithLocation]); keys are "2026-W10".
	ByWeek     Dimension = "week"
	ByRegion   Dimension = "region"
	ByDistrict Dimension = "district"
	ByFacility Dimension = "facility"
	ByCadre    Dimension = "cadre"
	ByGender   Dimension = "gender"
)

// Dimensions returns every dimension, in the order reports show them, in a
// new slice the caller may change.
func Dimensions() []Dimension { return slices.Clone(dimensions) }

var dimensions = []Dimension{BySend, ByWeek, ByRegion, ByDistrict, ByFacility, ByCadre, ByGender}

// Group is one value of a dimension with the counts of its runs.
type Group struct {
	// Key identifies the value: a flow start UUID, an ISO week, a place id
	// from iHRIS, a cadre code, a gender. It is "" for runs whose value is
	// unknown (a contact no target sync recorded).
	Key string `json:"key"`
	// Label is what to show: "Send of 2 Mar 2026 08:00", "Lofa", "Nurse",
	// "(unknown)".
	Label string `json:"label"`
	// Start is when the group's first run began (for sends: when the flow
	// start was made).
	Start time.Time `json:"start,omitzero"`
	Counts
}

// Breakdown is a selection's runs grouped by one dimension. Groups are in
// the dimension's natural order: sends and weeks by time, others by label,
// the unknown group last.
type Breakdown struct {
	Dimension Dimension `json:"dimension"`
	Groups    []Group   `json:"groups"`
}

// Question is the analysis of one result of a workflow: a question asked
// by SMS (Wait) or a result the flow computed.
//
// A reply "fits" when it falls in one of the question's categories other
// than Other and No Response. RapidPro keeps only a run's last value of a
// result, so a reply that did not fit and was followed by one that did is
// seen as a re-ask: the question was asked again (its node visited again).
type Question struct {
	// Key is the result key ("act_in_stock"), Name the result name as
	// written in the flow, Text the message that asks it.
	Key  string `json:"key"`
	Name string `json:"name"`
	Text string `json:"text,omitempty"`
	// Position is the question's place in the flow, from 1.
	Position int `json:"position"`
	// Wait reports a question that waits for a reply; other results are
	// computed by the flow and have no replies, re-asks or times.
	Wait bool `json:"wait"`
	// Categories are the categories in the flow's order, Other and No
	// Response included.
	Categories []string `json:"categories"`
	// Type is the kind of reply the question takes, from the tests of the
	// router that saves it: "number" when every test takes a number (as a
	// workflow's number question compiles), "date", "phone" or "text"
	// likewise; "" when its categories are choices, or the tests are
	// mixed or unknown. Min and Max bound a number question's replies when
	// its tests say so.
	Type string   `json:"type,omitempty"`
	Min  *float64 `json:"min,omitempty"`
	Max  *float64 `json:"max,omitempty"`

	// Asked counts the runs that reached the question.
	Asked int `json:"asked"`
	// Replied counts the runs whose worker replied to it, fitting or not.
	Replied int `json:"replied"`
	// Answered counts the runs whose last reply fits a category.
	Answered int `json:"answered"`
	// Other counts the runs whose last reply fit no category.
	Other int `json:"other"`
	// NoResponse counts the runs where the question went unanswered: its
	// wait timed out, or the run ended (expired, interrupted) while
	// waiting. Asked = Answered + Other + NoResponse + Waiting.
	NoResponse int `json:"noResponse"`
	// Waiting counts the active runs still waiting for a reply to it.
	Waiting int `json:"waiting"`
	// ReAsked counts the runs asked it more than once; ReAsks the extra
	// times in all.
	ReAsked int `json:"reAsked"`
	ReAsks  int `json:"reAsks"`

	// Distribution counts the runs by final category, in the order of
	// Categories, then categories the flow no longer has.
	Distribution []CategoryCount `json:"distribution"`

	// MedianAnswerTime is the median time from the question's first
	// asking to the reply kept, over the Timed runs that replied.
	MedianAnswerTime time.Duration `json:"medianAnswerTime"`
	Timed            int           `json:"timed"`

	// Misfit is the share of replying workers whose reply, at least once,
	// fit no category (Other at the end, or asked again).
	Misfit Rate `json:"misfit"`
	// Misunderstood is set when Misfit is high enough, and significantly
	// above the workflow's other questions, to suggest the question is
	// misunderstood and should be reworded (see [Thresholds]).
	Misunderstood *Finding `json:"misunderstood,omitempty"`
}

// ReplyRate is Replied of Asked.
func (q Question) ReplyRate() Rate { return Rate{q.Replied, q.Asked} }

// AnswerRate is Answered of Asked.
func (q Question) AnswerRate() Rate { return Rate{q.Answered, q.Asked} }

// CategoryCount is the number of runs whose value fell in a category.
type CategoryCount struct {
	Category string `json:"category"`
	Count    int    `json:"count"`
}

// FunnelStep is one question of the drop-off funnel, in the order the
// workflow asks them (questions that wait for a reply only).
type FunnelStep struct {
	Key      string `json:"key"`
	Name     string `json:"name"`
	Position int    `json:"position"`
	// Asked, Replied and Answered are as in [Question].
	Asked    int `json:"asked"`
	Replied  int `json:"replied"`
	Answered int `json:"answered"`
	// StoppedHere counts the runs of workers who replied to an earlier
	// question and never to this one or any after it: where they dropped
	// out.
	StoppedHere int `json:"stoppedHere"`
}

// CrossTab is a question's distribution of final categories by the groups
// of a dimension: the Analysis Report's cross-tabulation.
type CrossTab struct {
	Question  string    `json:"question"`
	Dimension Dimension `json:"dimension"`
	// Categories are the columns, as in [Question.Categories].
	Categories []string      `json:"categories"`
	Rows       []CrossTabRow `json:"rows"`
}

// CrossTabRow is one group's row of a CrossTab.
type CrossTabRow struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	// Asked counts the group's runs that reached the question; Counts[i]
	// those whose final category is Categories[i].
	Asked  int   `json:"asked"`
	Counts []int `json:"counts"`
}

// Rate is a proportion kept with its counts, so that a report can say
// "65 of 90 (72%)" and a test can compare it.
type Rate struct {
	N  int `json:"n"`
	Of int `json:"of"`
}

// Finding is an observation the data support statistically: a question
// that seems misunderstood, a group that answers far less than the rest.
type Finding struct {
	// Test compares the subject (A) with its reference (B).
	Test ZTest `json:"test"`
	// Statement says it in a plain sentence, numbers and p-value included.
	Statement string `json:"statement"`
}

// ZTest is a two-proportion z-test of A against B (see [TwoProportion]).
type ZTest struct {
	A Rate `json:"a"`
	B Rate `json:"b"`
	// Diff is A's proportion minus B's.
	Diff float64 `json:"diff"`
	// Z is the test statistic, P the two-sided p-value.
	Z float64 `json:"z"`
	P float64 `json:"p"`
	// Alpha is the significance level the test was judged at (corrected
	// for the number of comparisons made), Significant whether P < Alpha.
	Alpha       float64 `json:"alpha"`
	Significant bool    `json:"significant"`
}

// GroupFinding is a group that stands out from the rest of its
// dimension, such as a district whose workers answer far less.
type GroupFinding struct {
	Dimension Dimension `json:"dimension"`
	Key       string    `json:"key"`
	Label     string    `json:"label"`
	Finding
}

// Metric names a rate that trends compare.
type Metric string

// The rates compared across sends.
const (
	MetricResponse   Metric = "response rate"
	MetricDelivery   Metric = "delivery rate"
	MetricCompletion Metric = "completion rate"
)

// Change compares a rate between two consecutive sends of a workflow.
type Change struct {
	Metric Metric `json:"metric"`
	// From and To are the sends (keys and labels as in the BySend
	// breakdown), Before and After the rate in each.
	From   Group `json:"from"`
	To     Group `json:"to"`
	Before Rate  `json:"before"`
	After  Rate  `json:"after"`
	// Test is the two-proportion z-test of After against Before.
	Test ZTest `json:"test"`
	// Statement says whether the rate changed, in a plain sentence:
	// "The response rate fell from 72% (65 of 90) to 51% (46 of 90); a
	// change this large happens by chance with probability 0.3%
	// (p = 0.003): it is a real change."
	Statement string `json:"statement"`
}

// Reason is why a health worker is listed as a non-responder.
type Reason string

// The reasons, from the most to the least certain. A run is given the
// first that applies.
const (
	// ReasonOutOfCoverage: every message to the worker failed; the phone
	// is likely out of network coverage, off, or the number dead.
	ReasonOutOfCoverage Reason = "out_of_coverage"
	// ReasonNoAnswer: the messages reached the network, the worker never
	// replied.
	ReasonNoAnswer Reason = "no_answer"
	// ReasonNeedsTraining: the worker's replies repeatedly fit no
	// category, on questions the others understand (see
	// [Thresholds.TrainingMisfits]); they may need training. Such a
	// worker may have finished the workflow.
	ReasonNeedsTraining Reason = "needs_training"
	// ReasonStopped: the worker replied, then stopped answering at a
	// question (NonResponder.StoppedAt).
	ReasonStopped Reason = "stopped"
)

// Reasons returns the reasons in the order they are given, in a new slice
// the caller may change.
func Reasons() []Reason { return slices.Clone(reasons) }

var reasons = []Reason{ReasonOutOfCoverage, ReasonNoAnswer, ReasonNeedsTraining, ReasonStopped}

// NonResponder is a health worker a send reached who did not take part as
// asked, with the likely reason: the list the Leadership Team acts on.
type NonResponder struct {
	// Run is the run UUID, Send its flow start ("" when none).
	Run  string `json:"run"`
	Send string `json:"send,omitempty"`
	// Contact is the RapidPro contact UUID, URN the address messaged (a
	// full phone number: mask it before showing it, as reports do by
	// default), Name the contact's name.
	Contact string `json:"contact"`
	URN     string `json:"urn,omitempty"`
	Name    string `json:"name,omitempty"`
	// Worker is the health worker as the target sync recorded them when
	// the run began; zero when no sync recorded the contact.
	Worker Worker `json:"worker"`

	Reason Reason `json:"reason"`
	// StoppedAt is the key of the question the worker stopped at
	// (ReasonStopped), with its position and text.
	StoppedAt         string `json:"stoppedAt,omitempty"`
	StoppedAtPosition int    `json:"stoppedAtPosition,omitempty"`
	StoppedAtText     string `json:"stoppedAtText,omitempty"`
	// Misfits counts the questions whose replies fit no category, on
	// questions not found misunderstood (ReasonNeedsTraining).
	Misfits int `json:"misfits,omitempty"`
	// Answered counts the questions the worker answered with a fitting
	// reply.
	Answered int `json:"answered"`
	// Messages and FailedMessages count the messages sent in the run and
	// those that failed or errored.
	Messages       int `json:"messages"`
	FailedMessages int `json:"failedMessages"`

	// StartedOn is when the run began; ExitType its RapidPro exit type, ""
	// while it is active (the reason may then still change).
	StartedOn time.Time `json:"startedOn"`
	ExitType  string    `json:"exitType,omitempty"`
}

// ReasonCount is the number of non-responders with a reason.
type ReasonCount struct {
	Reason Reason `json:"reason"`
	Count  int    `json:"count"`
}

// Worker is the health worker behind a contact, with the attributes
// analytics groups by, as recorded when a workflow reached them.
type Worker struct {
	// ID is the iHRIS Practitioner id; "" when the contact is unknown.
	ID     string `json:"id,omitempty"`
	Name   string `json:"name,omitempty"`
	Gender string `json:"gender,omitempty"`
	// Places of the worker's role, ids from iHRIS and names.
	FacilityID string `json:"facilityId,omitempty"`
	Facility   string `json:"facility,omitempty"`
	DistrictID string `json:"districtId,omitempty"`
	District   string `json:"district,omitempty"`
	RegionID   string `json:"regionId,omitempty"`
	Region     string `json:"region,omitempty"`
	// Cadre is the cadre code, CadreName its display.
	Cadre     string `json:"cadre,omitempty"`
	CadreName string `json:"cadreName,omitempty"`
	// ValidFrom and ValidTo bound the time these attributes held (ValidTo
	// zero while they still do), when the directory knows it.
	ValidFrom time.Time `json:"validFrom,omitzero"`
	ValidTo   time.Time `json:"validTo,omitzero"`
}

// Flow is a workflow the Monitor tracks.
type Flow struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
	// Questions are the flow's results in flow order (see [Question]:
	// here only the description fields are set).
	Questions []Question `json:"questions"`
	// TrackedOn is when Track first recorded it; RefreshedOn when its runs
	// were last fetched (zero before the first refresh).
	TrackedOn   time.Time `json:"trackedOn"`
	RefreshedOn time.Time `json:"refreshedOn,omitzero"`
}

// Send is a flow start of a tracked workflow.
type Send struct {
	UUID string `json:"uuid"`
	Flow string `json:"flow"`
	// Label is what reports call it ("Send of 2 Mar 2026 08:00").
	Label string `json:"label"`
	// Status is RapidPro's: pending, queued, started, completed, failed,
	// interrupted.
	Status string `json:"status"`
	// Groups and Contacts are the recipients named in the start.
	Groups   []string `json:"groups,omitempty"`
	Contacts int      `json:"contacts"`
	// CreatedOn is when it was made.
	CreatedOn time.Time `json:"createdOn"`
}

// Filter narrows an analysis to part of a workflow's runs. The zero
// Filter selects every run.
type Filter struct {
	// Sends keeps the runs of these flow starts (UUIDs; "" for runs no
	// start made).
	Sends []string `json:"sends,omitempty"`
	// Since and Until keep the runs that began in [Since, Until).
	Since time.Time `json:"since,omitzero"`
	Until time.Time `json:"until,omitzero"`
}

// Analysis is everything the analytics say about one workflow (or the part
// a Filter selects): what the Use Case Overview and Analysis Reports and
// the Monitoring Tool show.
type Analysis struct {
	Flow   Flow   `json:"flow"`
	Filter Filter `json:"filter"`
	// AsOf is when the data were last fetched from RapidPro.
	AsOf time.Time `json:"asOf,omitzero"`

	Counts Counts `json:"counts"`
	// Breakdowns hold the counts by every Dimension, in the order of
	// Dimensions.
	Breakdowns []Breakdown `json:"breakdowns"`

	// Questions are the flow's results in flow order.
	Questions []Question `json:"questions"`
	// Funnel follows the questions that wait for a reply, in flow order.
	Funnel []FunnelStep `json:"funnel"`

	// Trends compare each send with the one before it (response, delivery
	// and completion rates).
	Trends []Change `json:"trends"`
	// Misunderstood lists the questions found misunderstood (as in
	// Question.Misunderstood); Low the groups of the worker dimensions
	// whose response rate is far below the rest of the workflow's.
	Misunderstood []Question     `json:"misunderstood"`
	Low           []GroupFinding `json:"low"`

	// NonResponders counts the non-responders by reason, in the order of
	// Reasons; [Monitor.NonResponders] lists them.
	NonResponders []ReasonCount `json:"nonResponders"`

	// CrossTabs give each question's categories by district, then by
	// cadre (the Analysis Report's cross-tabulations; [Monitor.CrossTabs]
	// gives them by other dimensions).
	CrossTabs []CrossTab `json:"crossTabs"`
}

// Breakdown returns the breakdown by d, and whether the analysis has it.
func (a *Analysis) Breakdown(d Dimension) (Breakdown, bool) {
	for _, b := range a.Breakdowns {
		if b.Dimension == d {
			return b, true
		}
	}
	return Breakdown{}, false
}

// Question returns the question with the given key.
func (a *Analysis) Question(key string) (Question, bool) {
	for _, q := range a.Questions {
		if q.Key == key {
			return q, true
		}
	}
	return Question{}, false
}

// Run is one stored run with its answers, as the CSV and FLOIP writers
// list them.
type Run struct {
	UUID    string `json:"uuid"`
	Flow    string `json:"flow"`
	Send    string `json:"send,omitempty"`
	Contact string `json:"contact"`
	// URN is the full address messaged: mask it before showing it.
	URN    string `json:"urn,omitempty"`
	Name   string `json:"name,omitempty"`
	Worker Worker `json:"worker"`
	// Responded reports that the worker replied at least once.
	Responded bool `json:"responded"`
	// ExitType is RapidPro's ("" while active).
	ExitType   string    `json:"exitType,omitempty"`
	CreatedOn  time.Time `json:"createdOn"`
	ModifiedOn time.Time `json:"modifiedOn"`
	ExitedOn   time.Time `json:"exitedOn,omitzero"`
	// Messages and FailedMessages count the messages sent in the run and
	// those that failed or errored.
	Messages       int `json:"messages"`
	FailedMessages int `json:"failedMessages"`
	// Answers are the run's results, in question order.
	Answers []Answer `json:"answers"`
}

// Answer is a run's value of one result.
type Answer struct {
	Key string `json:"key"`
	// Category is the final category ("" while a reply is awaited);
	// Value the value RapidPro saved (the reply, or the timeout's time for
	// No Response).
	Category string `json:"category"`
	Value    string `json:"value"`
	// AskedOn is when the run first reached the question, AnsweredOn when
	// the value was saved (zero when none was).
	AskedOn    time.Time `json:"askedOn,omitzero"`
	AnsweredOn time.Time `json:"answeredOn,omitzero"`
	// Asks counts how many times the question was asked (more than 1 when
	// a reply did not fit).
	Asks int `json:"asks"`
}

// Month is the monthly report for the Leadership Team: every tracked
// workflow sent in a calendar month.
type Month struct {
	// Start and End bound the month, [Start, End), in the Monitor's time
	// zone.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Totals add up the workflows' counts.
	Totals    Counts          `json:"totals"`
	Workflows []MonthWorkflow `json:"workflows"`
}

// MonthWorkflow is one workflow in a monthly report: its sends made that
// month and what came of them.
type MonthWorkflow struct {
	Flow  Flow    `json:"flow"`
	Sends []Group `json:"sends"`
	// Counts add up those sends.
	Counts Counts `json:"counts"`
	// Misunderstood and Low are as in [Analysis], over those sends.
	Misunderstood []Question     `json:"misunderstood"`
	Low           []GroupFinding `json:"low"`
	// NonResponders count the non-responders of those sends by reason.
	NonResponders []ReasonCount `json:"nonResponders"`
}

// Label returns the reason in plain words, as reports show it.
func (r Reason) Label() string {
	switch r {
	case ReasonOutOfCoverage:
		return "out of coverage"
	case ReasonNoAnswer:
		return "never answered"
	case ReasonNeedsTraining:
		return "may need training"
	case ReasonStopped:
		return "stopped answering"
	}
	return string(r)
}

// Explanation says in a sentence why the worker is listed.
func (n NonResponder) Explanation() string {
	switch n.Reason {
	case ReasonOutOfCoverage:
		return fmt.Sprintf("%s failed: the phone is likely out of network coverage, off, or the number no longer in use.", plural(n.FailedMessages, "message"))
	case ReasonNoAnswer:
		return "The messages reached the network but the worker never replied."
	case ReasonNeedsTraining:
		return fmt.Sprintf("Replies to %s fit none of the expected answers: the worker may need training in answering by SMS.", plural(n.Misfits, "question"))
	case ReasonStopped:
		q := n.StoppedAt
		if n.StoppedAtPosition > 0 {
			q = fmt.Sprintf("question %d (%s)", n.StoppedAtPosition, n.StoppedAt)
		}
		return fmt.Sprintf("Answered %s, then stopped at %s.", plural(n.Answered, "question"), q)
	}
	return ""
}

// plural returns "1 question", "2 questions", "3 facilities".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %s", n, pluralOf(noun))
}

// pluralOf returns the plural of an English noun, as the names of
// dimensions and place levels need ("facility" → "facilities", "county" →
// "counties", "parish" → "parishes", "day" → "days"). Adding an s is not
// enough for them.
func pluralOf(noun string) string {
	n := len(noun)
	switch {
	case n == 0:
		return noun
	case n > 1 && noun[n-1] == 'y' && !strings.ContainsRune("aeiouAEIOU", rune(noun[n-2])):
		return noun[:n-1] + "ies"
	case strings.HasSuffix(noun, "s"), strings.HasSuffix(noun, "x"), strings.HasSuffix(noun, "z"),
		strings.HasSuffix(noun, "ch"), strings.HasSuffix(noun, "sh"):
		return noun + "es"
	}
	return noun + "s"
}

// Refreshed says what a refresh fetched from RapidPro and how each
// workflow's headline numbers moved: what `mhero monitor` prints.
type Refreshed struct {
	Flows []FlowRefresh `json:"flows"`
	// Starts and Messages count the flow starts and messages fetched (new
	// or changed) for the tracked workflows.
	Starts   int `json:"starts"`
	Messages int `json:"messages"`
	// Calls counts the API requests made, by RapidPro throttle scope
	// ("runs", "messages", "v2").
	Calls map[string]int `json:"calls"`
	// Took is how long the refresh took.
	Took time.Duration `json:"took"`
	// Warnings name the records RapidPro sent that could not be read (a
	// run whose JSON does not fit the API's shape, say): they are left
	// out, and the refresh goes on.
	Warnings []string `json:"warnings,omitempty"`
}

// FlowRefresh is one workflow's part of a refresh.
type FlowRefresh struct {
	Flow Flow `json:"flow"`
	// Runs counts the runs fetched (new or changed since the last
	// refresh), NewRuns those seen for the first time.
	Runs    int `json:"runs"`
	NewRuns int `json:"newRuns"`
	// Before and After are the workflow's counts before and after.
	Before Counts `json:"before"`
	After  Counts `json:"after"`
}

// Stage is a step of a refresh, reported by [Progress].
type Stage string

// The stages of a refresh, in order.
const (
	StageStarts   Stage = "flow starts"
	StageRuns     Stage = "runs"
	StageMessages Stage = "messages"
	StageWorkers  Stage = "health workers"
	StageDone     Stage = "done"
)

// Progress reports how far a refresh has come.
type Progress struct {
	Stage Stage `json:"stage"`
	// Flow is the workflow whose runs are being fetched (StageRuns).
	Flow string `json:"flow,omitempty"`
	// Done counts the stage's records so far (runs, messages, starts).
	Done int `json:"done"`
	// Calls counts the API requests made so far, by throttle scope.
	Calls map[string]int `json:"calls"`
}
