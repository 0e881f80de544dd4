package ihris

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// WorkerStatus selects workers by their Practitioner.active flag.
type WorkerStatus string

// The worker statuses a [Criteria] accepts. The zero value is
// StatusActive: messaging someone who left the service is the mistake to
// avoid by default.
const (
	StatusActive   WorkerStatus = "active"
	StatusInactive WorkerStatus = "inactive"
	StatusAny      WorkerStatus = "any"
)

// Criteria selects health workers. It is plain data meant to be stored (as
// JSON) with a use case and replayed later. Its JSON names are part of the
// API and will not change; store [Criteria.Canonical] so that equal
// selections have equal text, for example
//
//	{"places":["TF.CC"],"cadres":["nurse"],"status":"active"}
//
// Fields combine with AND and the values inside one field with OR. The role
// conditions (Places, Cadres, Jobs, EmploymentStatuses) must all hold for one
// and the same current role (active, without period.end): "nurses in
// district X" does not match a worker who is a nurse elsewhere and a driver
// in X. An ended role matches no role condition, so inactive workers whose
// roles were closed when they left match only criteria without one. With no
// role condition a worker matches whatever roles they hold, including none.
//
// A place stands for its whole subtree at any depth (a region holds its
// districts, their sub-districts and facilities), read from the Locations'
// partOf links. A cadre stands for the jobs the ihris-job CodeSystem gives
// that cadre property; a role whose job is not in the CodeSystem has no
// cadre. Places and cadres the registry does not know are an error matching
// [ErrUnknownCode] from [Registry.Find], not an empty selection.
type Criteria struct {
	// Places are Location ids: facilities or administrative areas of any
	// level. An area stands for its whole subtree.
	Places []string `json:"places,omitempty"`
	// Cadres are codes of the ihris-cadre CodeSystem (doctor, nurse, ...),
	// resolved through the job terminology.
	Cadres []string `json:"cadres,omitempty"`
	// Jobs are codes of the ihris-job CodeSystem (for example "2230-1B").
	Jobs []string `json:"jobs,omitempty"`
	// EmploymentStatuses are codes such as contract, fullTime, partTime,
	// volunteer.
	EmploymentStatuses []string `json:"employmentStatuses,omitempty"`
	// Genders are FHIR AdministrativeGender codes.
	Genders []string `json:"genders,omitempty"`
	// Workers are Practitioner ids picked by hand (from a report table,
	// say); the other conditions still apply to them.
	Workers []string `json:"workers,omitempty"`
	// Status selects active workers (the default), inactive ones or both.
	Status WorkerStatus `json:"status,omitempty"`
}

// ErrInvalidCriteria is matched (errors.Is) by every error of
// [Criteria.Validate].
var ErrInvalidCriteria = errors.New("ihris: invalid criteria")

// Validate reports an empty value in a list or an unknown status.
func (c Criteria) Validate() error {
	var errs []error
	for name, list := range c.lists() {
		for i, v := range list {
			if strings.TrimSpace(v) == "" {
				errs = append(errs, fmt.Errorf("%w: %s[%d] is empty", ErrInvalidCriteria, name, i))
			}
		}
	}
	switch c.Status {
	case "", StatusActive, StatusInactive, StatusAny:
	default:
		errs = append(errs, fmt.Errorf("%w: status %q is not active, inactive or any", ErrInvalidCriteria, c.Status))
	}
	return errors.Join(errs...)
}

func (c Criteria) lists() map[string][]string {
	return map[string][]string{
		"places": c.Places, "cadres": c.Cadres, "jobs": c.Jobs,
		"employmentStatuses": c.EmploymentStatuses, "genders": c.Genders, "workers": c.Workers,
	}
}

// Canonical returns a copy with every list sorted and deduplicated and the
// status spelled out, so equal selections have equal JSON (and hashes).
func (c Criteria) Canonical() Criteria {
	norm := func(s []string) []string {
		if len(s) == 0 {
			return nil
		}
		s = slices.Clone(s)
		slices.Sort(s)
		return slices.Compact(s)
	}
	return Criteria{
		Places: norm(c.Places), Cadres: norm(c.Cadres), Jobs: norm(c.Jobs),
		EmploymentStatuses: norm(c.EmploymentStatuses), Genders: norm(c.Genders),
		Workers: norm(c.Workers), Status: c.status(),
	}
}

func (c Criteria) status() WorkerStatus {
	if c.Status == "" {
		return StatusActive
	}
	return c.Status
}

// hasRoleConditions reports whether the criteria constrain the role.
func (c Criteria) hasRoleConditions() bool {
	return len(c.Places)+len(c.Cadres)+len(c.Jobs)+len(c.EmploymentStatuses) > 0
}

// String describes the criteria for people, for example
// "active workers; places TF.CC; cadres nurse".
func (c Criteria) String() string {
	c = c.Canonical()
	parts := []string{string(c.Status) + " workers"}
	if c.Status == StatusAny {
		parts[0] = "all workers"
	}
	for _, f := range []struct {
		name string
		vals []string
	}{{"places", c.Places}, {"cadres", c.Cadres}, {"jobs", c.Jobs}, {"employment statuses", c.EmploymentStatuses}, {"genders", c.Genders}, {"workers", c.Workers}} {
		if len(f.vals) > 0 {
			parts = append(parts, f.name+" "+strings.Join(f.vals, ", "))
		}
	}
	return strings.Join(parts, "; ")
}

// Match reports whether the worker meets the criteria. Places are matched
// through the chain of places resolved on each role, so the worker must
// have been read with the location tree.
func (c Criteria) Match(w HealthWorker) bool {
	switch c.status() {
	case StatusActive:
		if !w.Active {
			return false
		}
	case StatusInactive:
		if w.Active {
			return false
		}
	}
	if len(c.Genders) > 0 && !slices.Contains(c.Genders, w.Gender) {
		return false
	}
	if len(c.Workers) > 0 && !slices.Contains(c.Workers, w.ID) {
		return false
	}
	if !c.hasRoleConditions() {
		return true
	}
	return slices.ContainsFunc(w.Roles, c.matchRole)
}

// matchRole reports whether one role meets every role condition.
func (c Criteria) matchRole(r Role) bool {
	if !r.Current() {
		return false
	}
	if len(c.Places) > 0 && !slices.ContainsFunc(c.Places, r.Within) {
		return false
	}
	if len(c.Cadres) > 0 && !slices.Contains(c.Cadres, r.Cadre.Code) {
		return false
	}
	if len(c.Jobs) > 0 && !slices.Contains(c.Jobs, r.Job.Code) {
		return false
	}
	if len(c.EmploymentStatuses) > 0 && !slices.Contains(c.EmploymentStatuses, r.EmploymentStatus.Code) {
		return false
	}
	return true
}
