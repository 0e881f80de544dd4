package analytics

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/mhero-go/mhero/target"
)

// Directory tells who a RapidPro contact was when a workflow reached
// them: the health worker and the place and cadre analytics groups their
// answers by. [TargetDirectory] reads what the target sync recorded; tests
// and other integrations may supply their own.
//
// The attributes must be those valid at the given time, not today's, so
// that a worker who moved district, or a contact field edited later in
// RapidPro, does not move a past answer.
type Directory interface {
	// WorkerAt returns the worker behind the contact at the given time,
	// or an error matching ErrUnknownContact when the directory has none.
	// When the Worker's ValidFrom is set, the Monitor reuses the answer
	// for other times in [ValidFrom, ValidTo).
	WorkerAt(ctx context.Context, contactUUID string, at time.Time) (Worker, error)
}

// ErrUnknownContact is returned by a Directory for a contact it does not
// know (a test phone, a contact no target sync wrote).
var ErrUnknownContact = errors.New("analytics: unknown contact")

// TargetDirectory returns a Directory that reads the attributes the target
// sync recorded for each contact, valid at the time asked (see
// [target.Attributes]).
func TargetDirectory(s *target.AttributeStore) Directory { return targetDirectory{s} }

type targetDirectory struct{ s *target.AttributeStore }

func (d targetDirectory) WorkerAt(ctx context.Context, contactUUID string, at time.Time) (Worker, error) {
	a, err := d.s.At(ctx, contactUUID, at)
	if errors.Is(err, target.ErrNoAttributes) {
		return Worker{}, fmt.Errorf("%w: %w", ErrUnknownContact, err)
	}
	if err != nil {
		return Worker{}, err
	}
	w := Worker{ID: a.WorkerID, Name: a.Name, Gender: a.Gender,
		FacilityID: a.FacilityID, Facility: a.Facility, DistrictID: a.DistrictID, District: a.District,
		RegionID: a.RegionID, Region: a.Region, Cadre: a.Cadre, CadreName: a.CadreName}
	// At returns the first attributes recorded after the time when none
	// were valid then (the contact was synced after the send): those hold
	// for that time only, not from their ValidFrom.
	if !a.ValidFrom.After(at) {
		w.ValidFrom, w.ValidTo = a.ValidFrom, a.ValidTo
	}
	return w, nil
}

// fingerprint identifies a set of attributes: runs of workers with the
// same share one analytics_worker row.
func (w Worker) fingerprint() string {
	h := sha256.New()
	for _, s := range []string{w.ID, w.Name, w.Gender, w.FacilityID, w.Facility, w.DistrictID, w.District,
		w.RegionID, w.Region, w.Cadre, w.CadreName} {
		fmt.Fprintf(h, "%d:%s;", len(s), s)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// workerCache remembers a refresh's directory answers, so that a worker
// reached by several sends is looked up once per period of validity.
type workerCache struct {
	dir     Directory
	byID    map[string][]Worker // contact → answers with validity
	once    map[string]Worker   // contact → an answer without validity
	unknown map[string]bool
	lookups int
}

func newWorkerCache(dir Directory) *workerCache {
	return &workerCache{dir: dir, byID: map[string][]Worker{}, once: map[string]Worker{}, unknown: map[string]bool{}}
}

// at returns the worker behind a contact at a time; ok is false when the
// directory does not know the contact.
func (c *workerCache) at(ctx context.Context, contact string, t time.Time) (w Worker, ok bool, err error) {
	if c.dir == nil || contact == "" || c.unknown[contact] {
		return Worker{}, false, nil
	}
	for _, w := range c.byID[contact] {
		if !t.Before(w.ValidFrom) && (w.ValidTo.IsZero() || t.Before(w.ValidTo)) {
			return w, true, nil
		}
	}
	if w, ok := c.once[contact]; ok {
		return w, true, nil
	}
	c.lookups++
	w, err = c.dir.WorkerAt(ctx, contact, t)
	if errors.Is(err, ErrUnknownContact) {
		c.unknown[contact] = true
		return Worker{}, false, nil
	}
	if err != nil {
		return Worker{}, false, fmt.Errorf("analytics: looking up the worker of contact %s: %w", contact, err)
	}
	if w.ValidFrom.IsZero() {
		c.once[contact] = w
	} else {
		c.byID[contact] = append(c.byID[contact], w)
	}
	return w, true, nil
}
