// Package symmetric is the SymmetricState of the Noise Protocol Framework
// (revision 34, section 5.2) with SHA-256 and ChaChaPoly, for the two I2P
// handshakes no Noise library drives: NTCP2 (the ntcp2 specification,
// 0.9.66), whose ephemeral keys travel AES-obfuscated, and SSU2 (ssu2,
// proposal 159), which mixes each packet's header into the hash in the
// middle of the pattern. The fields are the specification's, exported for
// the transports' own key derivations (NTCP2's split and SipHash keys,
// SSU2's header keys).
package symmetric

import (
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"

	"golang.org/x/crypto/chacha20poly1305"
)

// State is a handshake's symmetric state.
type State struct {
	CK, H [32]byte // chaining key, handshake hash
	K     [32]byte // cipher key (set by MixKey)
	N     uint64   // the nonce of K's next use
}

// New is InitializeSymmetric(protocolName) followed by MixHash of an empty
// prologue.
func New(protocolName string) *State {
	s := &State{}
	if len(protocolName) <= len(s.H) {
		copy(s.H[:], protocolName)
	} else {
		s.H = sha256.Sum256([]byte(protocolName))
	}
	s.CK = s.H
	s.MixHash(nil)
	return s
}

// MixHash sets H = SHA-256(H || parts...).
func (s *State) MixHash(parts ...[]byte) {
	d := sha256.New()
	d.Write(s.H[:])
	for _, p := range parts {
		d.Write(p)
	}
	d.Sum(s.H[:0])
}

// MixKey sets CK, K = HKDF(CK, ikm, "", 64) and N = 0.
func (s *State) MixKey(ikm []byte) {
	b, err := hkdf.Key(sha256.New, ikm, s.CK[:], "", 2*len(s.K))
	if err != nil {
		panic("symmetric: hkdf: " + err.Error()) // 64 bytes never fail
	}
	copy(s.CK[:], b)
	copy(s.K[:], b[len(s.CK):])
	clear(b)
	s.N = 0
}

// nonce is the ChaCha20-Poly1305 nonce of n: 4 zero bytes, then n little
// endian.
func nonce(n uint64) []byte {
	var b [chacha20poly1305.NonceSize]byte
	binary.LittleEndian.PutUint64(b[4:], n)
	return b[:]
}

// EncryptAndHash seals plaintext with K and N, H as associated data, and
// mixes the ciphertext into H.
func (s *State) EncryptAndHash(plaintext []byte) []byte {
	aead, _ := chacha20poly1305.New(s.K[:])
	ct := aead.Seal(nil, nonce(s.N), plaintext, s.H[:])
	s.N++
	s.MixHash(ct)
	return ct
}

// DecryptAndHash opens ct with K and N, H as associated data, and mixes
// ct into H. A ciphertext that does not authenticate returns the AEAD's
// error and leaves the state as it was.
func (s *State) DecryptAndHash(ct []byte) ([]byte, error) {
	aead, _ := chacha20poly1305.New(s.K[:])
	pt, err := aead.Open(nil, nonce(s.N), ct, s.H[:])
	if err != nil {
		return nil, err
	}
	s.N++
	s.MixHash(ct)
	return pt, nil
}

// Zero clears the keys.
func (s *State) Zero() {
	clear(s.CK[:])
	clear(s.K[:])
}
