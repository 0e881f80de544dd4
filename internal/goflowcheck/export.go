package goflowcheck

import (
	"encoding/json"
	"fmt"

	"github.com/nyaruka/goflow/assets/static"
)

// exportFile is the part of a RapidPro export file that goflow needs as
// assets: the flows themselves and the fields and groups they reference.
type exportFile struct {
	Flows  []json.RawMessage `json:"flows"`
	Fields []exportField     `json:"fields"`
	Groups []exportGroup     `json:"groups"`
}

type exportField struct {
	Key  string `json:"key"`
	Name string `json:"name"`
	Type string `json:"type"`
	// Very old exports name the field with label and value_type.
	Label     string `json:"label"`
	ValueType string `json:"value_type"`
}

type exportGroup struct {
	UUID  string  `json:"uuid"`
	Name  string  `json:"name"`
	Query *string `json:"query"`
}

// flowHeader is enough of a flow definition to name it.
type flowHeader struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
}

// legacyFieldTypes maps the one-letter value types of old exports.
var legacyFieldTypes = map[string]string{
	"T": "text", "N": "number", "D": "datetime", "S": "state", "I": "district", "W": "ward",
}

func readExport(data []byte) (*exportFile, error) {
	var e exportFile
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("reading export: %w", err)
	}
	return &e, nil
}

// workspaceChannel is the SMS channel Run adds to the export's assets: a
// real workspace has one, and goflow only gives a contact a preferred URN
// (@contact.urn) that a channel can send to.
const workspaceChannel = `{"uuid": "5d3c1a2b-7e8f-4a9b-8c0d-1e2f3a4b5c6d", "name": "MOH SMS",
	"address": "+231770009999", "schemes": ["tel"], "roles": ["send", "receive"], "country": "LR"}`

// source turns the export into a static goflow asset source holding its
// flows, fields and groups, exactly as RapidPro would after importing it,
// and the workspace's channel when withChannel is set.
func (e *exportFile) source(withChannel bool) (*static.StaticSource, error) {
	type field struct {
		Key  string `json:"key"`
		Name string `json:"name"`
		Type string `json:"type"`
	}
	type group struct {
		UUID  string `json:"uuid"`
		Name  string `json:"name"`
		Query string `json:"query,omitempty"`
	}
	var a struct {
		Channels []json.RawMessage `json:"channels,omitempty"`
		Flows    []json.RawMessage `json:"flows"`
		Fields   []field           `json:"fields"`
		Groups   []group           `json:"groups"`
	}
	a.Flows = e.Flows
	if withChannel {
		a.Channels = []json.RawMessage{json.RawMessage(workspaceChannel)}
	}
	for _, f := range e.Fields {
		ff := field{Key: f.Key, Name: f.Name, Type: f.Type}
		if ff.Key == "" {
			ff.Key = f.Label
		}
		if ff.Name == "" {
			ff.Name = f.Label
		}
		if ff.Type == "" {
			ff.Type = legacyFieldTypes[f.ValueType]
		}
		a.Fields = append(a.Fields, ff)
	}
	for _, g := range e.Groups {
		gg := group{UUID: g.UUID, Name: g.Name}
		if g.Query != nil {
			gg.Query = *g.Query
		}
		a.Groups = append(a.Groups, gg)
	}
	data, err := json.Marshal(a)
	if err != nil {
		return nil, err
	}
	src, err := static.NewSource(data)
	if err != nil {
		return nil, fmt.Errorf("building goflow assets from the export: %w", err)
	}
	return src, nil
}
