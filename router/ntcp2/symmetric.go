package ntcp2

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/curve25519"

	"github.com/i2pseed/i2pseed/router/transport"
)

// ProtocolName is the Noise protocol name NTCP2 hashes first.
const ProtocolName = "Noise_XKaesobfse+hs2+hs3_25519_ChaChaPoly_SHA256"

// ErrHandshake is wrapped by every handshake failure; the peer learns
// nothing more than that the connection closed.
var ErrHandshake = errors.New("ntcp2: handshake failed")

// Finer causes, wrapped together with ErrHandshake so callers can tell
// them apart: ErrDecrypt when a message does not authenticate (wrong keys,
// router hash or IV), ErrClockSkew when the peer's clock is over a minute
// off. A message that did not arrive whole wraps ErrNoMessage1, 2 or 3
// together with the read error (io.EOF for a peer that closed, a timeout
// for one that held the connection: i2pd 2.57+ holds a rejected message 1
// open 10-42 s instead of closing).
// Each matches its kind in package transport with errors.Is.
var (
	ErrDecrypt    = transport.KindError("ntcp2: decryption failed", transport.ErrDecrypt)
	ErrClockSkew  = transport.KindError("ntcp2: clock skew", transport.ErrClockSkew)
	ErrNoMessage1 = transport.KindError("ntcp2: no SessionRequest (message 1)", transport.ErrNoMessage1)
	ErrNoMessage2 = transport.KindError("ntcp2: no SessionCreated (message 2)", transport.ErrNoMessage2)
	ErrNoMessage3 = transport.KindError("ntcp2: no SessionConfirmed (message 3)", transport.ErrNoMessage3)
)

// symmetricState is Noise's SymmetricState with SHA-256 and ChaChaPoly:
// chaining key, handshake hash, and the current cipher key and nonce.
type symmetricState struct {
	ck, h [32]byte
	k     [32]byte
	n     uint64
	hasK  bool
}

func newSymmetricState() *symmetricState {
	s := &symmetricState{}
	s.h = sha256.Sum256([]byte(ProtocolName)) // name > 32 bytes: hashed
	s.ck = s.h
	s.mixHash(nil) // empty prologue
	return s
}

func (s *symmetricState) mixHash(data []byte) {
	d := sha256.New()
	d.Write(s.h[:])
	d.Write(data)
	d.Sum(s.h[:0])
}

func hmacSHA256(key []byte, parts ...[]byte) [32]byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write(p)
	}
	var out [32]byte
	m.Sum(out[:0])
	return out
}

// hkdf2 is Noise's HKDF with two outputs.
func hkdf2(ck, ikm []byte) (a, b [32]byte) {
	temp := hmacSHA256(ck, ikm)
	a = hmacSHA256(temp[:], []byte{1})
	b = hmacSHA256(temp[:], a[:], []byte{2})
	clear(temp[:])
	return a, b
}

func (s *symmetricState) mixKey(ikm []byte) {
	s.ck, s.k = hkdf2(s.ck[:], ikm)
	s.n, s.hasK = 0, true
}

func nonce(n uint64) []byte {
	var b [12]byte
	binary.LittleEndian.PutUint64(b[4:], n)
	return b[:]
}

func (s *symmetricState) encryptAndHash(plaintext []byte) []byte {
	aead, _ := chacha20poly1305.New(s.k[:])
	ct := aead.Seal(nil, nonce(s.n), plaintext, s.h[:])
	s.n++
	s.mixHash(ct)
	return ct
}

func (s *symmetricState) decryptAndHash(ct []byte) ([]byte, error) {
	aead, _ := chacha20poly1305.New(s.k[:])
	pt, err := aead.Open(nil, nonce(s.n), ct, s.h[:])
	if err != nil {
		return nil, fmt.Errorf("%w: %w: %w", ErrHandshake, ErrDecrypt, err)
	}
	s.n++
	s.mixHash(ct)
	return pt, nil
}

func (s *symmetricState) zero() {
	clear(s.ck[:])
	clear(s.k[:])
}

// dh is X25519; an all-zero result (low-order point) is an error.
func dh(priv, pub []byte) ([]byte, error) {
	out, err := curve25519.X25519(priv, pub)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrHandshake, err)
	}
	return out, nil
}
