package store_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mhero-go/mhero/store"
)

// The cross-process tests run this test binary again as a child whose role
// the environment names (the os.Args[0] re-exec pattern).
const (
	envRole    = "MHERO_STORE_CHILD"
	envDSN     = "MHERO_STORE_CHILD_DSN"
	envLock    = "MHERO_STORE_CHILD_LOCK"
	envTTL     = "MHERO_STORE_CHILD_TTL"
	envMachine = "MHERO_STORE_CHILD_MACHINE"
)

func TestMain(m *testing.M) {
	if role := os.Getenv(envRole); role != "" {
		if err := runChild(role); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func runChild(role string) error {
	ctx := context.Background()
	if m := os.Getenv(envMachine); m != "" {
		store.SetThisMachine(m)
	}
	db, err := store.Open(ctx, os.Getenv(envDSN))
	if err != nil {
		return err
	}
	defer db.Close()
	ttl, _ := time.ParseDuration(os.Getenv(envTTL))
	switch role {
	case "hold":
		// Take the lock, say so, then wait for a line on stdin: "check"
		// writes under the lock and reports the outcome; end of input
		// releases it. The parent usually kills the child instead.
		l, err := db.Lock(ctx, os.Getenv(envLock), "child "+strconv.Itoa(os.Getpid()), store.LockOptions{TTL: ttl})
		if err != nil {
			return err
		}
		fmt.Printf("locked %d\n", l.Since.UnixMicro())
		in := bufio.NewScanner(os.Stdin)
		for in.Scan() {
			if in.Text() == "check" {
				err := db.InTx(ctx, func(tx *store.Tx) error { return l.Check(ctx, tx) })
				fmt.Printf("check %v lost=%v\n", err, errors.Is(l.Err(), store.ErrLeaseLost))
			}
		}
		if err := l.Release(ctx); err != nil && !errors.Is(err, store.ErrLeaseLost) {
			return err
		}
		return nil
	case "migrate":
		if err := db.Migrate(ctx, "racing", racingMigrations); err != nil {
			return err
		}
		fmt.Println("migrated")
		return nil
	case "exclusive":
		// Work under the lock five times, logging its start and end.
		if err := db.Migrate(ctx, "work", workMigrations); err != nil {
			return err
		}
		for i := range 5 {
			l, err := db.Lock(ctx, os.Getenv(envLock), "worker", store.LockOptions{})
			if err != nil {
				return err
			}
			for _, ev := range []string{"start", "end"} {
				if err := db.InTx(ctx, func(tx *store.Tx) error {
					if err := l.Check(ctx, tx); err != nil {
						return err
					}
					_, err := tx.Exec(ctx, `INSERT INTO work_log (pid, event, n) VALUES ($1, $2, $3)`, os.Getpid(), ev, i)
					return err
				}); err != nil {
					return err
				}
				time.Sleep(20 * time.Millisecond)
			}
			if err := l.Release(ctx); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("unknown role %q", role)
}

// child is a running child process.
type child struct {
	cmd   *exec.Cmd
	out   *bufio.Scanner
	stdin io.WriteCloser
}

// startChild runs this test binary as a child in role, with env added.
func startChild(t *testing.T, role, dsn string, env ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append([]string{envRole + "=" + role, envDSN + "=" + dsn}, env...)...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, out: bufio.NewScanner(stdout), stdin: stdin}
	t.Cleanup(func() {
		c.stdin.Close()
		c.cmd.Process.Kill()
		c.cmd.Wait()
	})
	return c
}

// line reads the child's next line of output, failing the test if there is
// none.
func (c *child) line(t *testing.T) string {
	t.Helper()
	if !c.out.Scan() {
		t.Fatalf("child %d said nothing more (%v)", c.cmd.Process.Pid, c.out.Err())
	}
	return c.out.Text()
}

// expect reads the child's next line and checks its first word.
func (c *child) expect(t *testing.T, word string) []string {
	t.Helper()
	f := strings.Fields(c.line(t))
	if len(f) == 0 || f[0] != word {
		t.Fatalf("child said %q, want %s …", f, word)
	}
	return f
}

// kill kills the child at once (SIGKILL: no deferred function runs) and
// reaps it.
func (c *child) kill() {
	c.cmd.Process.Kill()
	c.cmd.Wait()
}
