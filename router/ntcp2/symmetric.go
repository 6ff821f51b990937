package ntcp2

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/crypto/curve25519"

	"github.com/i2pseed/i2pseed/internal/symmetric"
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

// newSymmetricState is NTCP2's Noise state after its empty prologue.
func newSymmetricState() *symmetric.State { return symmetric.New(ProtocolName) }

// decryptAndHash is ss.DecryptAndHash with a failure that wraps
// ErrHandshake and ErrDecrypt.
func decryptAndHash(ss *symmetric.State, ct []byte) ([]byte, error) {
	pt, err := ss.DecryptAndHash(ct)
	if err != nil {
		return nil, fmt.Errorf("%w: %w: %w", ErrHandshake, ErrDecrypt, err)
	}
	return pt, nil
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

// nonce is the ChaCha20-Poly1305 nonce of n: 4 zero bytes, then n little
// endian.
func nonce(n uint64) []byte {
	var b [12]byte
	binary.LittleEndian.PutUint64(b[4:], n)
	return b[:]
}

// dh is X25519; an all-zero result (low-order point) is an error.
func dh(priv, pub []byte) ([]byte, error) {
	out, err := curve25519.X25519(priv, pub)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrHandshake, err)
	}
	return out, nil
}
