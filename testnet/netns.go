// Package testnet runs private I2P networks on one machine: real i2pd
// routers (any version: Debian's 2.45.1, a current 2.58) and Java I2P
// routers in a network namespace of their own, on 198.18.0.x addresses
// (i2pd 2.45.1 refuses loopback and RFC 1918 peers; 198.18.0.0/15 is the
// benchmarking range, routed nowhere), every router on its own address,
// Java ones in host namespaces of their own linked to it. Nothing inside
// can reach any other network.
//
// It backs `i2pseed testnet up/down/bootstrap`, `make demo` and the
// interop tests (through internal/i2pdtest).
package testnet

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// What CheckHost finds missing.
var (
	ErrNotRoot = errors.New("testnet: needs root (it creates a network namespace)")
	ErrNoIP    = errors.New("testnet: needs ip (apt-get install iproute2)")
)

// CheckHost checks that this process can make a network: it runs as root
// (else ErrNotRoot) and finds ip on PATH (else ErrNoIP).
func CheckHost() error {
	if os.Geteuid() != 0 {
		return ErrNotRoot
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return ErrNoIP
	}
	return nil
}

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

// Delete removes the namespace and the hosts NewHost made for it;
// processes still in them lose their network.
func (ns *NetNS) Delete() error {
	for _, h := range ns.Hosts() {
		exec.Command("ip", "netns", "del", h).Run()
	}
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

// NewHost creates a namespace of its own for one host whose only address
// is addr, on an interface linked to ns by a veth pair, and routes addr
// there from ns (which forwards between its hosts). A router that cannot
// bind its outgoing connections (Java I2P) then dials from the address it
// publishes, as on a real network, and Java I2P finds the non-loopback
// interface it wants before it reseeds. Nothing is routed beyond ns.
func (ns *NetNS) NewHost(addr string) (*NetNS, error) {
	ip := net.ParseIP(addr).To4()
	if ip == nil {
		return nil, fmt.Errorf("testnet: host address %q: want IPv4", addr)
	}
	host := ns.hostOf(addr)
	link := fmt.Sprintf("h%d-%d", ip[2], ip[3])
	for _, args := range [][]string{
		{"netns", "add", host.Name},
		{"-n", ns.Name, "link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", host.Name},
		{"-n", ns.Name, "link", "set", link, "up"},
		{"-n", ns.Name, "route", "add", addr + "/32", "dev", link},
		{"-n", host.Name, "link", "set", "lo", "up"},
		{"-n", host.Name, "link", "set", "eth0", "up"},
		{"-n", host.Name, "addr", "add", addr + "/32", "dev", "eth0"},
		{"-n", host.Name, "route", "add", "default", "dev", "eth0"},
		{"netns", "exec", ns.Name, "sysctl", "-qw", "net.ipv4.ip_forward=1"},
	} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			host.Delete()
			return nil, fmt.Errorf("testnet: ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	return host, nil
}

// hostOf names the namespace NewHost makes for addr, an IPv4 address.
func (ns *NetNS) hostOf(addr string) *NetNS {
	ip := net.ParseIP(addr).To4()
	return &NetNS{Name: fmt.Sprintf("%s-h%d-%d", ns.Name, ip[2], ip[3]), Addr: addr}
}

// Hosts lists the namespaces NewHost made for ns.
func (ns *NetNS) Hosts() []string {
	ents, _ := os.ReadDir("/var/run/netns")
	var out []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ns.Name+"-h") {
			out = append(out, e.Name())
		}
	}
	return out
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

// alreadyAssigned reports whether err is AddAddr's for an address the
// namespace has.
func alreadyAssigned(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "already assigned") || strings.Contains(err.Error(), "File exists"))
}
