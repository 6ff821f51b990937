package ntcp2

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync/atomic"
	"syscall"
	"time"
)

// dialTimeout is i2pd's outbound connect timeout.
const dialTimeout = 25 * time.Second

// sourceDialer dials from the address the router publishes, so that a peer
// sees the connection come from the host in our RouterInfo: i2pd 2.46 and
// later ban a router whose connection comes from elsewhere ("Host
// mismatch", termination reason 17). Peers of the other IP family are
// dialled from whatever the kernel picks. If the address is not on this
// machine (published behind NAT), it stops binding after the first
// EADDRNOTAVAIL.
type sourceDialer struct {
	source netip.Addr // invalid: never bind
	noBind atomic.Bool
}

// newSourceDialer binds to the listener's IP when it is bound to one, else
// to the published host (if valid).
func newSourceDialer(ln net.Listener, published netip.Addr) *sourceDialer {
	d := &sourceDialer{}
	if ln != nil {
		if ta, ok := ln.Addr().(*net.TCPAddr); ok && !ta.IP.IsUnspecified() {
			d.source, _ = netip.AddrFromSlice(ta.IP)
		}
	}
	if !d.source.IsValid() {
		d.source = published
	}
	d.source = d.source.Unmap()
	return d
}

func (d *sourceDialer) dial(ctx context.Context, addr string) (net.Conn, error) {
	nd := net.Dialer{Timeout: dialTimeout}
	if ap, err := netip.ParseAddrPort(addr); err == nil && d.source.IsValid() && !d.noBind.Load() &&
		ap.Addr().Unmap().Is4() == d.source.Is4() {
		nd.LocalAddr = &net.TCPAddr{IP: d.source.AsSlice()}
		c, err := nd.DialContext(ctx, "tcp", addr)
		if !errors.Is(err, syscall.EADDRNOTAVAIL) {
			return c, err
		}
		d.noBind.Store(true)
		nd.LocalAddr = nil
	}
	return nd.DialContext(ctx, "tcp", addr)
}
