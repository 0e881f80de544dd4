package ihristest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
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
// as the API (new versions, history, deletions), one write at a time, as
// a registry's users would. The generator's Truth is not updated: it
// describes the registry as generated.
func (s *Server) Churn(c Churn) (*ChurnReport, error) {
	if c.NewPhone < 0 || c.Deactivated < 0 || c.Deleted < 0 || c.Hired < 0 {
		return nil, errors.New("ihristest: negative churn")
	}
	live, err := s.Search("Practitioner", nil)
	if err != nil {
		return nil, err
	}
	changed := c.NewPhone + c.Deactivated + c.Deleted
	if changed > len(live) {
		return nil, fmt.Errorf("ihristest: churn of %d workers among %d", changed, len(live))
	}
	r := rand.New(rand.NewPCG(c.Seed, 0xc402))
	r.Shuffle(len(live), func(i, j int) { live[i], live[j] = live[j], live[i] })
	rep := &ChurnReport{}
	today := date(s.Now())
	for i, raw := range live[:changed] {
		p, err := decode(raw)
		if err != nil {
			return rep, err
		}
		id, _ := p["id"].(string)
		switch {
		case i < c.NewPhone:
			stored, _ := mobile(r, 5_000_000+i) // beyond the generator's numbers
			p["telecom"] = []any{map[string]any{"system": "phone", "value": stored, "use": "mobile", "rank": 1}}
			err = s.store(p)
			rep.NewPhone = append(rep.NewPhone, id)
		case i < c.NewPhone+c.Deactivated:
			p["active"] = false
			err = s.store(p)
			roles, rerr := s.rolesOf(id)
			for _, role := range roles {
				if err == nil && rerr == nil {
					role["active"] = false
					if period, ok := role["period"].(map[string]any); ok && period["end"] == nil {
						period["end"] = today
					}
					err = s.store(role)
				}
			}
			err = cmp.Or(err, rerr)
			rep.Deactivated = append(rep.Deactivated, id)
		default:
			roles, rerr := s.rolesOf(id)
			for _, role := range roles {
				if rerr == nil {
					rid, _ := role["id"].(string)
					rerr = s.Delete("PractitionerRole", rid)
				}
			}
			err = cmp.Or(rerr, s.Delete("Practitioner", id))
			rep.Deleted = append(rep.Deleted, id)
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

func decode(raw []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, fmt.Errorf("ihristest: %w", err)
	}
	return m, nil
}

// store writes a new version of a resource (with its id).
func (s *Server) store(m map[string]any) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return s.Load(b)
}

// rolesOf returns the live PractitionerRoles that now reference the
// Practitioner.
func (s *Server) rolesOf(id string) ([]map[string]any, error) {
	raws, err := s.Search("PractitionerRole", url.Values{"practitioner": {"Practitioner/" + id}})
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(raws))
	for _, raw := range raws {
		m, err := decode(raw)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// hire adds n workers, each with a role copied from a random current role.
func (s *Server) hire(r *rand.Rand, n int, today string, rep *ChurnReport) error {
	roles, err := s.Search("PractitionerRole", nil)
	if err != nil {
		return err
	}
	if len(roles) == 0 {
		return errors.New("ihristest: no role to copy for a hire")
	}
	for i := range n {
		id := fmt.Sprintf("H%06d", i+1)
		for {
			if _, taken := s.Resource("Practitioner", id); !taken {
				break
			}
			id += "x"
		}
		given, family := femaleNames[r.IntN(len(femaleNames))], familyNames[r.IntN(len(familyNames))]
		stored, _ := mobile(r, 6_000_000+i)
		p := map[string]any{
			"resourceType": "Practitioner",
			"id":           id,
			"meta":         map[string]any{"profile": []any{profilePractitioner}},
			"active":       true,
			"name":         []any{map[string]any{"use": "official", "text": given + " " + family, "family": family, "given": []any{given}}},
			"telecom":      []any{map[string]any{"system": "phone", "value": stored, "use": "mobile", "rank": 1}},
			"gender":       "female",
			"birthDate":    "1999-01-01",
		}
		if err := s.store(p); err != nil {
			return err
		}
		role, err := decode(roles[r.IntN(len(roles))])
		if err != nil {
			return err
		}
		role["id"] = "PR" + id
		role["active"] = true // meta keeps the profile; the write replaces the rest
		role["period"] = map[string]any{"start": today}
		role["practitioner"] = map[string]any{"reference": "Practitioner/" + id}
		if err := s.store(role); err != nil {
			return err
		}
		rep.Hired = append(rep.Hired, id)
	}
	return nil
}
