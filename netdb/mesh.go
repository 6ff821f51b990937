package netdb

import (
	"net/netip"
	"slices"
)

// YggdrasilPrefix is the address range of the Yggdrasil mesh: node
// addresses in 200::/8 and routed subnets in 300::/8. i2pd publishes a
// router's mesh address as an NTCP2 address whose host is in it
// (meshnets.yggdrasil); only peers on the mesh can reach that host.
var YggdrasilPrefix = netip.MustParsePrefix("200::/7")

// yggdrasil reports whether a peer on the Yggdrasil mesh can connect to
// a: a usable key, a host in YggdrasilPrefix, a port, no introducers.
func (a Addr) yggdrasil() bool {
	return !a.BadKey && !a.Introducers && a.Port != 0 && YggdrasilPrefix.Contains(a.Host)
}

// Yggdrasil reports whether routers on the Yggdrasil mesh can reach this
// one: it publishes an NTCP2 or SSU2 address on the mesh (see
// RouterInfo.Yggdrasil).
func (e *Entry) Yggdrasil() bool { return slices.ContainsFunc(e.Addrs, Addr.yggdrasil) }

// Yggdrasil reports whether routers on the Yggdrasil mesh can reach ri: it
// publishes a usable NTCP2 or SSU2 address (valid static key, version 2)
// with a host in YggdrasilPrefix, a port and no introducers.
func (ri *RouterInfo) Yggdrasil() bool { return slices.ContainsFunc(addrs(ri), Addr.yggdrasil) }
