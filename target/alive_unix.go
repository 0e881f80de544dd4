//go:build unix

package target

import (
	"errors"
	"os"
	"syscall"
)

// processGone reports whether pid is no process of this host: its lock can
// be taken over at once rather than when its lease runs out.
func processGone(pid int) bool {
	if pid <= 0 {
		return false
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return true
	}
	err = p.Signal(syscall.Signal(0))
	return errors.Is(err, os.ErrProcessDone) || errors.Is(err, syscall.ESRCH)
}
