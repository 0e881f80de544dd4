package rapidpro

import (
	"context"
	"fmt"
	"iter"
	"net/url"
	"time"
)

// MessagesService handles the messages endpoint (throttle scope
// "messages"). https://app.rapidpro.io/api/v2/messages
type MessagesService service

// Message is an incoming or outgoing message.
type Message struct {
	UUID    string `json:"uuid"`
	Contact Ref    `json:"contact"`
	URN     string `json:"urn"`
	Channel *Ref   `json:"channel"`
	// Direction is in or out.
	Direction string `json:"direction"`
	// Type is text, optin or voice.
	Type string `json:"type"`
	// Status is queued, handled, wired, sent, delivered, read, errored or
	// failed.
	Status string `json:"status"`
	// Visibility is visible or archived.
	Visibility   string       `json:"visibility"`
	Text         string       `json:"text"`
	Attachments  []Attachment `json:"attachments"`
	QuickReplies []QuickReply `json:"quick_replies"`
	Labels       []Ref        `json:"labels"`
	Flow         *Ref         `json:"flow"`
	CreatedOn    Time         `json:"created_on"`
	SentOn       Time         `json:"sent_on"`
	ModifiedOn   Time         `json:"modified_on"`
	// ID is the integer id message actions take (deprecated elsewhere).
	ID int64 `json:"id,omitempty"`
	// Archived, Media and Broadcast are deprecated.
	Archived  *bool  `json:"archived,omitempty"`
	Media     string `json:"media,omitempty"`
	Broadcast *int64 `json:"broadcast,omitempty"`
}

// Attachment is a message attachment.
type Attachment struct {
	ContentType string `json:"content_type"`
	URL         string `json:"url"`
}

// QuickReply is a suggested answer.
type QuickReply struct {
	// Type is text (default), form, url or location.
	Type  string `json:"type,omitempty"`
	Text  string `json:"text,omitempty"`
	Extra string `json:"extra,omitempty"`
}

// MessageListParams filters a message list. Only one of Contact, Folder,
// Label and Broadcast may be used at a time.
type MessageListParams struct {
	UUID string
	// Folder is inbox, flows, archived, outbox, sent or failed.
	Folder    string
	Contact   string // UUID
	Label     string // UUID or name
	Broadcast int64
	ID        int64
	// Before and After bound created_on (inclusive).
	Before, After time.Time
	Cursor        string
}

func (p *MessageListParams) values() (url.Values, string) {
	if p == nil {
		return nil, ""
	}
	q := query{}
	q.str("uuid", p.UUID)
	q.str("folder", p.Folder)
	q.str("contact", p.Contact)
	q.str("label", p.Label)
	if p.Broadcast != 0 {
		url.Values(q).Set("broadcast", fmt.Sprint(p.Broadcast))
	}
	if p.ID != 0 {
		url.Values(q).Set("id", fmt.Sprint(p.ID))
	}
	q.time("before", p.Before)
	q.time("after", p.After)
	return url.Values(q), p.Cursor
}

// List iterates over the messages matching p, newest first.
func (s *MessagesService) List(ctx context.Context, p *MessageListParams) iter.Seq2[Message, error] {
	q, cursor := p.values()
	return list[Message](ctx, s.c, "messages.json", q, cursor)
}

// ListPage fetches one page of messages.
func (s *MessagesService) ListPage(ctx context.Context, p *MessageListParams) (*Page[Message], error) {
	q, cursor := p.values()
	return listPage[Message](ctx, s.c, "messages.json", q, cursor)
}

// MessageRequest is the body of a single message send.
type MessageRequest struct {
	// Contact is a contact UUID or URN.
	Contact string `json:"contact"`
	Text    string `json:"text,omitempty"`
	// Attachments are media UUIDs (at most 10).
	Attachments  []string     `json:"attachments,omitzero"`
	QuickReplies []QuickReply `json:"quick_replies,omitempty"`
}

// Send sends one message to one contact. It is never resent once it may
// have reached the server: on an ambiguous failure the returned
// *RequestError says so, and the caller may check the contact's outbox.
func (s *MessagesService) Send(ctx context.Context, req *MessageRequest) (*Message, error) {
	var out Message
	if _, err := s.c.post(ctx, once, "messages.json", nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// MessageActionsService handles the message_actions endpoint.
// https://app.rapidpro.io/api/v2/message_actions
type MessageActionsService service

// MessageAction is the body of a message_actions request.
type MessageAction struct {
	// Messages are integer message ids (incoming messages only).
	Messages []int64 `json:"messages"`
	// Action is label, unlabel, archive, restore or delete.
	Action string `json:"action"`
	// Label is a label UUID or name (label and unlabel).
	Label string `json:"label,omitempty"`
	// LabelName creates the label if it is missing.
	LabelName string `json:"label_name,omitempty"`
}

// Act applies an action to any number of messages, 100 per request, and
// returns the ids that no longer exist. Doing an action twice changes
// nothing, so failed requests are retried; on error the batches already
// done stay done and the whole call may be repeated.
func (s *MessageActionsService) Act(ctx context.Context, a *MessageAction) (failures []int64, err error) {
	if a == nil || len(a.Messages) == 0 {
		return nil, fmt.Errorf("rapidpro: a message action needs messages")
	}
	for start := 0; start < len(a.Messages); start += MaxBatch {
		batch := *a
		batch.Messages = a.Messages[start:min(start+MaxBatch, len(a.Messages))]
		var out struct {
			Failures []int64 `json:"failures"`
		}
		if _, err := s.c.post(ctx, repeatable, "message_actions.json", nil, &batch, &out); err != nil {
			return failures, err
		}
		failures = append(failures, out.Failures...)
	}
	return failures, nil
}
