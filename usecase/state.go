package usecase

import (
	"fmt"
	"slices"
)

// State is where a use case is in the SOP.
type State string

// The states of a use case, in the SOP's order. Feedback that asks for
// changes, and any edit of the workflow, the target or the send plan,
// take a use case back to StateInDevelopment: its tests start again and an
// approval given before is void.
const (
	StateRequested     State = "requested"      // the Request Form is recorded
	StateReviewed      State = "reviewed"       // the Data Manager reviewed it with the Requestor
	StateInDevelopment State = "in_development" // the workflow is being written or changed
	StateSimulated     State = "simulated"      // tested in the simulator
	StateTestedDM      State = "tested_dm"      // tested on the Data Manager's phone
	StateNotified      State = "notified"       // the Requestor was told a test is coming
	StateTestedReq     State = "tested_requestor"
	// StateAccepted: the Requestor is satisfied with the version tested
	// on their phone.
	StateAccepted          State = "accepted"
	StateApprovalRequested State = "approval_requested"
	StateApproved          State = "approved"
	StateActive            State = "active" // the flow was started for the target group
	StateMonitoring        State = "monitoring"
	StateReported          State = "reported" // the Overview Report went to the Requestor: closed
	StateCancelled         State = "cancelled"
)

// States returns every state in the SOP's order, in a new slice the caller
// may change.
func States() []State { return slices.Clone(states) }

var states = []State{StateRequested, StateReviewed, StateInDevelopment, StateSimulated, StateTestedDM,
	StateNotified, StateTestedReq, StateAccepted, StateApprovalRequested, StateApproved, StateActive,
	StateMonitoring, StateReported, StateCancelled}

var stateLabels = map[State]string{
	StateRequested:         "requested",
	StateReviewed:          "reviewed",
	StateInDevelopment:     "in development",
	StateSimulated:         "simulated",
	StateTestedDM:          "tested on the Data Manager's phone",
	StateNotified:          "Requestor notified",
	StateTestedReq:         "tested on the Requestor's phone",
	StateAccepted:          "accepted by the Requestor",
	StateApprovalRequested: "approval requested",
	StateApproved:          "approved",
	StateActive:            "active",
	StateMonitoring:        "monitoring",
	StateReported:          "reported (closed)",
	StateCancelled:         "cancelled",
}

// Label is the state in words.
func (s State) Label() string {
	if l, ok := stateLabels[s]; ok {
		return l
	}
	return string(s)
}

// Closed reports whether nothing more can happen to a use case in s.
func (s State) Closed() bool { return s == StateReported || s == StateCancelled }

// Step is the state's position in the SOP (1 for requested), 0 for
// cancelled.
func (s State) Step() int {
	if s == StateCancelled {
		return 0
	}
	return slices.Index(states, s) + 1
}

// revisable are the states an edit sends back to development from.
var revisable = []State{StateInDevelopment, StateSimulated, StateTestedDM, StateNotified, StateTestedReq,
	StateAccepted, StateApprovalRequested, StateApproved}

// transitions lists, for each state, the states it may move to (besides
// cancelled, reachable from every open state).
var transitions = map[State][]State{
	StateRequested:     {StateReviewed},
	StateReviewed:      {StateInDevelopment},
	StateInDevelopment: {StateSimulated},
	StateSimulated:     {StateSimulated, StateTestedDM},
	// Tests may be repeated; each later test needs the earlier ones on
	// the same version.
	StateTestedDM:          {StateTestedDM, StateNotified},
	StateNotified:          {StateTestedReq},
	StateTestedReq:         {StateTestedReq, StateAccepted, StateInDevelopment},
	StateAccepted:          {StateApprovalRequested, StateInDevelopment},
	StateApprovalRequested: {StateApprovalRequested, StateApproved, StateInDevelopment},
	StateApproved:          {StateActive, StateInDevelopment},
	StateActive:            {StateMonitoring},
	StateMonitoring:        {StateMonitoring, StateReported},
}

// CanMove reports whether the SOP lets a use case move from one state to
// another. An edit (to StateInDevelopment) is allowed from every state
// from development to approved; cancellation from every open state.
func CanMove(from, to State) bool {
	if from.Closed() {
		return false
	}
	if to == StateCancelled {
		return true
	}
	if to == StateInDevelopment && slices.Contains(revisable, from) {
		return true
	}
	return slices.Contains(transitions[from], to)
}

// StateError reports a step taken out of the SOP's order.
type StateError struct {
	Case   string
	From   State
	To     State
	Action string
	// Need says what must happen first.
	Need string
}

func (e *StateError) Error() string {
	s := fmt.Sprintf("usecase %s: cannot %s: the use case is %s", e.Case, e.Action, e.From.Label())
	if e.Need != "" {
		s += "; " + e.Need
	}
	return s
}

// Is matches ErrState.
func (e *StateError) Is(target error) bool { return target == ErrState }
