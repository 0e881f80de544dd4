package usecase

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/mhero-go/mhero/analytics"
	"github.com/mhero-go/mhero/target"
)

// Record is a use case as the register holds it: the Request Form, where
// it is in the SOP, who handles it, and what came of it.
type Record struct {
	// ID is "UC-0001"; Number its sequence number.
	ID     string `json:"id"`
	Number int64  `json:"number"`
	Title  string `json:"title"`
	Unit   string `json:"unit"`
	State  State  `json:"state"`
	// Version is the current version of the content (workflow, target,
	// send plan); every edit adds one.
	Version int  `json:"version"`
	Form    Form `json:"form"`
	// DataManager is who reviewed the request and develops the workflow.
	DataManager Person `json:"dataManager,omitzero"`
	// Late is set when the request was filed less than a week before its
	// send date: flagged, not refused.
	Late bool `json:"late"`
	// AcceptedVersion is the version the Requestor was satisfied with
	// after testing it on their phone (0: none yet).
	AcceptedVersion int `json:"acceptedVersion,omitempty"`
	// FlowUUID is the RapidPro flow of the workflow.
	FlowUUID string `json:"flowUuid,omitempty"`
	// StartUUID is the flow start made on activation, GroupUUID the
	// target's RapidPro group, StartedAt when it was made.
	StartUUID string    `json:"startUuid,omitempty"`
	GroupUUID string    `json:"groupUuid,omitempty"`
	StartedAt time.Time `json:"startedAt,omitzero"`
	// Recipients is the number of health workers the target reaches, as
	// last previewed or synced.
	Recipients int          `json:"recipients,omitempty"`
	Cost       *CostSummary `json:"cost,omitempty"`
	Monitoring *Headline    `json:"monitoring,omitempty"`
	Reports    []Report     `json:"reports,omitempty"`
	// Delivery is how the Overview Report went to the Requestor, which
	// closed the use case.
	Delivery *Delivery `json:"delivery,omitempty"`
	// Reason is why the use case was cancelled.
	Reason    string    `json:"reason,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`

	startMark string
	auditHead string
}

// CostSummary is the cost the approval request gave.
type CostSummary struct {
	Recipients    int `json:"recipients"`
	Expected      int `json:"expected"`      // SMS parts a health worker, expected path
	Longest       int `json:"longest"`       // SMS parts a health worker, longest path
	ExpectedTotal int `json:"expectedTotal"` // × recipients
	LongestTotal  int `json:"longestTotal"`
}

// Headline is what the last monitoring of a use case found.
type Headline struct {
	// AsOf is when the data were fetched from RapidPro.
	AsOf time.Time `json:"asOf"`
	// Send is the flow start counted: the activation's (the test sends
	// are not).
	Send   string           `json:"send,omitempty"`
	Counts analytics.Counts `json:"counts"`
}

// Report is a report file written for the use case, with its SHA-256.
type Report struct {
	// Kind is ReportOverview, ReportAnalysis or ReportMonitoring.
	Kind   string `json:"kind"`
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
}

// Version is one version of a use case's content: what is tested, and
// what an approval covers.
type Version struct {
	Case      string    `json:"case"`
	N         int       `json:"version"`
	CreatedAt time.Time `json:"createdAt"`
	CreatedBy string    `json:"createdBy"`
	// Reason says why the version was made ("request recorded",
	// "feedback: reword question 2").
	Reason       string `json:"reason"`
	WorkflowFile string `json:"workflowFile"`
	// Workflow is the workflow's YAML source, Export the RapidPro export
	// compiled from it.
	Workflow []byte       `json:"-"`
	Export   []byte       `json:"-"`
	Target   target.Group `json:"target"`
	Send     SendPlan     `json:"send"`
	// Binding holds the hashes an approval is bound to; BindingHash is
	// their hash.
	Binding     Binding `json:"binding"`
	BindingHash string  `json:"bindingHash"`
}

// Binding is what an approval is bound to: the compiled export (so every
// question, translation, category and follow-up), the target's
// definition, and the send window. Changing any of them gives another
// hash, and an approval of the old one does not cover it.
type Binding struct {
	// Export is the SHA-256 of the compiled export as written.
	Export string `json:"export"`
	// Target is [target.Group.Hash].
	Target string `json:"target"`
	Window Window `json:"window"`
}

// Hash is the SHA-256 of the binding, the value an approval records.
func (b Binding) Hash() string {
	data, err := json.Marshal(struct {
		Domain string `json:"domain"`
		Export string `json:"export"`
		Target string `json:"target"`
		Start  string `json:"start"`
		End    string `json:"end"`
	}{"mhero usecase approval v1", b.Export, b.Target, formatTime(b.Window.Start), formatTime(b.Window.End)})
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
