package httpx_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mhero-go/mhero/fhir"
	"github.com/mhero-go/mhero/rapidpro"
)

// option is the same option given to both clients.
type option struct {
	rp rapidpro.Option
	fh fhir.Option
}

func newBoth(url string, o option) (rp, fh error) {
	_, rp = rapidpro.NewClient(url, "s3cr3t-token-0123456789", o.rp)
	_, fh = fhir.NewClient(url+"/fhir", o.fh)
	return rp, fh
}

// TestSharedOptionsMeanTheSameInBothClients is issue 7's defect 5: an
// option the two clients share is accepted, or refused, by both alike.
func TestSharedOptionsMeanTheSameInBothClients(t *testing.T) {
	t.Parallel()
	hc := &http.Client{Timeout: time.Minute}
	cases := []struct {
		name string
		opt  option
		ok   bool
	}{
		{"WithRetry(2, 1s, 0)", option{rapidpro.WithRetry(2, time.Second, 0), fhir.WithRetry(2, time.Second, 0)}, true},
		{"WithRetry(2, 0, 5ms)", option{rapidpro.WithRetry(2, 0, 5*time.Millisecond), fhir.WithRetry(2, 0, 5*time.Millisecond)}, true},
		{"WithRetry(0, 0, 0)", option{rapidpro.WithRetry(0, 0, 0), fhir.WithRetry(0, 0, 0)}, true},
		{"WithRetry(-1, 0, 0)", option{rapidpro.WithRetry(-1, 0, 0), fhir.WithRetry(-1, 0, 0)}, false},
		{"WithRetry(1, -1s, 0)", option{rapidpro.WithRetry(1, -time.Second, 0), fhir.WithRetry(1, -time.Second, 0)}, false},
		{"WithRetry(1, 1s, 1ms)", option{rapidpro.WithRetry(1, time.Second, time.Millisecond), fhir.WithRetry(1, time.Second, time.Millisecond)}, false},
		{"WithLogger(nil)", option{rapidpro.WithLogger(nil), fhir.WithLogger(nil)}, false},
		{"WithLogger(l)", option{rapidpro.WithLogger(slog.Default()), fhir.WithLogger(slog.Default())}, true},
		{"WithHTTPClient(nil)", option{rapidpro.WithHTTPClient(nil), fhir.WithHTTPClient(nil)}, false},
		{"WithHTTPClient(hc)", option{rapidpro.WithHTTPClient(hc), fhir.WithHTTPClient(hc)}, true},
		{`WithUserAgent("")`, option{rapidpro.WithUserAgent(""), fhir.WithUserAgent("")}, false},
		{`WithUserAgent("a\r\nb")`, option{rapidpro.WithUserAgent("a\r\nb"), fhir.WithUserAgent("a\r\nb")}, false},
		{`WithUserAgent("moh-sync/2")`, option{rapidpro.WithUserAgent("moh-sync/2"), fhir.WithUserAgent("moh-sync/2")}, true},
		{"WithRateLimit(0, 1)", option{rapidpro.WithRateLimit(0, 1), fhir.WithRateLimit(0, 1)}, false},
		{"WithRateLimit(10, -1)", option{rapidpro.WithRateLimit(10, -1), fhir.WithRateLimit(10, -1)}, false},
		{"WithRateLimit(10, 0)", option{rapidpro.WithRateLimit(10, 0), fhir.WithRateLimit(10, 0)}, true},
		{"WithMaxResponseBytes(0)", option{rapidpro.WithMaxResponseBytes(0), fhir.WithMaxResponseBytes(0)}, false},
		{"WithMaxResponseBytes(1)", option{rapidpro.WithMaxResponseBytes(1), fhir.WithMaxResponseBytes(1)}, true},
	}
	for _, tc := range cases {
		rp, fh := newBoth("https://moh.example.org", tc.opt)
		if (rp == nil) != tc.ok || (fh == nil) != tc.ok {
			t.Errorf("%s: rapidpro says %v, fhir says %v; want both to %s", tc.name, rp, fh,
				map[bool]string{true: "accept it", false: "refuse it"}[tc.ok])
			continue
		}
		if tc.ok {
			continue
		}
		name := tc.name[:strings.IndexByte(tc.name, '(')]
		if !strings.HasPrefix(rp.Error(), "rapidpro: "+name+": ") || !strings.HasPrefix(fh.Error(), "fhir: "+name+": ") {
			t.Errorf("%s: the errors %q and %q do not name the option after the package", tc.name, rp, fh)
		}
		if strings.TrimPrefix(rp.Error(), "rapidpro: ") != strings.TrimPrefix(fh.Error(), "fhir: ") {
			t.Errorf("%s: the clients explain it differently: %q, %q", tc.name, rp, fh)
		}
	}
}

// TestRetryCountsTheSameInBothClients: WithRetry(n, ...) is n retries
// after the first attempt in both clients, and 0 is none.
func TestRetryCountsTheSameInBothClients(t *testing.T) {
	t.Parallel()
	var attempts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		attempts.Add(1)
		http.Error(w, "upstream unavailable", http.StatusBadGateway)
	}))
	defer srv.Close()
	for _, retries := range []int{0, 2} {
		rp, err := rapidpro.NewClient(srv.URL, "s3cr3t-token-0123456789", rapidpro.WithRetry(retries, time.Millisecond, 0))
		if err != nil {
			t.Fatal(err)
		}
		fh, err := fhir.NewClient(srv.URL+"/fhir", fhir.WithRetry(retries, time.Millisecond, 0))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		for name, call := range map[string]func() error{
			"rapidpro": func() error { _, err := rp.Workspace.Get(ctx); return err },
			"fhir":     func() error { _, _, err := fh.Read(ctx, "Practitioner", "P1"); return err },
		} {
			attempts.Store(0)
			if err := call(); err == nil {
				t.Fatalf("%s: a 502 succeeded", name)
			}
			if got := attempts.Load(); got != int32(1+retries) {
				t.Errorf("%s with WithRetry(%d, ...): %d attempts, want %d", name, retries, got, 1+retries)
			}
		}
	}
}
