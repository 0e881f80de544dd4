package sim_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mhero-go/mhero/examples/workflows"
	"github.com/mhero-go/mhero/workflow"
	"github.com/mhero-go/mhero/workflow/sim"
)

// A clone taken at a wait goes on as the conversation played again from
// the start would, and leaves the original as it was.
func TestClone(t *testing.T) {
	t.Parallel()
	w, err := workflows.Parse("malaria-stock")
	if err != nil {
		t.Fatal(err)
	}
	exp, err := workflow.Compile(w)
	if err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC) }
	opts := []sim.Option{sim.WithClock(clock), sim.WithContact(sim.Contact{Name: "Ama", Language: "fra", Fields: map[string]string{}})}
	script := []sim.Input{{Text: "non"}, {Text: "what"}, {Text: "1"}, {Timeout: true}}
	play := func(inputs []sim.Input) sim.Outcome {
		s, err := sim.New(exp, opts...)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Play(inputs...); err != nil {
			t.Fatal(err)
		}
		return s.Outcome()
	}
	s, err := sim.New(exp, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	for i := range script {
		before := s.Outcome()
		// A clone tries another reply...
		c := s.Clone()
		if err := c.Play(sim.Input{Text: "oui"}); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(play(append(script[:i:i], sim.Input{Text: "oui"})), c.Outcome()); diff != "" {
			t.Fatalf("clone after %d inputs, then oui (-replayed +clone):\n%s", i, diff)
		}
		// ...and the original has not moved.
		if diff := cmp.Diff(before, s.Outcome()); diff != "" {
			t.Fatalf("the original changed with its clone (-before +after):\n%s", diff)
		}
		if err := s.Play(script[i]); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff(play(script), s.Outcome()); diff != "" {
		t.Errorf("the original after its clones (-replayed +original):\n%s", diff)
	}
}

// A clone taken while a subflow waits keeps the child run tied to its own
// copy of the parent.
func TestCloneInSubflow(t *testing.T) {
	t.Parallel()
	s, err := sim.New(subflowExport(), sim.WithClock(fixedClock))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	c := s.Clone()
	if err := c.Resume("Lofa"); err != nil {
		t.Fatal(err)
	}
	if err := s.Resume("Bong"); err != nil {
		t.Fatal(err)
	}
	last := func(s *sim.Sim) string { m := s.Messages(); return m[len(m)-1].Text }
	if last(s) != "Child said Bong (completed)." || last(c) != "Child said Lofa (completed)." {
		t.Errorf("original said %q, clone %q", last(s), last(c))
	}
}
