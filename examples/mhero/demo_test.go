package main

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestDemo runs the whole path on the in-process servers and checks that
// what the report says adds up. The default workflow is the built-in one:
// the test runs in examples/mhero, where no examples/workflows folder is.
func TestDemo(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	code := run([]string{"demo", "--workers", "1500", "--seed", "4"},
		strings.NewReader(""), &out, &errOut)
	if code != exitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errOut.String())
	}
	s := out.String()
	num := func(re string) int {
		t.Helper()
		m := regexp.MustCompile(re).FindStringSubmatch(s)
		if m == nil {
			t.Fatalf("no %q in:\n%s", re, s)
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	reachable := num(`(\d+) reachable`)
	contacts := num(`RapidPro: (\d+) contacts in group`)
	runs := num(`Runs: (\d+)`)
	responded := num(`Response rate: (\d+) of`)
	if contacts != reachable {
		t.Errorf("%d contacts for %d reachable health workers", contacts, reachable)
	}
	if runs != contacts {
		t.Errorf("%d runs for %d contacts: each must get the workflow exactly once", runs, contacts)
	}
	if responded == 0 || responded >= runs {
		t.Errorf("%d of %d responded: the simulated workers include silent and unreachable ones", responded, runs)
	}
	if regexp.MustCompile(`\+231\d{6}`).MatchString(s) {
		t.Errorf("a full phone number is printed:\n%s", s)
	}
}
