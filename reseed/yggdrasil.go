package reseed

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/netip"

	"github.com/i2pseed/i2pseed/internal/setting"
)

// YggdrasilPrefix is the address range of the Yggdrasil mesh: node
// addresses in 200::/8 and routed subnets in 300::/8. A router behind a
// national firewall that reaches only the mesh reseeds from plain
// http://[ygg address]:port/ URLs (i2pd's reseed.yggurls): the mesh
// authenticates the server by its address, which is derived from its key.
var YggdrasilPrefix = netip.MustParsePrefix("200::/7") // the same range wire.PlainHTTPAllowed accepts

// YggdrasilChannel serves plain HTTP on a Yggdrasil address, beside the
// HTTPS channel, with the same bundles, limits and metrics.
type YggdrasilChannel struct {
	Addr      string // [200::/7 address]:port
	MaxConns  int
	Blocklist *Blocklist // nil: none
}

func (c *YggdrasilChannel) Name() string { return "yggdrasil" }

func (c *YggdrasilChannel) Listen(context.Context) (net.Listener, error) {
	if _, err := yggdrasilAddr(c.Addr); err != nil {
		return nil, err
	}
	return Listen(c.Addr, ListenConfig{MaxConns: c.MaxConns, Blocklist: c.Blocklist})
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
			return setting.Errorf("yggdrasil-listen", a, "%v", err)
		}
	}
	return nil
}
