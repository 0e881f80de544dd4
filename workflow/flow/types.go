package flow

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// CurrentExportVersion is the export format version RapidPro writes today.
const CurrentExportVersion = "13"

// Flow types (Flow.Type).
const (
	TypeMessaging           = "messaging"
	TypeMessagingBackground = "messaging_background"
	TypeMessagingOffline    = "messaging_offline"
	TypeVoice               = "voice"
)

// Router types (Router.Type).
const (
	RouterSwitch = "switch"
	RouterRandom = "random"
)

// WaitMsg is the type of a wait for the contact's next message.
const WaitMsg = "msg"

// Export is a RapidPro export file: what Settings → Import accepts.
type Export struct {
	// Version is the export format version, "13" for current exports.
	Version Version `json:"version"`
	// Site is the server the export came from; informative only.
	Site      string            `json:"site,omitzero"`
	Flows     []Flow            `json:"flows,omitzero"`
	Campaigns []json.RawMessage `json:"campaigns,omitzero"`
	Triggers  []Trigger         `json:"triggers,omitzero"`
	Fields    []Field           `json:"fields,omitzero"`
	Groups    []Group           `json:"groups,omitzero"`
	Extra     Extra             `json:"-"`
}

// MarshalJSON writes the export with a stable member order.
func (e Export) MarshalJSON() ([]byte, error) { return encodeObject(nil, &e, e.Extra) }

// UnmarshalJSON reads an export, keeping members it does not model in Extra.
func (e *Export) UnmarshalJSON(data []byte) (err error) {
	e.Extra, err = decodeObject(data, e)
	return err
}

// Version is an export format version such as "13" or "11.12". Old exports
// wrote it as a JSON number; a version read as a number is written back as
// one.
type Version struct {
	// Text is the version as written, e.g. "13", "13.0.0" or "11.12".
	Text string
	// Number reports that the version was (and will be) a JSON number.
	Number bool
}

// String returns the version text.
func (v Version) String() string { return v.Text }

// MarshalJSON writes the version as a string, or as a number when Number is
// set and Text is a valid number.
func (v Version) MarshalJSON() ([]byte, error) {
	if v.Number {
		if _, err := strconv.ParseFloat(v.Text, 64); err == nil && json.Valid([]byte(v.Text)) {
			return []byte(v.Text), nil
		}
	}
	return marshalValue(v.Text)
}

// UnmarshalJSON accepts a string or a number.
func (v *Version) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '"' {
		*v = Version{}
		return json.Unmarshal(data, &v.Text)
	}
	var n json.Number
	if err := json.Unmarshal(data, &n); err != nil {
		return typeError(data, "a string or a number")
	}
	*v = Version{Text: n.String(), Number: true}
	return nil
}

// Flow is a flow definition (goflow spec 13.x).
type Flow struct {
	// UUID is the flow's identity; importing a flow with the same UUID
	// replaces it.
	UUID string `json:"uuid"`
	Name string `json:"name"`
	// SpecVersion is the goflow definition version, e.g. "13.0.0".
	SpecVersion string `json:"spec_version"`
	// Language is the base language, an ISO 639-3 code or "und".
	Language string `json:"language"`
	// Type is one of TypeMessaging, TypeMessagingBackground, TypeMessagingOffline or TypeVoice.
	Type               string       `json:"type"`
	Revision           int          `json:"revision,omitzero"`
	ExpireAfterMinutes int          `json:"expire_after_minutes,omitzero"`
	Localization       Localization `json:"localization,omitzero"`
	// Nodes run from the first one.
	Nodes []Node `json:"nodes,omitzero"`
	// UI is the editor's layout, ignored by the engine.
	UI    *UI   `json:"_ui,omitzero"`
	Extra Extra `json:"-"`
}

// MarshalJSON writes the flow with a stable member order.
func (f Flow) MarshalJSON() ([]byte, error) { return encodeObject(nil, &f, f.Extra) }

// UnmarshalJSON reads a flow definition, keeping members it does not model in Extra.
func (f *Flow) UnmarshalJSON(data []byte) (err error) {
	f.Extra, err = decodeObject(data, f)
	return err
}

// Node returns the node with the given UUID, or nil.
func (f *Flow) Node(uuid string) *Node {
	for i := range f.Nodes {
		if f.Nodes[i].UUID == uuid {
			return &f.Nodes[i]
		}
	}
	return nil
}

// Localization holds translations: language → item UUID (an action, case or
// category) → property ("text", "quick_replies", "arguments", "name", ...)
// → values. Values are always lists, even for a single text.
type Localization map[string]map[string]map[string][]string

