package target

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mhero-go/mhero/ihris"
	"github.com/mhero-go/mhero/internal/yamlpos"
	"github.com/mhero-go/mhero/rapidpro"
	"github.com/nyaruka/phonenumbers"
)

// Group is a Target Group: the health workers a unit wants to reach and how
// to reach them. It is plain data, written in Go or in YAML (see
// [ParseGroup]) and stored with a use case; [Group.Hash] identifies what
// it selects, so that an approval can be bound to it.
type Group struct {
	// Name names the target; it is also the name of the RapidPro group
	// the target becomes, unless RapidProGroup is set.
	Name string `json:"name"`
	// RapidProGroup is the name of the manual RapidPro group to keep in
	// step with the target (created when missing); empty means Name.
	RapidProGroup string `json:"rapidproGroup,omitempty"`
	// SmartGroup names an existing smart (query) group of RapidPro to use
	// as it is instead of a manual group: the sync then makes no
	// membership call, and the preview compares its members with the
	// criteria.
	SmartGroup string `json:"smartGroup,omitempty"`
	// Country is the ISO 3166 alpha-2 code used to read phone numbers
	// stored in local format, as iHRIS keeps them ("LR" reads "0770 123
	// 456" as +231 770 123 456).
	Country string `json:"country"`
	// Phones says which of a worker's numbers to message; the zero value
	// takes the best mobile number (see [ihris.PhoneSelection]).
	Phones ihris.PhoneSelection `json:"phones,omitzero"`
	// Criteria select the health workers in iHRIS.
	Criteria ihris.Criteria `json:"criteria"`
	// Add and Exclude name workers or phone numbers to add to, or take out
	// of, what the criteria select.
	Add     Selection `json:"add,omitzero"`
	Exclude Selection `json:"exclude,omitzero"`
}

// Selection names health workers by Practitioner id and phone numbers.
type Selection struct {
	// Workers are iHRIS Practitioner ids. Added workers are taken whatever
	// their roles, but inactive ones are still refused.
	Workers []string `json:"workers,omitempty"`
	// Phones are numbers in local or international format. Added numbers
	// become contacts of their own (people outside iHRIS such as
	// supervisors); excluded numbers are never messaged.
	Phones []string `json:"phones,omitempty"`
}

// IsZero reports whether the selection names nobody.
func (s Selection) IsZero() bool { return len(s.Workers)+len(s.Phones) == 0 }

// GroupName returns the RapidPro group the target is kept in.
func (g Group) GroupName() string {
	switch {
	case g.SmartGroup != "":
		return g.SmartGroup
	case g.RapidProGroup != "":
		return g.RapidProGroup
	}
	return g.Name
}

// ErrInvalidGroup is matched (errors.Is) by the errors of [Group.Validate]
// and [ParseGroup].
var ErrInvalidGroup = errors.New("target: invalid group")

// maxGroupName is RapidPro's limit on a group name.
const maxGroupName = 64

// Validate reports every problem of the definition at once, as [Problems].
func (g Group) Validate() error {
	return g.problems(nil).Err()
}

