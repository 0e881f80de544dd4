package flow_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/mhero-go/mhero/internal/fixtures"
	"github.com/mhero-go/mhero/workflow/flow"
)

// BenchmarkRoundTrip reads and writes RapidPro's sample flows export (58 KB,
// three flows).
func BenchmarkRoundTrip(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(fixtures.Dir(b, "fixtures", "flows"), "sample_flows.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		exp, err := flow.ParseExport(data)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := flow.MarshalExport(exp); err != nil {
			b.Fatal(err)
		}
	}
}
