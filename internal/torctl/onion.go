package torctl

import (
	"crypto/ed25519"
	"crypto/sha3"
	"crypto/sha512"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
)

// ErrOnionAddress is a string that is not a v3 onion address.
var ErrOnionAddress = errors.New("torctl: not a v3 onion address")

// onionVersion is the version byte of a v3 onion address.
const onionVersion = 3

var onionBase32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// ServiceID is the v3 onion service ID of pub, the 56 lowercase base32
// characters before ".onion" (rend-spec-v3 section 6):
//
//	base32(PUBKEY[32] | CHECKSUM[2] | VERSION[1])
//	CHECKSUM = SHA3-256(".onion checksum" | PUBKEY | VERSION)[:2]
func ServiceID(pub ed25519.PublicKey) string {
	b := make([]byte, 0, 35)
	b = append(b, pub...)
	b = append(b, onionChecksum(pub)...)
	b = append(b, onionVersion)
	return strings.ToLower(onionBase32.EncodeToString(b))
}

func onionChecksum(pub []byte) []byte {
	h := sha3.New256()
	h.Write([]byte(".onion checksum"))
	h.Write(pub)
	h.Write([]byte{onionVersion})
	return h.Sum(nil)[:2]
}

// ParseServiceID returns the public key of a service ID (with or without
// ".onion"), checking its length, checksum and version.
func ParseServiceID(s string) (ed25519.PublicKey, error) {
	s = strings.TrimSuffix(s, ".onion")
	b, err := onionBase32.DecodeString(strings.ToUpper(s))
	if err != nil || len(s) != 56 || len(b) != 35 || s != strings.ToLower(s) {
		return nil, fmt.Errorf("%q: %w", s, ErrOnionAddress)
	}
	pub := ed25519.PublicKey(b[:32])
	if b[34] != onionVersion || string(b[32:34]) != string(onionChecksum(pub)) {
		return nil, fmt.Errorf("%q: bad checksum or version: %w", s, ErrOnionAddress)
	}
	return pub, nil
}

// expandedKey is tor's form of an ed25519 private key, the 64 bytes
// ADD_ONION ED25519-V3 takes: SHA-512 of the seed, the scalar half
// clamped (RFC 8032 section 5.1.5).
func expandedKey(priv ed25519.PrivateKey) []byte {
	h := sha512.Sum512(priv.Seed())
	h[0] &= 248
	h[31] &= 127
	h[31] |= 64
	return h[:]
}