// problems checks g, positioning each problem through at when known.
func (g Group) problems(at func(field string) (line, col int)) Problems {
	var ps Problems
	add := func(field, format string, args ...any) {
		p := Problem{Field: field, Message: fmt.Sprintf(format, args...)}
		if at != nil {
			p.Line, p.Column = at(field)
		}
		ps = append(ps, p)
	}
	if strings.TrimSpace(g.Name) == "" {
		add("name", "a target needs a name")
	}
	if n := g.GroupName(); len([]rune(n)) > maxGroupName {
		add("name", "the RapidPro group name %q is longer than %d characters; set rapidpro_group", n, maxGroupName)
	}
	if g.SmartGroup != "" && g.RapidProGroup != "" {
		add("smart_group", "give smart_group or rapidpro_group, not both")
	}
	switch c := strings.ToUpper(g.Country); {
	case g.Country == "":
		add("country", "a country is needed to read local phone numbers (for example LR)")
	case phonenumbers.GetCountryCodeForRegion(c) == 0:
		add("country", "%q is not a country code phone numbers know (ISO 3166 alpha-2, such as LR)", g.Country)
	}
	for i, use := range g.Phones.Uses {
		if !slices.Contains([]string{"mobile", "", "work", "home", "temp", "old"}, use) {
			add(fmt.Sprintf("phones.uses[%d]", i), "%q is not a phone use (mobile, work, home, temp, old or \"\")", use)
		}
	}
	if err := g.Criteria.Validate(); err != nil {
		for _, e := range unjoin(err) {
			msg := strings.TrimPrefix(e.Error(), ihris.ErrInvalidCriteria.Error()+": ")
			field := "criteria"
			if name, _, ok := strings.Cut(msg, " "); ok && (strings.Contains(name, "[") || name == "status") {
				field = "criteria." + snake(name)
			}
			add(field, "%s", msg)
		}
	}
	for _, s := range []struct {
		name string
		sel  Selection
	}{{"add", g.Add}, {"exclude", g.Exclude}} {
		for i, w := range s.sel.Workers {
			if strings.TrimSpace(w) == "" {
				add(fmt.Sprintf("%s.workers[%d]", s.name, i), "empty worker id")
			}
		}
		for i, p := range s.sel.Phones {
			if _, err := rapidpro.PhoneURN(p, g.Country); err != nil {
				var pe *rapidpro.PhoneError
				reason := err.Error()
				if errors.As(err, &pe) {
					reason = pe.Masked + ": " + pe.Reason
				}
				add(fmt.Sprintf("%s.phones[%d]", s.name, i), "invalid phone number %s", reason)
			}
		}
	}
	for _, w := range g.Add.Workers {
		if slices.Contains(g.Exclude.Workers, w) {
			add("exclude.workers", "worker %s is both added and excluded", w)
		}
	}
	return ps
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// snake turns "employmentStatuses[0]" into "employment_statuses[0]".
func snake(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Canonical returns a copy with every list sorted and deduplicated, the
// country in upper case and phone numbers in E.164, so that equal targets
// have equal JSON and hashes.
func (g Group) Canonical() Group {
	norm := func(s []string) []string {
		if len(s) == 0 {
			return nil
		}
		s = slices.Clone(s)
		slices.Sort(s)
		return slices.Compact(s)
	}
	phones := func(s []string) []string {
		out := make([]string, 0, len(s))
		for _, p := range s {
			if urn, err := rapidpro.PhoneURN(p, g.Country); err == nil {
				p = urn
			}
			out = append(out, p)
		}
		return norm(out)
	}
	c := g
	c.Name = strings.TrimSpace(g.Name)
	c.Country = strings.ToUpper(strings.TrimSpace(g.Country))
	c.Criteria = g.Criteria.Canonical()
	c.Phones.Uses = slices.Clone(g.Phones.Uses)
	if len(c.Phones.Uses) == 0 {
		c.Phones.Uses = ihris.DefaultPhoneUses()
	}
	c.Add = Selection{Workers: norm(g.Add.Workers), Phones: phones(g.Add.Phones)}
	c.Exclude = Selection{Workers: norm(g.Exclude.Workers), Phones: phones(g.Exclude.Phones)}
	return c
}

// Hash returns the hex SHA-256 of the canonical definition's JSON. Two
// definitions that select the same workers the same way have the same
// hash; any change to the criteria, the phone policy, the country, the
// additions or exclusions, or the group changes it.
func (g Group) Hash() string {
	data, err := json.Marshal(g.Canonical())
	if err != nil {
		panic(err) // plain data always marshals
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// String describes the target for people.
func (g Group) String() string {
	s := fmt.Sprintf("%s: %s", g.Name, g.Criteria)
	if len(g.Add.Workers)+len(g.Add.Phones) > 0 {
		s += fmt.Sprintf("; plus %d workers and %d numbers", len(g.Add.Workers), len(g.Add.Phones))
	}
	if len(g.Exclude.Workers)+len(g.Exclude.Phones) > 0 {
		s += fmt.Sprintf("; minus %d workers and %d numbers", len(g.Exclude.Workers), len(g.Exclude.Phones))
	}
	return s
}

// Problem is one problem of a target definition, positioned in its YAML
// file when it came from one.
type Problem struct {
	File string
	// Line and Column count from 1; zero when unknown (a Group built in
	// Go).
	Line, Column int
	// Field is the path of the field, such as "criteria.cadres[1]".
	Field   string
	Message string
}

// String formats the problem as "file:line:col: field: message".
func (p Problem) String() string {
	return yamlpos.Message(yamlpos.Where(p.File, p.Line, p.Column), p.Field, false, p.Message)
}

// Problems is every problem of a target definition, in file order. It is
// the error of [Group.Validate] and [ParseGroup], and matches
// [ErrInvalidGroup].
type Problems []Problem

// Error lists the problems one per line.
func (ps Problems) Error() string { return yamlpos.Lines(ps) }

// Is matches ErrInvalidGroup.
func (ps Problems) Is(target error) bool { return target == ErrInvalidGroup }

// Err returns ps as an error, or nil when there is no problem.
func (ps Problems) Err() error {
	if len(ps) == 0 {
		return nil
	}
	return ps
}
