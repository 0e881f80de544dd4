package target

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"
)

// Attributes are a health worker's attributes as a sync recorded them for
// one contact, valid from one sync to the next that found them changed.
// Analytics groups answers by the attributes valid when the flow was sent,
// so that a contact field edited later in RapidPro, or a transfer in iHRIS,
// does not move a past answer to another district.
type Attributes struct {
	ContactUUID string `json:"contactUuid"`
	// WorkerID is the Practitioner id.
	WorkerID string `json:"workerId"`
	// URN is the tel URN messaged (the first when there are several).
	URN    string `json:"urn"`
	Name   string `json:"name"`
	Gender string `json:"gender,omitempty"`
	// The role's facility, district and region (ids and names); empty
	// when the country's tree has no such level.
	FacilityID string `json:"facilityId,omitempty"`
	Facility   string `json:"facility,omitempty"`
	DistrictID string `json:"districtId,omitempty"`
	District   string `json:"district,omitempty"`
	RegionID   string `json:"regionId,omitempty"`
	Region     string `json:"region,omitempty"`
	// Cadre and Job are codes; CadreName and JobName their displays.
	Cadre            string `json:"cadre,omitempty"`
	CadreName        string `json:"cadreName,omitempty"`
	Job              string `json:"job,omitempty"`
	JobName          string `json:"jobName,omitempty"`
	EmploymentStatus string `json:"employmentStatus,omitempty"`
	// Places is the role's whole chain, facility first, at every level
	// the country uses.
	Places []PlaceRef `json:"places,omitempty"`
	// ValidFrom is when a sync recorded them; ValidTo when a later sync
	// found them changed (zero while they hold).
	ValidFrom time.Time `json:"validFrom"`
	ValidTo   time.Time `json:"validTo,omitzero"`
}

// PlaceRef is one place of a role's chain.
type PlaceRef struct {
	Level string `json:"level"`
	ID    string `json:"id"`
	Name  string `json:"name"`
}

// Place returns the place of the given level ("district", "zone", ...).
func (a Attributes) Place(level string) (PlaceRef, bool) {
	for _, p := range a.Places {
		if p.Level == level {
			return p, true
		}
	}
	return PlaceRef{}, false
}

// attrTime is a fixed-width UTC time, so that the database compares the
// text as it would the times.
const attrTime = "2006-01-02T15:04:05.000000000Z"

type attrRow struct {
	uuid, id, urn, name string
	a                   [12]string
	places              string
	fp                  fingerprint
}

// recordAttributes closes the attributes each contact had and records the
// new ones, valid from now.
func (r *run) recordAttributes(rows []attrRow) error {
	if len(rows) == 0 {
		return nil
	}
	d := r.s.db
	now := r.now().Format(attrTime)
	return d.tx(r.ctx, func(tx *sql.Tx) error {
		closeSt, err := tx.PrepareContext(r.ctx, d.q(`UPDATE target_attributes SET valid_to = ? WHERE workspace = ? AND ihris_id = ? AND valid_to = ''`))
		if err != nil {
			return err
		}
		defer closeSt.Close()
		closeUUID, err := tx.PrepareContext(r.ctx, d.q(`UPDATE target_attributes SET valid_to = ? WHERE workspace = ? AND contact_uuid = ? AND valid_to = ''`))
		if err != nil {
			return err
		}
		defer closeUUID.Close()
		del, err := tx.PrepareContext(r.ctx, d.q(`DELETE FROM target_attributes WHERE workspace = ? AND contact_uuid = ? AND valid_from = ?`))
		if err != nil {
			return err
		}
		defer del.Close()
		ins, err := tx.PrepareContext(r.ctx, d.q(`INSERT INTO target_attributes (workspace, contact_uuid, valid_from, ihris_id, urn, name,
			gender, facility_id, facility, district_id, district, region_id, region, cadre, cadre_name, job, job_name, employment_status, places, fingerprint)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`))
		if err != nil {
			return err
		}
		defer ins.Close()
		for _, x := range rows {
			for _, st := range []*sql.Stmt{closeSt, closeUUID} {
				key := x.id
				if st == closeUUID {
					key = x.uuid
				}
				if _, err := st.ExecContext(r.ctx, now, r.ws, key); err != nil {
					return err
				}
			}
			// A change within the same instant replaces the row.
			if _, err := del.ExecContext(r.ctx, r.ws, x.uuid, now); err != nil {
				return err
			}
			args := []any{r.ws, x.uuid, now, x.id, x.urn, x.name}
			for _, v := range x.a {
				args = append(args, v)
			}
			args = append(args, x.places, x.fp.String())
			if _, err := ins.ExecContext(r.ctx, args...); err != nil {
				return err
			}
		}
		return nil
	})
}

