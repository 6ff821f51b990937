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
	// LogLevel is i2pd's --loglevel; default info.
	LogLevel string
	// Until is the log text that ends the run; default "Daemon: Starting
	// Transports", logged right after the netDb (and any reseed) is loaded.
	Until string
}

// Result is what a run left behind.
type Result struct {
	Log     string
	DataDir string
}

// A Process is a running i2pd.
type Process struct {
	DataDir string
	logFile string
	cmd     *exec.Cmd
	exited  chan error
	out     *bytes.Buffer
	stopped bool
}

// Log returns what i2pd has logged so far.
func (p *Process) Log() string {
	b, _ := os.ReadFile(p.logFile)
	return string(b)
}

// Stop sends SIGTERM to i2pd by PID and waits (SIGKILL after 15 s).
func (p *Process) Stop() {
	if p.stopped {
		return
	}
	p.stopped = true
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(15 * time.Second):
		p.cmd.Process.Kill()
		<-p.exited
	}
}

// WaitFor waits until the log contains text (at most 60 s).
func (p *Process) WaitFor(t testing.TB, text string) {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		log := p.Log()
		if strings.Contains(log, text) {
			return
		}
		select {
		case err := <-p.exited:
			p.stopped = true
			t.Fatalf("i2pd exited before logging %q: %v\noutput: %s\nlog:\n%s", text, err, p.out.String(), log)
		case <-deadline:
			p.Stop()
			t.Fatalf("i2pd did not log %q within 60s; log:\n%s", text, log)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Start runs i2pd with opts and stops it when the test ends.
func Start(t testing.TB, i2pd string, opts Options) *Process {
	t.Helper()
	dir := t.TempDir()
	logFile := filepath.Join(dir, "i2pd.log")
	tunconf := filepath.Join(dir, "tunnels.conf")
	os.WriteFile(tunconf, nil, 0o644)
	dataDir := filepath.Join(dir, "data")
	if opts.DataDir != "" {
		dataDir = opts.DataDir
	}
	args := append([]string{"--net", "--", i2pd,
		"--datadir=" + dataDir, "--conf=/dev/null",
		"--tunconf=" + tunconf, "--tunnelsdir=" + filepath.Join(dir, "tunnels.d"),
		"--log=file", "--logfile=" + logFile, "--loglevel=" + cmpOr(opts.LogLevel, "info"),
		"--http.enabled=false", "--httpproxy.enabled=false", "--socksproxy.enabled=false",
		"--sam.enabled=false", "--i2cp.enabled=false", "--bob.enabled=false",
		"--i2pcontrol.enabled=false", "--upnp.enabled=false"}, opts.Args...)
	name := "unshare"
	if opts.NetNS != nil {
		// ip netns exec also execs i2pd in place.
		name, args = "ip", append([]string{"netns", "exec", opts.NetNS.Name}, args[2:]...)
	}
	// The PID we signal is i2pd's own: unshare and ip netns exec exec it.
	// libfaketime is preloaded through the environment, not the faketime
	// wrapper, which would fork.
	cmd := exec.Command(name, args...)
	if opts.FakeTime != "" {
		cmd.Env = append(os.Environ(), "LD_PRELOAD="+libfaketime(), "FAKETIME="+opts.FakeTime,
			"FAKETIME_DONT_FAKE_MONOTONIC=1") // or i2pd's netDb thread stalls
	}
	p := &Process{DataDir: dataDir, logFile: logFile, cmd: cmd, exited: make(chan error, 1), out: &bytes.Buffer{}}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("start i2pd: %v", err)
	}
	go func() { p.exited <- cmd.Wait() }()
	t.Cleanup(p.Stop)
	return p
}

func cmpOr(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

// Run starts i2pd, waits until its log contains opts.Until, stops it and
// returns its log and data directory.
func Run(t testing.TB, i2pd string, opts Options) Result {
	t.Helper()
	until := opts.Until
	if until == "" {
		until = "Daemon: Starting Transports"
	}
	p := Start(t, i2pd, opts)
	p.WaitFor(t, until)
	p.Stop()
	return Result{Log: p.Log(), DataDir: p.DataDir}
}

// CertsDir makes an i2pd certificates directory whose reseed/ holds only
// the certificate in crtFile (none if crtFile is empty), for --certsdir.
func CertsDir(t testing.TB, crtFile string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "certs")
	if err := os.MkdirAll(filepath.Join(dir, "reseed"), 0o755); err != nil {
		t.Fatal(err)
	}
	if crtFile != "" {
		b, err := os.ReadFile(crtFile)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "reseed", filepath.Base(crtFile)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
