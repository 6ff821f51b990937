package sam

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/i2pseed/i2pseed/internal/i2pbase64"
	"github.com/i2pseed/i2pseed/netdb"
)

// Sizes of I2P Common Structures (https://geti2p.net/spec/common-structures).
const (
	keysLen       = 384 // public key (256) + signing public key or padding (128)
	certHeaderLen = 3   // certificate type (1) + payload length (2)
	certKey       = 5   // certificate type KEY: sig type (2), crypto type (2), excess key bytes
	encPrivLen    = 256 // the ElGamal private key slot of a PrivateKeyFile
)

// SigType is a destination's signature type, of a KEY certificate.
type SigType uint16

// Signature types a SAM client may ask for (SIGNATURE_TYPE).
const (
	SigDSASHA1       SigType = 0  // the default without a KEY certificate; 20-byte private key
	SigECDSAP256     SigType = 1  // 32-byte private key
	SigECDSAP384     SigType = 2  // 48
	SigECDSAP521     SigType = 3  // 66
	SigEdDSAEd25519  SigType = 7  // 32: what this package creates
	SigRedDSAEd25519 SigType = 11 // 32
)

// String is the type's name in I2P's common structures, netdb's table.
func (t SigType) String() string { return netdb.SigType(t).String() }

// privLen is the length of t's signing private key, 0 if unknown.
func (t SigType) privLen() int {
	switch t {
	case SigDSASHA1:
		return 20
	case SigECDSAP256, SigEdDSAEd25519, SigRedDSAEd25519:
		return 32
	case SigECDSAP384:
		return 48
	case SigECDSAP521:
		return 66
	}
	return 0
}

// A Destination is the bytes of an I2P destination: keys and certificate.
type Destination []byte

// ParseDestination decodes an I2P-base64 destination and checks its
// layout: 384 key bytes, then a certificate whose length it gives, and
// nothing after.
func ParseDestination(s string) (Destination, error) {
	b, err := decode(s)
	if err != nil {
		return nil, err
	}
	n, err := destLen(b)
	if err != nil {
		return nil, err
	}
	if n != len(b) {
		return nil, fmt.Errorf("%w: %d bytes after the destination", ErrKey, len(b)-n)
	}
	return Destination(b), nil
}

// decode decodes I2P base64, refusing the line breaks encoding/base64
// skips: a key is one word of a SAM line.
func decode(s string) ([]byte, error) {
	if i := strings.IndexFunc(s, func(r rune) bool { return !strings.ContainsRune(i2pbase64.Alphabet+"=", r) }); i >= 0 {
		return nil, fmt.Errorf("%w: byte %q at %d", ErrKey, s[i], i)
	}
	b, err := i2pbase64.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKey, err)
	}
	return b, nil
}

// destLen is the length of the destination at the start of b.
func destLen(b []byte) (int, error) {
	if len(b) < keysLen+certHeaderLen {
		return 0, fmt.Errorf("%w: %d bytes, shorter than a destination", ErrKey, len(b))
	}
	n := keysLen + certHeaderLen + int(binary.BigEndian.Uint16(b[keysLen+1:]))
	if n > len(b) {
		return 0, fmt.Errorf("%w: the certificate runs past the end", ErrKey)
	}
	if b[keysLen] == certKey && n-keysLen-certHeaderLen < 4 {
		return 0, fmt.Errorf("%w: a KEY certificate of %d bytes", ErrKey, n-keysLen-certHeaderLen)
	}
	return n, nil
}

// SigType is the destination's signature type.
func (d Destination) SigType() SigType {
	if d[keysLen] != certKey {
		return SigDSASHA1
	}
	return SigType(binary.BigEndian.Uint16(d[keysLen+certHeaderLen:]))
}

// String is the destination in I2P base64, as SAM takes it.
func (d Destination) String() string { return i2pbase64.EncodeToString(d) }

// b32 is lower-case base32 without padding.
var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// B32 is the destination's short address: the base32 of its SHA-256,
// lower case, then ".b32.i2p".
func (d Destination) B32() string {
	h := sha256.Sum256(d)
	return strings.ToLower(b32.EncodeToString(h[:])) + ".b32.i2p"
}

// A PrivateKey is what SESSION CREATE returns as DESTINATION: the
// destination, a 256-byte encryption private key and the signing
// private key (the layout of a PrivateKeyFile). It is secret.
type PrivateKey []byte

// ParsePrivateKey decodes an I2P-base64 private key and checks its
// layout; only signature types of known private key length are taken.
func ParsePrivateKey(s string) (PrivateKey, error) {
	b, err := decode(strings.TrimSpace(s))
	if err != nil {
		return nil, err
	}
	n, err := destLen(b)
	if err != nil {
		return nil, err
	}
	st := Destination(b[:n]).SigType()
	pl := st.privLen()
	if pl == 0 {
		return nil, fmt.Errorf("%w: signature type %v", ErrKey, st)
	}
	if want := n + encPrivLen + pl; len(b) != want {
		return nil, fmt.Errorf("%w: %d bytes, want %d for %v", ErrKey, len(b), want, st)
	}
	return PrivateKey(b), nil
}

// Destination is the public part of k.
func (k PrivateKey) Destination() Destination {
	n, _ := destLen(k) // checked by ParsePrivateKey
	return Destination(k[:n])
}

// String is k in I2P base64, as SESSION CREATE takes it.
func (k PrivateKey) String() string { return i2pbase64.EncodeToString(k) }
