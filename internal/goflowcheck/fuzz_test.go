package goflowcheck_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mhero-go/mhero/internal/goflowcheck"
)

// fuzzExports are the exports the differential fuzz target plays with:
// the compiled example workflows and expressions workflow, and the
// hand-written behaviours export.
var fuzzExports = sync.OnceValues(func() ([][]byte, error) {
	var out [][]byte
	files, err := filepath.Glob("../../examples/workflows/*.yaml")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		data, err := compileFile(f)
		if err != nil {
			return nil, err
		}
		out = append(out, data)
	}
	data, err := compileFile(expressionsWorkflow)
	if err != nil {
		return nil, err
	}
	out = append(out, data)
	data, err = os.ReadFile(behavioursExport)
	if err != nil {
		return nil, err
	}
	return append(out, data), nil
})

// FuzzSimulatorAgrees plays arbitrary replies (one a line; a line "/t" is
// a timeout) through goflow and the simulator and requires the same
// transcript. Scripts goflow refuses (a timeout on a question without
// one) are skipped. The seeds run as a unit test; go test -fuzz explores.
func FuzzSimulatorAgrees(f *testing.F) {
	f.Add(uint8(0), "12\n0\n0\n0")
	f.Add(uint8(1), "no\n1\ny\n40 kits")
	f.Add(uint8(2), "/t\nyes\n15-03-2026\n14\nno\n0886123456")
	f.Add(uint8(3), "doctor\n3\nyes\nipc\n/t")
	f.Add(uint8(4), "maybe\noui\n12 staff")
	f.Add(uint8(1), "YES!!\n1,5\n52.0\nnon\n")
	f.Add(uint8(2), "Oui\n31/02/2026\n2026-3-1\n-3\n1e3")
	exports, err := fuzzExports()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, which uint8, script string) {
		export := exports[int(which)%len(exports)]
		var s []goflowcheck.Step
		for _, line := range strings.Split(script, "\n") {
			if line == "/t" {
				s = append(s, timeout())
			} else {
				s = append(s, reply(line))
			}
		}
		if len(s) > 12 {
			s = s[:12]
		}
		c := conversation{name: "fuzz", contact: fatu, steps: s}
		if which&0x80 != 0 {
			c.contact = aminata
		}
		want, err := goflowcheck.Run(export, "", c.contact, c.steps)
		if err != nil && !errors.Is(err, goflowcheck.ErrStepsLeft) {
			t.Skip("goflow refuses the script:", err)
		}
		got, gotErr := runSim(export, c)
		if gotErr != nil && !errors.Is(gotErr, goflowcheck.ErrStepsLeft) {
			t.Fatalf("goflow ran the script, the simulator failed: %v", gotErr)
		}
		if d := diffTranscripts(want, got); d != "" {
			t.Errorf("simulator differs from goflow on %q (-goflow +simulator):\n%s", script, d)
		}
	})
}
