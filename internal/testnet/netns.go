// Package testnet runs private I2P networks on one machine: real i2pd
// routers (Debian's i2pd 2.45.1) in a network namespace of their own, on
// 198.18.0.x addresses of the namespace's loopback (i2pd 2.45.1 refuses
// loopback and RFC 1918 peers; 198.18.0.0/15 is the benchmarking range,
// routed nowhere). Nothing inside can reach any other network.
//
// It backs `i2pseed testnet up/down`, `make demo` and the interop tests
// (through internal/i2pdtest).
package testnet

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// A NetNS is a network namespace, with lo up and one
// 198.18.0.x address on it (i2pd 2.45.1 refuses loopback peers; 198.18.0.0/15
// is the benchmarking range, routed nowhere).
type NetNS struct {
	Name string
	Addr string // the 198.18.0.x address on the namespace's lo
}

// CreateNetNS creates the namespace name with lo up and 198.18.0.1 on it.
func CreateNetNS(name string) (*NetNS, error) {
	ns := &NetNS{Name: name, Addr: "198.18.0.1"}
	for _, args := range [][]string{
		{"netns", "add", ns.Name},
		{"-n", ns.Name, "link", "set", "lo", "up"},
		{"-n", ns.Name, "addr", "add", ns.Addr + "/32", "dev", "lo"},
	} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			ns.Delete()
			return nil, fmt.Errorf("testnet: ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	return ns, nil
}

// OpenNetNS names an existing namespace.
func OpenNetNS(name string) (*NetNS, error) {
	if _, err := os.Stat("/var/run/netns/" + name); err != nil {
		return nil, fmt.Errorf("testnet: no network namespace %s: %w", name, err)
	}
	return &NetNS{Name: name, Addr: "198.18.0.1"}, nil
}

// Delete removes the namespace; processes still in it lose their network.
func (ns *NetNS) Delete() error {
	if out, err := exec.Command("ip", "netns", "del", ns.Name).CombinedOutput(); err != nil {
		return fmt.Errorf("testnet: ip netns del %s: %v: %s", ns.Name, err, out)
	}
	return nil
}

// Command runs name inside the namespace (ip netns exec execs it in
// place, so the process's PID is the command's own).
func (ns *NetNS) Command(name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", ns.Name, name}, args...)...)
}

// AddAddr puts another address (e.g. 198.18.0.2) on the namespace's lo.
func (ns *NetNS) AddAddr(addr string) error {
	if out, err := exec.Command("ip", "-n", ns.Name, "addr", "add", addr+"/32", "dev", "lo").CombinedOutput(); err != nil {
		return fmt.Errorf("testnet: ip addr add %s: %v: %s", addr, err, out)
	}
	return nil
}

// AddLink puts addr on a veth pair of the namespace's own (both ends stay
// inside): Java I2P reseeds only when some interface other than loopback
// has an IPv4 address. Traffic to addr still never leaves the namespace.
func (ns *NetNS) AddLink(addr string) error {
	for _, args := range [][]string{
		{"-n", ns.Name, "link", "add", "i2ps0", "type", "veth", "peer", "name", "i2ps1"},
		{"-n", ns.Name, "link", "set", "i2ps0", "up"},
		{"-n", ns.Name, "link", "set", "i2ps1", "up"},
		{"-n", ns.Name, "addr", "add", addr + "/32", "dev", "i2ps0"},
	} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			return fmt.Errorf("testnet: ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	return nil
}

// Dial connects from inside the namespace (its socket lives there).
func (ns *NetNS) Dial(addr string) (net.Conn, error) { return ns.DialFrom("", addr) }

// DialFrom is Dial from a chosen source address of the namespace (i2pd
// blocks a source IP for a while after a failed handshake).
func (ns *NetNS) DialFrom(source, addr string) (net.Conn, error) {
	var c net.Conn
	err := ns.Do(func() error {
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
	err := ns.Do(func() error {
		var err error
		ln, err = net.Listen("tcp", addr)
		return err
	})
	return ln, err
}

// Do runs f on a thread switched into the namespace; sockets f creates
// stay in the namespace.
func (ns *NetNS) Do(f func() error) error {
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
