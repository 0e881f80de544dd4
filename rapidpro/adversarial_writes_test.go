package rapidpro

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mhero-go/mhero/rapidpro/rapidprotest"
)

// TestWritesNeverDoubledUnderFaults sends a flow start and a broadcast
// through every injected failure, alone and combined with a failing
// lookup, and checks that the server ends with at most one of each, and
// with exactly one whenever the call reports success.
func TestWritesNeverDoubledUnderFaults(t *testing.T) {
	t.Parallel()
	type write struct {
		endpoint string
		send     func(ctx context.Context, c *Client, flow string) error
		count    func(rapidprotest.Counts) int
	}
	writes := []write{
		{"flow_starts", func(ctx context.Context, c *Client, flow string) error {
			_, err := c.FlowStarts.Create(ctx, &FlowStartRequest{Flow: flow, Groups: []string{"Nurses"}})
			return err
		}, func(c rapidprotest.Counts) int { return c.FlowStarts }},
		{"broadcasts", func(ctx context.Context, c *Client, _ string) error {
			_, err := c.Broadcasts.Create(ctx, &BroadcastRequest{Text: Translations{"eng": "Training on Monday"}, Groups: []string{"Nurses"}})
			return err
		}, func(c rapidprotest.Counts) int { return c.Broadcasts }},
	}
	cases := map[string]struct {
		faults  func(endpoint string) []rapidprotest.Fault
		timeout time.Duration
	}{
		"500 every time": {faults: func(e string) []rapidprotest.Fault {
			return []rapidprotest.Fault{{Kind: rapidprotest.FaultStatus, Method: "POST", Endpoint: e}}
		}},
		"dropped after commit twice": {faults: func(e string) []rapidprotest.Fault {
			return []rapidprotest.Fault{{Kind: rapidprotest.FaultDropAfterCommit, Method: "POST", Endpoint: e, Times: 2}}
		}},
		"truncated after commit": {faults: func(e string) []rapidprotest.Fault {
			return []rapidprotest.Fault{{Kind: rapidprotest.FaultTruncate, Method: "POST", Endpoint: e, Times: 1}}
		}},
		"dropped, lookup fails": {faults: func(e string) []rapidprotest.Fault {
			return []rapidprotest.Fault{
				{Kind: rapidprotest.FaultDropAfterCommit, Method: "POST", Endpoint: e, Times: 1},
				{Kind: rapidprotest.FaultStatus, Status: 502, Method: "GET", Endpoint: e, Skip: 1},
			}
		}},
		"dropped, lookup truncated once": {faults: func(e string) []rapidprotest.Fault {
			return []rapidprotest.Fault{
				{Kind: rapidprotest.FaultDropAfterCommit, Method: "POST", Endpoint: e, Times: 1},
				{Kind: rapidprotest.FaultTruncate, Method: "GET", Endpoint: e, Skip: 1, Times: 1},
			}
		}},
		"slower than the caller's deadline": {timeout: 150 * time.Millisecond, faults: func(e string) []rapidprotest.Fault {
			return []rapidprotest.Fault{{Kind: rapidprotest.FaultDelay, Delay: 300 * time.Millisecond, Method: "POST", Endpoint: e, Times: 1}}
		}},
	}
	for name, tc := range cases {
		for _, w := range writes {
			t.Run(name+"/"+w.endpoint, func(t *testing.T) {
				t.Parallel()
				srv := testServer(t)
				flow := startFixture(t, srv)
				for _, f := range tc.faults(w.endpoint) {
					srv.InjectFault(f)
				}
				ctx := t.Context()
				if tc.timeout > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tc.timeout)
					defer cancel()
				}
				err := w.send(ctx, testClient(t, srv), flow)
				if tc.timeout > 0 {
					time.Sleep(2 * tc.timeout) // let the slow request land
				}
				got := w.count(srv.Counts())
				switch {
				case got > 1:
					t.Fatalf("%d %s exist after %v", got, w.endpoint, err)
				case err == nil && got != 1:
					t.Fatalf("success reported, but %d %s exist", got, w.endpoint)
				case err != nil && got == 1 && !errors.Is(err, ErrOutcomeUnknown):
					t.Fatalf("the write was done, but the error does not say it may have been: %v", err)
				}
			})
		}
	}
}
