// Package httpx is the HTTP plumbing shared by the RapidPro and FHIR clients.
//
// It layers, from the caller down:
//
//   - retries (hashicorp/go-retryablehttp) that only repeat what is safe to
//     repeat: reads and writes that carry a guard (see [Idempotent]), while an
//     unguarded write is retried only when it certainly never reached the
//     server (a refused connection, or a 429 which the server rejected before
//     running it);
//   - pacing with golang.org/x/time/rate through [Pacer]s that can be shared
//     process-wide (see [SharedPacer]) and that a 429 with Retry-After pauses
//     for every goroutine using them;
//   - debug logging on a *slog.Logger in which secrets and phone numbers are
//     redacted (see [Redactor]);
//   - a User-Agent and a cap on the number of response bytes read.
//
// Every wait (backoff, pacing, Retry-After) ends as soon as the request's
// context is done.
package httpx
