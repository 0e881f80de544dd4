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
// Timeout (or Play a script of [Input]s), and read the [Outcome]. [Check]
// lists what a flow uses that the simulator can't run. Nothing here
// touches the network: webhooks are answered by a function given with
// [WithWebhook].
//
// # Agreeing with goflow
//
// To compare with goflow, run its engine with the same settings: a manual
// trigger; the environment of [Environment] (by default UTC, date format
// YYYY-MM-DD, time format tt:mm, no default country, and allowed languages
// = the flow's language then every language it is translated to, sorted);
// the export's fields and groups as assets; the same contact; and goflow's
// clock (dates.SetNowSource) fixed at the time given with [WithClock],
// which also fills the time of day of has_date matches and stamps timeout
// values. As in goflow, the contact's language (when allowed) is the
// language format_date and format_datetime name days and months in, and
// the country of the contact's phone number (else the default country)
// reads local numbers in has_phone and picks regional names.
//
// Error events carry goflow's texts ("error evaluating @fields.age: object
// has no property 'age'"). As in goflow, a router's failures (an operand
// like @results.lookup.category before any lookup) are not events: they
// are kept apart in [Outcome.RunErrors], as goflow keeps them in the run's
// log, and the router takes its default category.
package sim
