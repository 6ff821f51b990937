package reseed

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"

	"github.com/i2pseed/i2pseed/internal/setting"
	"github.com/i2pseed/i2pseed/netdb"
)

// YggdrasilPrefix is the address range of the Yggdrasil mesh: node
// addresses in 200::/8 and routed subnets in 300::/8. A router behind a
// national firewall that reaches only the mesh reseeds from plain
// http://[ygg address]:port/ URLs (i2pd's reseed.yggurls): the mesh
// authenticates the server by its address, which is derived from its key.
var YggdrasilPrefix = netdb.YggdrasilPrefix // the same range wire.PlainHTTPAllowed accepts

// YggdrasilChannel serves plain HTTP on a Yggdrasil address, beside the
// HTTPS channel, with the same bundles, limits and metrics.
type YggdrasilChannel struct {
	Addr      string // [200::/7 address]:port
	MaxConns  int
	Blocklist *Blocklist // nil: none
}

func (c *YggdrasilChannel) Name() string { return yggdrasilName }

// Listen listens on c.Addr. When the address is on no interface of the
// host, as when the yggdrasil daemon is not running, the error is a
// *setting.Error for yggdrasil-listen that says so.
func (c *YggdrasilChannel) Listen(context.Context) (net.Listener, error) {
	if _, err := yggdrasilAddr(c.Addr); err != nil {
		return nil, setting.Errorf("yggdrasil-listen", c.Addr, "%w", err)
	}
	ln, err := Listen(c.Addr, ListenConfig{MaxConns: c.MaxConns, Blocklist: c.Blocklist})
	if errors.Is(err, syscall.EADDRNOTAVAIL) {
		return nil, setting.Errorf("yggdrasil-listen", c.Addr, "not on this host; is yggdrasil running?")
	}
	return ln, err
}

func (c *YggdrasilChannel) TLSConfig() *tls.Config { return nil }

// yggdrasilAddr parses a [ygg address]:port listen address.
func yggdrasilAddr(s string) (netip.AddrPort, error) {
	ap, err := netip.ParseAddrPort(s)
	switch {
	case err != nil || ap.Port() == 0:
		return ap, fmt.Errorf("want [address]:port with a fixed port, e.g. [201:abcd::1]:8080")
	case !YggdrasilPrefix.Contains(ap.Addr()):
		return ap, fmt.Errorf("%s is not a Yggdrasil address (%s)", ap.Addr(), YggdrasilPrefix)
	}
	return ap, nil
}

// checkYggdrasil validates the yggdrasil-listen setting.
func checkYggdrasil(addrs []string) error {
	for _, a := range addrs {
		if _, err := yggdrasilAddr(a); err != nil {
			return setting.Errorf("yggdrasil-listen", a, "%w", err)
		}
	}
	return nil
}
