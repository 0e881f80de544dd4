package target

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"

	"github.com/mhero-go/mhero/ihris"
)

// smartQuery writes the contact query of a smart group selecting what the
// target selects, on the fields the sync writes, or says why there is
// none. The fields hold one role per worker (see the package doc), so a
// worker with several current postings is matched on the one synced.
func (r *run) smartQuery() (string, string) {
	g := r.g
	c := g.Criteria
	switch {
	case len(c.Genders) > 0:
		return "", "genders are not a synced contact field"
	case !g.Add.IsZero() || !g.Exclude.IsZero():
		return "", "workers and numbers added or excluded by hand cannot be written as a query"
	case g.Phones.All:
		return "", "a query cannot pick a worker's numbers"
	}
	terms, _ := r.s.reg.Terminology(r.ctx)
	places, _ := r.s.reg.Places(r.ctx)
	var conds []string
	or := func(field string, values []string) {
		var parts []string
		for _, v := range values {
			parts = append(parts, field+" = "+strconv.Quote(v))
		}
		if len(parts) == 1 {
			conds = append(conds, parts[0])
		} else if len(parts) > 1 {
			conds = append(conds, "("+strings.Join(parts, " OR ")+")")
		}
	}
	if len(c.Places) > 0 {
		var parts []string
		for _, id := range c.Places {
			var p ihris.Place
			ok := false
			if places != nil {
				p, ok = places.Get(id)
			}
			if !ok {
				return "", fmt.Sprintf("place %s is not in the location tree", id)
			}
			field := ""
			switch {
			case p.Facility || p.Level == ihris.LevelFacility:
				field = FieldFacility
			case p.Level == "district":
				field = FieldDistrict
			case p.Level == "region":
				field = FieldRegion
			default:
				return "", fmt.Sprintf("place %s is a %s, a level the synced fields do not hold", id, cmp.Or(p.Level, "place without level"))
			}
			parts = append(parts, field+" = "+strconv.Quote(p.Name))
		}
		if len(parts) == 1 {
			conds = append(conds, parts[0])
		} else {
			conds = append(conds, "("+strings.Join(parts, " OR ")+")")
		}
	}
	display := func(codes []string, name func(string) string) []string {
		out := make([]string, len(codes))
		for i, code := range codes {
			out[i] = cmp.Or(name(code), code)
		}
		return out
	}
	or(FieldCadre, display(c.Cadres, func(code string) string {
		if terms == nil {
			return ""
		}
		return terms.Cadre(code).Display
	}))
	or(FieldJob, display(c.Jobs, func(code string) string {
		if terms == nil {
			return ""
		}
		j, _ := terms.Job(code)
		return j.Display
	}))
	or(FieldEmploymentStatus, display(c.EmploymentStatuses, func(code string) string {
		if terms == nil {
			return ""
		}
		return terms.EmploymentStatusDisplay(code)
	}))
	or(FieldIHRISID, c.Workers)
	switch c.Status {
	case ihris.StatusActive, "":
		conds = append(conds, FieldIHRISStatus+` = "active"`)
	case ihris.StatusInactive:
		conds = append(conds, FieldIHRISStatus+` = "inactive"`)
	}
	return strings.Join(conds, " AND "), ""
}
