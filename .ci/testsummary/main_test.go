package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// testdata/run.jsonl is real `go test -json ./...` output of a module with
// a passing, a failing, a skipping and a non-compiling package.
func TestRun(t *testing.T) {
	t.Parallel()
	f, err := os.Open("testdata/run.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out bytes.Buffer
	ok, err := run(f, &out)
	if err != nil {
		t.Fatal(err)
	}
	if ok {
		t.Error("ok with a failing test and a build failure")
	}
	got := out.String()
	for _, want := range []string{
		"ok  \texample.com/ts/a\t",
		"?   \texample.com/ts/c\t[no test files]\n",
		"--- FAIL: TestFail (0.00s)\n    b_test.go:5: context line\n    b_test.go:5: want 1, got 2\n",
		"FAIL\texample.com/ts/b\t",
		"d/d_test.go:5:28: undefined: undefined\n",
		"FAIL\texample.com/ts/d [build failed]\n",
		"\ntests: 4 passed, 1 failed, 3 skipped\n",
		"  skipped 2: skipping: the shared fixtures (../shared beside the repository, or $MHERO_SHARED) are absent (a.TestSkipFixtures, a.TestSkipFixtures2)\n",
		"  skipped 1: not on this OS (a.TestSub/two)\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	for _, unwanted := range []string{"=== RUN", "quiet", "PASS\n", `"Action"`} {
		if strings.Contains(got, unwanted) {
			t.Errorf("output has %q, which plain go test does not print:\n%s", unwanted, got)
		}
	}
}

func TestRunAllPass(t *testing.T) {
	t.Parallel()
	in := `{"Action":"start","Package":"p"}
{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Test":"TestA","Output":"=== RUN   TestA\n"}
{"Action":"output","Package":"p","Test":"TestA","Output":"--- PASS: TestA (0.00s)\n"}
{"Action":"pass","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Output":"PASS\n"}
{"Action":"output","Package":"p","Output":"ok  \tp\t0.01s\n"}
{"Action":"pass","Package":"p"}
go: downloading example.com/x v1.0.0
`
	var out bytes.Buffer
	ok, err := run(strings.NewReader(in), &out)
	if err != nil || !ok {
		t.Fatalf("run = %v, %v", ok, err)
	}
	want := "ok  \tp\t0.01s\ngo: downloading example.com/x v1.0.0\n\ntests: 1 passed, 0 failed, 0 skipped\n"
	if out.String() != want {
		t.Errorf("output %q, want %q", out.String(), want)
	}
}

// A test binary that dies leaves its running test without a result: what
// the test printed is shown with the package's failure.
func TestRunCrash(t *testing.T) {
	t.Parallel()
	in := `{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Test":"TestA","Output":"panic: boom\n"}
{"Action":"output","Package":"p","Output":"FAIL\tp\t0.01s\n"}
{"Action":"fail","Package":"p"}
`
	var out bytes.Buffer
	ok, _ := run(strings.NewReader(in), &out)
	if ok || !strings.Contains(out.String(), "panic: boom\n") {
		t.Errorf("ok %v, output %q: want a failure showing the panic", ok, out.String())
	}
}
