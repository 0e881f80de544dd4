package target

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/mhero-go/mhero/ihris"
	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/store"
)

// Throttle scopes of the RapidPro API, as [Plan.Calls] and
// [Summary.Calls] count them. Each has its own budget per workspace.
const (
	ScopeContacts = "contacts" // the contacts endpoint
	ScopeV2       = "v2"       // everything else the sync uses
)

// Syncer previews, plans and runs the sync of target groups from one iHRIS
// to one RapidPro workspace, keeping its state in the store the caller
// opened (SQLite or PostgreSQL). It is safe for concurrent use; syncs of
// one workspace exclude each other, across processes too, through a lock
// in the store.
type Syncer struct {
	reg *ihris.Registry
	rp  *rapidpro.Client
	db  *store.DB
	cfg config
}

type config struct {
	ratePerHour int
	progress    func(Progress)
	writeBack   bool
	holder      string
	lockWait    time.Duration
	now         func() time.Time
}

// Option configures a [Syncer].
type Option func(*config) error

// WithRate sets the workspace's API budget per throttle scope and hour
// (3,600 by default, RapidPro's own; hosted servers may grant more), used
// to say what a sync will take and when it will end.
func WithRate(perHour int) Option {
	return func(c *config) error {
		if perHour <= 0 {
			return fmt.Errorf("target: rate %d per hour is not positive", perHour)
		}
		c.ratePerHour = perHour
		return nil
	}
}

// WithProgress calls f as a sync (or the reading of a plan) advances. f
// runs on the syncing goroutine and must return quickly.
func WithProgress(f func(Progress)) Option {
	return func(c *config) error {
		c.progress = f
		return nil
	}
}

// WithWriteBack writes each synced contact's UUID back to its Practitioner
// as an identifier of system [ihris.ContactUUIDSystem], as mHero v2 did,
// so that iHRIS users can find the contact. It costs one iHRIS write per
// contact created and nothing once recorded.
func WithWriteBack() Option {
	return func(c *config) error {
		c.writeBack = true
		return nil
	}
}

// WithHolder names this process in the workspace lock, which a second sync
// reports ("target sync by $USER" by default; the store adds the host and
// the process id).
func WithHolder(name string) Option {
	return func(c *config) error {
		if name == "" {
			return errors.New("target: empty lock holder name")
		}
		c.holder = name
		return nil
	}
}

// WithLockWait makes a sync wait up to d for another sync of the workspace
// to end; by default it fails at once with a [*store.LockedError] naming
// it (holder, host, process and start time).
func WithLockWait(d time.Duration) Option {
	return func(c *config) error {
		c.lockWait = d
		return nil
	}
}

// WithClock sets the clock of the attributes' validity and of the time a
// sync ended (the lock's lease runs on the real clock).
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("target: WithClock(nil)")
		}
		c.now = now
		return nil
	}
}

// New returns a Syncer reading health workers through reg, writing
// contacts through rp and keeping its state in db (opened with
// [store.Open]: a SQLite file, or PostgreSQL when several processes or
// Data Managers share it), whose target_ tables it creates or upgrades.
func New(ctx context.Context, reg *ihris.Registry, rp *rapidpro.Client, db *store.DB, opts ...Option) (*Syncer, error) {
	if reg == nil || rp == nil || db == nil {
		return nil, errors.New("target: New needs an iHRIS registry, a RapidPro client and a store")
	}
	cfg := config{ratePerHour: rapidpro.DefaultRatePerHour, holder: defaultHolder(), now: time.Now}
	for _, opt := range opts {
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	if err := migrate(ctx, db); err != nil {
		return nil, err
	}
	return &Syncer{reg: reg, rp: rp, db: db, cfg: cfg}, nil
}

// Stage is a step of a sync, reported by [Progress].
type Stage string

// The stages of a sync, in order.
const (
	StageRapidPro Stage = "reading RapidPro contacts"
	StageIHRIS    Stage = "reading iHRIS"
	StageContacts Stage = "writing contacts"
	StageGroup    Stage = "group membership"
	StageDone     Stage = "done"
)

// Progress reports how far a sync has come.
type Progress struct {
	Stage Stage
	// Done and Total count the stage's items (contacts, workers, writes);
	// Total is 0 while unknown.
	Done, Total int
	// Calls counts the API calls made so far, by throttle scope.
	Calls map[string]int
	// ETA is the time the remaining API calls take at the workspace's
	// rate, the limit rather than the network being what bounds a sync.
	ETA time.Duration
}

// callTime is how long n calls of one scope take at perHour.
func callTime(n, perHour int) time.Duration {
	if n <= 0 {
		return 0
	}
	return time.Duration(math.Ceil(float64(n) * float64(time.Hour) / float64(perHour)))
}

// Duration returns how long the calls take at perHour per scope, the scopes
// being paced independently.
func duration(calls map[string]int, perHour int) time.Duration {
	var d time.Duration
	for _, n := range calls {
		d = max(d, callTime(n, perHour))
	}
	return d
}

// counter counts API calls by scope; safe for concurrent use.
type counter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counter) add(scope string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[scope] += n
}

func (c *counter) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.n))
	for k, v := range c.n {
		out[k] = v
	}
	return out
}
