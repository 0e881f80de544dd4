// Package chromiumtest finds Chromium for tests: a test that needs it skips
// with a clear message when it is absent, and fails instead when
// MHERO_REQUIRE_CHROMIUM=1 (as .ci/run sets), so CI cannot pass by skipping.
package chromiumtest

import (
	"os"
	"testing"

	"github.com/mhero-go/mhero/internal/chromium"
)

// Path returns the Chromium to test with, or skips (fails under
// MHERO_REQUIRE_CHROMIUM=1) when there is none.
func Path(t testing.TB) string {
	t.Helper()
	p, err := chromium.Find()
	if err == nil {
		return p
	}
	if os.Getenv("MHERO_REQUIRE_CHROMIUM") == "1" {
		t.Fatalf("MHERO_REQUIRE_CHROMIUM=1 but %v", err)
	}
	t.Skipf("skipping the browser test: %v (MHERO_REQUIRE_CHROMIUM=1 makes this a failure)", err)
	return ""
}
