package rapidprotest

import (
	"context"
	"encoding/json"
	"time"
)

// Engine runs flows for the server: RapidPro's mailroom and goflow in one
// interface. The server calls it when a flow start reaches a contact
// (Start) and when a waiting run gets a reply or times out (Resume), then
// stores what the Outcome says: messages, results, path and the run's
// status. Everything crosses the interface as JSON or plain values, so an
// engine needs no other package of this module.
//
// The server serialises calls (it holds its lock), so an engine needs no
// locking of its own, but it must not call back into the Server.
type Engine interface {
	Start(ctx context.Context, in StartInput) (Outcome, error)
	Resume(ctx context.Context, in ResumeInput) (Outcome, error)
}

// Contact is the engine's view of a contact.
type Contact struct {
	UUID     string            `json:"uuid"`
	Name     string            `json:"name"`
	Language string            `json:"language,omitempty"`
	URNs     []string          `json:"urns"`
	Fields   map[string]string `json:"fields"`
	Groups   []GroupRef        `json:"groups"`
}

// GroupRef names a group.
type GroupRef struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
}

// StartInput is a contact entering a flow.
type StartInput struct {
	FlowUUID  string
	Flow      json.RawMessage // the flow definition as imported (goflow JSON)
	Contact   Contact
	Params    json.RawMessage // the start's params object, or nil
	StartUUID string          // empty for a flow started by Receive or a trigger
	Now       time.Time
}

// EventKind says why a waiting run resumes.
type EventKind int

const (
	// EventMessage is an inbound reply; Event.Text holds it.
	EventMessage EventKind = iota + 1
	// EventTimeout is the wait's timeout firing (Outcome.Timeout elapsed).
	EventTimeout
)

// Event resumes a waiting run.
type Event struct {
	Kind EventKind
	Text string
}

// ResumeInput is a waiting run receiving an event.
type ResumeInput struct {
	FlowUUID string
	Flow     json.RawMessage
	Contact  Contact
	State    json.RawMessage // Outcome.State from the previous call
	Event    Event
	Now      time.Time
}

// RunStatus is where a run is after a step.
type RunStatus int

const (
	// RunCompleted ends the run with exit_type "completed".
	RunCompleted RunStatus = iota
	// RunWaiting keeps the run open (exit_type null) until Receive or a timeout.
	RunWaiting
	// RunInterrupted ends the run with exit_type "interrupted".
	RunInterrupted
	// RunExpired ends the run with exit_type "expired".
	RunExpired
	// RunFailed ends the run with exit_type "failed".
	RunFailed
)

// Outcome is the result of one engine step.
type Outcome struct {
	// Messages are sent to the contact's first URN, in order.
	Messages []OutgoingMessage
	// Results are saved into the run's values, keyed by Result.Key (or the
	// snake_case of Name when Key is empty); a later result replaces an
	// earlier one with the same key.
	Results []Result
	// Path lists the nodes visited in this step, appended to the run's path.
	Path []PathStep
	// Status is the run's status after this step.
	Status RunStatus
	// State is opaque engine state kept while the run waits and handed back
	// in ResumeInput.State.
	State json.RawMessage
	// Timeout, when positive and Status is RunWaiting, makes the wait time
	// out that long after Now (fired by Server.FireTimeouts).
	Timeout time.Duration
}

// OutgoingMessage is a message the flow sends.
type OutgoingMessage struct {
	Text         string
	QuickReplies []string
	// Status overrides the delivery status: "" means "wired" (sent to the
	// channel); "failed" simulates a health worker out of coverage;
	// "errored", "sent", "delivered" and "read" are also accepted.
	Status string
}

// Result is a flow result saved on the run.
type Result struct {
	Key      string
	Name     string
	Value    string
	Category string
	Node     string // the node UUID that saved it
	Time     time.Time
}

// PathStep is a visited node; a zero Time means Now.
type PathStep struct {
	Node string
	Time time.Time
}
