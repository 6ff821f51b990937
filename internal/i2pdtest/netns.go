package i2pdtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// A NetNS is a network namespace the test created, with lo up and one
// 198.18.0.x address on it (i2pd 2.45.1 refuses loopback peers; 198.18.0.0/15
// is the benchmarking range, routed nowhere).
type NetNS struct {
	Name string
	Addr string // the 198.18.0.x address on the namespace's lo
}

// NewNetNS creates a namespace that is deleted when the test ends.
func NewNetNS(t testing.TB) *NetNS {
	t.Helper()
	ns := &NetNS{Name: fmt.Sprintf("i2pseed-test-%d-%d", os.Getpid(), nsCounter.Add(1)), Addr: "198.18.0.1"}
	for _, args := range [][]string{
		{"netns", "add", ns.Name},
		{"-n", ns.Name, "link", "set", "lo", "up"},
		{"-n", ns.Name, "addr", "add", ns.Addr + "/32", "dev", "lo"},
	} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			exec.Command("ip", "netns", "del", ns.Name).Run()
			t.Fatalf("ip %v: %v: %s", args, err, out)
		}
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", ns.Name).Run() })
	return ns
}

// AddAddr puts another address (e.g. 198.18.0.2) on the namespace's lo.
func (ns *NetNS) AddAddr(t testing.TB, addr string) {
	t.Helper()
	if out, err := exec.Command("ip", "-n", ns.Name, "addr", "add", addr+"/32", "dev", "lo").CombinedOutput(); err != nil {
		t.Fatalf("ip addr add %s: %v: %s", addr, err, out)
	}
}

// Dial connects from inside the namespace (its socket lives there).
func (ns *NetNS) Dial(addr string) (net.Conn, error) { return ns.DialFrom("", addr) }

// DialFrom is Dial from a chosen source address of the namespace (i2pd
// blocks a source IP for a while after a failed handshake).
func (ns *NetNS) DialFrom(source, addr string) (net.Conn, error) {
	var c net.Conn
	err := ns.do(func() error {
		d := net.Dialer{Timeout: 10 * time.Second}
		if source != "" {
			d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(source)}
		}
		var err error
		c, err = d.Dial("tcp", addr)
		return err
	})
	return c, err
}

// Listen opens a TCP listener inside the namespace: the socket stays there
// while this process serves it from its own namespace.
func (ns *NetNS) Listen(addr string) (net.Listener, error) {
	var ln net.Listener
	err := ns.do(func() error {
		var err error
		ln, err = net.Listen("tcp", addr)
		return err
	})
	return ln, err
}

// do runs f on a thread switched into the namespace; sockets f creates
// stay in the namespace.
func (ns *NetNS) do(f func() error) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	orig, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		return err
	}
	defer orig.Close()
	target, err := os.Open("/var/run/netns/" + ns.Name)
	if err != nil {
		return err
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("setns: %w", err)
	}
	ferr := f()
	if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
		// The thread is stuck in the wrong namespace: never reuse it.
		panic(fmt.Sprintf("setns back: %v", err))
	}
	return ferr
}
