package ihristest

import (
	"slices"
	"strings"

	"github.com/mhero-go/mhero/fhir/fhirtest"
)

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

// SearchParams returns the custom search parameters iHRIS installs on its
// HAPI server (phonenumber, employeeNumber, job, employmentstatus,
// positionstatus, related-location) and those of mHero's emNutt
// (rpflowstarts, isflowstart, isbroadcast), for a [fhirtest.Server] that
// should answer like iHRIS's. The Server of this package has them.
//
// Two of them go beyond HAPI, as conveniences a portable client should
// not need: phone numbers (phone, telecom and phonenumber) also match on
// their digits alone, so that "0770123456" finds "0770 123 456".
func SearchParams() []fhirtest.SearchParam {
	related := func(typ string) fhirtest.SearchParam {
		return fhirtest.SearchParam{Resource: typ, Name: "related-location", Type: fhirtest.ReferenceParam,
			Description: "iHRIS: ihris-related-group location", Values: relatedLocations, Target: "Location"}
	}
	role := func(name, doc string, values func(map[string]any) []any) fhirtest.SearchParam {
		return fhirtest.SearchParam{Resource: "PractitionerRole", Name: name, Type: fhirtest.TokenParam, Description: doc, Values: values}
	}
	phone := func(name, sys string) fhirtest.SearchParam {
		return fhirtest.SearchParam{Resource: "Practitioner", Name: name, Type: fhirtest.TokenParam,
			Description: "Practitioner.telecom (digits match digits)", Values: contactValues(sys), Match: samePhone}
	}
	return []fhirtest.SearchParam{
		phone("phone", "phone"),
		phone("telecom", ""),
		{Resource: "Practitioner", Name: "phonenumber", Type: fhirtest.StringParam,
			Description: "iHRIS: Practitioner.telecom.where(system='phone').value", Values: contactValues("phone"), Match: phoneContains},
		{Resource: "Practitioner", Name: "employeeNumber", Type: fhirtest.StringParam,
			Description: "iHRIS: Practitioner.identifier.where(type.coding.code='EN').value", Values: employeeNumbers},
		related("Practitioner"),
		role("job", "iHRIS: PractitionerRole.code", func(m map[string]any) []any { return fhirtest.Path(m, "code") }),
		role("code", "PractitionerRole.code (alias of role)", func(m map[string]any) []any { return fhirtest.Path(m, "code") }),
		role("employment-status", "iHRIS: employment-status extension", extValues(extEmploymentStatus)),
		role("employmentstatus", "iHRIS: employment-status extension", extValues(extEmploymentStatus)),
		role("positionstatus", "iHRIS: position-status extension", extValues(extPositionStatus)),
		related("PractitionerRole"),
		related("Location"),
		{Resource: "CommunicationRequest", Name: "rpflowstarts", Type: fhirtest.StringParam,
			Description: "emNutt: the flow-starts extension's flow_starts_uuid", Values: subExtStrings(extFlowStarts, "flow_starts_uuid")},
		{Resource: "CommunicationRequest", Name: "isflowstart", Type: fhirtest.TokenParam,
			Description: "iHRIS: has the flow-starts extension", Values: hasExt(extFlowStarts)},
		{Resource: "CommunicationRequest", Name: "isbroadcast", Type: fhirtest.TokenParam,
			Description: "iHRIS: has the broadcast-starts extension", Values: hasExt(extBroadcastStarts)},
	}
}

// extensions returns the top-level extensions of m with url.
func extensions(m any, url string) []map[string]any {
	var out []map[string]any
	for _, e := range fhirtest.Path(m, "extension") {
		if em, ok := e.(map[string]any); ok && em["url"] == url {
			out = append(out, em)
		}
	}
	return out
}

func contactValues(sys string) func(map[string]any) []any {
	return func(m map[string]any) []any {
		var out []any
		for _, v := range fhirtest.ContactValues(m, sys) {
			out = append(out, v)
		}
		return out
	}
}

// samePhone matches a phone token on its digits, so "0770123456" finds
// "0770 123 456" (a "system|" prefix is ignored, as telecom has none).
func samePhone(v string, elems []any) bool {
	if _, code, ok := strings.Cut(v, "|"); ok {
		v = code
	}
	d := digits(v)
	return slices.ContainsFunc(elems, func(e any) bool {
		s, _ := e.(string)
		return s == v || d != "" && digits(s) == d
	})
}

// phoneContains matches a phone number given in any spelling against the
// digits of the stored ones.
func phoneContains(v string, elems []any) bool {
	d := digits(v)
	return d != "" && slices.ContainsFunc(elems, func(e any) bool {
		s, _ := e.(string)
		return strings.Contains(digits(s), d)
	})
}

func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

func employeeNumbers(m map[string]any) []any {
	var out []any
	for _, v := range fhirtest.Path(m, "identifier") {
		for _, c := range fhirtest.Path(v, "type", "coding") {
			if cm, ok := c.(map[string]any); ok && cm["code"] == "EN" {
				out = append(out, fhirtest.Path(v, "value")...)
				break
			}
		}
	}
	return out
}

// extValues reads valueCoding (or valueCodeableConcept) of the top-level
// extensions with url.
func extValues(url string) func(map[string]any) []any {
	return func(m map[string]any) []any {
		var out []any
		for _, e := range extensions(m, url) {
			out = append(out, fhirtest.Path(e, "valueCoding")...)
			out = append(out, fhirtest.Path(e, "valueCodeableConcept")...)
		}
		return out
	}
}

// subExtStrings reads valueString of sub-extension sub in the top-level
// extensions with url.
func subExtStrings(url, sub string) func(map[string]any) []any {
	return func(m map[string]any) []any {
		var out []any
		for _, e := range extensions(m, url) {
			for _, x := range extensions(e, sub) {
				out = append(out, fhirtest.Path(x, "valueString")...)
			}
		}
		return out
	}
}

// hasExt is true when a top-level extension with url exists, false
// otherwise (FHIRPath exists()).
func hasExt(url string) func(map[string]any) []any {
	return func(m map[string]any) []any { return []any{len(extensions(m, url)) > 0} }
}

func relatedLocations(m map[string]any) []any {
	var out []any
	for _, e := range extensions(m, extRelatedGroup) {
		for _, sub := range extensions(e, "location") {
			out = append(out, fhirtest.Path(sub, "valueReference")...)
		}
	}
	return out
}
