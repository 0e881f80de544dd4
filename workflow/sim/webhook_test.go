package sim_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mhero-go/mhero/internal/fixtures"
	"github.com/mhero-go/mhero/workflow/flow"
	"github.com/mhero-go/mhero/workflow/sim"
)

// orderStatusFlow returns RapidPro's sample order status flow with its
// placeholder webhook URL replaced by a real one.
func orderStatusFlow(t *testing.T) *flow.Export {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(fixtures.Dir(t, "fixtures", "flows"), "sample_flows.json"))
	if err != nil {
		t.Fatal(err)
	}
	exp, err := flow.ParseExport(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range exp.Flows {
		for _, n := range f.Nodes {
			for _, a := range n.Actions {
				if w, ok := a.(*flow.CallWebhook); ok {
					w.URL = "https://shop.example/status/@(url_encode(results.lookup_response))"
				}
			}
		}
	}
	return exp
}

func TestWebhook(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		answer    sim.WebhookResponse
		last      string
		lookup    string // the Lookup result's category
		orderName string
	}{
		{"shipped", sim.WebhookResponse{Status: 200, Body: `{"status": "Shipped", "name": "Lin Wei", "order": "CU001", "description": "blue shoes", "ship_date": "2026-01-01", "delivery_date": "2026-01-05"}`},
			"Great news Lin Wei! We shipped your order for blue shoes on 2026-01-01 and we expect it will be delivered on 2026-01-05.", "Shipped", "Lin Wei"},
		{"cancelled", sim.WebhookResponse{Status: 200, Body: `{"status": "Cancelled", "name": "Kim", "order": 42.50, "description": "a lamp", "cancel_date": "2025-12-30"}`},
			"Uh oh Kim!  Our record indicate that your order for a lamp was cancelled on 2025-12-30.", "Cancelled", "Kim"},
		{"server error", sim.WebhookResponse{Status: 500, Body: `oops`},
			"Sorry that doesn't look like a valid order number.  Maybe try: CU001, CU002 or CU003?", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var calls []sim.WebhookRequest
			s, err := sim.New(orderStatusFlow(t), sim.WithFlow("Sample Flow - Order Status Checker"), sim.WithClock(fixedClock),
				sim.WithContact(sim.Contact{Name: "Lin", URN: "tel:+12065551212"}),
				sim.WithWebhook(func(req sim.WebhookRequest) sim.WebhookResponse { calls = append(calls, req); return tt.answer }))
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Play(sim.Input{Text: "CU 001"}); err != nil {
				t.Fatal(err)
			}
			if len(calls) != 1 || calls[0].Method != "POST" || calls[0].URL != "https://shop.example/status/CU%20001" {
				t.Fatalf("webhook calls %+v", calls)
			}
			out := s.Outcome()
			last := out.Messages[len(out.Messages)-1].Text
			if !strings.HasPrefix(last, tt.last) {
				t.Errorf("last message %q, want it to start with %q", last, tt.last)
			}
			wantCategory := "Success"
			if tt.answer.Status != 200 {
				wantCategory = "Failure"
			}
			if r := out.Results["order_lookup"]; r.Category != wantCategory || r.Input != "POST https://shop.example/status/CU%20001" {
				t.Errorf("order_lookup result %+v", r)
			}
			if tt.lookup != "" {
				if r := out.Results["lookup"]; r.Category != tt.lookup {
					t.Errorf("lookup category %q, want %q", r.Category, tt.lookup)
				}
				if r := out.Results["order_name"]; r.Value != tt.orderName {
					t.Errorf("order_name %q, want %q", r.Value, tt.orderName)
				}
			}
		})
	}
}

// TestWebhookWithoutAnswer checks that a webhook stops the simulation with
// a text for the flow's author and the Go option apart.
func TestWebhookWithoutAnswer(t *testing.T) {
	t.Parallel()
	webhook := &flow.CallWebhook{UUID: uuid(3), Method: "GET", URL: "https://shop.example/x", ResultName: "Lookup"}
	f := &flow.Flow{UUID: uuid(1), Name: "Hook", SpecVersion: "13.0.0", Language: "eng", Type: flow.TypeMessaging,
		Nodes: []flow.Node{{UUID: uuid(2), Actions: []flow.Action{webhook}, Exits: []flow.Exit{{UUID: uuid(4)}}}}}
	s, err := sim.NewFlow(f)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Start()
	var u *sim.UnsupportedError
	if !errors.As(err, &u) {
		t.Fatalf("got %v, want an *UnsupportedError", err)
	}
	if u.Option != "WithWebhook" || u.NodeUUID != uuid(2) {
		t.Errorf("option %q, node %s", u.Option, u.NodeUUID)
	}
	want := `sim: flow "Hook", node 00000000-0000-4000-8000-000000000002: the action "call_webhook" stops the simulation: webhooks are not called offline`
	if err.Error() != want {
		t.Errorf("error text\n got %s\nwant %s", err, want)
	}
	if checked := sim.Check(f); len(checked) != 1 || checked[0].Error() != want {
		t.Errorf("Check = %v, want the same error", checked)
	}
}

// TestWebhookURLRefused checks goflow's texts for URLs it doesn't call:
// it rejects only what doesn't parse; Go's HTTP client refuses the rest
// before sending.
func TestWebhookURLRefused(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"{{API_URL}}/status": `unsupported protocol scheme ""`,
		"ftp://shop.example": `unsupported protocol scheme "ftp"`,
		"http:///status":     "http: no Host in request URL",
		"http://[::1":        "webhook URL evaluated to an invalid URL: 'http://[::1'",
	}
	for rawURL, want := range tests {
		webhook := &flow.CallWebhook{UUID: uuid(3), Method: "GET", URL: rawURL, ResultName: "Lookup"}
		f := &flow.Flow{UUID: uuid(1), Name: "Hook", SpecVersion: "13.0.0", Language: "eng", Type: flow.TypeMessaging,
			Nodes: []flow.Node{{UUID: uuid(2), Actions: []flow.Action{webhook}, Exits: []flow.Exit{{UUID: uuid(4)}}}}}
		called := false
		s, err := sim.NewFlow(f, sim.WithWebhook(func(sim.WebhookRequest) sim.WebhookResponse { called = true; return sim.WebhookResponse{Status: 200} }))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(); err != nil {
			t.Fatal(err)
		}
		out := s.Outcome()
		if called || len(out.Results) != 0 {
			t.Errorf("%s: called the webhook or saved a result", rawURL)
		}
		if len(out.Events) != 1 || out.Events[0].Type != "error" || out.Events[0].Detail != want {
			t.Errorf("%s: events %v, want the error %q", rawURL, out.Events, want)
		}
	}
}
