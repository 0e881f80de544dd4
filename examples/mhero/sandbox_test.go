package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestSandboxDescribesDirectorDelay checks the line saying how long the
// simulated Director takes: 10m was printed "1" once.
func TestSandboxDescribesDirectorDelay(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	rs, err := startSandbox(sandboxConfig{workers: 50, seed: 1, start: start})
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	for d, want := range map[time.Duration]string{
		10 * time.Minute:             "10m",
		90 * time.Second:             "1m30s",
		time.Hour:                    "1h",
		2*time.Hour + 30*time.Minute: "2h30m",
		20 * time.Second:             "20s",
		time.Hour + 20*time.Second:   "1h0m20s",
		100 * time.Millisecond:       "100ms",
	} {
		var buf bytes.Buffer
		rs.describe(&buf, sandboxConfig{workers: 50, seed: 1, directors: []string{"tel:+231886000001"}, directorDelay: d})
		line := "simulated Director +231*******01 approves requests " + want + " (simulated) after they arrive\n"
		if !strings.Contains(buf.String(), line) {
			t.Errorf("delay %v: no line %q in\n%s", d, line, buf.String())
		}
	}
}
