package fhirtest

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// paramKind is the FHIR search parameter type, which decides how a value
// in the query is compared with a resource.
type paramKind int

const (
	kindToken paramKind = iota
	kindString
	kindReference
	kindURI
	kindDate
)

func (k paramKind) String() string {
	return [...]string{"token", "string", "reference", "uri", "date"}[k]
}

// A token is a system|code pair extracted from a Coding, an Identifier, a
// ContactPoint value, a code or a boolean.
type token struct{ system, code string }

// A paramDef describes one search parameter of a resource type: its kind
// and how to extract its values from a decoded resource. Exactly one of the
// extractors is set, matching kind.
type paramDef struct {
	kind    paramKind
	doc     string
	tokens  func(map[string]any) []token
	strings func(map[string]any) []string
	// refs returns references as written ("Practitioner/P1", a bare
	// string in the quirky demo data, or an absolute URL).
	refs func(map[string]any) []string
	// dates returns the date, dateTime or Period values as written
	// ([start, end] pairs; an empty end is open).
	dates func(map[string]any) [][2]string
	// target is the resource type a reference parameter points to, for
	// checking chains ("" for any).
	target string
	// custom is set for parameters added with WithSearchParams: the
	// pre-filter cannot know where their values come from.
	custom bool
	// match, when set, replaces the FHIR comparison of a query value with
	// the parameter's values (raw, from SearchParam.Values).
	match  func(query string, values []any) bool
	values func(map[string]any) []any
}

// paramTable holds the search parameters of one server: the built-in ones
// and those added by options. It does not change once the server starts.
type paramTable struct {
	byType map[string]map[string]paramDef
	// refNames lists each type's reference parameters, sorted, so that
	// indexing and includes come out in a stable order.
	refNames map[string][]string
}

func newParamTable(custom []SearchParam) paramTable {
	t := paramTable{byType: map[string]map[string]paramDef{}, refNames: map[string][]string{}}
	for typ, params := range builtinParams {
		t.byType[typ] = make(map[string]paramDef, len(params))
		for name, d := range params {
			if d.kind == kindReference && d.target == "" {
				d.target = chainTargets[name]
			}
			t.byType[typ][name] = d
		}
	}
	for _, p := range custom {
		if t.byType[p.Resource] == nil {
			t.byType[p.Resource] = map[string]paramDef{}
		}
		t.byType[p.Resource][p.Name] = p.def()
	}
	for typ, params := range t.byType {
		for name, d := range params {
			if d.kind == kindReference {
				t.refNames[typ] = append(t.refNames[typ], name)
			}
		}
		slices.Sort(t.refNames[typ])
	}
	return t
}

// lookup finds the definition of name for typ.
func (t paramTable) lookup(typ, name string) (paramDef, bool) {
	if d, ok := t.byType[typ][name]; ok {
		return d, true
	}
	d, ok := commonParams[name]
	return d, ok
}

// own finds a parameter of typ itself (not one common to every type).
func (t paramTable) own(typ, name string) (paramDef, bool) {
	d, ok := t.byType[typ][name]
	return d, ok
}

// commonParams apply to every resource type (besides _id and _lastUpdated,
// which the search code handles itself).
var commonParams = map[string]paramDef{
	"_profile":  {kind: kindURI, doc: "meta.profile", strings: path("meta", "profile")},
	"_tag":      {kind: kindToken, doc: "meta.tag", tokens: codings("meta", "tag")},
	"_security": {kind: kindToken, doc: "meta.security", tokens: codings("meta", "security")},
}

// chainTargets names the resource type a built-in reference parameter
// leads to, so that the rest of a chain can be checked when the query is
// parsed.
var chainTargets = map[string]string{
	"practitioner": "Practitioner", "location": "Location", "partof": "Location",
	"organization": "Organization", "based-on": "CommunicationRequest",
}

