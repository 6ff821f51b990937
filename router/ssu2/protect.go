package ssu2

import (
	"fmt"

	"golang.org/x/crypto/chacha20"
)

// Header protection. The first 8 bytes of every packet are XORed with
// ChaCha20 keystream under k_header_1, with the packet's next-to-last 12
// bytes as the nonce; bytes 8-15 with keystream under k_header_2, with the
// last 12 bytes as the nonce. Long headers also encrypt bytes 16-31 with
// k_header_2 and a zero nonce, and SessionRequest and SessionCreated the
// ephemeral key after them in the same stream. The spec's ChaCha20 starts
// at block counter 1, as Java I2P's net.i2p.crypto.ChaCha20 (input[12] = 1)
// and i2pd's i2p::crypto::ChaCha20 (iv[0] = 1) do; golang.org/x/crypto's
// starts at 0 unless told.
const (
	sampleLen       = 24 // the last 24 bytes seed the two masks
	chachaCounter   = 1
	handshakeExtLen = LongHeaderLen - ShortHeaderLen + KeyLen // 48: header bytes 16-31 and X or Y
)

// Minimum packet lengths: the header, its encrypted extension, and the 24
// sample bytes after them.
const (
	MinShortPacketLen     = ShortHeaderLen + sampleLen                   // 40
	MinLongPacketLen      = LongHeaderLen + sampleLen                    // 56
	MinHandshakePacketLen = ShortHeaderLen + handshakeExtLen + sampleLen // 88
)

// chachaXOR XORs b with ChaCha20 keystream under k and nonce, from block
// counter 1.
func chachaXOR(k *Key, nonce []byte, b []byte) {
	c, err := chacha20.NewUnauthenticatedCipher(k[:], nonce)
	if err != nil {
		panic("ssu2: chacha20: " + err.Error()) // fixed key and nonce sizes
	}
	c.SetCounter(chachaCounter)
	c.XORKeyStream(b, b)
}

var zeroNonce [chacha20.NonceSize]byte

// maskShort XORs bytes 0-15 of pkt with the two masks.
func maskShort(pkt []byte, k1, k2 *Key) {
	n := len(pkt)
	var m [16]byte
	chachaXOR(k1, pkt[n-24:n-12], m[:8])
	chachaXOR(k2, pkt[n-12:], m[8:])
	for i := range m {
		pkt[i] ^= m[i]
	}
}

func checkLen(pkt []byte, min int, what string) error {
	if len(pkt) < min {
		return fmt.Errorf("%w: %s packet of %d bytes, want at least %d", ErrHeader, what, len(pkt), min)
	}
	return nil
}

// MaskShortHeader protects (or, applied again, unprotects) the short
// header of pkt in place: SessionConfirmed and Data packets.
func MaskShortHeader(pkt []byte, k1, k2 *Key) error {
	if err := checkLen(pkt, MinShortPacketLen, "short-header"); err != nil {
		return err
	}
	maskShort(pkt, k1, k2)
	return nil
}

// MaskLongHeader protects (or unprotects) the long header of pkt in
// place: TokenRequest, Retry, PeerTest and HolePunch packets.
func MaskLongHeader(pkt []byte, k1, k2 *Key) error {
	if err := checkLen(pkt, MinLongPacketLen, "long-header"); err != nil {
		return err
	}
	maskShort(pkt, k1, k2)
	chachaXOR(k2, zeroNonce[:], pkt[ShortHeaderLen:LongHeaderLen])
	return nil
}

// MaskHandshakeHeader protects (or unprotects) the long header and the
// ephemeral key of a SessionRequest or SessionCreated in place.
func MaskHandshakeHeader(pkt []byte, k1, k2 *Key) error {
	if err := checkLen(pkt, MinHandshakePacketLen, "handshake"); err != nil {
		return err
	}
	maskShort(pkt, k1, k2)
	chachaXOR(k2, zeroNonce[:], pkt[ShortHeaderLen:ShortHeaderLen+handshakeExtLen])
	return nil
}
