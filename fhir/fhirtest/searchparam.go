package fhirtest

import (
	"fmt"
	"regexp"
	"slices"
)

// ParamType is the type of a search parameter, which decides how a value
// in a query is compared with a resource
// (https://hl7.org/fhir/R4/search.html#ptypes).
type ParamType string

// The search parameter types the server supports.
const (
	TokenParam     ParamType = "token"
	StringParam    ParamType = "string"
	ReferenceParam ParamType = "reference"
	URIParam       ParamType = "uri"
	DateParam      ParamType = "date"
)

// A SearchParam is a search parameter beyond the built-in R4 ones, such as
// the custom parameters a server's owner installs (iHRIS adds
// PractitionerRole?job= and Practitioner?phonenumber=). Added with
// [WithSearchParams], it is searched, chained, used by _include and
// _revinclude (reference parameters) and listed in the
// CapabilityStatement like the built-in ones; one with the name of a
// built-in parameter replaces it.
type SearchParam struct {
	// Resource is the resource type it applies to ("PractitionerRole").
	Resource string
	// Name is its name in a query ("job").
	Name string
	// Type decides how query values are compared with the resource's.
	Type ParamType
	// Description documents it in the CapabilityStatement (usually the
	// FHIRPath it stands for).
	Description string
	// Values returns the elements the parameter indexes in a resource (as
	// encoding/json decodes it; [Path] helps). By Type, an element may be:
	//   - token: a code (string, number or boolean), a Coding, a
	//     CodeableConcept or an Identifier (a ContactPoint is given as its
	//     value, a string);
	//   - string: a string, a HumanName or an Address;
	//   - reference: a Reference or a reference string ("Location/L1");
	//   - uri: a string;
	//   - date: a date, dateTime or instant string, or a Period.
	// Others are ignored. It must not modify the resource.
	Values func(resource map[string]any) []any
	// Target is the resource type a reference parameter points to, so that
	// a chain through it (param.name=value) is checked when the query is
	// parsed; empty allows any type.
	Target string
	// Match, when set, decides whether one query value matches the
	// elements Values returned, instead of the FHIR rules for Type (for a
	// server that, say, compares phone numbers by their digits). Such a
	// parameter takes no modifier but :missing (and :not for a token).
	Match func(value string, elements []any) bool
}

func (p SearchParam) validate() error {
	switch {
	case !knownType(p.Resource):
		return fmt.Errorf("fhirtest: search parameter %q: unknown resource type %q", p.Name, p.Resource)
	case p.Name == "" || p.Name[0] == '_' || !paramNameRE.MatchString(p.Name):
		return fmt.Errorf("fhirtest: search parameter name %q: want letters, digits and '-', not starting with '_'", p.Name)
	case !slices.Contains([]ParamType{TokenParam, StringParam, ReferenceParam, URIParam, DateParam}, p.Type):
		return fmt.Errorf("fhirtest: search parameter %s:%s: unknown type %q", p.Resource, p.Name, p.Type)
	case p.Values == nil:
		return fmt.Errorf("fhirtest: search parameter %s:%s has no Values", p.Resource, p.Name)
	case p.Target != "" && !knownType(p.Target):
		return fmt.Errorf("fhirtest: search parameter %s:%s: unknown target type %q", p.Resource, p.Name, p.Target)
	}
	return nil
}

// def turns the parameter into the server's own definition.
func (p SearchParam) def() paramDef {
	values := p.Values
	d := paramDef{doc: p.Description, custom: true, match: p.Match, values: values, target: p.Target}
	switch p.Type {
	case TokenParam:
		d.kind = kindToken
		d.tokens = func(m map[string]any) []token { return tokensOf(values(m)) }
	case StringParam:
		d.kind = kindString
		d.strings = func(m map[string]any) []string { return textsOf(values(m)) }
	case ReferenceParam:
		d.kind = kindReference
		d.refs = func(m map[string]any) []string { return refsOf(values(m)) }
	case URIParam:
		d.kind = kindURI
		d.strings = func(m map[string]any) []string { return stringsOf(values(m)) }
	case DateParam:
		d.kind = kindDate
		d.dates = func(m map[string]any) [][2]string { return datesOf(values(m)) }
	}
	return d
}

// WithSearchParams adds search parameters to the built-in ones (see
// [SearchParam]).
func WithSearchParams(params ...SearchParam) Option {
	return func(c *config) error {
		for _, p := range params {
			if err := p.validate(); err != nil {
				return err
			}
		}
		c.params = append(c.params, params...)
		return nil
	}
}

// paramNameRE is what a custom parameter name may look like.
var paramNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9\-]{0,63}$`)
