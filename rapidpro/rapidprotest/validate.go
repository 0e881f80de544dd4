package rapidprotest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"
)

// Validation messages copied from RapidPro and DRF (see the fixtures).
const (
	msgRequired      = "This field is required."
	msgTooManyItems  = "Ensure this field has no more than 100 elements."
	msgURNInUse      = "URN is in use by another contact."
	msgNeedRecipient = "Must specify at least one group, contact or URN"
	msgParamsTooLong = "Cannot exceed 10,000 characters encoded."
	maxItems         = 100
	maxParamsChars   = 10000
)

// fieldErrors accumulates DRF serializer errors: field -> messages, or
// field -> index/key -> messages for list and dict fields.
type fieldErrors map[string]any

func (e fieldErrors) add(field, msg string) {
	if cur, ok := e[field].([]string); ok {
		e[field] = append(cur, msg)
		return
	}
	if _, ok := e[field]; !ok {
		e[field] = []string{msg}
	}
}

func (e fieldErrors) addAt(field, key, msg string) {
	m, ok := e[field].(map[string][]string)
	if !ok {
		if _, exists := e[field]; exists {
			return
		}
		m = map[string][]string{}
		e[field] = m
	}
	m[key] = append(m[key], msg)
}

func (e fieldErrors) has(field string) bool { _, ok := e[field]; return ok }

// reply returns the 400 for the accumulated errors, or nil when there are none.
func (e fieldErrors) reply() *reply {
	if len(e) == 0 {
		return nil
	}
	return &reply{http.StatusBadRequest, map[string]any(e)}
}

func noSuchObject(v string) string { return "No such object: " + v }

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func isUUID(s string) bool { return uuidRE.MatchString(s) }

// uuidParams returns the values of a repeatable UUID query param, with the
// RapidPro 400 for a malformed UUID or more than 100 values.
func uuidParams(q url.Values, name string) ([]string, *reply) {
	vals := splitParam(q, name)
	if len(vals) > maxItems {
		rep := detail(http.StatusBadRequest, fmt.Sprintf("Param '%s' can have a maximum of %d values.", name, maxItems))
		return nil, &rep
	}
	for _, v := range vals {
		if !isUUID(v) {
			rep := detail(http.StatusBadRequest, fmt.Sprintf("Param '%s': %s is not a valid UUID.", name, v))
			return nil, &rep
		}
	}
	return vals, nil
}

// splitParam returns every value of a param, also splitting on commas.
func splitParam(q url.Values, name string) []string {
	var out []string
	for _, v := range q[name] {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func boolParam(q url.Values, name string) (value, present bool) {
	v, present := q[name]
	if !present || len(v) == 0 {
		return false, false
	}
	switch strings.ToLower(v[0]) {
	case "true", "1", "yes", "on":
		return true, true
	}
	return false, true
}

// exclusive returns the RapidPro 400 when more than one of names is given.
func exclusive(q url.Values, names ...string) *reply {
	n := 0
	for _, name := range names {
		if q.Get(name) != "" {
			n++
		}
	}
	if n > 1 {
		rep := detail(http.StatusBadRequest, "URL can only contain one of the following parameters: "+strings.Join(names, ", "))
		return &rep
	}
	return nil
}

// parseTime accepts the ISO 8601 forms RapidPro's parser accepts. Times
// without a zone are UTC.
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	candidates := []string{s}
	if i := strings.LastIndexByte(s, ' '); i > 0 {
		// A '+' of the zone decoded from a query string as a space, or a
		// space between date and time.
		candidates = append(candidates, s[:i]+"+"+s[i+1:], strings.Replace(s, " ", "T", 1))
	}
	for _, c := range candidates {
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02"} {
			if t, err := time.Parse(layout, c); err == nil {
				return t.UTC(), true
			}
		}
	}
	return time.Time{}, false
}

// formatTime renders times as RapidPro does: UTC with microseconds.
func formatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000Z")
}

func formatTimePtr(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := formatTime(t)
	return &s
}

// urnSchemes are the URN schemes RapidPro accepts.
var urnSchemes = map[string]bool{
	"tel": true, "whatsapp": true, "mailto": true, "twitter": true, "twitterid": true,
	"telegram": true, "facebook": true, "ext": true, "viber": true, "line": true,
	"discord": true, "slack": true, "instagram": true, "vk": true, "wechat": true,
	"fcm": true, "freshchat": true, "jiochat": true, "rocketchat": true, "webchat": true,
}

// normalizeURN returns the normalised URN, using country for local phone
// numbers, or false when RapidPro would reject it.
func normalizeURN(raw, country string) (string, bool) {
	scheme, path, found := strings.Cut(strings.TrimSpace(raw), ":")
	scheme = strings.ToLower(scheme)
	if !found || path == "" || !urnSchemes[scheme] || len(raw) > 255 {
		return "", false
	}
	switch scheme {
	case "tel":
		num, err := phonenumbers.Parse(path, country)
		if err != nil || !phonenumbers.IsPossibleNumber(num) {
			return "", false
		}
		path = phonenumbers.Format(num, phonenumbers.E164)
		// A number that does not survive a second parse (leading zeros
		// after the country code) is garbage, not a phone number.
		again, err := phonenumbers.Parse(path, country)
		if err != nil || phonenumbers.Format(again, phonenumbers.E164) != path {
			return "", false
		}
	case "mailto":
		path = strings.ToLower(path)
	case "twitter":
		path = strings.ToLower(strings.TrimPrefix(path, "@"))
	}
	if strings.TrimSpace(path) == "" {
		return "", false
	}
	return scheme + ":" + path, true
}

func invalidURN(raw string) string {
	return fmt.Sprintf("Invalid URN: %s. Ensure phone numbers contain country codes.", raw)
}

// stringList decodes a JSON list of strings, reporting the DRF messages.
func stringList(raw json.RawMessage) ([]string, string) {
	var v []string
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, `Expected a list of items but got type "` + jsonType(raw) + `".`
	}
	if len(v) > maxItems {
		return nil, msgTooManyItems
	}
	return v, ""
}

func jsonType(raw json.RawMessage) string {
	s := strings.TrimSpace(string(raw))
	switch {
	case s == "", s == "null":
		return "NoneType"
	case s[0] == '"':
		return "str"
	case s[0] == '{':
		return "dict"
	case s[0] == '[':
		return "list"
	case s == "true" || s == "false":
		return "bool"
	}
	return "int"
}

// optString decodes a string-or-null body field.
func optString(raw json.RawMessage) (*string, bool) {
	if string(raw) == "null" {
		return nil, true
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, false
	}
	return &s, true
}

// snakeKey derives a RapidPro key ("Has Water" -> "has_water") from a name.
func snakeKey(name string) string {
	var b strings.Builder
	under := false
	for _, r := range strings.ToLower(strings.TrimSpace(name)) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			under = false
		} else if !under && b.Len() > 0 {
			b.WriteByte('_')
			under = true
		}
	}
	return strings.TrimSuffix(b.String(), "_")
}
