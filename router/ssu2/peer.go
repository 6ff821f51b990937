package ssu2

import (
	"crypto/rand"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/i2pseed/i2pseed/netdb"
)

// A Peer is what Alice knows of Bob from his RouterInfo's SSU2 address.
type Peer struct {
	RouterHash [32]byte
	Static     PublicKey      // "s"
	IntroKey   Key            // "i": k_header_1 of every packet to Bob
	Addr       netip.AddrPort // "host" and "port"
}

// PeerFromRouterInfo reads ri's first published, usable SSU2 address
// (IPv4 before IPv6): transport SSU2, 2 among its versions "v", an "s"
// that is an X25519 public key, an "i" of 32 bytes, and a host and port.
// Post-quantum addresses (proposal 169) keep v=2 and add an option, so
// they read the same.
func PeerFromRouterInfo(ri *netdb.RouterInfo) (Peer, bool) {
	var v6 *Peer
	for i := range ri.Addresses {
		p, err := parseAddress(&ri.Addresses[i])
		if err != nil {
			continue
		}
		if ri.Identity != nil { // always, for a parsed RouterInfo
			p.RouterHash = ri.Hash()
		}
		if p.Addr.Addr().Is4() {
			return p, true
		}
		if v6 == nil {
			v6 = &p
		}
	}
	if v6 != nil {
		return *v6, true
	}
	return Peer{}, false
}

// parseAddress reads one published SSU2 address.
func parseAddress(a *netdb.RouterAddress) (Peer, error) {
	var p Peer
	if a.Transport != "SSU2" || !a.Usable() {
		return p, fmt.Errorf("%w: not a usable SSU2 address", netdb.ErrAddress)
	}
	s, _ := a.Options.Get("s")
	if err := p.Static.UnmarshalText([]byte(s)); err != nil {
		return p, fmt.Errorf("%w: SSU2 s: %w", netdb.ErrAddress, err)
	}
	i, _ := a.Options.Get("i")
	if err := p.IntroKey.UnmarshalText([]byte(i)); err != nil {
		return p, fmt.Errorf("%w: SSU2 i: %w", netdb.ErrAddress, err)
	}
	h, _ := a.Options.Get("host")
	host, err := netip.ParseAddr(h)
	if err != nil || host.IsUnspecified() || host.IsMulticast() {
		return p, fmt.Errorf("%w: SSU2 host %q: want an IP address", netdb.ErrAddress, h)
	}
	port, _ := a.Options.Get("port")
	var n uint16
	if _, err := fmt.Sscanf(port, "%d", &n); err != nil || n == 0 {
		return p, fmt.Errorf("%w: SSU2 port %q", netdb.ErrAddress, port)
	}
	p.Addr = netip.AddrPortFrom(host.Unmap(), n)
	return p, nil
}

// MaxClockSkew is how far a peer's DateTime may be from our clock, as
// both Java I2P and i2pd allow.
const MaxClockSkew = 60 * time.Second

// Config holds what Alice needs. Rand and Now are injectable so tests are
// deterministic.
type Config struct {
	NetID netdb.NetID
	// Static and IntroKey are our long-term SSU2 keys, "s" (public half)
	// and "i" of the address in our RouterInfo; Bob masks the headers of
	// his data packets with IntroKey. Only SessionConfirmed needs them.
	Static   PrivateKey
	IntroKey Key
	Rand     io.Reader        // nil: crypto/rand
	Now      func() time.Time // nil: time.Now
}

func (c *Config) rand() io.Reader {
	if c.Rand != nil {
		return c.Rand
	}
	return rand.Reader
}

func (c *Config) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Config) read(b []byte) error {
	if _, err := io.ReadFull(c.rand(), b); err != nil {
		return fmt.Errorf("ssu2: randomness: %w", err)
	}
	return nil
}

func checkSkew(secs uint32, now time.Time) error {
	d := now.Sub(time.Unix(int64(secs), 0))
	if d > MaxClockSkew || d < -MaxClockSkew {
		return fmt.Errorf("%w: %v", ErrClockSkew, d.Round(time.Second))
	}
	return nil
}
