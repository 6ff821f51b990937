package ntcp2

import (
	"net"
	"net/netip"
	"strconv"

	"github.com/i2pseed/i2pseed/internal/setting"
	"github.com/i2pseed/i2pseed/netdb"
)

// Settings are NTCP2's settings as a config file or flags give them:
// plain data, checked by Check and opened by Listen. A comment names each
// field's setting (the config key, which is also the flag's name).
type Settings struct {
	// Listen ("ntcp2-listen") is host:port, with a fixed port, to accept
	// sessions on; its address is then published. Empty: outbound only.
	Listen string
	// Host ("ntcp2-host") is the IP address to publish, by default
	// Listen's host (which must then be one). Refused without Listen: an
	// outbound-only router publishes no address.
	Host string
}

// Check validates s without I/O. With public, the published address must
// be public (netdb.IsPublic): the I2P network's routers refuse a
// RouterInfo whose only address is not. Its errors are *setting.Error.
func (s Settings) Check(public bool) error {
	pub, err := s.published()
	if err == nil && public && pub.IsValid() && !netdb.IsPublic(pub.Addr()) {
		return setting.Errorf("ntcp2-host", pub.Addr(), "the I2P network's routers refuse a RouterInfo whose only address is not "+
			"public (private, loopback, reserved); publish the server's public IP (or set testnet for a private test network)")
	}
	return err
}

// published is the address s publishes, invalid when outbound only.
func (s Settings) published() (netip.AddrPort, error) {
	if s.Listen == "" {
		if s.Host != "" {
			return netip.AddrPort{}, setting.Errorf("ntcp2-host", s.Host, "needs ntcp2-listen: without a listener nothing is published")
		}
		return netip.AddrPort{}, nil
	}
	host, port, err := net.SplitHostPort(s.Listen)
	p, perr := strconv.ParseUint(port, 10, 16)
	if err != nil || perr != nil || p == 0 {
		return netip.AddrPort{}, setting.Errorf("ntcp2-listen", strconv.Quote(s.Listen), "want host:port with a fixed port")
	}
	if s.Host != "" {
		host = s.Host
	}
	ip, err := netip.ParseAddr(host)
	switch bad := err != nil || ip.Zone() != "" || ip.IsUnspecified() || ip.IsMulticast(); {
	case bad && s.Host != "":
		return netip.AddrPort{}, setting.Errorf("ntcp2-host", s.Host, "want the IP address to publish")
	case bad:
		return netip.AddrPort{}, setting.Errorf("ntcp2-host", nil, "the IP address to publish is needed when ntcp2-listen has none")
	}
	return netip.AddrPortFrom(ip.Unmap(), uint16(p)), nil
}
