package analytics

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedWorld.wd != nil {
		sharedWorld.wd.sb.Close()
	}
	os.Exit(code)
}
