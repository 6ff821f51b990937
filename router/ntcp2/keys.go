package ntcp2

import (
	"crypto/subtle"
	"fmt"
	"net/netip"
	"strconv"

	"github.com/i2pseed/i2pseed/internal/i2pbase64"
	"github.com/i2pseed/i2pseed/netdb"
	"golang.org/x/crypto/curve25519"
)

// A PrivateKey is an X25519 private key: our NTCP2 static key, or an
// ephemeral one. It is not a PublicKey: the types keep them apart.
type PrivateKey [32]byte

// A PublicKey is an X25519 public key: a peer's NTCP2 static key ("s" of
// its address) or an ephemeral one.
type PublicKey [32]byte

// Public returns the key's X25519 public key.
func (k PrivateKey) Public() PublicKey {
	pub, _ := curve25519.X25519(k[:], curve25519.Basepoint)
	return PublicKey(pub)
}

// Equal reports whether k and o are the same key, in constant time.
func (k PublicKey) Equal(o PublicKey) bool { return subtle.ConstantTimeCompare(k[:], o[:]) == 1 }

// IsZero reports whether k is all zeros (no key).
func (k PublicKey) IsZero() bool { return k == PublicKey{} }

// MarshalText is the key in I2P base64, as an address's "s".
func (k PublicKey) MarshalText() ([]byte, error) { return []byte(i2pbase64.EncodeToString(k[:])), nil }

// UnmarshalText reads an address's "s".
func (k *PublicKey) UnmarshalText(b []byte) error {
	d, err := i2pbase64.DecodeString(string(b))
	if err != nil || len(d) != 32 {
		return fmt.Errorf("ntcp2: static key %q: want 32 bytes of I2P base64", b)
	}
	*k = PublicKey(d)
	return nil
}

// String is MarshalText's.
func (k PublicKey) String() string { return i2pbase64.EncodeToString(k[:]) }

func (k *PrivateKey) zero() { clear(k[:]) }

// RouterKeys are a router's long-term NTCP2 keys: the static key whose
// public half is its address's "s", and the IV it publishes as "i".
type RouterKeys struct {
	Static PrivateKey
	IV     [16]byte
}

// KeySize is the length of RouterKeys' binary form: the static private
// key (32 bytes), then the IV (16). Any KeySize random bytes are keys.
const KeySize = 48

// MarshalBinary is the keys' binary form (KeySize bytes), as the router's
// identity keeps them.
func (k RouterKeys) MarshalBinary() ([]byte, error) {
	b := append(make([]byte, 0, KeySize), k.Static[:]...)
	return append(b, k.IV[:]...), nil
}

// UnmarshalBinary reads MarshalBinary's form.
func (k *RouterKeys) UnmarshalBinary(b []byte) error {
	if len(b) != KeySize {
		return fmt.Errorf("ntcp2: router keys of %d bytes, want %d", len(b), KeySize)
	}
	k.Static, k.IV = PrivateKey(b[:32]), [16]byte(b[32:])
	return nil
}

// Address is the router's NTCP2 address: published with host, port, s, i
// and v=2 when pub is valid, else unpublished (caps=4: IPv4 outbound, s,
// v=2). Cost 14 is what Java gives an address it reaches slowly.
func (k *RouterKeys) Address(pub netip.AddrPort) netdb.RouterAddress {
	s := k.Static.Public().String()
	opts := netdb.Mapping{{Key: "caps", Value: "4"}, {Key: "s", Value: s}, {Key: "v", Value: "2"}}
	if pub.IsValid() {
		opts = netdb.Mapping{{Key: "host", Value: pub.Addr().String()}, {Key: "i", Value: i2pbase64.EncodeToString(k.IV[:])},
			{Key: "port", Value: strconv.Itoa(int(pub.Port()))}, {Key: "s", Value: s}, {Key: "v", Value: "2"}}
	}
	return netdb.RouterAddress{Cost: 14, Transport: "NTCP2", Options: opts}
}
