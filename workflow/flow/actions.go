package flow

import (
	"encoding/json"
	"errors"
)

// Action is a step of a node. Each action type this package models has its
// own struct (*SendMsg, *SetContactField, ...); any other type reads as an
// *OtherAction, which keeps all of its members. The set is closed: write
// other action types as an *OtherAction with their members in Extra.
type Action interface {
	// ActionUUID returns the action's UUID.
	ActionUUID() string
	// ActionType returns the action's type, e.g. "send_msg".
	ActionType() string
	json.Marshaler
	extra() *Extra
}

// Action types modelled by this package.
const (
	ActionSendMsg             = "send_msg"
	ActionSendBroadcast       = "send_broadcast"
	ActionSetContactField     = "set_contact_field"
	ActionSetContactName      = "set_contact_name"
	ActionSetContactLanguage  = "set_contact_language"
	ActionSetContactTimezone  = "set_contact_timezone"
	ActionSetContactStatus    = "set_contact_status"
	ActionSetContactChannel   = "set_contact_channel"
	ActionAddContactURN       = "add_contact_urn"
	ActionSetRunResult        = "set_run_result"
	ActionAddContactGroups    = "add_contact_groups"
	ActionRemoveContactGroups = "remove_contact_groups"
	ActionAddInputLabels      = "add_input_labels"
	ActionEnterFlow           = "enter_flow"
	ActionStartSession        = "start_session"
	ActionCallWebhook         = "call_webhook"
	ActionSendEmail           = "send_email"
)

// newAction returns an empty action of a modelled type, or nil.
func newAction(actionType string) Action {
	switch actionType {
	case ActionSendMsg:
		return &SendMsg{}
	case ActionSendBroadcast:
		return &SendBroadcast{}
	case ActionSetContactField:
		return &SetContactField{}
	case ActionSetContactName:
		return &SetContactName{}
	case ActionSetContactLanguage:
		return &SetContactLanguage{}
	case ActionSetContactTimezone:
		return &SetContactTimezone{}
	case ActionSetContactStatus:
		return &SetContactStatus{}
	case ActionSetContactChannel:
		return &SetContactChannel{}
	case ActionAddContactURN:
		return &AddContactURN{}
	case ActionSetRunResult:
		return &SetRunResult{}
	case ActionAddContactGroups:
		return &AddContactGroups{}
	case ActionRemoveContactGroups:
		return &RemoveContactGroups{}
	case ActionAddInputLabels:
		return &AddInputLabels{}
	case ActionEnterFlow:
		return &EnterFlow{}
	case ActionStartSession:
		return &StartSession{}
	case ActionCallWebhook:
		return &CallWebhook{}
	case ActionSendEmail:
		return &SendEmail{}
	}
	return nil
}

