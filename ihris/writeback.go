package ihris

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/mhero-go/mhero/fhir"
)

// Identifier systems of the write-back resources. Each resource carries the
// RapidPro identity of what it records, which makes its write conditional
// (PUT [type]?identifier=...) and so safe to retry. They follow mHero v2's
// "http://app.rapidpro.io/contact-uuid".
const (
	ContactUUIDSystem   = "http://app.rapidpro.io/contact-uuid"
	FlowStartUUIDSystem = "http://app.rapidpro.io/flow-start-uuid"
	BroadcastIDSystem   = "http://app.rapidpro.io/broadcast-id"
	MessageIDSystem     = "http://app.rapidpro.io/message-id"
	RunUUIDSystem       = "http://app.rapidpro.io/run-uuid"
)

// mHero v2 profiles and extensions. emNutt writes (and the rpflowstarts
// SearchParameter indexes) the lower-case "http://mhero.org" base, while the
// published IG spells it "http://mHero.org"; we write the one searches use.
const (
	mheroBase                   = "http://mhero.org/fhir/StructureDefinition/"
	CommunicationRequestProfile = mheroBase + "mhero-communication-request"
	CommunicationProfile        = mheroBase + "mhero-communication"
	FlowStartsExtension         = mheroBase + "mhero-comm-req-flow-starts"
	BroadcastStartsExtension    = mheroBase + "mhero-comm-req-broadcast-starts"
)

// FlowStart is a RapidPro flow started for health workers, recorded as one
// CommunicationRequest.
type FlowStart struct {
	// UUID is the RapidPro flow start's UUID.
	UUID     string
	FlowUUID string
	FlowName string
	// Workers are the Practitioner ids of the recipients.
	Workers []string
	// Status is the RapidPro start status (pending, started, completed,
	// failed), kept in the flow-starts extension.
	Status     string
	CreatedOn  time.Time
	ModifiedOn time.Time
}

// Broadcast is a RapidPro broadcast (one SMS text to many) sent to health
// workers, recorded as one CommunicationRequest.
type Broadcast struct {
	// ID is the RapidPro broadcast's id (or UUID on newer servers).
	ID        string
	Text      string
	Workers   []string
	CreatedOn time.Time
}

// Direction says who sent a message.
type Direction string

// Message directions.
const (
	Outgoing Direction = "out" // to the health worker
	Incoming Direction = "in"  // from the health worker
)

// Message is one SMS exchanged with a health worker, recorded as one
// Communication.
type Message struct {
	// ID is the RapidPro message's id or UUID.
	ID        string
	Worker    string
	Direction Direction
	Text      string
	// Status is the RapidPro message status (queued, wired, sent,
	// delivered, handled, failed, ...).
	Status string
	SentOn time.Time
	// Request is the reference of the CommunicationRequest the message
	// belongs to ("CommunicationRequest/<id>"), if any.
	Request string
	// InResponseTo is the reference of the Communication this one answers.
	InResponseTo string
}

// Run is one health worker's pass through a flow, recorded as one
// QuestionnaireResponse.
type Run struct {
	// UUID is the RapidPro run's UUID.
	UUID     string
	FlowUUID string
	Worker   string
	// ExitType is RapidPro's: completed, interrupted, expired, or empty for
	// a run still active.
	ExitType  string
	StartedOn time.Time
	ExitedOn  time.Time
	Answers   []Answer
}

// Answer is one result of a run. RapidPro results carry no data type, so
// the value is text, as mHero v2 stored it.
type Answer struct {
	// Key identifies the question (the result key or node UUID); it is the
	// item's linkId.
	Key      string
	Question string
	Value    string
}

// ErrInvalidRecord is matched (errors.Is) when a record lacks what its
// resource needs.
var ErrInvalidRecord = errors.New("ihris: invalid write-back record")

// The write-back resources, written with our own structs: samply's payload
// types emit every content[x] choice at once, which servers reject.

type resourceMeta struct {
	Profile []string `json:"profile,omitempty"`
}

type reference struct {
	Reference string `json:"reference"`
}

type identifier struct {
	System string `json:"system"`
	Value  string `json:"value"`
}

