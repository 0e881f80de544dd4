// Command testsummary reads `go test -json` on stdin, prints what plain
// `go test` would (a line per package, and the output of failing tests),
// then how many tests passed, failed and were skipped, with the reasons
// for the skips. It exits 1 when a test or a build failed.
//
// .ci/run pipes the README's test command through it, so that a test that
// skips (for want of the shared fixtures, say) is counted, not hidden
// behind "ok".
package main

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
)

// event is one line of go test -json (see go doc test2json).
type event struct {
	Action     string
	Package    string
	Test       string
	Output     string
	ImportPath string // build-output and build-fail events
}

type testKey struct{ pkg, test string }

// summary accumulates the events of a run.
type summary struct {
	out                   io.Writer
	passed, failed        int
	skipped               []skip
	buildFailed           bool
	pkgFailed             map[string]bool
	output                map[testKey][]string // output of tests still running
	passedPkgs, noTestPkg int
}

type skip struct {
	testKey
	reason string
}

func newSummary(out io.Writer) *summary {
	return &summary{out: out, pkgFailed: map[string]bool{}, output: map[testKey][]string{}}
}

func (s *summary) add(e event) {
	switch e.Action {
	case "build-output":
		fmt.Fprint(s.out, e.Output)
		return
	case "build-fail":
		s.buildFailed = true
		return
	}
	if e.Test == "" {
		s.addPackage(e)
		return
	}
	k := testKey{e.Package, e.Test}
	switch e.Action {
	case "output":
		s.output[k] = append(s.output[k], e.Output)
	case "pass":
		s.passed++
		delete(s.output, k)
	case "skip":
		s.skipped = append(s.skipped, skip{k, skipReason(s.output[k])})
		delete(s.output, k)
	case "fail":
		s.failed++
		s.flush(k)
	}
}

func (s *summary) addPackage(e event) {
	switch e.Action {
	case "output":
		// Plain go test prints a package's result line but not the PASS
		// before it.
		if e.Output != "PASS\n" {
			fmt.Fprint(s.out, e.Output)
		}
	case "pass":
		s.passedPkgs++
	case "skip":
		s.noTestPkg++
	case "fail":
		s.pkgFailed[e.Package] = true
		// A test binary that died (a panic, a timeout) leaves its running
		// tests without a result: show what they printed.
		for k := range s.output {
			if k.pkg == e.Package {
				s.flush(k)
			}
		}
	}
}

// flush prints the output of a failed test as plain go test does: its
// "--- FAIL" line first, then what it logged, without the "=== RUN" lines.
func (s *summary) flush(k testKey) {
	lines := s.output[k]
	for _, line := range lines {
		if strings.HasPrefix(line, "--- ") {
			fmt.Fprint(s.out, line)
		}
	}
	for _, line := range lines {
		if !strings.HasPrefix(line, "=== ") && !strings.HasPrefix(line, "--- ") {
			fmt.Fprint(s.out, line)
		}
	}
	delete(s.output, k)
}

var logPrefix = regexp.MustCompile(`^\s*[\w.-]+\.go:\d+: `)

// skipReason is what a skipped test printed, without the framing lines
// and the file:line of the call.
func skipReason(lines []string) string {
	var parts []string
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- SKIP") {
			continue
		}
		parts = append(parts, strings.TrimSpace(logPrefix.ReplaceAllString(l, "")))
	}
	if len(parts) == 0 {
		return "(no reason given)"
	}
	return strings.Join(parts, " ")
}

// report prints the counts and the skips, grouped by reason.
func (s *summary) report() {
	fmt.Fprintf(s.out, "\ntests: %d passed, %d failed, %d skipped\n", s.passed, s.failed, len(s.skipped))
	byReason := map[string][]testKey{}
	for _, sk := range s.skipped {
		byReason[sk.reason] = append(byReason[sk.reason], sk.testKey)
	}
	reasons := sortedByCount(byReason)
	for _, r := range reasons {
		tests := byReason[r]
		var names []string
		for i, k := range tests {
			if i == 3 {
				names = append(names, fmt.Sprintf("and %d more", len(tests)-3))
				break
			}
			names = append(names, k.pkg[strings.LastIndex(k.pkg, "/")+1:]+"."+k.test)
		}
		fmt.Fprintf(s.out, "  skipped %d: %s (%s)\n", len(tests), r, strings.Join(names, ", "))
	}
}

func sortedByCount(m map[string][]testKey) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		return cmp.Or(cmp.Compare(len(m[b]), len(m[a])), strings.Compare(a, b))
	})
	return keys
}

func (s *summary) ok() bool {
	return s.failed == 0 && !s.buildFailed && len(s.pkgFailed) == 0
}

// run reads events from r until its end and reports to the summary's
// writer; lines that are not JSON (the go command's own messages) are
// printed as they are.
func run(r io.Reader, out io.Writer) (bool, error) {
	s := newSummary(out)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			fmt.Fprintf(out, "%s\n", line)
			continue
		}
		s.add(e)
	}
	if err := sc.Err(); err != nil {
		return false, err
	}
	s.report()
	return s.ok(), nil
}

func main() {
	ok, err := run(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(1)
	}
	if !ok {
		os.Exit(1)
	}
}
