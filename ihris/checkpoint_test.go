package ihris

import (
	"testing"
	"time"
)

func TestCheckpointCoversAndAdvances(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var cp Checkpoint
	cp.advance("Practitioner/B", t0)
	cp.advance("Practitioner/A", t0)
	cp.advance("Practitioner/Z", t0.Add(-time.Hour))
	if got := cp.String(); got != "2026-01-01T00:00:00Z Practitioner/A Practitioner/B" {
		t.Errorf("String() = %q", got)
	}
	for _, tt := range []struct {
		ref  string
		at   time.Time
		want bool
	}{
		{"Practitioner/A", t0, true},
		{"Practitioner/C", t0, false}, // same millisecond, not seen yet
		{"Practitioner/Z", t0.Add(-time.Second), true},
		{"Practitioner/A", t0.Add(time.Millisecond), false},
	} {
		if got := cp.covers(tt.ref, tt.at); got != tt.want {
			t.Errorf("covers(%s, %v) = %v, want %v", tt.ref, tt.at, got, tt.want)
		}
	}
	cp.advance("Practitioner/C", t0.Add(time.Second))
	if cp.String() != "2026-01-01T00:00:01Z Practitioner/C" {
		t.Errorf("after a newer resource: %q", cp)
	}
	// A bulk load at one instant: past the bound, the instant is whole.
	var bulk Checkpoint
	for i := range maxSeenAtCheckpoint + 1 {
		bulk.advance("Practitioner/"+string(rune('a'+i%26))+time.Duration(i).String(), t0)
	}
	if bulk.String() != "2026-01-01T00:00:00Z *" || !bulk.covers("Practitioner/new", t0) {
		t.Errorf("bulk checkpoint = %q", bulk)
	}
}

func FuzzCheckpointText(f *testing.F) {
	for _, s := range []string{"", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00.123Z Practitioner/P1 PractitionerRole/PR1", "2026-01-01T00:00:00Z *", "garbage", "2026-01-01T00:00:00Z nope"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var cp Checkpoint
		if err := cp.UnmarshalText([]byte(s)); err != nil {
			return
		}
		text, _ := cp.MarshalText()
		var back Checkpoint
		if err := back.UnmarshalText(text); err != nil {
			t.Fatalf("%q → %q does not parse: %v", s, text, err)
		}
		if again, _ := back.MarshalText(); string(again) != string(text) {
			t.Fatalf("not stable: %q → %q → %q", s, text, again)
		}
	})
}