// decodeAction reads an action as its concrete type.
func decodeAction(data []byte) (Action, error) {
	var head struct {
		Type json.RawMessage `json:"type"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, typeError(data, "an object")
	}
	var actionType string
	if err := json.Unmarshal(head.Type, &actionType); err != nil || actionType == "" {
		return nil, &pathError{path: []any{"type"}, msg: "an action needs a type"}
	}
	a := newAction(actionType)
	if a == nil {
		o := &OtherAction{}
		var err error
		o.Extra, err = decodeObject(data, o)
		return o, err
	}
	extra, err := decodeObject(data, a, "type")
	if err != nil {
		return nil, err
	}
	*a.extra() = extra
	return a, nil
}

// encodeAction writes an action: its uuid and type first, then its fields.
func encodeAction(a Action) ([]byte, error) {
	uuid, err := marshalValue(a.ActionUUID())
	if err != nil {
		return nil, err
	}
	typ, err := marshalValue(a.ActionType())
	if err != nil {
		return nil, err
	}
	return encodeObject([]member{{"uuid", string(uuid)}, {"type", string(typ)}}, a, *a.extra())
}

// OtherAction is an action of a type this package doesn't model (for
// example call_classifier or open_ticket). All its members other than uuid
// and type are in Extra.
type OtherAction struct {
	UUID  string `json:"uuid"`
	Type  string `json:"type"`
	Extra Extra  `json:"-"`
}

// ActionUUID returns the action's UUID.
func (a *OtherAction) ActionUUID() string { return a.UUID }

// ActionType returns the action's type.
func (a *OtherAction) ActionType() string { return a.Type }

// MarshalJSON writes the action with a stable member order.
func (a *OtherAction) MarshalJSON() ([]byte, error) {
	if a.Type == "" {
		return nil, errors.New("flow: an action needs a type")
	}
	return encodeObject(nil, a, a.Extra)
}

func (a *OtherAction) extra() *Extra { return &a.Extra }

// SendMsg (send_msg) sends a message to the contact.
type SendMsg struct {
	UUID string `json:"uuid"`
	// Text is a template.
	Text string `json:"text"`
	// Attachments are templates of the form "content-type:url".
	Attachments  []string `json:"attachments,omitzero"`
	QuickReplies []string `json:"quick_replies,omitzero"`
	// AllURNs sends on every URN of the contact instead of the preferred one.
	AllURNs bool `json:"all_urns,omitzero"`
	// Templating is a WhatsApp template block, kept as read.
	Templating json.RawMessage `json:"templating,omitzero"`
	// Topic is the message topic: "event", "account", "purchase" or "agent".
	Topic string `json:"topic,omitzero"`
	Extra Extra  `json:"-"`
}

// ActionUUID returns the action's UUID.
func (a *SendMsg) ActionUUID() string { return a.UUID }

// ActionType returns "send_msg".
func (a *SendMsg) ActionType() string { return ActionSendMsg }

// MarshalJSON writes the action with a stable member order.
func (a *SendMsg) MarshalJSON() ([]byte, error) { return encodeAction(a) }

func (a *SendMsg) extra() *Extra { return &a.Extra }

// SendBroadcast (send_broadcast) sends a message to other contacts, URNs or groups.
type SendBroadcast struct {
	UUID         string     `json:"uuid"`
	Text         string     `json:"text"`
	Attachments  []string   `json:"attachments,omitzero"`
	QuickReplies []string   `json:"quick_replies,omitzero"`
	URNs         []string   `json:"urns,omitzero"`
	Contacts     []Ref      `json:"contacts,omitzero"`
	Groups       []GroupRef `json:"groups,omitzero"`
	ContactQuery string     `json:"contact_query,omitzero"`
	LegacyVars   []string   `json:"legacy_vars,omitzero"`
	Extra        Extra      `json:"-"`
}

// ActionUUID returns the action's UUID.
func (a *SendBroadcast) ActionUUID() string { return a.UUID }

// ActionType returns "send_broadcast".
func (a *SendBroadcast) ActionType() string { return ActionSendBroadcast }

// MarshalJSON writes the action with a stable member order.
func (a *SendBroadcast) MarshalJSON() ([]byte, error) { return encodeAction(a) }

func (a *SendBroadcast) extra() *Extra { return &a.Extra }

// SetContactField (set_contact_field) sets a contact field; an empty value clears it.
type SetContactField struct {
	UUID  string   `json:"uuid"`
	Field FieldRef `json:"field"`
	// Value is a template.
	Value string `json:"value"`
	Extra Extra  `json:"-"`
}

// ActionUUID returns the action's UUID.
func (a *SetContactField) ActionUUID() string { return a.UUID }

// ActionType returns "set_contact_field".
func (a *SetContactField) ActionType() string { return ActionSetContactField }

// MarshalJSON writes the action with a stable member order.
func (a *SetContactField) MarshalJSON() ([]byte, error) { return encodeAction(a) }

func (a *SetContactField) extra() *Extra { return &a.Extra }

// SetContactName (set_contact_name) sets the contact's name.
type SetContactName struct {
	UUID string `json:"uuid"`
	// Name is a template.
	Name  string `json:"name"`
	Extra Extra  `json:"-"`
}

// ActionUUID returns the action's UUID.
func (a *SetContactName) ActionUUID() string { return a.UUID }

// ActionType returns "set_contact_name".
func (a *SetContactName) ActionType() string { return ActionSetContactName }

// MarshalJSON writes the action with a stable member order.
func (a *SetContactName) MarshalJSON() ([]byte, error) { return encodeAction(a) }

func (a *SetContactName) extra() *Extra { return &a.Extra }

// SetContactLanguage (set_contact_language) sets the contact's language (ISO 639-3).
type SetContactLanguage struct {
	UUID string `json:"uuid"`
	// Language is a template.
	Language string `json:"language"`
	Extra    Extra  `json:"-"`
}

// ActionUUID returns the action's UUID.
func (a *SetContactLanguage) ActionUUID() string { return a.UUID }

// ActionType returns "set_contact_language".
func (a *SetContactLanguage) ActionType() string { return ActionSetContactLanguage }

// MarshalJSON writes the action with a stable member order.
func (a *SetContactLanguage) MarshalJSON() ([]byte, error) { return encodeAction(a) }

func (a *SetContactLanguage) extra() *Extra { return &a.Extra }

// SetContactTimezone (set_contact_timezone) sets the contact's time zone.
type SetContactTimezone struct {
	UUID string `json:"uuid"`
	// Timezone is a template giving an IANA zone name.
	Timezone string `json:"timezone"`
	Extra    Extra  `json:"-"`
}

// ActionUUID returns the action's UUID.
func (a *SetContactTimezone) ActionUUID() string { return a.UUID }

// ActionType returns "set_contact_timezone".
func (a *SetContactTimezone) ActionType() string { return ActionSetContactTimezone }

// MarshalJSON writes the action with a stable member order.
func (a *SetContactTimezone) MarshalJSON() ([]byte, error) { return encodeAction(a) }

func (a *SetContactTimezone) extra() *Extra { return &a.Extra }

// SetContactStatus (set_contact_status) sets the contact's status.
type SetContactStatus struct {
	UUID string `json:"uuid"`
	// Status is "active", "blocked", "stopped" or "archived".
	Status string `json:"status"`
	Extra  Extra  `json:"-"`
}

// ActionUUID returns the action's UUID.
func (a *SetContactStatus) ActionUUID() string { return a.UUID }

// ActionType returns "set_contact_status".
func (a *SetContactStatus) ActionType() string { return ActionSetContactStatus }

// MarshalJSON writes the action with a stable member order.
func (a *SetContactStatus) MarshalJSON() ([]byte, error) { return encodeAction(a) }

func (a *SetContactStatus) extra() *Extra { return &a.Extra }

// SetContactChannel (set_contact_channel) sets the contact's preferred channel.
type SetContactChannel struct {
	UUID    string `json:"uuid"`
	Channel *Ref   `json:"channel,omitzero"`
	Extra   Extra  `json:"-"`
}

// ActionUUID returns the action's UUID.
func (a *SetContactChannel) ActionUUID() string { return a.UUID }

// ActionType returns "set_contact_channel".
func (a *SetContactChannel) ActionType() string { return ActionSetContactChannel }

// MarshalJSON writes the action with a stable member order.
func (a *SetContactChannel) MarshalJSON() ([]byte, error) { return encodeAction(a) }

func (a *SetContactChannel) extra() *Extra { return &a.Extra }

// AddContactURN (add_contact_urn) adds a URN to the contact.
type AddContactURN struct {
	UUID string `json:"uuid"`
	// Scheme is the URN scheme, e.g. "tel".
	Scheme string `json:"scheme"`
	// Path is a template.
	Path  string `json:"path"`
	Extra Extra  `json:"-"`
}

// ActionUUID returns the action's UUID.
func (a *AddContactURN) ActionUUID() string { return a.UUID }

// ActionType returns "add_contact_urn".
func (a *AddContactURN) ActionType() string { return ActionAddContactURN }

// MarshalJSON writes the action with a stable member order.
func (a *AddContactURN) MarshalJSON() ([]byte, error) { return encodeAction(a) }

func (a *AddContactURN) extra() *Extra { return &a.Extra }

// SetRunResult (set_run_result) saves a run result without asking.
type SetRunResult struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
	// Value is a template.
	Value    string `json:"value"`
	Category string `json:"category,omitzero"`
	Extra    Extra  `json:"-"`
}

// ActionUUID returns the action's UUID.
func (a *SetRunResult) ActionUUID() string { return a.UUID }

// ActionType returns "set_run_result".
func (a *SetRunResult) ActionType() string { return ActionSetRunResult }

// MarshalJSON writes the action with a stable member order.
func (a *SetRunResult) MarshalJSON() ([]byte, error) { return encodeAction(a) }

func (a *SetRunResult) extra() *Extra { return &a.Extra }

// AddContactGroups (add_contact_groups) adds the contact to groups.
type AddContactGroups struct {
	UUID   string     `json:"uuid"`
	Groups []GroupRef `json:"groups,omitzero"`
	Extra  Extra      `json:"-"`
}

// ActionUUID returns the action's UUID.
func (a *AddContactGroups) ActionUUID() string { return a.UUID }

// ActionType returns "add_contact_groups".
func (a *AddContactGroups) ActionType() string { return ActionAddContactGroups }

// MarshalJSON writes the action with a stable member order.
func (a *AddContactGroups) MarshalJSON() ([]byte, error) { return encodeAction(a) }

func (a *AddContactGroups) extra() *Extra { return &a.Extra }

// RemoveContactGroups (remove_contact_groups) removes the contact from groups, or from all of them.
type RemoveContactGroups struct {
	UUID      string     `json:"uuid"`
	Groups    []GroupRef `json:"groups,omitzero"`
	AllGroups bool       `json:"all_groups,omitzero"`
	Extra     Extra      `json:"-"`
}

// ActionUUID returns the action's UUID.
func (a *RemoveContactGroups) ActionUUID() string { return a.UUID }

// ActionType returns "remove_contact_groups".
func (a *RemoveContactGroups) ActionType() string { return ActionRemoveContactGroups }

// MarshalJSON writes the action with a stable member order.
func (a *RemoveContactGroups) MarshalJSON() ([]byte, error) { return encodeAction(a) }

func (a *RemoveContactGroups) extra() *Extra { return &a.Extra }

// AddInputLabels (add_input_labels) labels the last incoming message.
type AddInputLabels struct {
	UUID   string `json:"uuid"`
	Labels []Ref  `json:"labels,omitzero"`
	Extra  Extra  `json:"-"`
}

// ActionUUID returns the action's UUID.
func (a *AddInputLabels) ActionUUID() string { return a.UUID }

// ActionType returns "add_input_labels".
func (a *AddInputLabels) ActionType() string { return ActionAddInputLabels }

// MarshalJSON writes the action with a stable member order.
func (a *AddInputLabels) MarshalJSON() ([]byte, error) { return encodeAction(a) }

func (a *AddInputLabels) extra() *Extra { return &a.Extra }

// EnterFlow (enter_flow) runs another flow as a subflow.
type EnterFlow struct {
	UUID string `json:"uuid"`
	Flow Ref    `json:"flow"`
	// Terminal ends this run instead of resuming it after the subflow.
	Terminal bool  `json:"terminal,omitzero"`
	Extra    Extra `json:"-"`
}

// ActionUUID returns the action's UUID.
func (a *EnterFlow) ActionUUID() string { return a.UUID }

// ActionType returns "enter_flow".
func (a *EnterFlow) ActionType() string { return ActionEnterFlow }

// MarshalJSON writes the action with a stable member order.
func (a *EnterFlow) MarshalJSON() ([]byte, error) { return encodeAction(a) }

func (a *EnterFlow) extra() *Extra { return &a.Extra }

// StartSession (start_session) starts a flow for other contacts.
type StartSession struct {
	UUID          string          `json:"uuid"`
	Flow          Ref             `json:"flow"`
	URNs          []string        `json:"urns,omitzero"`
	Contacts      []Ref           `json:"contacts,omitzero"`
	Groups        []GroupRef      `json:"groups,omitzero"`
	ContactQuery  string          `json:"contact_query,omitzero"`
	Exclusions    json.RawMessage `json:"exclusions,omitzero"`
	CreateContact bool            `json:"create_contact,omitzero"`
	LegacyVars    []string        `json:"legacy_vars,omitzero"`
	Extra         Extra           `json:"-"`
}

// ActionUUID returns the action's UUID.
func (a *StartSession) ActionUUID() string { return a.UUID }

// ActionType returns "start_session".
func (a *StartSession) ActionType() string { return ActionStartSession }

// MarshalJSON writes the action with a stable member order.
func (a *StartSession) MarshalJSON() ([]byte, error) { return encodeAction(a) }

func (a *StartSession) extra() *Extra { return &a.Extra }

// CallWebhook (call_webhook) calls an external URL.
type CallWebhook struct {
	UUID string `json:"uuid"`
	// Method is GET, HEAD, POST, PUT, PATCH or DELETE.
	Method string `json:"method"`
	// URL is a template.
	URL string `json:"url"`
	// Headers are templates by header name.
	Headers map[string]string `json:"headers,omitzero"`
	// Body is a template.
	Body       string `json:"body,omitzero"`
	ResultName string `json:"result_name,omitzero"`
	Extra      Extra  `json:"-"`
}

// ActionUUID returns the action's UUID.
func (a *CallWebhook) ActionUUID() string { return a.UUID }

// ActionType returns "call_webhook".
func (a *CallWebhook) ActionType() string { return ActionCallWebhook }

// MarshalJSON writes the action with a stable member order.
func (a *CallWebhook) MarshalJSON() ([]byte, error) { return encodeAction(a) }

func (a *CallWebhook) extra() *Extra { return &a.Extra }

// SendEmail (send_email) sends an email.
type SendEmail struct {
	UUID      string   `json:"uuid"`
	Addresses []string `json:"addresses,omitzero"`
	Subject   string   `json:"subject"`
	Body      string   `json:"body"`
	Extra     Extra    `json:"-"`
}

// ActionUUID returns the action's UUID.
func (a *SendEmail) ActionUUID() string { return a.UUID }

// ActionType returns "send_email".
func (a *SendEmail) ActionType() string { return ActionSendEmail }

// MarshalJSON writes the action with a stable member order.
func (a *SendEmail) MarshalJSON() ([]byte, error) { return encodeAction(a) }

func (a *SendEmail) extra() *Extra { return &a.Extra }
