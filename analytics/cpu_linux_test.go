//go:build linux

package analytics

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/mhero-go/mhero/store"
)

// cpuTime is the CPU time the process has used, user and system: on a
// machine shared with other work it says what the work itself cost.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// postmaster returns the process id of db's PostgreSQL server when it runs
// on this machine (its backend's parent), or 0: on PostgreSQL the
// server's processes do much of the work, and their CPU time counts too.
func postmaster(ctx context.Context, db *store.DB) int {
	if db.Dialect() != store.Postgres {
		return 0
	}
	var backend int
	if err := db.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&backend); err != nil {
		return 0
	}
	st, ok := procStat(strconv.Itoa(backend))
	if !ok {
		return 0 // another machine
	}
	return st.ppid
}

// serverCPU returns the CPU time used so far by the server whose
// postmaster is pid: its own, that of its reaped children (backends,
// parallel workers, autovacuum workers that have exited) and that of
// its living children. Zero when pid is 0.
func serverCPU(pid int) time.Duration {
	if pid == 0 {
		return 0
	}
	pm, ok := procStat(strconv.Itoa(pid))
	if !ok {
		return 0
	}
	total := pm.cpu
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		// A child's times are read before the postmaster's cutime can
		// include them only if it is reaped in between: rare, and a few
		// milliseconds.
		if st, ok := procStat(filepath.Base(d)); ok && st.ppid == pid {
			total += st.cpu
		}
	}
	return total
}

type stat struct {
	ppid int
	cpu  time.Duration // utime + stime + cutime + cstime
}

// procStat reads /proc/PID/stat.
func procStat(pid string) (stat, bool) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return stat{}, false
	}
	// The command name, in parentheses, may hold spaces: fields count from
	// the last ')'. Then: state ppid … utime(14) stime cutime cstime.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return stat{}, false
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 15 {
		return stat{}, false
	}
	var st stat
	st.ppid, _ = strconv.Atoi(string(f[1]))
	for _, s := range f[11:15] {
		ticks, _ := strconv.ParseInt(string(s), 10, 64)
		st.cpu += time.Duration(ticks) * time.Second / userHZ
	}
	return st, true
}

// userHZ is the unit of the times in /proc (USER_HZ), 100 on every Linux
// architecture Go supports.
const userHZ = 100
