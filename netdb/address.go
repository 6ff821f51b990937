package netdb

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/i2pseed/i2pseed/internal/i2pbase64"
)

// ErrAddress is wrapped by ParseNTCP2's errors: the address is not one a
// router can use.
var ErrAddress = errors.New("netdb: unusable address")

// StaticKeyOK reports whether the address's "s" option is a valid X25519
// public key: 32 bytes whose bit 255 is clear (a Curve25519 u-coordinate
// is below 2^255). Java I2P refuses to connect to any other ("bad NTCP2
// S"), and i2pd 2.58 drops the address.
func (a *RouterAddress) StaticKeyOK() bool {
	_, ok := staticKey(a.Options)
	return ok
}

// staticKey reads "s" as StaticKeyOK checks it.
func staticKey(opts Mapping) ([32]byte, bool) {
	s, ok := opts.Get("s")
	if !ok || len(s) != 44 {
		return [32]byte{}, false
	}
	b, err := i2pbase64.DecodeString(s)
	if err != nil || len(b) != 32 || b[31]&0x80 != 0 {
		return [32]byte{}, false
	}
	return [32]byte(b), true
}

// Usable reports whether peers can use the address: NTCP2 or SSU2,
// protocol version 2 among its "v", and a valid static key. Whether it is
// published (has a host) is another question.
func (a *RouterAddress) Usable() bool {
	if a.Transport != "NTCP2" && a.Transport != "SSU2" {
		return false
	}
	v, _ := a.Options.Get("v")
	return versionTwo(v) && a.StaticKeyOK()
}

func versionTwo(v string) bool {
	for _, p := range strings.Split(v, ",") {
		if strings.TrimSpace(p) == "2" {
			return true
		}
	}
	return false
}

// hostPort reads "host" and "port" as they are published: host an IP
// address (invalid if missing or a name), port 0 if missing or malformed.
// Summarize reads them so too.
func hostPort(opts Mapping) (netip.Addr, uint16) {
	var host netip.Addr
	if h, ok := opts.Get("host"); ok {
		host, _ = netip.ParseAddr(h)
	}
	p, _ := opts.Get("port")
	port, err := strconv.ParseUint(p, 10, 16)
	if err != nil {
		port = 0
	}
	return host, uint16(port)
}

// An NTCP2Address is the checked reading of a RouterAddress of transport
// NTCP2: what a router needs to open a session to it (when published) or
// to recognise the static key a peer connects with.
type NTCP2Address struct {
	Static [32]byte   // "s": the router's X25519 static public key
	IV     [16]byte   // "i": obfuscates message 1; zero when unpublished
	Host   netip.Addr // "host"; invalid when unpublished
	Port   uint16     // "port"; 0 when unpublished
}

// Published reports whether peers can connect to the address.
func (a NTCP2Address) Published() bool { return a.Host.IsValid() }

// AddrPort is where to connect.
func (a NTCP2Address) AddrPort() netip.AddrPort { return netip.AddrPortFrom(a.Host, a.Port) }

// ParseNTCP2 reads a as an NTCP2 address by the rules Usable applies and
// Java I2P and i2pd share: transport NTCP2, 2 among the versions "v", and
// an "s" that is an X25519 public key (StaticKeyOK). An address with a
// "host" is published and must also have an IP address there (not a
// name, not unspecified or multicast), a "port" of 1-65535 and an "i" of
// 16 bytes; one without is unpublished (a firewalled router's, or the one
// an inbound peer presents). Errors wrap ErrAddress.
func (a *RouterAddress) ParseNTCP2() (NTCP2Address, error) {
	var na NTCP2Address
	if a.Transport != "NTCP2" {
		return na, fmt.Errorf("%w: transport %q, not NTCP2", ErrAddress, a.Transport)
	}
	if v, _ := a.Options.Get("v"); !versionTwo(v) {
		return na, fmt.Errorf("%w: NTCP2 v %q: want 2", ErrAddress, v)
	}
	var ok bool
	if na.Static, ok = staticKey(a.Options); !ok {
		return na, fmt.Errorf("%w: NTCP2 s: want an X25519 public key", ErrAddress)
	}
	h, ok := a.Options.Get("host")
	if !ok {
		return na, nil
	}
	return na, na.parsePublished(h, a.Options)
}

// parsePublished reads host (h), port and i into a.
func (a *NTCP2Address) parsePublished(h string, opts Mapping) error {
	host, port := hostPort(opts)
	switch {
	case !host.IsValid() || host.IsUnspecified() || host.IsMulticast():
		return fmt.Errorf("%w: NTCP2 host %q: want an IP address", ErrAddress, h)
	case port == 0:
		return fmt.Errorf("%w: NTCP2 host %s without a port", ErrAddress, h)
	}
	iv, _ := opts.Get("i")
	b, err := i2pbase64.DecodeString(iv)
	if err != nil || len(b) != 16 {
		return fmt.Errorf("%w: NTCP2 i %q: want 16 bytes of I2P base64", ErrAddress, iv)
	}
	a.Host, a.Port, a.IV = host, port, [16]byte(b)
	return nil
}

// NTCP2Addresses returns ri's published NTCP2 addresses that ParseNTCP2
// accepts, IPv4 ones first, each family in the order ri lists them.
func (ri *RouterInfo) NTCP2Addresses() []NTCP2Address {
	var out []NTCP2Address
	for i := range ri.Addresses {
		if na, err := ri.Addresses[i].ParseNTCP2(); err == nil && na.Published() {
			out = append(out, na)
		}
	}
	slices.SortStableFunc(out, func(a, b NTCP2Address) int {
		return cmp.Compare(family(a.Host), family(b.Host))
	})
	return out
}

// family sorts IPv4 first.
func family(a netip.Addr) int {
	if a.Is4() {
		return 0
	}
	return 1
}

// Floodfill reports whether the router says it is a floodfill (caps f).
func (ri *RouterInfo) Floodfill() bool { return floodfillCaps(ri.Option("caps")) }

func floodfillCaps(caps string) bool { return strings.Contains(caps, "f") }

// CheckAddresses reports whether ri has an address peers can use, as i2pd
// 2.58 demands before it stores a RouterInfo: OK, RejectStaticKey when its
// NTCP2 and SSU2 addresses all have an invalid static key (or version), or
// RejectAddress when it has none of them.
func (ri *RouterInfo) CheckAddresses() Reason {
	reason := RejectAddress
	for i := range ri.Addresses {
		a := &ri.Addresses[i]
		if a.Usable() {
			return OK
		}
		if a.Transport == "NTCP2" || a.Transport == "SSU2" {
			reason = RejectStaticKey
		}
	}
	return reason
}