// person holds the parameters Practitioner, Patient and Person share.
func person(typ string) map[string]paramDef {
	return map[string]paramDef{
		"active":     {kind: kindToken, doc: typ + ".active", tokens: booleans("active")},
		"name":       {kind: kindString, doc: typ + ".name", strings: humanNames("name")},
		"family":     {kind: kindString, doc: typ + ".name.family", strings: path("name", "family")},
		"given":      {kind: kindString, doc: typ + ".name.given", strings: path("name", "given")},
		"gender":     {kind: kindToken, doc: typ + ".gender", tokens: codes("gender")},
		"birthdate":  {kind: kindDate, doc: typ + ".birthDate", dates: instants("birthDate")},
		"identifier": {kind: kindToken, doc: typ + ".identifier", tokens: identifiers("identifier")},
		"telecom":    {kind: kindToken, doc: typ + ".telecom", tokens: contacts("")},
		"phone":      {kind: kindToken, doc: typ + ".telecom.where(system='phone')", tokens: contacts("phone")},
		"email":      {kind: kindToken, doc: typ + ".telecom.where(system='email')", tokens: contacts("email")},
	}
}

// builtinParams lists, per resource type, the R4 search parameters the
// server understands: those a health-workforce registry and its messaging
// (iHRIS, mHero's emNutt) use. Anything else is rejected with 400, as HAPI
// does, unless added with WithSearchParams.
var builtinParams = map[string]map[string]paramDef{
	"Practitioner": person("Practitioner"),
	"Patient":      person("Patient"),
	"Person":       person("Person"),
	"PractitionerRole": {
		"practitioner": {kind: kindReference, doc: "PractitionerRole.practitioner", refs: refsAt("practitioner")},
		"location":     {kind: kindReference, doc: "PractitionerRole.location", refs: refsAt("location")},
		"organization": {kind: kindReference, doc: "PractitionerRole.organization", refs: refsAt("organization")},
		"role":         {kind: kindToken, doc: "PractitionerRole.code", tokens: codeables("code")},
		"specialty":    {kind: kindToken, doc: "PractitionerRole.specialty", tokens: codeables("specialty")},
		"active":       {kind: kindToken, doc: "PractitionerRole.active", tokens: booleans("active")},
		"identifier":   {kind: kindToken, doc: "PractitionerRole.identifier", tokens: identifiers("identifier")},
		"date":         {kind: kindDate, doc: "PractitionerRole.period", dates: periods("period")},
		"telecom":      {kind: kindToken, doc: "PractitionerRole.telecom", tokens: contacts("")},
		"phone":        {kind: kindToken, doc: "PractitionerRole.telecom.where(system='phone')", tokens: contacts("phone")},
	},
	"Location": {
		"partof":       {kind: kindReference, doc: "Location.partOf (supports :below)", refs: refsAt("partOf")},
		"type":         {kind: kindToken, doc: "Location.type", tokens: codeables("type")},
		"name":         {kind: kindString, doc: "Location.name | Location.alias", strings: strs("name", "alias")},
		"status":       {kind: kindToken, doc: "Location.status", tokens: codes("status")},
		"identifier":   {kind: kindToken, doc: "Location.identifier", tokens: identifiers("identifier")},
		"organization": {kind: kindReference, doc: "Location.managingOrganization", refs: refsAt("managingOrganization")},
	},
	"Organization": {
		"name":       {kind: kindString, doc: "Organization.name | Organization.alias", strings: strs("name", "alias")},
		"identifier": {kind: kindToken, doc: "Organization.identifier", tokens: identifiers("identifier")},
		"type":       {kind: kindToken, doc: "Organization.type", tokens: codeables("type")},
		"active":     {kind: kindToken, doc: "Organization.active", tokens: booleans("active")},
		"partof":     {kind: kindReference, doc: "Organization.partOf", refs: refsAt("partOf"), target: "Organization"},
	},
	"CodeSystem": {
		"url":     {kind: kindURI, doc: "CodeSystem.url", strings: path("url")},
		"name":    {kind: kindString, doc: "CodeSystem.name", strings: path("name")},
		"status":  {kind: kindToken, doc: "CodeSystem.status", tokens: codes("status")},
		"version": {kind: kindToken, doc: "CodeSystem.version", tokens: codes("version")},
	},
	"ValueSet": {
		"url":     {kind: kindURI, doc: "ValueSet.url", strings: path("url")},
		"name":    {kind: kindString, doc: "ValueSet.name", strings: path("name")},
		"status":  {kind: kindToken, doc: "ValueSet.status", tokens: codes("status")},
		"version": {kind: kindToken, doc: "ValueSet.version", tokens: codes("version")},
	},
	"StructureDefinition": {
		"url":  {kind: kindURI, doc: "StructureDefinition.url", strings: path("url")},
		"name": {kind: kindString, doc: "StructureDefinition.name", strings: path("name")},
		"type": {kind: kindToken, doc: "StructureDefinition.type", tokens: codes("type")},
	},
	"SearchParameter": {
		"url":  {kind: kindURI, doc: "SearchParameter.url", strings: path("url")},
		"code": {kind: kindToken, doc: "SearchParameter.code", tokens: codes("code")},
		"base": {kind: kindToken, doc: "SearchParameter.base", tokens: codes("base")},
	},
	"CommunicationRequest": {
		"subject":    {kind: kindReference, doc: "CommunicationRequest.subject", refs: refsAt("subject")},
		"recipient":  {kind: kindReference, doc: "CommunicationRequest.recipient", refs: refsAt("recipient")},
		"requester":  {kind: kindReference, doc: "CommunicationRequest.requester", refs: refsAt("requester")},
		"sender":     {kind: kindReference, doc: "CommunicationRequest.sender", refs: refsAt("sender")},
		"based-on":   {kind: kindReference, doc: "CommunicationRequest.basedOn", refs: refsAt("basedOn"), target: "*"},
		"status":     {kind: kindToken, doc: "CommunicationRequest.status", tokens: codes("status")},
		"category":   {kind: kindToken, doc: "CommunicationRequest.category", tokens: codeables("category")},
		"identifier": {kind: kindToken, doc: "CommunicationRequest.identifier", tokens: identifiers("identifier")},
		"authored":   {kind: kindDate, doc: "CommunicationRequest.authoredOn", dates: instants("authoredOn")},
		"occurrence": {kind: kindDate, doc: "CommunicationRequest.occurrence[x]", dates: instants("occurrenceDateTime")},
	},
	"Communication": {
		"subject":    {kind: kindReference, doc: "Communication.subject", refs: refsAt("subject")},
		"recipient":  {kind: kindReference, doc: "Communication.recipient", refs: refsAt("recipient")},
		"sender":     {kind: kindReference, doc: "Communication.sender", refs: refsAt("sender")},
		"based-on":   {kind: kindReference, doc: "Communication.basedOn", refs: refsAt("basedOn")},
		"part-of":    {kind: kindReference, doc: "Communication.partOf", refs: refsAt("partOf")},
		"status":     {kind: kindToken, doc: "Communication.status", tokens: codes("status")},
		"category":   {kind: kindToken, doc: "Communication.category", tokens: codeables("category")},
		"identifier": {kind: kindToken, doc: "Communication.identifier", tokens: identifiers("identifier")},
		"sent":       {kind: kindDate, doc: "Communication.sent", dates: instants("sent")},
		"received":   {kind: kindDate, doc: "Communication.received", dates: instants("received")},
	},
	"QuestionnaireResponse": {
		"subject":       {kind: kindReference, doc: "QuestionnaireResponse.subject", refs: refsAt("subject")},
		"author":        {kind: kindReference, doc: "QuestionnaireResponse.author", refs: refsAt("author")},
		"source":        {kind: kindReference, doc: "QuestionnaireResponse.source", refs: refsAt("source")},
		"based-on":      {kind: kindReference, doc: "QuestionnaireResponse.basedOn", refs: refsAt("basedOn")},
		"part-of":       {kind: kindReference, doc: "QuestionnaireResponse.partOf", refs: refsAt("partOf")},
		"questionnaire": {kind: kindURI, doc: "QuestionnaireResponse.questionnaire", strings: path("questionnaire")},
		"status":        {kind: kindToken, doc: "QuestionnaireResponse.status", tokens: codes("status")},
		"identifier":    {kind: kindToken, doc: "QuestionnaireResponse.identifier", tokens: identifiers("identifier")},
		"authored":      {kind: kindDate, doc: "QuestionnaireResponse.authored", dates: instants("authored")},
	},
	"Basic": {
		"subject":    {kind: kindReference, doc: "Basic.subject", refs: refsAt("subject")},
		"author":     {kind: kindReference, doc: "Basic.author", refs: refsAt("author")},
		"code":       {kind: kindToken, doc: "Basic.code", tokens: codeables("code")},
		"identifier": {kind: kindToken, doc: "Basic.identifier", tokens: identifiers("identifier")},
		"created":    {kind: kindDate, doc: "Basic.created", dates: instants("created")},
	},
	"Group": {
		"member":     {kind: kindReference, doc: "Group.member.entity", refs: refsAt("member", "entity")},
		"code":       {kind: kindToken, doc: "Group.code", tokens: codeables("code")},
		"type":       {kind: kindToken, doc: "Group.type", tokens: codes("type")},
		"identifier": {kind: kindToken, doc: "Group.identifier", tokens: identifiers("identifier")},
	},
}

