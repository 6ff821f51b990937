// Package i2pdtest runs the real i2pd (Debian package i2pd 2.45.1) in tests:
// in a new network namespace with no interface up, so it can reach no
// network at all, with a throwaway data directory, stopped by PID.
//
// Tests that use it skip when i2pd, unshare, libfaketime or root are
// missing, unless the CI environment variable is set: then they fail, so
// interop tests cannot silently vanish from CI. `make deps-i2pd` (or
// .ci/install-i2pd.sh) installs what is needed without starting i2pd's
// packaged daemon.
package i2pdtest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Require returns the i2pd binary, or skips (fails in CI) the test.
func Require(t testing.TB) string {
	t.Helper()
	var missing []string
	path, err := exec.LookPath("i2pd")
	if err != nil {
		missing = append(missing, "i2pd (make deps-i2pd)")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		missing = append(missing, "unshare (util-linux)")
	}
	if libfaketime() == "" {
		missing = append(missing, "libfaketime (make deps-i2pd)")
	}
	if os.Geteuid() != 0 {
		missing = append(missing, "root (for a private network namespace)")
	}
	if len(missing) > 0 {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but the i2pd interop test cannot run: missing %s", strings.Join(missing, ", "))
		}
		t.Skipf("i2pd interop test skipped: missing %s", strings.Join(missing, ", "))
	}
	return path
}

// libfaketime finds the preload library of Debian's faketime package.
func libfaketime() string {
	m, _ := filepath.Glob("/usr/lib/*/faketime/libfaketime.so.1")
	if len(m) == 0 {
		return ""
	}
	return m[0]
}

var nsCounter atomic.Int64

// Options for one i2pd run.
type Options struct {
	// Args are extra i2pd options, e.g. --reseed.file=...
	Args []string
	// FakeTime, if set, starts i2pd's wall clock there (libfaketime "@"
	// form, e.g. "@2026-03-02 12:00:00"); the monotonic clock stays real.
	FakeTime string
	// DataDir is i2pd's data directory; empty means a fresh one.
	DataDir string
	// NetNS runs i2pd in this namespace (see NewNetNS) instead of a new,
	// empty one.
	NetNS *NetNS
	// Until is the log text that ends the run; default "Daemon: Starting
	// Transports", logged right after the netDb (and any reseed) is loaded.
	Until string
}

// Result is what a run left behind.
type Result struct {
	Log     string
	DataDir string
}

// Run starts i2pd with a fresh data directory, waits until its log
// contains opts.Until (at most 60 s), stops it with SIGTERM by PID and
// returns its log and data directory.
func Run(t testing.TB, i2pd string, opts Options) Result {
	t.Helper()
	dir := t.TempDir()
	logFile := filepath.Join(dir, "i2pd.log")
	tunconf := filepath.Join(dir, "tunnels.conf")
	os.WriteFile(tunconf, nil, 0o644)
	dataDir := filepath.Join(dir, "data")
	if opts.DataDir != "" {
		dataDir = opts.DataDir
	}
	until := opts.Until
	if until == "" {
		until = "Daemon: Starting Transports"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := append([]string{"--net", "--", i2pd,
		"--datadir=" + dataDir, "--conf=/dev/null",
		"--tunconf=" + tunconf, "--tunnelsdir=" + filepath.Join(dir, "tunnels.d"),
		"--log=file", "--logfile=" + logFile, "--loglevel=info",
		"--http.enabled=false", "--httpproxy.enabled=false", "--socksproxy.enabled=false",
		"--sam.enabled=false", "--i2cp.enabled=false", "--bob.enabled=false",
		"--i2pcontrol.enabled=false", "--upnp.enabled=false"}, opts.Args...)
	// unshare execs i2pd, so the PID we signal is i2pd's own. libfaketime is
	// preloaded through the environment, not the faketime wrapper, which
	// would fork.
	name := "unshare"
	if opts.NetNS != nil {
		// ip netns exec also execs i2pd in place.
		name, args = "ip", append([]string{"netns", "exec", opts.NetNS.Name}, args[2:]...)
	}
	cmd := exec.CommandContext(ctx, name, args...)
	if opts.FakeTime != "" {
		cmd.Env = append(os.Environ(), "LD_PRELOAD="+libfaketime(), "FAKETIME="+opts.FakeTime,
			"FAKETIME_DONT_FAKE_MONOTONIC=1") // or i2pd's netDb thread stalls
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("start i2pd: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	}
	deadline := time.After(60 * time.Second)
	for {
		b, _ := os.ReadFile(logFile)
		if strings.Contains(string(b), until) {
			stop()
			b, _ = os.ReadFile(logFile)
			return Result{Log: string(b), DataDir: dataDir}
		}
		select {
		case err := <-exited:
			t.Fatalf("i2pd exited before logging %q: %v\noutput: %s\nlog:\n%s", until, err, out.String(), b)
		case <-deadline:
			stop()
			t.Fatalf("i2pd did not log %q within 60s; log:\n%s", until, b)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