// Translation returns the translated values of an item's property in lang,
// and whether there are any.
func (l Localization) Translation(lang, uuid, property string) ([]string, bool) {
	v, ok := l[lang][uuid][property]
	return v, ok && len(v) > 0
}

// Node is a step of a flow: its actions run in order, then its router (if
// any) picks the exit; a node without a router leaves by its first exit.
type Node struct {
	UUID    string   `json:"uuid"`
	Actions []Action `json:"actions,omitzero"`
	Router  *Router  `json:"router,omitzero"`
	Exits   []Exit   `json:"exits,omitzero"`
	Extra   Extra    `json:"-"`
}

// MarshalJSON writes the node with a stable member order.
func (n Node) MarshalJSON() ([]byte, error) { return encodeObject(nil, &n, n.Extra) }

// UnmarshalJSON reads a node, its actions as their concrete types.
func (n *Node) UnmarshalJSON(data []byte) error {
	var shadow struct {
		UUID    string            `json:"uuid"`
		Actions []json.RawMessage `json:"actions,omitzero"`
		Router  *Router           `json:"router,omitzero"`
		Exits   []Exit            `json:"exits,omitzero"`
	}
	extra, err := decodeObject(data, &shadow)
	if err != nil {
		return err
	}
	*n = Node{UUID: shadow.UUID, Router: shadow.Router, Exits: shadow.Exits, Extra: extra}
	if shadow.Actions != nil {
		n.Actions = make([]Action, len(shadow.Actions))
		for i, raw := range shadow.Actions {
			if n.Actions[i], err = decodeAction(raw); err != nil {
				return atPath(atPath(err, i), "actions")
			}
		}
	}
	return nil
}

// Exit leaves a node; an empty DestinationUUID ends the run.
type Exit struct {
	UUID            string `json:"uuid"`
	DestinationUUID string `json:"destination_uuid,omitzero"`
	Extra           Extra  `json:"-"`
}

// MarshalJSON writes the exit with a stable member order.
func (x Exit) MarshalJSON() ([]byte, error) { return encodeObject(nil, &x, x.Extra) }

// UnmarshalJSON reads an exit, keeping a null destination as read.
func (x *Exit) UnmarshalJSON(data []byte) (err error) {
	x.Extra, err = decodeObject(data, x)
	return err
}

// Router picks one of a node's categories, and so its exit.
type Router struct {
	// Type is RouterSwitch or RouterRandom.
	Type string `json:"type"`
	// Operand is the template tested by a switch router's cases, e.g. "@input.text".
	Operand string `json:"operand,omitzero"`
	// Wait pauses the run for a message before routing.
	Wait  *Wait  `json:"wait,omitzero"`
	Cases []Case `json:"cases,omitzero"`
	// Categories are the router's outcomes, each pointing at an exit.
	Categories []Category `json:"categories,omitzero"`
	// DefaultCategoryUUID is taken when no case matches ("Other").
	DefaultCategoryUUID string `json:"default_category_uuid,omitzero"`
	// ResultName, when set, saves the outcome as a run result.
	ResultName string `json:"result_name,omitzero"`
	Extra      Extra  `json:"-"`
}

// MarshalJSON writes the router with a stable member order.
func (r Router) MarshalJSON() ([]byte, error) { return encodeObject(nil, &r, r.Extra) }

// UnmarshalJSON reads a router, keeping members it does not model in Extra.
func (r *Router) UnmarshalJSON(data []byte) (err error) {
	r.Extra, err = decodeObject(data, r)
	return err
}

// Category returns the router's category with the given UUID, or nil.
func (r *Router) Category(uuid string) *Category {
	for i := range r.Categories {
		if r.Categories[i].UUID == uuid {
			return &r.Categories[i]
		}
	}
	return nil
}

// Wait pauses a run until the contact replies or the timeout passes.
type Wait struct {
	// Type is WaitMsg for messaging flows.
	Type    string   `json:"type"`
	Timeout *Timeout `json:"timeout,omitzero"`
	// Hint tells clients what input is expected, e.g. {"type": "image"}.
	Hint  json.RawMessage `json:"hint,omitzero"`
	Extra Extra           `json:"-"`
}

// MarshalJSON writes the wait with a stable member order.
func (w Wait) MarshalJSON() ([]byte, error) { return encodeObject(nil, &w, w.Extra) }

// UnmarshalJSON reads a wait, keeping members it does not model in Extra.
func (w *Wait) UnmarshalJSON(data []byte) (err error) {
	w.Extra, err = decodeObject(data, w)
	return err
}

