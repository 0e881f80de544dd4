package httpx

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// The setters below implement the options that the clients share: the
// rapidpro and fhir options of the same name call them, so that an option
// means the same thing in both clients and is refused for the same
// reasons. Their errors name the option; the client adds its own prefix.

// SetHTTPClient makes the client send its requests with hc (WithHTTPClient).
func (c *Config) SetHTTPClient(hc *http.Client) error {
	if hc == nil {
		return errors.New("WithHTTPClient: nil *http.Client (leave the option out for the default client)")
	}
	c.HTTPClient = hc
	return nil
}

// SetLogger makes the client log on l (WithLogger).
func (c *Config) SetLogger(l *slog.Logger) error {
	if l == nil {
		return errors.New("WithLogger: nil *slog.Logger (leave the option out to log nothing)")
	}
	c.Logger = l
	return nil
}

// SetUserAgent sets the User-Agent header (WithUserAgent).
func (c *Config) SetUserAgent(ua string) error {
	switch {
	case strings.TrimSpace(ua) == "":
		return errors.New("WithUserAgent: empty user agent")
	case strings.ContainsAny(ua, "\r\n"):
		return errors.New("WithUserAgent: the user agent contains a line break")
	}
	c.UserAgent = ua
	return nil
}

// SetRetry sets how often a failed request that is safe to repeat is sent
// again, and how long to wait between attempts (WithRetry): at most
// maxRetries more times (0: never), waiting between waitMin and waitMax
// with exponential backoff, or as long as the server's Retry-After says.
// A zero wait keeps its default (DefaultRetryWaitMin, DefaultRetryWaitMax),
// kept within the other bound. Negative values, and a waitMax below
// waitMin, are refused.
func (c *Config) SetRetry(maxRetries int, waitMin, waitMax time.Duration) error {
	switch {
	case maxRetries < 0:
		return fmt.Errorf("WithRetry: negative number of retries %d", maxRetries)
	case waitMin < 0 || waitMax < 0:
		return fmt.Errorf("WithRetry: negative wait (waitMin %s, waitMax %s)", waitMin, waitMax)
	case waitMin > 0 && waitMax > 0 && waitMax < waitMin:
		return fmt.Errorf("WithRetry: waitMax %s is shorter than waitMin %s", waitMax, waitMin)
	}
	c.MaxRetries = maxRetries
	if maxRetries == 0 {
		c.MaxRetries = -1 // Config: zero is the default, negative is none
	}
	c.RetryWaitMin, c.RetryWaitMax = waitMin, waitMax
	return nil
}

// SetMaxResponseBytes caps the size of a response body
// (WithMaxResponseBytes); a larger one fails the call with an error
// matching ErrResponseTooLarge.
func (c *Config) SetMaxResponseBytes(n int64) error {
	if n <= 0 {
		return fmt.Errorf("WithMaxResponseBytes: the limit %d is not positive", n)
	}
	c.MaxResponseBytes = n
	return nil
}

// CheckRate validates the arguments of WithRateLimit: perHour requests an
// hour on average, with bursts of up to burst (0: a minute's worth).
func CheckRate(perHour, burst int) error {
	if perHour <= 0 || burst < 0 {
		return fmt.Errorf("WithRateLimit: invalid values perHour=%d burst=%d (want perHour > 0, burst >= 0)", perHour, burst)
	}
	return nil
}
