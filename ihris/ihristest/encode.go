package ihristest

import (
	"encoding/json"
	"strconv"
)

// Hand-written encoders for the generated shapes: a 200,000-worker
// registry is generated in a few seconds only without reflection. Each
// writes exactly what encoding/json would for the struct's tags (the test
// TestEncodersMatchEncodingJSON keeps them in step).

func appendStr(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c >= 0x80 {
			j, _ := json.Marshal(s)
			return append(b, j...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendField writes ,"key":"value" (or without the comma when first).
func appendField(b []byte, first bool, key, value string) []byte {
	if !first {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return appendStr(b, value)
}

func appendKey(b []byte, key string) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	return append(b, '"', ':')
}

func appendList[T any](b []byte, items []T, each func([]byte, T) []byte) []byte {
	b = append(b, '[')
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = each(b, it)
	}
	return append(b, ']')
}

func (m jMeta) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = appendField(b, true, "versionId", m.VersionID)
	b = appendField(b, false, "lastUpdated", m.LastUpdated)
	if len(m.Profile) > 0 {
		b = appendKey(b, "profile")
		b = appendList(b, m.Profile, appendStr)
	}
	return append(b, '}')
}

func (c jCoding) appendJSON(b []byte) []byte {
	b = append(b, '{')
	first := true
	if c.System != "" {
		b = appendField(b, true, "system", c.System)
		first = false
	}
	b = appendField(b, first, "code", c.Code)
	if c.Display != "" {
		b = appendField(b, false, "display", c.Display)
	}
	return append(b, '}')
}

func (c jCodeable) appendJSON(b []byte) []byte {
	b = append(b, `{"coding":`...)
	b = appendList(b, c.Coding, func(b []byte, c jCoding) []byte { return c.appendJSON(b) })
	if c.Text != "" {
		b = appendField(b, false, "text", c.Text)
	}
	return append(b, '}')
}

func (r jRef) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = appendField(b, true, "reference", r.Reference)
	if r.Display != "" {
		b = appendField(b, false, "display", r.Display)
	}
	return append(b, '}')
}

func (e jExt) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = appendField(b, true, "url", e.URL)
	if e.ValueCoding != nil {
		b = appendKey(b, "valueCoding")
		b = e.ValueCoding.appendJSON(b)
	}
	if e.ValueReference != nil {
		b = appendKey(b, "valueReference")
		b = e.ValueReference.appendJSON(b)
	}
	if e.ValueString != "" {
		b = appendField(b, false, "valueString", e.ValueString)
	}
	switch v := e.ValueInteger.(type) {
	case string: // the quirk: an integer written as a JSON string
		b = appendField(b, false, "valueInteger", v)
	case int:
		b = appendKey(b, "valueInteger")
		b = strconv.AppendInt(b, int64(v), 10)
	}
	if len(e.Extension) > 0 {
		b = appendKey(b, "extension")
		b = appendList(b, e.Extension, func(b []byte, e jExt) []byte { return e.appendJSON(b) })
	}
	return append(b, '}')
}

func (i jIdentifier) appendJSON(b []byte) []byte {
	b = append(b, '{')
	first := true
	if i.Type != nil {
		b = append(b, `"type":`...)
		b = i.Type.appendJSON(b)
		first = false
	}
	b = appendField(b, first, "system", i.System)
	b = appendField(b, false, "value", i.Value)
	return append(b, '}')
}

func (p *jPractitioner) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = appendField(b, true, "resourceType", p.ResourceType)
	b = appendField(b, false, "id", p.ID)
	b = appendKey(b, "meta")
	b = p.Meta.appendJSON(b)
	if len(p.Extension) > 0 {
		b = appendKey(b, "extension")
		b = appendList(b, p.Extension, func(b []byte, e jExt) []byte { return e.appendJSON(b) })
	}
	b = appendKey(b, "identifier")
	b = appendList(b, p.Identifier, func(b []byte, i jIdentifier) []byte { return i.appendJSON(b) })
	b = appendKey(b, "active")
	b = strconv.AppendBool(b, p.Active)
	b = appendKey(b, "name")
	b = appendList(b, p.Name, func(b []byte, n jName) []byte {
		b = append(b, '{')
		b = appendField(b, true, "use", n.Use)
		b = appendField(b, false, "text", n.Text)
		b = appendField(b, false, "family", n.Family)
		b = appendKey(b, "given")
		b = appendList(b, n.Given, appendStr)
		return append(b, '}')
	})
	if len(p.Telecom) > 0 {
		b = appendKey(b, "telecom")
		b = appendList(b, p.Telecom, func(b []byte, c jContact) []byte {
			b = append(b, '{')
			b = appendField(b, true, "system", c.System)
			b = appendField(b, false, "value", c.Value)
			b = appendField(b, false, "use", c.Use)
			b = appendKey(b, "rank")
			b = strconv.AppendInt(b, int64(c.Rank), 10)
			return append(b, '}')
		})
	}
	b = appendField(b, false, "gender", p.Gender)
	b = appendField(b, false, "birthDate", p.BirthDate)
	return append(b, '}')
}

func (r *jRole) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = appendField(b, true, "resourceType", r.ResourceType)
	b = appendField(b, false, "id", r.ID)
	b = appendKey(b, "meta")
	b = r.Meta.appendJSON(b)
	b = appendKey(b, "extension")
	b = appendList(b, r.Extension, func(b []byte, e jExt) []byte { return e.appendJSON(b) })
	b = appendKey(b, "active")
	b = strconv.AppendBool(b, r.Active)
	b = appendKey(b, "period")
	b = append(b, '{')
	b = appendField(b, true, "start", r.Period.Start)
	if r.Period.End != "" {
		b = appendField(b, false, "end", r.Period.End)
	}
	b = append(b, '}')
	b = appendKey(b, "practitioner")
	b = r.Practitioner.appendJSON(b)
	b = appendKey(b, "code")
	b = appendList(b, r.Code, func(b []byte, c jCodeable) []byte { return c.appendJSON(b) })
	b = appendKey(b, "location")
	b = appendList(b, r.Location, func(b []byte, r jRef) []byte { return r.appendJSON(b) })
	return append(b, '}')
}
