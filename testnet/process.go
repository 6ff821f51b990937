package testnet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// A Process is a running router, i2pd or Java I2P.
type Process struct {
	// Dir holds its logs, those of earlier runs in Dir too (AuditLogs).
	Dir     string
	DataDir string
	LogFile string
	cmd     *exec.Cmd
	exited  chan struct{}
	err     error
	out     *LockedBuffer
	once    sync.Once
}

// startProcess starts cmd, a router whose log is logFile below dir:
// detached in a session of its own, or with its output kept for Output.
func startProcess(cmd *exec.Cmd, dir, dataDir, logFile string, detach bool) (*Process, error) {
	p := &Process{Dir: dir, DataDir: dataDir, LogFile: logFile, exited: make(chan struct{}), out: &LockedBuffer{}, cmd: cmd}
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

// A LockedBuffer is a bytes.Buffer that one goroutine (a process, a
// logger) writes while another reads it.
type LockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *LockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *LockedBuffer) String() string {
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

// keepLog renames the log at path, if any, to the first free path.N, so a
// router that starts again writes a fresh log and the audit still reads
// the old one.
func keepLog(path string) error {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	for i := 1; ; i++ {
		old := fmt.Sprintf("%s.%d", path, i)
		if _, err := os.Stat(old); errors.Is(err, os.ErrNotExist) {
			if err := os.Rename(path, old); err != nil {
				return fmt.Errorf("testnet: %w", err)
			}
			return nil
		}
	}
}
