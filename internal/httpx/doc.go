// Package httpx is the one request pipeline of the RapidPro and FHIR
// clients.
//
// [Client.Do] takes a [Request] and returns its final [Response] with the
// body read. Each attempt, from the caller down:
//
//   - is retried (hashicorp/go-retryablehttp) only when that is safe:
//     whether a request may be sent again after it may have reached the
//     server is a field of the request ([Request.Idempotent]); any request
//     is sent again when it certainly never reached the server (a refused
//     connection, a 429, which the server rejects before running anything);
//   - waits for its turn in a [Pacer] (golang.org/x/time/rate). Clients
//     share pacers only when given the same ones, explicitly ([Pacers]);
//     a 429 with Retry-After pauses every request waiting on the pacer,
//     including those already waiting for their turn;
//   - reads the response body in full, within a size cap, so that a body
//     cut short fails the attempt and is retried with it ([BodyError]);
//   - is logged at Debug level on a *slog.Logger with secrets and phone
//     numbers redacted (see [Redactor]); bodies and headers never are.
//
// The options the clients share (WithHTTPClient, WithLogger, WithUserAgent,
// WithRetry, WithRateLimit, WithMaxResponseBytes) are validated here, by the
// setters of [Config], so that they mean the same in every client.
//
// Every wait (backoff, pacing, Retry-After) ends as soon as the request's
// context is done.
package httpx
