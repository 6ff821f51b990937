package netdb

import (
	"strings"

	"github.com/i2pseed/i2pseed/internal/i2pbase64"
)

// StaticKeyOK reports whether the address's "s" option is a valid X25519
// public key: 32 bytes whose bit 255 is clear (a Curve25519 u-coordinate
// is below 2^255). Java I2P refuses to connect to any other ("bad NTCP2
// S"), and i2pd 2.58 drops the address.
func (a *RouterAddress) StaticKeyOK() bool {
	s, ok := a.Options.Get("s")
	if !ok || len(s) != 44 {
		return false
	}
	b, err := i2pbase64.DecodeString(s)
	return err == nil && len(b) == 32 && b[31]&0x80 == 0
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