// Timeout sends a waiting run to a category when no reply comes in time.
type Timeout struct {
	Seconds      int    `json:"seconds"`
	CategoryUUID string `json:"category_uuid"`
	Extra        Extra  `json:"-"`
}

// MarshalJSON writes the timeout with a stable member order.
func (t Timeout) MarshalJSON() ([]byte, error) { return encodeObject(nil, &t, t.Extra) }

// UnmarshalJSON reads a timeout, keeping members it does not model in Extra.
func (t *Timeout) UnmarshalJSON(data []byte) (err error) {
	t.Extra, err = decodeObject(data, t)
	return err
}

// Case is one test of a switch router; the first case that matches picks
// its category.
type Case struct {
	UUID string `json:"uuid"`
	// Type is the test, e.g. "has_any_word" or "has_number_between".
	Type string `json:"type"`
	// Arguments are templates passed to the test after the operand.
	Arguments    []string `json:"arguments,omitzero"`
	CategoryUUID string   `json:"category_uuid"`
	Extra        Extra    `json:"-"`
}

// MarshalJSON writes the case with a stable member order.
func (c Case) MarshalJSON() ([]byte, error) { return encodeObject(nil, &c, c.Extra) }

// UnmarshalJSON reads a case, keeping members it does not model in Extra.
func (c *Case) UnmarshalJSON(data []byte) (err error) {
	c.Extra, err = decodeObject(data, c)
	return err
}

// Category is an outcome of a router; its name is the result's category.
type Category struct {
	UUID     string `json:"uuid"`
	Name     string `json:"name"`
	ExitUUID string `json:"exit_uuid"`
	Extra    Extra  `json:"-"`
}

// MarshalJSON writes the category with a stable member order.
func (c Category) MarshalJSON() ([]byte, error) { return encodeObject(nil, &c, c.Extra) }

// UnmarshalJSON reads a category, keeping members it does not model in Extra.
func (c *Category) UnmarshalJSON(data []byte) (err error) {
	c.Extra, err = decodeObject(data, c)
	return err
}

// Trigger starts a flow, e.g. when a message begins with a keyword.
type Trigger struct {
	// TriggerType is "K" keyword, "C" catch-all, "M" missed call,
	// "N" new conversation, "R" referral or "V" inbound call.
	TriggerType string   `json:"trigger_type"`
	Keywords    []string `json:"keywords,omitzero"`
	// Keyword is the single keyword of older exports.
	Keyword string `json:"keyword,omitzero"`
	// MatchType is "F" (the first word matches) or "O" (only the keyword).
	MatchType     string `json:"match_type,omitzero"`
	Flow          *Ref   `json:"flow,omitzero"`
	Groups        []Ref  `json:"groups,omitzero"`
	ExcludeGroups []Ref  `json:"exclude_groups,omitzero"`
	// Channel is null, a {uuid, name} reference or a bare UUID string.
	Channel json.RawMessage `json:"channel,omitzero"`
	Extra   Extra           `json:"-"`
}

// MarshalJSON writes the trigger with a stable member order.
func (t Trigger) MarshalJSON() ([]byte, error) { return encodeObject(nil, &t, t.Extra) }

// UnmarshalJSON reads a trigger, keeping members it does not model in Extra.
func (t *Trigger) UnmarshalJSON(data []byte) (err error) {
	t.Extra, err = decodeObject(data, t)
	return err
}

// Contact field value types (Field.Type).
const (
	FieldText     = "text"
	FieldNumber   = "number"
	FieldDatetime = "datetime"
	FieldState    = "state"
	FieldDistrict = "district"
	FieldWard     = "ward"
)

// Field declares a contact field used by the flows.
type Field struct {
	// Key is the snake_case name used in @fields.key.
	Key  string `json:"key"`
	Name string `json:"name"`
	// Type is one of FieldText, FieldNumber, FieldDatetime, FieldState, FieldDistrict or FieldWard.
	Type  string `json:"type"`
	Extra Extra  `json:"-"`
}

// MarshalJSON writes the field with a stable member order.
func (f Field) MarshalJSON() ([]byte, error) { return encodeObject(nil, &f, f.Extra) }

// UnmarshalJSON reads a field; the legacy label/value_type stay in Extra.
func (f *Field) UnmarshalJSON(data []byte) (err error) {
	f.Extra, err = decodeObject(data, f)
	return err
}

// Group declares a contact group used by the flows.
type Group struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
	// Query makes a smart group when not empty; such groups can't be
	// changed by flow actions.
	Query string `json:"query,omitzero"`
	Extra Extra  `json:"-"`
}