// AttributeStore reads the attributes syncs recorded for one workspace.
// It is what analytics reads to place an answer: see [Attributes].
type AttributeStore struct {
	db        *db
	workspace string
}

// NewAttributeStore reads the attributes recorded in sqldb for the RapidPro
// workspace with the given UUID ([rapidpro.Client.WorkspaceUUID]). It
// creates the tables when they do not exist yet.
func NewAttributeStore(ctx context.Context, sqldb *sql.DB, workspace string) (*AttributeStore, error) {
	if err := Migrate(ctx, sqldb); err != nil {
		return nil, err
	}
	return &AttributeStore{db: newDB(sqldb), workspace: workspace}, nil
}

// ErrNoAttributes is returned when no sync recorded attributes for a
// contact.
var ErrNoAttributes = errors.New("target: no attributes recorded for the contact")

const attrColumns = `contact_uuid, ihris_id, urn, name, gender, facility_id, facility, district_id, district, region_id, region,
	cadre, cadre_name, job, job_name, employment_status, places, valid_from, valid_to`

// At returns the attributes of the contact valid at the given time. When
// the contact had none recorded yet at that time, it returns the first
// recorded after it (the contact was synced after the answer came);
// ErrNoAttributes when none was ever recorded.
func (s *AttributeStore) At(ctx context.Context, contactUUID string, at time.Time) (Attributes, error) {
	return s.lookup(ctx, "contact_uuid", contactUUID, at)
}

// AtURN is At for the contact messaged at a tel URN.
func (s *AttributeStore) AtURN(ctx context.Context, urn string, at time.Time) (Attributes, error) {
	return s.lookup(ctx, "urn", urn, at)
}

// OfWorker is At for a health worker, by Practitioner id.
func (s *AttributeStore) OfWorker(ctx context.Context, workerID string, at time.Time) (Attributes, error) {
	return s.lookup(ctx, "ihris_id", workerID, at)
}

func (s *AttributeStore) lookup(ctx context.Context, column, value string, at time.Time) (Attributes, error) {
	t := at.UTC().Format(attrTime)
	d := s.db
	// Valid at t, else the first recorded after t.
	for _, q := range []string{
		`SELECT ` + attrColumns + ` FROM target_attributes WHERE workspace = ? AND ` + column + ` = ? AND valid_from <= ? AND (valid_to = '' OR valid_to > ?) ORDER BY valid_from DESC LIMIT 1`,
		`SELECT ` + attrColumns + ` FROM target_attributes WHERE workspace = ? AND ` + column + ` = ? AND valid_from > ? AND ? <> '' ORDER BY valid_from LIMIT 1`,
	} {
		a, err := scanAttributes(d.QueryRowContext(ctx, d.q(q), s.workspace, value, t, t))
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return Attributes{}, fmt.Errorf("target: reading attributes: %w", err)
		}
		return a, nil
	}
	return Attributes{}, ErrNoAttributes
}

// All streams the attributes of every contact valid at the given time,
// ordered by contact UUID.
func (s *AttributeStore) All(ctx context.Context, at time.Time) iter.Seq2[Attributes, error] {
	return func(yield func(Attributes, error) bool) {
		t := at.UTC().Format(attrTime)
		d := s.db
		rows, err := d.QueryContext(ctx, d.q(`SELECT `+attrColumns+` FROM target_attributes WHERE workspace = ? AND valid_from <= ? AND (valid_to = '' OR valid_to > ?) ORDER BY contact_uuid`), s.workspace, t, t)
		if err != nil {
			yield(Attributes{}, err)
			return
		}
		defer rows.Close()
		for rows.Next() {
			a, err := scanAttributes(rows)
			if !yield(a, err) || err != nil {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(Attributes{}, err)
		}
	}
}

type scanner interface{ Scan(...any) error }

func scanAttributes(sc scanner) (Attributes, error) {
	var a Attributes
	var places, from, to string
	err := sc.Scan(&a.ContactUUID, &a.WorkerID, &a.URN, &a.Name, &a.Gender, &a.FacilityID, &a.Facility, &a.DistrictID, &a.District,
		&a.RegionID, &a.Region, &a.Cadre, &a.CadreName, &a.Job, &a.JobName, &a.EmploymentStatus, &places, &from, &to)
	if err != nil {
		return a, err
	}
	a.ValidFrom, _ = time.Parse(attrTime, from)
	if to != "" {
		a.ValidTo, _ = time.Parse(attrTime, to)
	}
	for _, part := range strings.Split(places, "|") {
		level, rest, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		id, name, _ := strings.Cut(rest, ":")
		a.Places = append(a.Places, PlaceRef{Level: level, ID: id, Name: name})
	}
	return a, nil
}
