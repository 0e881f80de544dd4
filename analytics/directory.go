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
	// When the Worker's ValidFrom or ValidTo is set, the Monitor reuses the
	// answer for the contact's other runs in [ValidFrom, ValidTo) (a zero
	// bound is open); when neither is, for all of the contact's runs
	// fetched by the same refresh.
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

// known is a worker the directory answered with, and the fingerprint of
// its attributes.
type known struct {
	Worker
	fp string
}

// workerCache remembers a refresh's directory answers, so that a worker
// reached by several sends is looked up once per period of validity, and
// the analytics_worker ids of the attribute sets already stored.
type workerCache struct {
	dir     Directory
	byID    map[string][]*known // contact → answers with validity
	once    map[string]*known   // contact → an answer without validity
	unknown map[string]bool
	ids     map[string]int64 // fingerprint → analytics_worker id, once committed
	lookups int
}

func newWorkerCache(dir Directory) *workerCache {
	return &workerCache{dir: dir, byID: map[string][]*known{}, once: map[string]*known{}, unknown: map[string]bool{}, ids: map[string]int64{}}
}

// at returns the worker behind a contact at a time, or nil when the
// directory does not know the contact.
func (c *workerCache) at(ctx context.Context, contact string, t time.Time) (*known, error) {
	if c.dir == nil || contact == "" || c.unknown[contact] {
		return nil, nil
	}
	for _, k := range c.byID[contact] {
		if !t.Before(k.ValidFrom) && (k.ValidTo.IsZero() || t.Before(k.ValidTo)) {
			return k, nil
		}
	}
	if k, ok := c.once[contact]; ok {
		return k, nil
	}
	c.lookups++
	w, err := c.dir.WorkerAt(ctx, contact, t)
	if errors.Is(err, ErrUnknownContact) {
		c.unknown[contact] = true
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("analytics: looking up the worker of contact %s: %w", contact, err)
	}
	k := &known{Worker: w, fp: w.fingerprint()}
	if w.ValidFrom.IsZero() && w.ValidTo.IsZero() {
		c.once[contact] = k
	} else {
		c.byID[contact] = append(c.byID[contact], k)
	}
	return k, nil
}

// DirectoryFunc adapts a function to a Directory, for integrations that
// keep their own record of who each contact is.
type DirectoryFunc func(ctx context.Context, contactUUID string, at time.Time) (Worker, error)

// WorkerAt calls f.
func (f DirectoryFunc) WorkerAt(ctx context.Context, contactUUID string, at time.Time) (Worker, error) {
	return f(ctx, contactUUID, at)
}
