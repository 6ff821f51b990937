// Package i2pdtest runs the real i2pd (Debian package i2pd 2.45.1) in tests,
// through package testnet: in a network namespace of its own (by default a
// new one with no interface up, so it can reach no network at all), with a
// throwaway data directory, stopped by PID when the test ends.
//
// Tests that use it skip when i2pd, unshare, libfaketime or root are
// missing, unless the CI environment variable is set: then they fail, so
// interop tests cannot silently vanish from CI. `make deps-i2pd` (or
// .ci/install-i2pd.sh) installs what is needed without starting i2pd's
// packaged daemon.
package i2pdtest

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/testnet"
)

// Require returns the i2pd binary ($I2PD, else i2pd on PATH: run the
// interop tests once per i2pd version), or skips (fails in CI) the test.
func Require(t testing.TB) string {
	t.Helper()
	var missing []string
	bin := os.Getenv("I2PD")
	if bin == "" {
		bin = "i2pd"
	}
	path, err := exec.LookPath(bin)
	if err != nil {
		missing = append(missing, bin+" (make deps-i2pd, or set I2PD)")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		missing = append(missing, "unshare (util-linux)")
	}
	if testnet.LibFaketime() == "" {
		missing = append(missing, "libfaketime (make deps-i2pd)")
	}
	need(t, "i2pd", missing)
	return path
}

// need skips the test when something is missing, or fails it in CI, so
// interop tests cannot silently vanish from CI.
func need(t testing.TB, peer string, missing []string) {
	t.Helper()
	if os.Geteuid() != 0 {
		missing = append(missing, "root (for a private network namespace)")
	}
	if len(missing) == 0 {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("CI is set but the %s interop test cannot run: missing %s", peer, strings.Join(missing, ", "))
	}
	t.Skipf("%s interop test skipped: missing %s", peer, strings.Join(missing, ", "))
}

// RequireJava returns the directory of Java I2P's router.jar and i2p.jar
// ($JAVA_I2P, else ../shared/java-i2p beside the module), or skips (fails
// in CI) the test.
func RequireJava(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("JAVA_I2P")
	if dir == "" {
		dir = sharedJavaI2P()
	}
	var missing []string
	if _, err := os.Stat(filepath.Join(dir, "router.jar")); err != nil {
		missing = append(missing, "Java I2P's router.jar (set JAVA_I2P)")
	}
	if _, err := exec.LookPath("java"); err != nil {
		missing = append(missing, "java")
	}
	need(t, "Java I2P", missing)
	return dir
}

// sharedJavaI2P is ../shared/java-i2p beside the module root, "" if no
// module root is found above the working directory.
func sharedJavaI2P() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "java-i2p")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// A NetNS is a namespace the test created (testnet.NetNS with test-fatal
// helpers).
type NetNS struct{ *testnet.NetNS }

var nsCounter atomic.Int64

// NewNetNS creates a namespace that is deleted when the test ends.
func NewNetNS(t testing.TB) *NetNS {
	t.Helper()
	ns, err := testnet.CreateNetNS(fmt.Sprintf("i2pseed-test-%d-%d", os.Getpid(), nsCounter.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Delete() })
	return &NetNS{ns}
}

// AddAddr puts another address (e.g. 198.18.0.2) on the namespace's lo.
func (ns *NetNS) AddAddr(t testing.TB, addr string) {
	t.Helper()
	if err := ns.NetNS.AddAddr(addr); err != nil {
		t.Fatal(err)
	}
}

// Forward listens on the host's 127.0.0.1 and connects each connection
// to addr inside ns (half-closing it when the client has sent all), so a
// client outside the namespace reaches a server or bridge there. It stops
// when the test ends.
func (ns *NetNS) Forward(t testing.TB, addr string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go ns.pipe(c, addr)
		}
	}()
	return ln.Addr().String()
}

func (ns *NetNS) pipe(c net.Conn, addr string) {
	defer c.Close()
	up, err := ns.Dial(addr)
	if err != nil {
		return
	}
	defer up.Close()
	go func() {
		io.Copy(up, c)
		if cw, ok := up.(interface{ CloseWrite() error }); ok {
			cw.CloseWrite()
		}
	}()
	io.Copy(c, up)
}

// Options for one i2pd run.
type Options struct {
	Args     []string // extra i2pd options
	Conf     []string // extra i2pd.conf lines: "ipv4 = false"
	FakeTime string   // libfaketime "@" start time for i2pd's wall clock
	DataDir  string   // i2pd's data directory; empty means a fresh one
	NetNS    *NetNS   // run in this namespace instead of a new, empty one
	LogLevel string   // default info
	// Until is the log text that ends Run; default "Daemon: Starting
	// Transports", logged right after the netDb (and any reseed) is loaded.
	Until string
}

// Result is what a run left behind.
type Result struct {
	Log     string
	DataDir string
}

// A Process is a running i2pd.
type Process struct{ *testnet.Process }

// Start runs i2pd with opts and stops it when the test ends.
func Start(t testing.TB, i2pd string, opts Options) *Process {
	t.Helper()
	o := testnet.Options{Args: opts.Args, Conf: opts.Conf, FakeTime: opts.FakeTime, Dir: t.TempDir(), DataDir: opts.DataDir, LogLevel: opts.LogLevel}
	if opts.NetNS != nil {
		o.NetNS = opts.NetNS.NetNS
	}
	p, err := testnet.StartI2PD(i2pd, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	return &Process{p}
}

// WaitFor waits until the log contains text (at most 60 s).
func (p *Process) WaitFor(t testing.TB, text string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := p.Process.WaitFor(ctx, text); err != nil {
		p.Stop()
		t.Fatalf("%v\noutput: %s\nlog:\n%s", err, p.Output(), p.Log())
	}
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
	var files []string
	if crtFile != "" {
		files = append(files, crtFile)
	}
	if err := testnet.CertsDir(dir, files...); err != nil {
		t.Fatal(err)
	}
	return dir
}
