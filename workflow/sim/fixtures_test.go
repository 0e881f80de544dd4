package sim_test

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mhero-go/mhero/internal/fixtures"
	"github.com/mhero-go/mhero/workflow/flow"
	"github.com/mhero-go/mhero/workflow/sim"
)

var update = flag.Bool("update", false, "rewrite the golden outcomes in testdata/golden")

// conversation is a scripted run of a fixture flow, kept as data in
// testdata/conversations.json so that the goflow comparison can replay the
// same scripts.
type conversation struct {
	Name    string      `json:"name"`
	File    string      `json:"file"`
	Flow    string      `json:"flow,omitempty"`
	Contact sim.Contact `json:"contact"`
	Inputs  []sim.Input `json:"inputs"`
	Expire  bool        `json:"expire,omitempty"`
	// Webhook, when set, is the answer to every call_webhook.
	Webhook *sim.WebhookResponse `json:"webhook,omitempty"`
}

// golden is what a conversation gives: the outcome, and the error that
// stopped it (an unsupported feature) if any.
type golden struct {
	Outcome sim.Outcome `json:"outcome"`
	Error   string      `json:"error,omitempty"`
}

// fixedClock is the time of every golden conversation.
func fixedClock() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }

func TestFixtureConversations(t *testing.T) {
	t.Parallel()
	dir := fixtures.Dir(t, "fixtures", "flows")
	var convs []conversation
	data, err := os.ReadFile(filepath.Join("testdata", "conversations.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &convs); err != nil {
		t.Fatal(err)
	}
	for _, c := range convs {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(filepath.Join(dir, c.File))
			if err != nil {
				t.Fatal(err)
			}
			exp, err := flow.ParseExport(data)
			if err != nil {
				t.Fatal(err)
			}
			opts := []sim.Option{sim.WithClock(fixedClock), sim.WithContact(c.Contact)}
			if c.Flow != "" {
				opts = append(opts, sim.WithFlow(c.Flow))
			}
			if c.Webhook != nil {
				answer := *c.Webhook
				opts = append(opts, sim.WithWebhook(func(sim.WebhookRequest) sim.WebhookResponse { return answer }))
			}
			s, err := sim.New(exp, opts...)
			if err != nil {
				t.Fatal(err)
			}
			var got golden
			if err := s.Play(c.Inputs...); err != nil {
				var ue *sim.UnsupportedError
				if !errors.As(err, &ue) {
					t.Fatalf("Play: %v", err)
				}
				got.Error = err.Error()
			}
			if c.Expire {
				if err := s.Expire(); err != nil {
					t.Fatal(err)
				}
			}
			got.Outcome = s.Outcome()
			checkGolden(t, c.Name, got)
		})
	}
}

func checkGolden(t *testing.T, name string, got golden) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".json")
	out, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(out, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no golden outcome (run with -update): %v", err)
	}
	var want golden
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	var gotBack golden
	if err := json.Unmarshal(out, &gotBack); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, gotBack); diff != "" {
		t.Errorf("outcome differs from %s (-want +got):\n%s", path, diff)
	}
}
