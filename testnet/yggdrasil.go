package testnet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/i2pseed/i2pseed/internal/atomicfile"
)

// ErrNoYggdrasil: the yggdrasil daemon is not installed.
var ErrNoYggdrasil = errors.New("testnet: needs yggdrasil (make deps-overlays, or apt-get install yggdrasil)")

// FindYggdrasil returns the yggdrasil daemon's path (bin, or yggdrasil
// on PATH or in /usr/sbin when bin is empty), or ErrNoYggdrasil.
func FindYggdrasil(bin string) (string, error) {
	if bin != "" {
		return exec.LookPath(bin)
	}
	if p, err := exec.LookPath("yggdrasil"); err == nil {
		return p, nil
	}
	if _, err := os.Stat("/usr/sbin/yggdrasil"); err == nil {
		return "/usr/sbin/yggdrasil", nil
	}
	return "", ErrNoYggdrasil
}

// YggdrasilConfig is one private Yggdrasil node: it peers only with the
// nodes in Peers and those that dial its Listen, never with the public
// mesh (no public peers, no multicast discovery, no admin socket).
type YggdrasilConfig struct {
	NetNS  *NetNS   // run in this namespace (required)
	Dir    string   // its config (0600: it holds the node's private key) and log
	Listen string   // where it accepts peers, e.g. tcp://198.18.0.1:9001; "" none
	Peers  []string // peers to dial, e.g. tcp://198.18.0.1:9001
}

// A Yggdrasil is a running yggdrasil daemon.
type Yggdrasil struct {
	*Process
	Addr netip.Addr // its node address (200::/8), on its TUN ygg0
}

// StartYggdrasil generates a node key and config (yggdrasil -genconf),
// runs the daemon bin in cfg.NetNS with a TUN named ygg0 and returns once
// its address is up there.
func StartYggdrasil(ctx context.Context, bin string, cfg YggdrasilConfig) (*Yggdrasil, error) {
	if cfg.NetNS == nil || cfg.Dir == "" {
		return nil, errors.New("testnet: YggdrasilConfig needs NetNS and Dir")
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("testnet: %w", err)
	}
	conf := filepath.Join(cfg.Dir, "yggdrasil.conf")
	if err := writeYggdrasilConf(bin, conf, cfg); err != nil {
		return nil, err
	}
	out, err := exec.Command(bin, "-useconffile", conf, "-address").Output()
	if err != nil {
		return nil, fmt.Errorf("testnet: yggdrasil -address: %w", err)
	}
	addr, err := netip.ParseAddr(strings.TrimSpace(string(out)))
	if err != nil {
		return nil, fmt.Errorf("testnet: yggdrasil -address: %w", err)
	}
	logFile := filepath.Join(cfg.Dir, "yggdrasil.log")
	if err := keepLog(logFile); err != nil {
		return nil, err
	}
	p, err := startProcess(cfg.NetNS.Command(bin, "-useconffile", conf, "-logto", logFile), cfg.Dir, cfg.Dir, logFile, false)
	if err != nil {
		return nil, err
	}
	y := &Yggdrasil{Process: p, Addr: addr}
	if err := p.WaitFor(ctx, "Interface IPv6: "+addr.String()); err != nil {
		p.Stop()
		return nil, err
	}
	return y, nil
}

// writeYggdrasilConf writes a fresh node's config for cfg to path.
func writeYggdrasilConf(bin, path string, cfg YggdrasilConfig) error {
	out, err := exec.Command(bin, "-genconf", "-json").Output()
	if err != nil {
		return fmt.Errorf("testnet: yggdrasil -genconf: %w", err)
	}
	var c map[string]any
	if err := json.Unmarshal(out, &c); err != nil {
		return fmt.Errorf("testnet: yggdrasil -genconf: %w", err)
	}
	listen := []string{}
	if cfg.Listen != "" {
		listen = append(listen, cfg.Listen)
	}
	c["Peers"] = append([]string{}, cfg.Peers...)
	c["InterfacePeers"] = map[string]any{}
	c["Listen"] = listen
	c["AdminListen"] = "none"
	c["MulticastInterfaces"] = []any{}
	c["IfName"] = "ygg0"
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("testnet: %w", err)
	}
	return atomicfile.WriteFile(path, b, 0o600)
}

// WaitRoute waits until a TCP connection from ns to addr is accepted or
// refused: something routes there (over Yggdrasil: the nodes are peered
// and have found each other).
func WaitRoute(ctx context.Context, ns *NetNS, addr netip.AddrPort) error {
	for {
		var err error
		if nserr := ns.Do(func() error {
			d := net.Dialer{Timeout: time.Second}
			var c net.Conn
			if c, err = d.DialContext(ctx, "tcp", addr.String()); err == nil {
				c.Close()
			}
			return nil
		}); nserr != nil {
			return fmt.Errorf("testnet: %w", nserr)
		}
		if err == nil || errors.Is(err, syscall.ECONNREFUSED) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("testnet: %s unreachable: %w (last: %v)", addr, ctx.Err(), err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// A test network's Yggdrasil addresses (Config.Yggdrasil), on the
// namespace's lo: each in a /64 of its own, as real node addresses (the
// hash of a node's key) are.
const (
	yggdrasilServerAddr = "201:7e57:0:2::1"
	// YggdrasilServer is where the server of a network with Yggdrasil
	// routers serves its yggdrasil channel.
	YggdrasilServer = "[" + yggdrasilServerAddr + "]:8080"
)

// YggdrasilRouterAddr is i2pd router i's Yggdrasil address in a test
// network with Yggdrasil routers.
func YggdrasilRouterAddr(i int) string { return fmt.Sprintf("201:7e57:0:%x::1", firstRouter+i) }

// yggdrasilArgs are the i2pd options that make router i publish its
// Yggdrasil address, if it is to have one: meshnets.yggaddress names the
// address of the host's to publish (i2pd checks it is local and in
// 200::/7; without it i2pd takes the first such address it finds).
func yggdrasilArgs(cfg RoutersConfig, i int) []string {
	if i >= min(cfg.Yggdrasil, cfg.Routers) {
		return nil
	}
	return []string{"--meshnets.yggdrasil", "--meshnets.yggaddress=" + YggdrasilRouterAddr(i)}
}

// addYggdrasil puts i2pd router i's Yggdrasil address on ns's lo, if it
// is to have one.
func addYggdrasil(ns *NetNS, cfg RoutersConfig, i int) error {
	if yggdrasilArgs(cfg, i) == nil {
		return nil
	}
	return ns.addAddr6(YggdrasilRouterAddr(i))
}

// addAddr6 puts an IPv6 address (a /128) on ns's lo.
func (ns *NetNS) addAddr6(addr string) error {
	if out, err := exec.Command("ip", "-n", ns.Name, "addr", "add", addr+"/128", "dev", "lo").CombinedOutput(); err != nil {
		return fmt.Errorf("testnet: ip addr add %s: %v: %s", addr, err, out)
	}
	return nil
}