// Path returns every value found by following keys from v (a resource or
// element decoded from JSON), flattening arrays at each step: Path(r,
// "name", "given") gives every given name of every name. It helps write
// [SearchParam.Values].
func Path(v any, keys ...string) []any {
	cur := []any{v}
	for _, k := range keys {
		var next []any
		for _, c := range cur {
			m, ok := c.(map[string]any)
			if !ok {
				continue
			}
			switch x := m[k].(type) {
			case nil:
			case []any:
				next = append(next, x...)
			default:
				next = append(next, x)
			}
		}
		cur = next
	}
	return cur
}

func walk(v any, keys ...string) []any { return Path(v, keys...) }

func path(keys ...string) func(map[string]any) []string {
	return func(m map[string]any) []string { return stringsOf(walk(m, keys...)) }
}

func strs(keys ...string) func(map[string]any) []string {
	return func(m map[string]any) []string {
		var out []string
		for _, k := range keys {
			out = append(out, stringsOf(walk(m, k))...)
		}
		return out
	}
}

func stringsOf(vs []any) []string {
	var out []string
	for _, v := range vs {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// nameParts are the elements of a HumanName or an Address that a string
// search looks at.
var nameParts = []string{"text", "family", "given", "prefix", "suffix", "line", "city", "district", "state", "postalCode", "country"}

func humanNames(key string) func(map[string]any) []string {
	return func(m map[string]any) []string {
		var out []string
		for _, n := range walk(m, key) {
			for _, part := range nameParts {
				out = append(out, stringsOf(walk(n, part))...)
			}
		}
		return out
	}
}

// booleans reads a boolean element as a token; the quirky string form
// ("true") is accepted too.
func booleans(key string) func(map[string]any) []token {
	return func(m map[string]any) []token { return tokensOf(walk(m, key)) }
}

func codes(key string) func(map[string]any) []token {
	return func(m map[string]any) []token {
		var out []token
		for _, s := range stringsOf(walk(m, key)) {
			out = append(out, token{code: s})
		}
		return out
	}
}

func codingTokens(vs []any) []token {
	var out []token
	for _, c := range vs {
		cm, ok := c.(map[string]any)
		if !ok {
			continue
		}
		sys, _ := cm["system"].(string)
		code, _ := cm["code"].(string)
		if code != "" {
			out = append(out, token{system: sys, code: code})
		}
	}
	return out
}

func codings(keys ...string) func(map[string]any) []token {
	return func(m map[string]any) []token { return codingTokens(walk(m, keys...)) }
}

func codeables(key string) func(map[string]any) []token {
	return func(m map[string]any) []token { return codingTokens(walk(m, key, "coding")) }
}

func identifiers(key string) func(map[string]any) []token {
	return func(m map[string]any) []token {
		var out []token
		for _, v := range walk(m, key) {
			im, ok := v.(map[string]any)
			if !ok {
				continue
			}
			sys, _ := im["system"].(string)
			val, _ := im["value"].(string)
			if val != "" {
				out = append(out, token{system: sys, code: val})
			}
		}
		return out
	}
}

// contacts returns ContactPoint values (with system sys, or all when sys is
// empty) as tokens without a system, as FHIR's telecom/phone do.
func contacts(sys string) func(map[string]any) []token {
	return func(m map[string]any) []token {
		var out []token
		for _, s := range ContactValues(m, sys) {
			out = append(out, token{code: s})
		}
		return out
	}
}

// ContactValues returns the values of a resource's telecom entries whose
// system is sys (every entry when sys is empty). It helps write
// [SearchParam.Values].
func ContactValues(resource map[string]any, sys string) []string {
	var out []string
	for _, v := range walk(resource, "telecom") {
		cm, ok := v.(map[string]any)
		if !ok {
			continue
		}
		if s, _ := cm["system"].(string); sys != "" && s != sys {
			continue
		}
		if val, _ := cm["value"].(string); val != "" {
			out = append(out, val)
		}
	}
	return out
}

// instants returns a date or dateTime element as a range of its own
// precision.
func instants(key string) func(map[string]any) [][2]string {
	return func(m map[string]any) [][2]string { return datesOf(walk(m, key)) }
}

// periods returns Period elements; a missing end is open.
func periods(key string) func(map[string]any) [][2]string {
	return func(m map[string]any) [][2]string { return datesOf(walk(m, key)) }
}

// refsAt returns the references found at keys; a bare string where a
// Reference belongs (the demo data's managingOrganization) counts too.
func refsAt(keys ...string) func(map[string]any) []string {
	return func(m map[string]any) []string { return refsOf(walk(m, keys...)) }
}

// tokensOf reads token values: codes (strings, numbers), booleans,
// Codings, CodeableConcepts and Identifiers.
func tokensOf(vs []any) []token {
	var out []token
	for _, v := range vs {
		switch x := v.(type) {
		case bool:
			if x {
				out = append(out, token{code: "true"})
			} else {
				out = append(out, token{code: "false"})
			}
		case string:
			if strings.EqualFold(x, "true") || strings.EqualFold(x, "false") {
				x = strings.ToLower(x) // the quirky string form of a boolean
			}
			out = append(out, token{code: x})
		case float64:
			out = append(out, token{code: strconv.FormatFloat(x, 'f', -1, 64)})
		case json.Number:
			out = append(out, token{code: x.String()})
		case map[string]any:
			switch {
			case x["coding"] != nil:
				out = append(out, codingTokens(walk(x, "coding"))...)
			case x["code"] != nil:
				out = append(out, codingTokens([]any{x})...)
			case x["value"] != nil:
				sys, _ := x["system"].(string)
				if val, _ := x["value"].(string); val != "" {
					out = append(out, token{system: sys, code: val})
				}
			}
		}
	}
	return out
}

// textsOf reads string values: strings, and the parts of HumanNames and
// Addresses.
func textsOf(vs []any) []string {
	var out []string
	for _, v := range vs {
		switch x := v.(type) {
		case string:
			out = append(out, x)
		case map[string]any:
			for _, part := range nameParts {
				out = append(out, stringsOf(walk(x, part))...)
			}
		}
	}
	return out
}

// refsOf reads references: Reference elements and bare strings.
func refsOf(vs []any) []string {
	var out []string
	for _, v := range vs {
		switch x := v.(type) {
		case string:
			out = append(out, x)
		case map[string]any:
			if s, ok := x["reference"].(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

// datesOf reads dates, dateTimes and instants (as ranges of their own
// precision) and Periods (a missing end is open).
func datesOf(vs []any) [][2]string {
	var out [][2]string
	for _, v := range vs {
		switch x := v.(type) {
		case string:
			out = append(out, [2]string{x, x})
		case map[string]any:
			start, _ := x["start"].(string)
			end, _ := x["end"].(string)
			out = append(out, [2]string{start, end})
		}
	}
	return out
}

// indexRefs extracts the references of typ's reference parameters, in the
// "Type/id" form the reverse index uses. base is the server's own base URL,
// stripped from absolute references.
func (t paramTable) indexRefs(typ string, m map[string]any, base string) []ref {
	var out []ref
	for _, name := range t.refNames[typ] {
		for _, r := range t.byType[typ][name].refs(m) {
			if tr := normalizeRef(r, base); tr != "" {
				out = append(out, ref{param: name, target: tr})
			}
		}
	}
	return out
}

// normalizeRef turns a reference into "Type/id", dropping the server base
// and any version; it returns "" for contained (#id) references.
func normalizeRef(r, base string) string {
	if strings.HasPrefix(r, "#") || r == "" {
		return ""
	}
	if base != "" {
		r = strings.TrimPrefix(r, base+"/")
	}
	if i := strings.Index(r, "/_history/"); i >= 0 {
		r = r[:i]
	}
	parts := strings.Split(r, "/")
	if len(parts) >= 2 {
		return parts[len(parts)-2] + "/" + parts[len(parts)-1]
	}
	return r
}
