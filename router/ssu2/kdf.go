package ssu2

import (
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/curve25519"

	"github.com/i2pseed/i2pseed/internal/i2pbase64"
	"github.com/i2pseed/i2pseed/internal/symmetric"
)

// ProtocolName is the Noise protocol name SSU2 hashes first.
const ProtocolName = "Noise_XKchaobfse+hs1+hs2+hs3_25519_ChaChaPoly_SHA256"

// KeyLen is the length of every key in SSU2: X25519 keys, ChaCha20 keys.
const KeyLen = 32

// Key is a 32-byte symmetric key: a router's intro key ("i" of its SSU2
// address, which is k_header_1 for every packet to it), a header
// protection key, or a data phase key.
type Key [KeyLen]byte

// Equal reports whether k and o are the same key, in constant time.
func (k *Key) Equal(o *Key) bool { return subtle.ConstantTimeCompare(k[:], o[:]) == 1 }

// IsZero reports whether k is all zeros.
func (k *Key) IsZero() bool { return *k == Key{} }

func (k *Key) zero() { clear(k[:]) }

// MarshalText is the key in I2P base64, as an address's "i".
func (k Key) MarshalText() ([]byte, error) { return []byte(i2pbase64.EncodeToString(k[:])), nil }

// UnmarshalText reads an address's "i".
func (k *Key) UnmarshalText(b []byte) error {
	d, err := i2pbase64.DecodeString(string(b))
	if err != nil || len(d) != KeyLen {
		return fmt.Errorf("ssu2: key %q: want 32 bytes of I2P base64", b)
	}
	*k = Key(d)
	return nil
}

// A PublicKey is an X25519 public key: a router's static key ("s" of its
// SSU2 address) or an ephemeral one.
type PublicKey [KeyLen]byte

// A PrivateKey is an X25519 private key; the types keep the halves apart.
type PrivateKey [KeyLen]byte

// Public returns the key's public half.
func (k *PrivateKey) Public() PublicKey {
	pub, _ := curve25519.X25519(k[:], curve25519.Basepoint)
	return PublicKey(pub)
}

func (k *PrivateKey) zero() { clear(k[:]) }

// Equal reports whether k and o are the same key, in constant time.
func (k PublicKey) Equal(o PublicKey) bool { return subtle.ConstantTimeCompare(k[:], o[:]) == 1 }

// IsZero reports whether k is all zeros.
func (k PublicKey) IsZero() bool { return k == PublicKey{} }

// MarshalText is the key in I2P base64, as an address's "s".
func (k PublicKey) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText reads an address's "s".
func (k *PublicKey) UnmarshalText(b []byte) error { return (*Key)(k).UnmarshalText(b) }

// String is the key in I2P base64.
func (k PublicKey) String() string { return i2pbase64.EncodeToString(k[:]) }

// Header key and data key derivation labels (HKDF info), from the spec.
const (
	infoSessionCreated   = "SessCreateHeader" // k_header_2 of SessionCreated
	infoSessionConfirmed = "SessionConfirmed" // k_header_2 of SessionConfirmed
	infoDataKeys         = "HKDFSSU2DataKeys" // k_data | k_header_2 of one direction
)

// hkdfSHA256 is the spec's HKDF(salt, ikm, info, n): RFC 5869 with SHA-256;
// ZEROLEN ikm is an empty one.
func hkdfSHA256(salt, ikm []byte, info string, n int) []byte {
	out, err := hkdf.Key(sha256.New, ikm, salt, info, n)
	if err != nil {
		panic("ssu2: hkdf: " + err.Error()) // n is at most 64
	}
	return out
}

// hkdfKey is the first 32 bytes of HKDF(ck, ZEROLEN, info).
func hkdfKey(ck *Key, info string) Key {
	b := hkdfSHA256(ck[:], nil, info, KeyLen)
	k := Key(b)
	clear(b)
	return k
}

// newSymmetricState is the state after Initialize with Bob's static key
// rs as the pre-message (<- s): h = SHA256(SHA256(SHA256(name)) || rs).
// SSU2 mixes each handshake packet's header into h before the message's
// tokens, which is why no Noise library drives it.
func newSymmetricState(rs PublicKey) *symmetric.State {
	s := symmetric.New(ProtocolName)
	s.MixHash(rs[:])
	return s
}

// decryptAndHash is ss.DecryptAndHash with a failure that wraps
// ErrDecrypt.
func decryptAndHash(ss *symmetric.State, ct []byte) ([]byte, error) {
	pt, err := ss.DecryptAndHash(ct)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDecrypt, err)
	}
	return pt, nil
}

// aeadNonce is the ChaCha20-Poly1305 nonce of SSU2: 4 zero bytes, then n
// little endian.
func aeadNonce(n uint64) []byte {
	var b [chacha20poly1305.NonceSize]byte
	binary.LittleEndian.PutUint64(b[4:], n)
	return b[:]
}

func seal(k *Key, n uint64, plaintext, ad []byte) []byte {
	aead, _ := chacha20poly1305.New(k[:])
	return aead.Seal(nil, aeadNonce(n), plaintext, ad)
}

func open(k *Key, n uint64, ct, ad []byte) ([]byte, error) {
	aead, _ := chacha20poly1305.New(k[:])
	pt, err := aead.Open(nil, aeadNonce(n), ct, ad)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDecrypt, err)
	}
	return pt, nil
}

// dh is X25519; an all-zero result (a low-order point) is an error.
func dh(priv *PrivateKey, pub *PublicKey) ([]byte, error) {
	out, err := curve25519.X25519(priv[:], pub[:])
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDecrypt, err)
	}
	return out, nil
}

// DataKeys are one direction's data phase keys.
type DataKeys struct {
	Data   Key // ChaCha20-Poly1305 key of the payload
	Header Key // k_header_2 of that direction's packets
}

func (d *DataKeys) zero() {
	d.Data.zero()
	d.Header.zero()
}

// splitDataKeys derives both directions' data phase keys from the final
// chaining key: keydata = HKDF(ck, ZEROLEN, "", 64); each direction's
// k_data | k_header_2 = HKDF(its half, ZEROLEN, "HKDFSSU2DataKeys", 64),
// Alice to Bob from the first half.
func splitDataKeys(ck *Key) (ab, ba DataKeys) {
	keydata := hkdfSHA256(ck[:], nil, "", 2*KeyLen)
	ab = dataKeys(keydata[:KeyLen])
	ba = dataKeys(keydata[KeyLen:])
	clear(keydata)
	return ab, ba
}

func dataKeys(salt []byte) DataKeys {
	b := hkdfSHA256(salt, nil, infoDataKeys, 2*KeyLen)
	d := DataKeys{Data: Key(b[:KeyLen]), Header: Key(b[KeyLen:])}
	clear(b)
	return d
}
