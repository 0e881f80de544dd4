package ihristest

import (
	"slices"
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
}

// iHRIS extension and code system URLs the parameters and the generator use.
const (
	ihrisSD               = "http://ihris.org/fhir/StructureDefinition/"
	ihrisCS               = "http://ihris.org/fhir/CodeSystem/"
	extEmploymentStatus   = ihrisSD + "ihris-practitionerrole-employment-status"
	extPositionStatus     = ihrisSD + "ihris-practitionerrole-position-status"
	extRelatedGroup       = ihrisSD + "ihris-related-group"
	extFlowStarts         = "http://mhero.org/fhir/StructureDefinition/mhero-comm-req-flow-starts"
	extBroadcastStarts    = "http://mhero.org/fhir/StructureDefinition/mhero-comm-req-broadcast-starts"
	systemJob             = ihrisCS + "ihris-job"
	systemCadre           = ihrisCS + "ihris-cadre"
	systemEmploymentState = ihrisCS + "ihris-employment-status-codesystem"
	systemJurisdiction    = ihrisCS + "ihris-jurisdiction-type"
	systemFacilityType    = ihrisCS + "ihris-facility-type"
)

// commonParams apply to every resource type (besides _id and _lastUpdated,
// which the search code handles itself).
var commonParams = map[string]paramDef{
	"_profile":  {kind: kindURI, doc: "meta.profile", strings: path("meta", "profile")},
	"_tag":      {kind: kindToken, doc: "meta.tag", tokens: codings("meta", "tag")},
	"_security": {kind: kindToken, doc: "meta.security", tokens: codings("meta", "security")},
}

