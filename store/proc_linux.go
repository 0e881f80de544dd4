package store

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// thisMachine identifies this machine's process space: its host name, boot
// and PID namespace. A lease row carrying the same one was written by a
// process whose PID means the same here, so processAlive can tell whether
// its holder still runs.
var thisMachine = machineID()

func machineID() string {
	host, err := os.Hostname()
	if err != nil {
		return ""
	}
	boot, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	ns, err := os.Readlink("/proc/self/ns/pid")
	if err != nil {
		return ""
	}
	return host + "/" + strings.TrimSpace(string(boot)) + "/" + ns
}

// processAlive reports whether a process of this machine runs with that
// PID (a PID reused since only delays a takeover to the lease's expiry). A
// zombie, killed but not yet reaped by its parent, does not run.
func processAlive(pid int) bool {
	if pid <= 0 {
		return true
	}
	if err := syscall.Kill(pid, 0); err != nil && err != syscall.EPERM {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	// "pid (comm) state …": comm may hold spaces and parentheses.
	if i := strings.LastIndexByte(string(stat), ')'); i >= 0 && i+2 < len(stat) {
		return stat[i+2] != 'Z' && stat[i+2] != 'X'
	}
	return true
}
