package netdb

import (
	"crypto/ed25519"
	"encoding/binary"
	"fmt"
)

// NewIdentity builds a RouterIdentity with an Ed25519 signing key and an
// X25519 encryption key (KEY certificate, types 7 and 4). pad fills the
// 320 unused key bytes by repetition, as routers since 0.9.58 do
// (proposal 161), which keeps RouterInfos compressible.
func NewIdentity(sigKey ed25519.PublicKey, encKey [32]byte, pad [32]byte) (*Identity, error) {
	if len(sigKey) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("netdb: Ed25519 key of %d bytes", len(sigKey))
	}
	raw := make([]byte, 0, keysFieldLen+7)
	raw = append(raw, encKey[:]...)
	for len(raw) < keysFieldLen-ed25519.PublicKeySize {
		raw = append(raw, pad[:]...)
	}
	raw = append(raw[:keysFieldLen-ed25519.PublicKeySize], sigKey...)
	cert := Certificate{Type: CertKey, Payload: binary.BigEndian.AppendUint32(nil, uint32(SigEdDSA_SHA512)<<16|uint32(CryptoX25519))}
	raw, _ = cert.AppendBinary(raw)
	return ParseIdentity(raw)
}

// SignEd25519 encodes ri from its fields and signs it with key, which must
// belong to ri.Identity. Afterwards Bytes returns the signed encoding.
func (ri *RouterInfo) SignEd25519(key ed25519.PrivateKey) error {
	if ri.Identity.SigType != SigEdDSA_SHA512 || !key.Public().(ed25519.PublicKey).Equal(ed25519.PublicKey(ri.Identity.SigningKey)) {
		return fmt.Errorf("netdb: key does not match the identity's Ed25519 signing key")
	}
	b, err := ri.appendUnsigned(nil)
	if err != nil {
		return err
	}
	ri.Signature = ed25519.Sign(key, b)
	ri.raw = append(b, ri.Signature...)
	ri.markVerified()
	return nil
}
