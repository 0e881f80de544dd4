package target

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/mhero-go/mhero/store"
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
	now := r.now().Truncate(time.Microsecond) // as stored
	return r.tx(func(tx *store.Tx) error {
		closeID, err := tx.Prepare(r.ctx, `UPDATE target_attribute SET valid_to = $1 WHERE workspace = $2 AND ihris_id = $3 AND valid_to IS NULL`)
		if err != nil {
			return err
		}
		closeUUID, err := tx.Prepare(r.ctx, `UPDATE target_attribute SET valid_to = $1 WHERE workspace = $2 AND contact_uuid = $3 AND valid_to IS NULL`)
		if err != nil {
			return err
		}
		del, err := tx.Prepare(r.ctx, `DELETE FROM target_attribute WHERE workspace = $1 AND contact_uuid = $2 AND valid_from = $3`)
		if err != nil {
			return err
		}
		ins, err := tx.Prepare(r.ctx, `INSERT INTO target_attribute (workspace, contact_uuid, valid_from, ihris_id, urn, name,
			gender, facility_id, facility, district_id, district, region_id, region, cadre, cadre_name, job, job_name, employment_status, places, fingerprint)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`)
		if err != nil {
			return err
		}
		for _, x := range rows {
			if _, err := closeID.ExecContext(r.ctx, now, r.ws, x.id); err != nil {
				return err
			}
			if _, err := closeUUID.ExecContext(r.ctx, now, r.ws, x.uuid); err != nil {
				return err
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
	db        *store.DB
	workspace string
}

// NewAttributeStore reads the attributes recorded in db for the RapidPro
// workspace with the given UUID ([rapidpro.Client.WorkspaceUUID]). It
// creates the package's tables when they do not exist yet.
func NewAttributeStore(ctx context.Context, db *store.DB, workspace string) (*AttributeStore, error) {
	if db == nil {
		return nil, errors.New("target: NewAttributeStore needs a store")
	}
	if err := migrate(ctx, db); err != nil {
		return nil, err
	}
	return &AttributeStore{db: db, workspace: workspace}, nil
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
	t := at.UTC()
	// Valid at t, else the first recorded after t.
	for _, q := range []string{
		`SELECT ` + attrColumns + ` FROM target_attribute WHERE workspace = $1 AND ` + column + ` = $2 AND valid_from <= $3 AND (valid_to IS NULL OR valid_to > $3) ORDER BY valid_from DESC LIMIT 1`,
		`SELECT ` + attrColumns + ` FROM target_attribute WHERE workspace = $1 AND ` + column + ` = $2 AND valid_from > $3 ORDER BY valid_from LIMIT 1`,
	} {
		a, err := scanAttributes(s.db.QueryRow(ctx, q, s.workspace, value, t))
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
		rows, err := s.db.Query(ctx, `SELECT `+attrColumns+` FROM target_attribute WHERE workspace = $1 AND valid_from <= $2 AND (valid_to IS NULL OR valid_to > $2) ORDER BY contact_uuid`, s.workspace, at.UTC())
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
	var places string
	err := sc.Scan(&a.ContactUUID, &a.WorkerID, &a.URN, &a.Name, &a.Gender, &a.FacilityID, &a.Facility, &a.DistrictID, &a.District,
		&a.RegionID, &a.Region, &a.Cadre, &a.CadreName, &a.Job, &a.JobName, &a.EmploymentStatus, &places,
		store.ScanTime(&a.ValidFrom), store.ScanTime(&a.ValidTo))
	if err != nil {
		return a, err
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