// searchParams lists, per resource type, the parameters the server
// understands: the R4 ones iHRIS and mHero use and the custom ones iHRIS
// installs (phonenumber, employeeNumber, job, employmentstatus,
// positionstatus, related-location). Anything else is rejected with 400, as
// HAPI does.
var searchParams = map[string]map[string]paramDef{
	"Practitioner": {
		"active":         {kind: kindToken, doc: "Practitioner.active", tokens: booleans("active")},
		"name":           {kind: kindString, doc: "Practitioner.name", strings: humanNames("name")},
		"family":         {kind: kindString, doc: "Practitioner.name.family", strings: path("name", "family")},
		"given":          {kind: kindString, doc: "Practitioner.name.given", strings: path("name", "given")},
		"gender":         {kind: kindToken, doc: "Practitioner.gender", tokens: codes("gender")},
		"identifier":     {kind: kindToken, doc: "Practitioner.identifier", tokens: identifiers("identifier")},
		"telecom":        {kind: kindToken, doc: "Practitioner.telecom", tokens: contacts("")},
		"phone":          {kind: kindToken, doc: "Practitioner.telecom.where(system='phone')", tokens: contacts("phone")},
		"email":          {kind: kindToken, doc: "Practitioner.telecom.where(system='email')", tokens: contacts("email")},
		"phonenumber":    {kind: kindString, doc: "iHRIS: Practitioner.telecom.where(system='phone').value", strings: contactValues("phone")},
		"employeeNumber": {kind: kindString, doc: "iHRIS: Practitioner.identifier.where(type.coding.code='EN').value", strings: employeeNumbers},
		"related-location": {kind: kindReference, doc: "iHRIS: ihris-related-group location",
			refs: relatedLocations},
	},
	"PractitionerRole": {
		"practitioner": {kind: kindReference, doc: "PractitionerRole.practitioner", refs: refsAt("practitioner")},
		"location":     {kind: kindReference, doc: "PractitionerRole.location", refs: refsAt("location")},
		"organization": {kind: kindReference, doc: "PractitionerRole.organization", refs: refsAt("organization")},
		"role":         {kind: kindToken, doc: "PractitionerRole.code", tokens: codeables("code")},
		"code":         {kind: kindToken, doc: "PractitionerRole.code (alias of role)", tokens: codeables("code")},
		"job":          {kind: kindToken, doc: "iHRIS: PractitionerRole.code", tokens: codeables("code")},
		"specialty":    {kind: kindToken, doc: "PractitionerRole.specialty", tokens: codeables("specialty")},
		"active":       {kind: kindToken, doc: "PractitionerRole.active", tokens: booleans("active")},
		"identifier":   {kind: kindToken, doc: "PractitionerRole.identifier", tokens: identifiers("identifier")},
		"date":         {kind: kindDate, doc: "PractitionerRole.period", dates: periods("period")},
		"employment-status": {kind: kindToken, doc: "iHRIS: employment-status extension",
			tokens: extCodings(extEmploymentStatus)},
		"employmentstatus": {kind: kindToken, doc: "iHRIS: employment-status extension",
			tokens: extCodings(extEmploymentStatus)},
		"positionstatus": {kind: kindToken, doc: "iHRIS: position-status extension",
			tokens: extCodings(extPositionStatus)},
		"related-location": {kind: kindReference, doc: "iHRIS: ihris-related-group location",
			refs: relatedLocations},
	},
	"Location": {
		"partof":       {kind: kindReference, doc: "Location.partOf (supports :below)", refs: refsAt("partOf")},
		"type":         {kind: kindToken, doc: "Location.type", tokens: codeables("type")},
		"name":         {kind: kindString, doc: "Location.name | Location.alias", strings: strs("name", "alias")},
		"status":       {kind: kindToken, doc: "Location.status", tokens: codes("status")},
		"identifier":   {kind: kindToken, doc: "Location.identifier", tokens: identifiers("identifier")},
		"organization": {kind: kindReference, doc: "Location.managingOrganization", refs: refsAt("managingOrganization")},
		"related-location": {kind: kindReference, doc: "iHRIS: ihris-related-group location",
			refs: relatedLocations},
	},
	"Organization": {
		"name":       {kind: kindString, doc: "Organization.name | Organization.alias", strings: strs("name", "alias")},
		"identifier": {kind: kindToken, doc: "Organization.identifier", tokens: identifiers("identifier")},
		"type":       {kind: kindToken, doc: "Organization.type", tokens: codeables("type")},
		"active":     {kind: kindToken, doc: "Organization.active", tokens: booleans("active")},
		"partof":     {kind: kindReference, doc: "Organization.partOf", refs: refsAt("partOf")},
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
		"based-on":   {kind: kindReference, doc: "CommunicationRequest.basedOn", refs: refsAt("basedOn")},
		"status":     {kind: kindToken, doc: "CommunicationRequest.status", tokens: codes("status")},
		"category":   {kind: kindToken, doc: "CommunicationRequest.category", tokens: codeables("category")},
		"identifier": {kind: kindToken, doc: "CommunicationRequest.identifier", tokens: identifiers("identifier")},
		"authored":   {kind: kindDate, doc: "CommunicationRequest.authoredOn", dates: instants("authoredOn")},
		"rpflowstarts": {kind: kindString, doc: "emNutt: the flow-starts extension's flow_starts_uuid",
			strings: subExtStrings(extFlowStarts, "flow_starts_uuid")},
		"isflowstart": {kind: kindToken, doc: "iHRIS: has the flow-starts extension", tokens: hasExt(extFlowStarts)},
		"isbroadcast": {kind: kindToken, doc: "iHRIS: has the broadcast-starts extension", tokens: hasExt(extBroadcastStarts)},
		"occurrence":  {kind: kindDate, doc: "CommunicationRequest.occurrence[x]", dates: instants("occurrenceDateTime")},
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

// lookupParam finds the definition of name for typ.
func lookupParam(typ, name string) (paramDef, bool) {
	if d, ok := searchParams[typ][name]; ok {
		return d, true
	}
	d, ok := commonParams[name]
	return d, ok
}

// walk returns every value found by following keys from m, flattening
// arrays at each step.
func walk(v any, keys ...string) []any {
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

func humanNames(key string) func(map[string]any) []string {
	return func(m map[string]any) []string {
		var out []string
		for _, n := range walk(m, key) {
			for _, part := range []string{"text", "family", "given", "prefix", "suffix"} {
				out = append(out, stringsOf(walk(n, part))...)
			}
		}
		return out
	}
}

// booleans reads a boolean element as a token; the quirky string form
// ("true") is accepted too.
func booleans(key string) func(map[string]any) []token {
	return func(m map[string]any) []token {
		var out []token
		for _, v := range walk(m, key) {
			switch x := v.(type) {
			case bool:
				if x {
					out = append(out, token{code: "true"})
				} else {
					out = append(out, token{code: "false"})
				}
			case string:
				out = append(out, token{code: strings.ToLower(x)})
			}
		}
		return out
	}
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
		for _, s := range contactValues(sys)(m) {
			out = append(out, token{code: s})
		}
		return out
	}
}

func contactValues(sys string) func(map[string]any) []string {
	return func(m map[string]any) []string {
		var out []string
		for _, v := range walk(m, "telecom") {
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
}

func employeeNumbers(m map[string]any) []string {
	var out []string
	for _, v := range walk(m, "identifier") {
		for _, t := range codingTokens(walk(v, "type", "coding")) {
			if t.code == "EN" {
				out = append(out, stringsOf(walk(v, "value"))...)
				break
			}
		}
	}
	return out
}

// extCodings reads valueCoding (or valueCodeableConcept) of the top-level
// extensions with url.
func extCodings(url string) func(map[string]any) []token {
	return func(m map[string]any) []token {
		var out []token
		for _, e := range walk(m, "extension") {
			em, ok := e.(map[string]any)
			if !ok || em["url"] != url {
				continue
			}
			out = append(out, codingTokens(walk(em, "valueCoding"))...)
			out = append(out, codingTokens(walk(em, "valueCodeableConcept", "coding"))...)
		}
		return out
	}
}

// subExtStrings reads valueString of sub-extension sub in the top-level
// extensions with url.
func subExtStrings(url, sub string) func(map[string]any) []string {
	return func(m map[string]any) []string {
		var out []string
		for _, e := range walk(m, "extension") {
			if em, ok := e.(map[string]any); !ok || em["url"] != url {
				continue
			}
			for _, x := range walk(e, "extension") {
				if xm, ok := x.(map[string]any); ok && xm["url"] == sub {
					out = append(out, stringsOf(walk(xm, "valueString"))...)
				}
			}
		}
		return out
	}
}

// hasExt is a token that is "true" when a top-level extension with url
// exists and "false" otherwise (FHIRPath exists()).
func hasExt(url string) func(map[string]any) []token {
	return func(m map[string]any) []token {
		for _, e := range walk(m, "extension") {
			if em, ok := e.(map[string]any); ok && em["url"] == url {
				return []token{{code: "true"}}
			}
		}
		return []token{{code: "false"}}
	}
}

func relatedLocations(m map[string]any) []string {
	var out []string
	for _, e := range walk(m, "extension") {
		em, ok := e.(map[string]any)
		if !ok || em["url"] != extRelatedGroup {
			continue
		}
		for _, sub := range walk(em, "extension") {
			sm, ok := sub.(map[string]any)
			if !ok || sm["url"] != "location" {
				continue
			}
			out = append(out, stringsOf(walk(sm, "valueReference", "reference"))...)
		}
	}
	return out
}

// instants returns a date or dateTime element as a range of its own
// precision.
func instants(key string) func(map[string]any) [][2]string {
	return func(m map[string]any) [][2]string {
		var out [][2]string
		for _, v := range stringsOf(walk(m, key)) {
			out = append(out, [2]string{v, v})
		}
		return out
	}
}

// periods returns Period elements; a missing end is open.
func periods(key string) func(map[string]any) [][2]string {
	return func(m map[string]any) [][2]string {
		var out [][2]string
		for _, p := range walk(m, key) {
			pm, ok := p.(map[string]any)
			if !ok {
				continue
			}
			start, _ := pm["start"].(string)
			end, _ := pm["end"].(string)
			out = append(out, [2]string{start, end})
		}
		return out
	}
}

// refsAt returns the references found at keys; a bare string where a
// Reference belongs (the demo data's managingOrganization) counts too.
func refsAt(keys ...string) func(map[string]any) []string {
	return func(m map[string]any) []string {
		var out []string
		for _, v := range walk(m, keys...) {
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
}

// refParams returns the names of typ's reference parameters, sorted so
// that includes come out in a stable order.
func refParams(typ string) []string { return refParamNames[typ] }

var refParamNames = func() map[string][]string {
	out := map[string][]string{}
	for typ, params := range searchParams {
		for name, d := range params {
			if d.kind == kindReference {
				out[typ] = append(out[typ], name)
			}
		}
		slices.Sort(out[typ])
	}
	return out
}()

// indexRefs extracts the references of typ's reference parameters, in the
// "Type/id" form the reverse index uses. base is the server's own base URL,
// stripped from absolute references.
func indexRefs(typ string, m map[string]any, base string) []ref {
	var out []ref
	for _, name := range refParams(typ) {
		for _, r := range searchParams[typ][name].refs(m) {
			if t := normalizeRef(r, base); t != "" {
				out = append(out, ref{param: name, target: t})
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
