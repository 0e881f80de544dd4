package main

import (
	"fmt"
	"strconv"
)

// step is one thing the simulated health worker does while the flow waits.
type step struct {
	reply   string
	timeout bool
}

// script collects --reply and --timeout flags into one list, keeping the
// order they were given in; each flag is a flag.Value appending to it.
type script struct {
	steps []step
}

// replyFlag is the --reply TEXT flag.
type replyFlag struct{ s *script }

func (f replyFlag) String() string { return "" }

func (f replyFlag) Set(text string) error {
	f.s.steps = append(f.s.steps, step{reply: text})
	return nil
}

// timeoutFlag is the --timeout flag: a boolean flag that may be repeated.
type timeoutFlag struct{ s *script }

func (f timeoutFlag) String() string   { return "" }
func (f timeoutFlag) IsBoolFlag() bool { return true }

func (f timeoutFlag) Set(v string) error {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return fmt.Errorf("--timeout takes no value (got %q)", v)
	}
	if b {
		f.s.steps = append(f.s.steps, step{timeout: true})
	}
	return nil
}