type extension struct {
	URL           string      `json:"url"`
	ValueString   string      `json:"valueString,omitempty"`
	ValueDateTime string      `json:"valueDateTime,omitempty"`
	Extension     []extension `json:"extension,omitempty"`
}

type attachment struct {
	URL   string `json:"url,omitempty"`
	Title string `json:"title,omitempty"`
}

type payload struct {
	ContentString     string      `json:"contentString,omitempty"`
	ContentAttachment *attachment `json:"contentAttachment,omitempty"`
}

type communicationRequest struct {
	ResourceType       string        `json:"resourceType"`
	Meta               resourceMeta  `json:"meta"`
	Identifier         []identifier  `json:"identifier"`
	Extension          []extension   `json:"extension,omitempty"`
	Status             string        `json:"status"`
	Recipient          []reference   `json:"recipient"`
	Payload            []payload     `json:"payload"`
	OccurrenceDateTime string        `json:"occurrenceDateTime,omitempty"`
	AuthoredOn         string        `json:"authoredOn,omitempty"`
	Medium             []codeableRef `json:"medium,omitempty"`
}

type codeableRef struct {
	Coding []coding `json:"coding"`
}

type coding struct {
	System string `json:"system"`
	Code   string `json:"code"`
}

type communication struct {
	ResourceType string       `json:"resourceType"`
	Meta         resourceMeta `json:"meta"`
	Identifier   []identifier `json:"identifier"`
	BasedOn      []reference  `json:"basedOn,omitempty"`
	InResponseTo []reference  `json:"inResponseTo,omitempty"`
	Status       string       `json:"status"`
	Sent         string       `json:"sent,omitempty"`
	Received     string       `json:"received,omitempty"`
	Recipient    []reference  `json:"recipient,omitempty"`
	Sender       *reference   `json:"sender,omitempty"`
	Payload      []payload    `json:"payload"`
}

type questionnaireResponse struct {
	ResourceType  string       `json:"resourceType"`
	Identifier    identifier   `json:"identifier"`
	Questionnaire string       `json:"questionnaire,omitempty"`
	Status        string       `json:"status"`
	Subject       reference    `json:"subject"`
	Source        reference    `json:"source"`
	Authored      string       `json:"authored,omitempty"`
	Item          []answerItem `json:"item,omitempty"`
}

type answerItem struct {
	LinkID string        `json:"linkId"`
	Text   string        `json:"text,omitempty"`
	Answer []answerValue `json:"answer,omitempty"`
}

type answerValue struct {
	ValueString string `json:"valueString"`
}

// smsMedium codes the channel as written text sent by SMS.
var smsMedium = codeableRef{Coding: []coding{{System: "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode", Code: "SMSWRIT"}}}

