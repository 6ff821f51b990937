package netdb

import (
	"crypto/subtle"
	"fmt"

	"github.com/i2pseed/i2pseed/internal/i2pbase64"
)

// Hash is a 32-byte SHA-256 hash, such as a router hash.
type Hash [32]byte

// String is the 44-character I2P base64 form used in file names.
func (h Hash) String() string { return i2pbase64.EncodeToString(h[:]) }

// Equal reports whether h and o are equal, in constant time.
func (h Hash) Equal(o Hash) bool { return subtle.ConstantTimeCompare(h[:], o[:]) == 1 }

// IsZero reports whether h is all zero.
func (h Hash) IsZero() bool { return h == Hash{} }

// MarshalText implements encoding.TextMarshaler with I2P base64.
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (h *Hash) UnmarshalText(b []byte) error {
	p, err := ParseHash(string(b))
	if err != nil {
		return err
	}
	*h = p
	return nil
}

// ParseHash decodes a 44-character I2P base64 hash.
func ParseHash(s string) (Hash, error) {
	var h Hash
	b, err := i2pbase64.DecodeString(s)
	if err != nil || len(b) != len(h) {
		return h, fmt.Errorf("netdb: %q is not a base64 router hash", s)
	}
	copy(h[:], b)
	return h, nil
}

// FileName is the netDb file name of the RouterInfo with hash h.
func (h Hash) FileName() string { return "routerInfo-" + h.String() + ".dat" }