// MarshalJSON writes the group with a stable member order.
func (g Group) MarshalJSON() ([]byte, error) { return encodeObject(nil, &g, g.Extra) }

// UnmarshalJSON reads a group, keeping members it does not model in Extra.
func (g *Group) UnmarshalJSON(data []byte) (err error) {
	g.Extra, err = decodeObject(data, g)
	return err
}

// Ref refers to a flow, group, label, channel or other asset by UUID, with
// its name for display.
type Ref struct {
	UUID  string `json:"uuid"`
	Name  string `json:"name"`
	Extra Extra  `json:"-"`
}

// MarshalJSON writes the reference with a stable member order.
func (r Ref) MarshalJSON() ([]byte, error) { return encodeObject(nil, &r, r.Extra) }

// UnmarshalJSON reads a reference, keeping members it does not model in Extra.
func (r *Ref) UnmarshalJSON(data []byte) (err error) {
	r.Extra, err = decodeObject(data, r)
	return err
}

// GroupRef refers to a group by UUID (with its name), or to every group
// whose name matches NameMatch.
type GroupRef struct {
	UUID      string `json:"uuid,omitzero"`
	Name      string `json:"name,omitzero"`
	NameMatch string `json:"name_match,omitzero"`
	Extra     Extra  `json:"-"`
}

// MarshalJSON writes the reference with a stable member order.
func (r GroupRef) MarshalJSON() ([]byte, error) { return encodeObject(nil, &r, r.Extra) }

// UnmarshalJSON reads a reference, keeping members it does not model in Extra.
func (r *GroupRef) UnmarshalJSON(data []byte) (err error) {
	r.Extra, err = decodeObject(data, r)
	return err
}

// FieldRef refers to a contact field by key, with its name for display.
type FieldRef struct {
	Key   string `json:"key"`
	Name  string `json:"name"`
	Extra Extra  `json:"-"`
}

// MarshalJSON writes the reference with a stable member order.
func (r FieldRef) MarshalJSON() ([]byte, error) { return encodeObject(nil, &r, r.Extra) }

// UnmarshalJSON reads a reference, keeping members it does not model in Extra.
func (r *FieldRef) UnmarshalJSON(data []byte) (err error) {
	r.Extra, err = decodeObject(data, r)
	return err
}

// UI is the flow editor's layout. The engine ignores it, but RapidPro's
// editor expects an entry for every node.
type UI struct {
	Nodes map[string]UINode `json:"nodes,omitzero"`
	// Stickies are the editor's notes, by UUID.
	Stickies map[string]json.RawMessage `json:"stickies,omitzero"`
	Extra    Extra                      `json:"-"`
}

// MarshalJSON writes the layout with a stable member order.
func (u UI) MarshalJSON() ([]byte, error) { return encodeObject(nil, &u, u.Extra) }

// UnmarshalJSON reads a layout, keeping members it does not model in Extra.
func (u *UI) UnmarshalJSON(data []byte) (err error) {
	u.Extra, err = decodeObject(data, u)
	return err
}

// UINode places one node in the editor.
type UINode struct {
	Position Position `json:"position"`
	// Type names the editor form: "execute_actions", "wait_for_response",
	// "split_by_expression", "split_by_contact_field", "split_by_run_result",
	// "split_by_groups", "split_by_random", "split_by_webhook", "split_by_subflow", ...
	Type string `json:"type,omitzero"`
	// Config is the form's settings, e.g. {"cases": {}} for a wait.
	Config json.RawMessage `json:"config,omitzero"`
	Extra  Extra           `json:"-"`
}

// MarshalJSON writes the node layout with a stable member order.
func (n UINode) MarshalJSON() ([]byte, error) { return encodeObject(nil, &n, n.Extra) }

// UnmarshalJSON reads a node layout, keeping members it does not model in Extra.
func (n *UINode) UnmarshalJSON(data []byte) (err error) {
	n.Extra, err = decodeObject(data, n)
	return err
}

// Position is a point in the editor, in pixels.
type Position struct {
	Left  float64 `json:"left"`
	Top   float64 `json:"top"`
	Extra Extra   `json:"-"`
}

// MarshalJSON writes the position with a stable member order.
func (p Position) MarshalJSON() ([]byte, error) { return encodeObject(nil, &p, p.Extra) }

// UnmarshalJSON reads a position, keeping members it does not model in Extra.
func (p *Position) UnmarshalJSON(data []byte) (err error) {
	p.Extra, err = decodeObject(data, p)
	return err
}
