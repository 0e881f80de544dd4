package sandbox

import (
	"fmt"
	"hash/fnv"
	"time"
)

// Kind is how a simulated health worker behaves when a workflow reaches them.
type Kind int

const (
	// Responsive workers answer every question, right away and correctly.
	Responsive Kind = iota
	// Late workers answer correctly but only after Persona.Delay; when that
	// is longer than a question's timeout the answer misses it.
	Late
	// Confused workers first answer each question with something that fits
	// no category (triggering the retry message or the Other path), then
	// answer correctly.
	Confused
	// DropsOut workers answer Persona.Answered questions, then stop.
	DropsOut
	// Silent workers receive every message and never answer.
	Silent
	// OutOfCoverage workers' phones cannot be reached: every message fails.
	OutOfCoverage
)

var kindNames = [...]string{"responsive", "late", "confused", "drops out", "silent", "out of coverage"}

func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Persona is the behaviour of one simulated health worker. It is the ground
// truth that monitoring and analytics are checked against.
type Persona struct {
	Kind Kind
	// Delay is how long a Late worker takes to answer.
	Delay time.Duration
	// Answered is how many questions a DropsOut worker answers.
	Answered int
	// Answers, by result key, are the replies to send; questions not listed
	// get a reply that fits one of the question's categories, chosen from
	// the contact and the question so that it is repeatable.
	Answers map[string]string
}

// Mix is a share of each kind of worker, used by [Assign]. The shares need
// not add up to 1: they are weights.
type Mix map[Kind]float64

// DefaultMix returns a plausible field picture: most answer, some late,
// some silent, a few unreachable or confused, a few who stop midway. Each
// call returns a new map, which the caller may change.
func DefaultMix() Mix {
	return Mix{Responsive: 0.55, Late: 0.12, Confused: 0.08, DropsOut: 0.07, Silent: 0.10, OutOfCoverage: 0.08}
}

// Assign picks a persona for key (a contact URN or id) from the mix,
// repeatably: the same key, mix and seed always give the same persona.
// Late workers answer after 2 to 30 hours; DropsOut workers answer one or
// two questions.
func Assign(key string, mix Mix, seed uint64) Persona {
	h := hash(key, seed)
	total := 0.0
	for k := Responsive; k <= OutOfCoverage; k++ {
		total += max(0, mix[k])
	}
	if total == 0 {
		return Persona{Kind: Responsive}
	}
	x := float64(h%1_000_000) / 1_000_000 * total
	for k := Responsive; k <= OutOfCoverage; k++ {
		w := max(0, mix[k])
		if x < w {
			p := Persona{Kind: k}
			switch k {
			case Late:
				p.Delay = time.Duration(2+(h>>20)%29) * time.Hour
			case DropsOut:
				p.Answered = 1 + int((h>>20)%2)
			}
			return p
		}
		x -= w
	}
	return Persona{Kind: OutOfCoverage}
}

func hash(s string, seed uint64) uint64 {
	f := fnv.New64a()
	fmt.Fprintf(f, "%d|%s", seed, s)
	return f.Sum64()
}
