// Package rapidprotest is an in-process RapidPro workspace that speaks the
// Web API v2, for tests and for example programs that must run without a
// real server.
//
// # Starting one
//
// In a test, NewServer starts it on a loopback httptest listener:
//
//	srv := rapidprotest.NewServer(rapidprotest.WithRateLimits(0, 0))
//	defer srv.Close()
//	// srv.URL() is the root ("http://127.0.0.1:port"); the API is under
//	// /api/v2/; srv.Token() is the token to send.
//
// A program uses New and Start("127.0.0.1:0") (or ListenAndServe), and
// Server is also an http.Handler.
//
// # What behaves like RapidPro
//
//   - Authorization: "Token <t>" (or Basic email:token); anything else gets
//     403 {"detail": "Invalid token"}. Authenticated responses carry
//     X-Temba-Workspace. Paths are /api/v2/<endpoint>.json; without .json a
//     GET gets HTML, as RapidPro's browsable docs.
//   - Cursor pages of 250 with an absolute next URL. The cursor encodes the
//     sort position (timestamp and id) of the last record returned, never an
//     offset, so records inserted or modified between pages are neither
//     skipped nor repeated. Orders: -modified_on for contacts, flow_starts,
//     globals, resthooks, runs and tickets (which also honour reverse=true),
//     -created_on elsewhere, -sent_on for messages?folder=sent. after and
//     before are inclusive; an unparseable date, unknown group, flow or
//     folder gives an empty list rather than an error.
//   - Validation with RapidPro's 400 bodies (the shared fixtures are the
//     reference): 100-item caps, params of at most 10,000 encoded
//     characters, indexed URN errors, "URN is in use by another contact.",
//     exclusive query parameters, invalid UUID parameters; 403 on system
//     objects; 404 {"detail": "Not found."}; the 500 is plain text.
//   - Contacts: create (201), update by ?uuid= or ?urn= (200), upsert by
//     ?urn= (201 when created), groups replacing manual membership, fields
//     merging, deletion keeping a deleted=true tombstone. Smart groups are
//     refused for writes; their members are computed from a query.
//   - Throttling per scope (v2, v2.contacts, v2.messages, v2.runs) in a
//     sliding window, shared by every token, default 3600/hour: 429 with
//     Retry-After in seconds and DRF's body. Throttling uses real time.
//
// # Smart group queries
//
// A subset of RapidPro's contact query language: conditions `attr op value`
// joined by AND or OR (no parentheses, AND binds tighter). attr is a field
// key, name, language, status, urn or tel; op is = != ~ (contains) > >= <
// <=; values may be quoted; comparisons are numeric when both sides are
// numbers and case-insensitive otherwise. Example: `district = "Bong" AND
// cadre != nurse`.
//
// # Flows and the engine
//
// ImportFlows stores the flows of an export document (what the DSL
// compiler emits); flows lists them and definitions exports them. A flow
// start resolves its groups, contacts and URNs (creating contacts for
// unknown URNs), honours restart_participants and exclude_active,
// interrupts a contact's waiting run, and runs each contact through the
// Engine: the server stores the messages, results, path and exit type the
// engine returns. The 201 shows the start as "pending"; by the time the
// client reads it back it is "completed", as mailroom would have made it.
// WithAsyncStarts keeps starts pending until ProcessStarts (or Advance)
// runs them, for code that polls a start's status.
//
// BasicEngine, the default, interprets the common subset of goflow
// definitions (send_msg, wait for a reply, switch routers with the usual
// case tests, results). Plug in another engine with WithEngine, for
// example a workflow simulator whose simulated health workers answer,
// ignore, answer late or badly, or are out of coverage (an
// OutgoingMessage.Status of "failed"). Receive delivers an inbound reply
// and resumes the contact's waiting run; ReceiveAfter schedules a late
// one. With a ManualClock, Advance moves time forward and processes, in
// chronological order and each at its own time, scheduled replies, wait
// timeouts and flow expiries (FireTimeouts does the same for whatever is
// due now). WithMessageHook observes every outgoing message, so a
// simulation can decide how each health worker answers.
//
// The other endpoints (labels, campaigns, campaign_events, channels,
// channel_events, globals, archives, boundaries, workspace/org, users,
// topics, tickets, ticket_actions, resthooks, resthook_events,
// resthook_subscribers, media, broadcasts, message_actions) are
// implemented with their filters and validation; seeding helpers (AddLabel,
// AddGlobal, AddArchive, AddBoundary, AddTicket, AddResthook, SeedRuns)
// fill the read-only ones.
//
// # Faults and inspection
//
// InjectFault makes matching requests fail: a status (5xx) before the
// endpoint runs, a connection dropped after a write committed, a delay,
// or a truncated body. Requests and RequestCount expose the request log;
// Counts reports how many objects were created (for example, that a
// retried flow start created exactly one start).
//
// # Determinism
//
// WithSeed makes UUIDs reproducible and WithClock(NewManualClock(t, step))
// makes timestamps reproducible.
//
// The package deliberately does not import the client package
// (github.com/mhero-go/mhero/rapidpro): its JSON is written from its own
// wire structs, an independent check of the client's decoding.
package rapidprotest
