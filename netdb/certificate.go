package netdb

import (
	"encoding/binary"

	"golang.org/x/crypto/cryptobyte"
)

// A Certificate is the type and payload following a KeysAndCert's keys.
type Certificate struct {
	Type    CertType
	Payload []byte
}

// ParseCertificate parses exactly one Certificate from b.
func ParseCertificate(b []byte) (Certificate, error) {
	s := cryptobyte.String(b)
	c, err := readCertificate(&s)
	if err != nil {
		return c, err
	}
	if !s.Empty() {
		return c, formatErr("certificate", "%d trailing bytes", len(s))
	}
	return c, nil
}

func readCertificate(s *cryptobyte.String) (Certificate, error) {
	var c Certificate
	var t uint8
	var payload cryptobyte.String
	if !s.ReadUint8(&t) || !s.ReadUint16LengthPrefixed(&payload) {
		return c, formatErr("certificate", "truncated")
	}
	c.Type, c.Payload = CertType(t), payload
	switch c.Type {
	case CertNull:
		if len(payload) != 0 {
			return c, formatErr("certificate", "NULL certificate with %d-byte payload", len(payload))
		}
	case CertKey:
		if len(payload) < 4 {
			return c, formatErr("certificate", "KEY certificate payload of %d bytes, want >= 4", len(payload))
		}
	}
	return c, nil
}

// AppendBinary appends the encoded certificate to b.
func (c Certificate) AppendBinary(b []byte) ([]byte, error) {
	if len(c.Payload) > 0xffff {
		return b, formatErr("certificate", "payload of %d bytes", len(c.Payload))
	}
	b = append(b, byte(c.Type))
	b = binary.BigEndian.AppendUint16(b, uint16(len(c.Payload)))
	return append(b, c.Payload...), nil
}

// KeyTypes returns the signing and crypto types the certificate declares:
// from a KEY certificate's payload, or DSA-SHA1 and ElGamal for a NULL one.
func (c Certificate) KeyTypes() (SigType, CryptoType, error) {
	switch c.Type {
	case CertNull:
		return SigDSA_SHA1, CryptoElGamal, nil
	case CertKey:
		return SigType(binary.BigEndian.Uint16(c.Payload)), CryptoType(binary.BigEndian.Uint16(c.Payload[2:])), nil
	}
	return 0, 0, formatErr("certificate", "%v certificate in a router identity", c.Type)
}
