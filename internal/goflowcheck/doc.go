// Package goflowcheck checks RapidPro flow exports against goflow, the flow
// engine RapidPro itself runs (github.com/nyaruka/goflow v0.197.7).
//
// It lives in a nested, test-only Go module so that goflow's AGPL-3.0
// licence never enters the SDK's own go.mod: nothing in the main module
// imports it. Inspect reads every flow of an export the way RapidPro does
// (migrating older specs) and lists goflow's inspection issues; Run plays a
// scripted conversation (replies and timeouts) through goflow's engine and
// returns the messages sent, the run results and the final status, so the
// module's own simulator (workflow/sim) can be compared with the reference.
package goflowcheck
