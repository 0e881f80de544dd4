package ihristest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
)

// Churn describes changes to apply to a registry after it was seeded, as
// a month of HR work would: new phone numbers, departures, deletions and
// hires. Each count is of workers.
type Churn struct {
	// Seed selects which workers change.
	Seed uint64
	// NewPhone workers get a new valid mobile number.
	NewPhone int
	// Deactivated workers become inactive, with their roles ended today.
	Deactivated int
	// Deleted workers are deleted with their roles.
	Deleted int
	// Hired workers are new, each with a role copied from a colleague's
	// (same job and facility).
	Hired int
}

// ChurnReport says what Server.Churn changed: the Practitioner ids in each
// group (a worker is in one group only). Every change is stamped with the
// server clock, so a client's checkpoint taken before the call sees all of
// them as changes, and the deletions through _history.
type ChurnReport struct {
	NewPhone, Deactivated, Deleted, Hired []string
}

// Churn applies c to the live Practitioners through the same write paths
// as the API (new versions, history, deletions). The generator's Truth is
// not updated: it describes the registry as generated.
func (s *Server) Churn(c Churn) (*ChurnReport, error) {
	if c.NewPhone < 0 || c.Deactivated < 0 || c.Deleted < 0 || c.Hired < 0 {
		return nil, errors.New("ihristest: negative churn")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var live []*resource
	if t := s.store.types["Practitioner"]; t != nil {
		for _, r := range t.order {
			if !r.current().deleted {
				live = append(live, r)
			}
		}
	}
	changed := c.NewPhone + c.Deactivated + c.Deleted
	if changed > len(live) {
		return nil, fmt.Errorf("ihristest: churn of %d workers among %d", changed, len(live))
	}
	r := rand.New(rand.NewPCG(c.Seed, 0xc402))
	r.Shuffle(len(live), func(i, j int) { live[i], live[j] = live[j], live[i] })
	rep := &ChurnReport{}
	today := date(s.now())
	for i, p := range live[:changed] {
		var err error
		switch {
		case i < c.NewPhone:
			err = s.edit(p, func(m map[string]any) {
				stored, _ := mobile(r, 5_000_000+i) // beyond the generator's numbers
				m["telecom"] = []any{map[string]any{"system": "phone", "value": stored, "use": "mobile", "rank": 1}}
			})
			rep.NewPhone = append(rep.NewPhone, p.id)
		case i < c.NewPhone+c.Deactivated:
			err = s.edit(p, func(m map[string]any) { m["active"] = false })
			for _, role := range s.rolesOf(p) {
				if err == nil {
					err = s.edit(role, func(m map[string]any) {
						m["active"] = false
						if period, ok := m["period"].(map[string]any); ok && period["end"] == nil {
							period["end"] = today
						}
					})
				}
			}
			rep.Deactivated = append(rep.Deactivated, p.id)
		default:
			for _, role := range s.rolesOf(p) {
				s.store.remove(role.typ, role.id, s.now())
			}
			s.store.remove(p.typ, p.id, s.now())
			rep.Deleted = append(rep.Deleted, p.id)
		}
		if err != nil {
			return rep, err
		}
	}
	if c.Hired > 0 {
		if err := s.hire(r, c.Hired, today, rep); err != nil {
			return rep, err
		}
	}
	for _, ids := range [][]string{rep.NewPhone, rep.Deactivated, rep.Deleted, rep.Hired} {
		slices.Sort(ids)
	}
	return rep, nil
}

// rolesOf returns the live PractitionerRoles that now reference p.
func (s *Server) rolesOf(p *resource) []*resource {
	target := "Practitioner/" + p.id
	var out []*resource
	for _, role := range s.store.referrers("PractitionerRole", "practitioner", target) {
		if slices.Contains(role.current().refs, ref{"practitioner", target}) {
			out = append(out, role)
		}
	}
	return out
}

// edit writes a new version of r changed by f. Callers hold s.mu.
func (s *Server) edit(r *resource, f func(map[string]any)) error {
	m, err := decodeResource(r.current().raw, r.typ)
	if err != nil {
		return err
	}
	f(m)
	_, err = s.write(r.typ, r.id, "PUT", m)
	return err
}

// hire adds n workers, each with a role copied from a random current role.
func (s *Server) hire(r *rand.Rand, n int, today string, rep *ChurnReport) error {
	var roles []*resource
	if t := s.store.types["PractitionerRole"]; t != nil {
		for _, role := range t.order {
			if !role.current().deleted {
				roles = append(roles, role)
			}
		}
	}
	if len(roles) == 0 {
		return errors.New("ihristest: no role to copy for a hire")
	}
	for i := range n {
		id := fmt.Sprintf("H%06d", i+1)
		for s.store.get("Practitioner", id) != nil {
			id += "x"
		}
		given, family := femaleNames[r.IntN(len(femaleNames))], familyNames[r.IntN(len(familyNames))]
		stored, _ := mobile(r, 6_000_000+i)
		p := map[string]any{
			"resourceType": "Practitioner",
			"meta":         map[string]any{"profile": []any{profilePractitioner}},
			"active":       true,
			"name":         []any{map[string]any{"use": "official", "text": given + " " + family, "family": family, "given": []any{given}}},
			"telecom":      []any{map[string]any{"system": "phone", "value": stored, "use": "mobile", "rank": 1}},
			"gender":       "female",
			"birthDate":    "1999-01-01",
		}
		if _, err := s.write("Practitioner", id, "PUT", p); err != nil {
			return err
		}
		role, err := decodeResource(roles[r.IntN(len(roles))].current().raw, "PractitionerRole")
		if err != nil {
			return err
		}
		role["active"] = true // meta keeps the profile; write replaces the rest
		role["period"] = map[string]any{"start": today}
		role["practitioner"] = map[string]any{"reference": "Practitioner/" + id}
		if _, err := s.write("PractitionerRole", "PR"+id, "PUT", role); err != nil {
			return err
		}
		rep.Hired = append(rep.Hired, id)
	}
	return nil
}