func instant(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func recipients(workers []string) ([]reference, error) {
	if len(workers) == 0 {
		return nil, fmt.Errorf("%w: no recipients", ErrInvalidRecord)
	}
	out := make([]reference, len(workers))
	for i, w := range workers {
		if strings.TrimSpace(w) == "" || strings.Contains(w, "/") {
			return nil, fmt.Errorf("%w: recipient %q is not a Practitioner id", ErrInvalidRecord, w)
		}
		out[i] = reference{"Practitioner/" + w}
	}
	return out, nil
}

func (s FlowStart) resource() (communicationRequest, identifier, error) {
	if s.UUID == "" || s.FlowUUID == "" {
		return communicationRequest{}, identifier{}, fmt.Errorf("%w: flow start needs its UUID and the flow UUID", ErrInvalidRecord)
	}
	rec, err := recipients(s.Workers)
	if err != nil {
		return communicationRequest{}, identifier{}, err
	}
	id := identifier{FlowStartUUIDSystem, s.UUID}
	details := []extension{{URL: "flow_starts_uuid", ValueString: s.UUID}, {URL: "flow_uuid", ValueString: s.FlowUUID}}
	if s.Status != "" {
		details = append(details, extension{URL: "status", ValueString: s.Status})
	}
	if c := instant(s.CreatedOn); c != "" {
		details = append(details, extension{URL: "created_on", ValueDateTime: c})
	}
	if m := instant(s.ModifiedOn); m != "" {
		details = append(details, extension{URL: "modified_on", ValueDateTime: m})
	}
	for _, r := range rec {
		details = append(details, extension{URL: "contact_globalid", ValueString: r.Reference})
	}
	// As in emNutt's example: the flow's UUID is the attachment URL.
	return communicationRequest{
		ResourceType:       "CommunicationRequest",
		Meta:               resourceMeta{Profile: []string{CommunicationRequestProfile}},
		Identifier:         []identifier{id},
		Extension:          []extension{{URL: FlowStartsExtension, Extension: details}},
		Status:             "active",
		Recipient:          rec,
		Payload:            []payload{{ContentAttachment: &attachment{URL: s.FlowUUID, Title: s.FlowName}}},
		OccurrenceDateTime: instant(s.CreatedOn),
		AuthoredOn:         instant(s.CreatedOn),
		Medium:             []codeableRef{smsMedium},
	}, id, nil
}

func (b Broadcast) resource() (communicationRequest, identifier, error) {
	if b.ID == "" || b.Text == "" {
		return communicationRequest{}, identifier{}, fmt.Errorf("%w: broadcast needs its id and text", ErrInvalidRecord)
	}
	rec, err := recipients(b.Workers)
	if err != nil {
		return communicationRequest{}, identifier{}, err
	}
	id := identifier{BroadcastIDSystem, b.ID}
	details := []extension{{URL: "broadcast_id", ValueString: b.ID}}
	if c := instant(b.CreatedOn); c != "" {
		details = append(details, extension{URL: "created_on", ValueDateTime: c})
	}
	for _, r := range rec {
		details = append(details, extension{URL: "contact_globalid", ValueString: r.Reference})
	}
	return communicationRequest{
		ResourceType:       "CommunicationRequest",
		Meta:               resourceMeta{Profile: []string{CommunicationRequestProfile}},
		Identifier:         []identifier{id},
		Extension:          []extension{{URL: BroadcastStartsExtension, Extension: details}},
		Status:             "completed",
		Recipient:          rec,
		Payload:            []payload{{ContentString: b.Text}},
		OccurrenceDateTime: instant(b.CreatedOn),
		AuthoredOn:         instant(b.CreatedOn),
		Medium:             []codeableRef{smsMedium},
	}, id, nil
}

// messageStatus maps a RapidPro message status onto a FHIR EventStatus.
func messageStatus(s string) string {
	switch s {
	case "failed":
		return "not-done"
	case "queued", "pending", "initializing", "wired", "errored":
		return "in-progress"
	}
	return "completed"
}

func (m Message) resource() (communication, identifier, error) {
	if m.ID == "" {
		return communication{}, identifier{}, fmt.Errorf("%w: message needs its id", ErrInvalidRecord)
	}
	worker, err := recipients([]string{m.Worker})
	if err != nil {
		return communication{}, identifier{}, err
	}
	id := identifier{MessageIDSystem, m.ID}
	c := communication{
		ResourceType: "Communication",
		Meta:         resourceMeta{Profile: []string{CommunicationProfile}},
		Identifier:   []identifier{id},
		Status:       messageStatus(m.Status),
		Payload:      []payload{{ContentString: m.Text}},
	}
	switch m.Direction {
	case Outgoing:
		c.Recipient, c.Sent = worker, instant(m.SentOn)
	case Incoming:
		c.Sender, c.Received = &worker[0], instant(m.SentOn)
	default:
		return communication{}, identifier{}, fmt.Errorf("%w: message direction %q is not in or out", ErrInvalidRecord, m.Direction)
	}
	if m.Request != "" {
		c.BasedOn = []reference{{m.Request}}
	}
	if m.InResponseTo != "" {
		c.InResponseTo = []reference{{m.InResponseTo}}
	}
	return c, id, nil
}

// runStatus maps a RapidPro exit type onto a QuestionnaireResponse status,
// as mHero v2 did.
func runStatus(exitType string) (string, error) {
	switch exitType {
	case "completed":
		return "completed", nil
	case "interrupted", "expired":
		return "stopped", nil
	case "":
		return "in-progress", nil
	}
	return "", fmt.Errorf("%w: run exit type %q is not completed, interrupted, expired or empty", ErrInvalidRecord, exitType)
}

func (r Run) resource() (questionnaireResponse, identifier, error) {
	if r.UUID == "" {
		return questionnaireResponse{}, identifier{}, fmt.Errorf("%w: run needs its UUID", ErrInvalidRecord)
	}
	worker, err := recipients([]string{r.Worker})
	if err != nil {
		return questionnaireResponse{}, identifier{}, err
	}
	status, err := runStatus(r.ExitType)
	if err != nil {
		return questionnaireResponse{}, identifier{}, err
	}
	id := identifier{RunUUIDSystem, r.UUID}
	qr := questionnaireResponse{
		ResourceType: "QuestionnaireResponse",
		Identifier:   id,
		Status:       status,
		Subject:      worker[0],
		Source:       worker[0],
		Authored:     instant(r.StartedOn),
	}
	if r.FlowUUID != "" {
		qr.Questionnaire = "urn:uuid:" + r.FlowUUID
	}
	for _, a := range r.Answers {
		if a.Key == "" {
			return questionnaireResponse{}, identifier{}, fmt.Errorf("%w: answer without a key", ErrInvalidRecord)
		}
		item := answerItem{LinkID: a.Key, Text: a.Question}
		if a.Value != "" {
			item.Answer = []answerValue{{a.Value}}
		}
		qr.Item = append(qr.Item, item)
	}
	return qr, id, nil
}

// Recorded says where a write-back record is stored.
type Recorded struct {
	// Reference is the stored resource, for example
	// "CommunicationRequest/123".
	Reference string
	// Created is false when the record was already there (an earlier
	// attempt, or a retry, stored it): it was updated, not duplicated.
	Created bool
}

// RecordFlowStart stores a flow start as a CommunicationRequest, once: recording it again updates it.
func (r *Registry) RecordFlowStart(ctx context.Context, s FlowStart) (Recorded, error) {
	res, id, err := s.resource()
	if err != nil {
		return Recorded{}, err
	}
	return r.createOnce(ctx, &res, id)
}

// RecordBroadcast stores a broadcast as a CommunicationRequest, once: recording it again updates it.
func (r *Registry) RecordBroadcast(ctx context.Context, b Broadcast) (Recorded, error) {
	res, id, err := b.resource()
	if err != nil {
		return Recorded{}, err
	}
	return r.createOnce(ctx, &res, id)
}

// RecordMessage stores a message as a Communication, once: recording it again updates it.
func (r *Registry) RecordMessage(ctx context.Context, m Message) (Recorded, error) {
	res, id, err := m.resource()
	if err != nil {
		return Recorded{}, err
	}
	return r.createOnce(ctx, &res, id)
}

// RecordRun stores a run as a QuestionnaireResponse, once: recording it again updates it.
func (r *Registry) RecordRun(ctx context.Context, run Run) (Recorded, error) {
	res, id, err := run.resource()
	if err != nil {
		return Recorded{}, err
	}
	return r.createOnce(ctx, &res, id)
}

// createOnce stores the resource under its identifier: a conditional
// update (PUT [type]?identifier=...) creates it when no resource has the
// identifier and replaces the one that has. A retry therefore never
// duplicates it, and recording again (a run that has since completed, a
// message since delivered) brings the stored record up to date, which a
// conditional create (If-None-Exist) would silently ignore.
func (r *Registry) createOnce(ctx context.Context, model any, id identifier) (Recorded, error) {
	res, err := fhir.NewResource(model)
	if err != nil {
		return Recorded{}, err
	}
	query := url.Values{"identifier": {id.System + "|" + id.Value}}
	stored, resp, err := r.client.UpdateWhere(ctx, res, query)
	if err != nil {
		return Recorded{}, fmt.Errorf("ihris: recording %s %s: %w", res.Type(), id.Value, err)
	}
	rec := Recorded{Created: resp.Created()}
	if stored != nil && stored.ID() != "" {
		rec.Reference = stored.Reference()
	} else if id := referenceID(resp.Location, res.Type()); id != "" {
		rec.Reference = res.Type() + "/" + id
	}
	return rec, nil
}
