package rapidprotest

import (
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"sync"
	"time"
)

// Clock tells the server the time for the timestamps it writes.
type Clock interface {
	Now() time.Time
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

// ManualClock is a Clock that moves only when told to, optionally stepping
// a fixed amount on every reading so that records get distinct times. It is
// safe for concurrent use.
type ManualClock struct {
	mu   sync.Mutex
	now  time.Time
	step time.Duration
}

// NewManualClock returns a clock stopped at start that advances by step
// after every Now (step 0 keeps it still).
func NewManualClock(start time.Time, step time.Duration) *ManualClock {
	return &ManualClock{now: start, step: step}
}

// Now returns the current time, then advances it by the step.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.now
	c.now = c.now.Add(c.step)
	return t
}

// peek returns the current time without stepping.
func (c *ManualClock) peek() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Set moves the clock to t.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// ids generates UUIDs (version 4 layout) from a seeded generator and
// increasing integer ids. The store's lock guards it.
type ids struct {
	rng  *rand.Rand
	next int64
}

func newIDs(seed uint64) *ids {
	return &ids{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

func (g *ids) uuid() string {
	var raw [16]byte
	binary.BigEndian.PutUint64(raw[:8], g.rng.Uint64())
	binary.BigEndian.PutUint64(raw[8:], g.rng.Uint64())
	raw[6] = raw[6]&0x0f | 0x40 // version 4
	raw[8] = raw[8]&0x3f | 0x80 // RFC 4122 variant
	var out [36]byte
	hex.Encode(out[0:8], raw[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], raw[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], raw[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], raw[8:10])
	out[23] = '-'
	hex.Encode(out[24:], raw[10:])
	return string(out[:])
}

func (g *ids) id() int64 {
	g.next++
	return g.next
}
