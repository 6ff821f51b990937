package netdb

import (
	"crypto/sha256"

	"golang.org/x/crypto/cryptobyte"
)

const (
	pubKeyField  = 256
	sigKeyField  = 128
	keysFieldLen = pubKeyField + sigKeyField
)

// An Identity is a KeysAndCert: a RouterIdentity or Destination.
type Identity struct {
	raw        []byte // the exact encoded bytes
	SigType    SigType
	CryptoType CryptoType
	Cert       Certificate
	// PublicKey is the crypto public key, SigningKey the signing public key,
	// each exactly as long as its type says (excess bytes from the KEY
	// certificate included).
	PublicKey  []byte
	SigningKey []byte
}

// ParseIdentity parses exactly one KeysAndCert from b.
func ParseIdentity(b []byte) (*Identity, error) {
	s := cryptobyte.String(b)
	id, err := readIdentity(&s)
	if err != nil {
		return nil, err
	}
	if !s.Empty() {
		return nil, formatErr("identity", "%d trailing bytes", len(s))
	}
	return id, nil
}

func readIdentity(s *cryptobyte.String) (*Identity, error) {
	start := *s
	var keys []byte
	if !s.ReadBytes(&keys, keysFieldLen) {
		return nil, formatErr("identity", "shorter than %d key bytes", keysFieldLen)
	}
	cert, err := readCertificate(s)
	if err != nil {
		return nil, err
	}
	id := &Identity{raw: start[:len(start)-len(*s)], Cert: cert}
	if id.SigType, id.CryptoType, err = cert.KeyTypes(); err != nil {
		return nil, err
	}
	si, ok := sigInfos[id.SigType]
	if !ok {
		return nil, formatErr("identity", "unknown signing key type %d", uint16(id.SigType))
	}
	cl, ok := cryptoKeyLens[id.CryptoType]
	if !ok {
		return nil, formatErr("identity", "unknown crypto key type %d", uint16(id.CryptoType))
	}
	// Excess bytes in the KEY certificate: signing key beyond 128, then
	// crypto key beyond 256. Nothing else may follow.
	excessSig, excessCrypto := max(0, si.keyLen-sigKeyField), max(0, cl-pubKeyField)
	if cert.Type == CertKey && len(cert.Payload) != 4+excessSig+excessCrypto {
		return nil, formatErr("identity", "KEY certificate payload is %d bytes, %v/%v needs %d",
			len(cert.Payload), id.SigType, id.CryptoType, 4+excessSig+excessCrypto)
	}
	id.PublicKey = keys[:min(cl, pubKeyField)]
	if si.keyLen <= sigKeyField {
		id.SigningKey = keys[keysFieldLen-si.keyLen:]
	} else {
		id.SigningKey = append(append([]byte(nil), keys[pubKeyField:]...), cert.Payload[4:4+excessSig]...)
	}
	return id, nil
}

// Bytes returns the identity's encoding; do not modify it.
func (id *Identity) Bytes() []byte { return id.raw }

// Hash is the SHA-256 of the identity's bytes: the router hash.
func (id *Identity) Hash() Hash { return sha256.Sum256(id.raw) }
