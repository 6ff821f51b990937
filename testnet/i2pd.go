package testnet

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// LibFaketime finds the preload library of Debian's faketime package, or "".
func LibFaketime() string {
	m, _ := filepath.Glob("/usr/lib/*/faketime/libfaketime.so.1")
	if len(m) == 0 {
		return ""
	}
	return m[0]
}

// Options for one i2pd process.
type Options struct {
	// Args are extra i2pd options, e.g. --reseed.file=...
	Args []string
	// FakeTime, if set, starts i2pd's wall clock there (libfaketime "@"
	// form, e.g. "@2026-03-02 12:00:00"); the monotonic clock stays real.
	FakeTime string
	// Dir holds the log and config files; DataDir is i2pd's data
	// directory (default Dir/data).
	Dir, DataDir string
	// NetNS runs i2pd in this namespace; nil means a new, empty one
	// (unshare --net: no network at all).
	NetNS *NetNS
	// LogLevel is i2pd's --loglevel; default info.
	LogLevel string
	// Detach starts i2pd in a session of its own, to outlive this process.
	Detach bool
}

// A Process is a running router, i2pd or Java I2P.
type Process struct {
	// Dir holds its logs, those of earlier runs in Dir too (AuditLogs).
	Dir     string
	DataDir string
	LogFile string
	cmd     *exec.Cmd
	exited  chan struct{}
	err     error
	out     *lockedBuffer
	once    sync.Once
}

// StartI2PD runs the i2pd binary with everything but the router itself
// off (no HTTP console, proxies, SAM, I2CP, UPnP), logging to Dir/i2pd.log.
func StartI2PD(bin string, opts Options) (*Process, error) {
	if opts.Dir == "" {
		return nil, fmt.Errorf("testnet: Options.Dir is required")
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("testnet: %w", err)
	}
	tunconf := filepath.Join(opts.Dir, "tunnels.conf")
	if err := os.WriteFile(tunconf, nil, 0o644); err != nil {
		return nil, fmt.Errorf("testnet: %w", err)
	}
	dataDir := opts.DataDir
	if dataDir == "" {
		dataDir = filepath.Join(opts.Dir, "data")
	}
	logFile := filepath.Join(opts.Dir, "i2pd.log")
	// A fresh log: WaitFor must not find what an earlier run in Dir
	// logged, which stays in i2pd.log.N for the audit.
	if err := keepLog(logFile); err != nil {
		return nil, err
	}
	level := opts.LogLevel
	if level == "" {
		level = "info"
	}
	// --reservedrange=false: the test addresses (198.18.0.0/15) must not
	// depend on i2pd's list of reserved ranges (2.58 passes them only by a
	// typo in it; 2.45.1 refuses them on inbound whatever the flag).
	// A switch on i2pd's command line, so only the config file can turn it off.
	conf := filepath.Join(opts.Dir, "i2pd.conf")
	if err := os.WriteFile(conf, []byte("reservedrange = false\n"), 0o644); err != nil {
		return nil, fmt.Errorf("testnet: %w", err)
	}
	args := append([]string{"--datadir=" + dataDir, "--conf=" + conf,
		"--tunconf=" + tunconf, "--tunnelsdir=" + filepath.Join(opts.Dir, "tunnels.d"),
		"--log=file", "--logfile=" + logFile, "--loglevel=" + level,
		"--http.enabled=false", "--httpproxy.enabled=false", "--socksproxy.enabled=false",
		"--sam.enabled=false", "--i2cp.enabled=false", "--bob.enabled=false",
		"--i2pcontrol.enabled=false", "--upnp.enabled=false"}, opts.Args...)
	// unshare and ip netns exec exec i2pd in place: the PID we signal is
	// i2pd's own. libfaketime is preloaded through the environment, not
	// the faketime wrapper, which would fork.
	var cmd *exec.Cmd
	if opts.NetNS != nil {
		cmd = opts.NetNS.Command(bin, args...)
	} else {
		cmd = exec.Command("unshare", append([]string{"--net", "--", bin}, args...)...)
	}
	if opts.FakeTime != "" {
		cmd.Env = append(os.Environ(), "LD_PRELOAD="+LibFaketime(), "FAKETIME="+opts.FakeTime,
			"FAKETIME_DONT_FAKE_MONOTONIC=1") // or i2pd's netDb thread stalls
	}
	return startProcess(cmd, opts.Dir, dataDir, logFile, opts.Detach)
}

// startProcess starts cmd, a router whose log is logFile below dir:
// detached in a session of its own, or with its output kept for Output.
func startProcess(cmd *exec.Cmd, dir, dataDir, logFile string, detach bool) (*Process, error) {
	p := &Process{Dir: dir, DataDir: dataDir, LogFile: logFile, exited: make(chan struct{}), out: &lockedBuffer{}, cmd: cmd}
	if detach {
		p.cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	} else {
		p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
		p.cmd.WaitDelay = 5 * time.Second
	}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("testnet: start %s: %w", filepath.Base(cmd.Path), err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// lockedBuffer is a bytes.Buffer the process writes while tests read it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// PID is the router's process ID.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Log returns what the router has logged so far.
func (p *Process) Log() string {
	b, _ := os.ReadFile(p.LogFile)
	return string(b)
}

// Output is what the router wrote to stdout and stderr (not when detached).
func (p *Process) Output() string { return p.out.String() }

// Stop sends SIGTERM to the router and waits (SIGKILL after 15 s).
func (p *Process) Stop() {
	p.once.Do(func() {
		p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(15 * time.Second):
			p.cmd.Process.Kill()
			<-p.exited
		}
	})
}

// WaitFor waits until the log contains text, the router exits, or ctx ends.
func (p *Process) WaitFor(ctx context.Context, text string) error {
	for {
		if strings.Contains(p.Log(), text) {
			return nil
		}
		select {
		case <-p.exited:
			return fmt.Errorf("testnet: router exited (%v) before logging %q: %s", p.err, text, strings.TrimSpace(p.out.String()))
		case <-ctx.Done():
			return fmt.Errorf("testnet: %s did not log %q: %w", p.LogFile, text, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// CertsDir makes an i2pd certificates directory dir whose reseed/ holds
// only the certificates in crtFiles, for --certsdir.
func CertsDir(dir string, crtFiles ...string) error {
	if err := os.MkdirAll(filepath.Join(dir, "reseed"), 0o755); err != nil {
		return fmt.Errorf("testnet: %w", err)
	}
	for _, f := range crtFiles {
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("testnet: %w", err)
		}
		if err := os.WriteFile(filepath.Join(dir, "reseed", filepath.Base(f)), b, 0o644); err != nil {
			return fmt.Errorf("testnet: %w", err)
		}
	}
	return nil
}
