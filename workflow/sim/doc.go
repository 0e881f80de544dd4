// Package sim runs RapidPro flows offline: a simulated contact receives the
// flow's messages, replies, lets waits time out, and the simulator reports
// the messages sent, the results saved (value and category), the path
// through the nodes, contact changes and the final status.
//
// It follows goflow (the engine RapidPro runs, v0.197.7) closely enough
// that the same conversation gives the same messages, results and
// categories: case tests (has_any_word, has_number_between, has_date, ...),
// Excellent templates (@contact.name, @results.x.category,
// @(upper(fields.district)), ...), localization by contact language, the
// default "Other" category, timeouts ("No Response", whose value is the
// time of the timeout), subflows within one export, and goflow's step
// limit. A feature it can't reproduce offline — a webhook, a classifier,
// an unknown function — stops the simulation with an *UnsupportedError
// naming the node.
//
// Start a session with [New] (an export, whose fields and groups the flow
// sees) or [NewFlow] (a single definition), then call Start, Resume and
// Timeout, and read the [Outcome]. Nothing here touches the network.
package sim
