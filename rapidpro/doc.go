// Package rapidpro is a client for the RapidPro (TextIt) Web API v2.
//
// A [Client] holds one service per endpoint family (Contacts, Groups,
// FlowStarts, Runs, ...). Lists are lazy iterators that follow RapidPro's
// cursor pages:
//
//	c, err := rapidpro.NewClient("https://app.rapidpro.io", token)
//	for contact, err := range c.Contacts.List(ctx, &rapidpro.ContactListParams{Group: "Nurses"}) {
//		...
//	}
//
// A program that must stop and continue later uses ListPage, stores
// Page.Next, and passes it back as the Cursor of the same params, in this
// or another process. Endpoints ordered by modified_on (contacts, flow
// starts, globals, runs, tickets) also offer Changes, an incremental sync
// from a [Checkpoint].
//
// # Rate limits
//
// RapidPro counts requests per workspace and throttle scope (contacts,
// messages, runs, and everything else), 3600 an hour each by default. The
// client paces its requests to that rate, per scope, waits out 429 answers
// as their Retry-After says (every request of the client waiting for its
// turn waits too), and stops any wait when the context ends. Clients of the
// same workspace pace together when they are given the same [Pacers]:
//
//	pacers := rapidpro.NewPacers(rapidpro.DefaultRatePerHour, 0)
//	sync, err := rapidpro.NewClient(url, syncToken, rapidpro.WithPacers(pacers))
//	report, err := rapidpro.NewClient(url, reportToken, rapidpro.WithPacers(pacers))
//
// (the workspace is learned from the X-Temba-Workspace header, or given
// with [WithWorkspace]). Nothing is shared otherwise: two clients made
// without WithPacers pace apart, each at its own rate.
//
// # Writes are never repeated blindly
//
// Reads and idempotent writes (updates, group membership, DELETE requests) are
// retried on 429, 5xx and network errors. Other writes are retried only
// when they certainly never reached the server. Flow starts and broadcasts
// go further: when a request fails without telling whether it was done,
// [FlowStartsService.Create] and [BroadcastsService.Create] look for it on
// the server (flow starts carry a key in their params, see [MarkParam])
// before sending it again, and return an [OutcomeUnknownError] if they
// cannot tell. A health worker never gets the same workflow twice because of
// a retry.
//
// # Errors
//
// Answers other than 2xx are [*Error] values (status, detail and flattened
// field messages) matched with errors.Is against [ErrInvalidToken],
// [ErrNotFound], [ErrValidation], [ErrRateLimited] and the others. No error
// or log line contains the token, and phone numbers in them are masked.
package rapidpro
