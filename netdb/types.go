package netdb

import "fmt"

// SigType is a signing key and signature type (Common Structures, "Key
// Certificates").
type SigType uint16

const (
	SigDSA_SHA1          SigType = 0 // 128-byte key, 40-byte r||s over SHA-1; old routers
	SigECDSA_SHA256_P256 SigType = 1 // 64-byte key (x||y), 64-byte r||s
	SigECDSA_SHA384_P384 SigType = 2 // 96-byte key, 96-byte r||s
	SigECDSA_SHA512_P521 SigType = 3 // 132-byte key (4 bytes in the certificate), 132-byte r||s
	SigRSA_SHA256_2048   SigType = 4 // not allowed in RouterIdentities
	SigRSA_SHA384_3072   SigType = 5 // not allowed in RouterIdentities
	SigRSA_SHA512_4096   SigType = 6 // not allowed in RouterIdentities
	SigEdDSA_SHA512      SigType = 7 // 32-byte Ed25519 key, 64-byte signature; current routers
	SigEdDSA_SHA512ph    SigType = 8 // not used in RouterInfos
	SigRedDSA_SHA512     SigType = 11
)

type sigInfo struct {
	name            string
	keyLen, sigLen  int
	routerSupported bool
}

var sigInfos = map[SigType]sigInfo{
	SigDSA_SHA1:          {"DSA_SHA1", 128, 40, true},
	SigECDSA_SHA256_P256: {"ECDSA_SHA256_P256", 64, 64, true},
	SigECDSA_SHA384_P384: {"ECDSA_SHA384_P384", 96, 96, true},
	SigECDSA_SHA512_P521: {"ECDSA_SHA512_P521", 132, 132, true},
	SigRSA_SHA256_2048:   {"RSA_SHA256_2048", 256, 256, false},
	SigRSA_SHA384_3072:   {"RSA_SHA384_3072", 384, 384, false},
	SigRSA_SHA512_4096:   {"RSA_SHA512_4096", 512, 512, false},
	SigEdDSA_SHA512:      {"EdDSA_SHA512_Ed25519", 32, 64, true},
	SigEdDSA_SHA512ph:    {"EdDSA_SHA512_Ed25519ph", 32, 64, false},
	SigRedDSA_SHA512:     {"RedDSA_SHA512_Ed25519", 32, 64, false},
}

func (t SigType) String() string {
	if i, ok := sigInfos[t]; ok {
		return i.name
	}
	return fmt.Sprintf("SigType(%d)", uint16(t))
}

// CryptoType is a public encryption key type.
type CryptoType uint16

const (
	CryptoElGamal CryptoType = 0 // 256-byte key
	CryptoP256    CryptoType = 1 // 64 bytes, unused
	CryptoP384    CryptoType = 2 // 96 bytes, unused
	CryptoP521    CryptoType = 3 // 132 bytes, unused
	CryptoX25519  CryptoType = 4 // 32-byte key; current routers
)

var cryptoKeyLens = map[CryptoType]int{CryptoElGamal: 256, CryptoP256: 64, CryptoP384: 96, CryptoP521: 132, CryptoX25519: 32}

func (t CryptoType) String() string {
	switch t {
	case CryptoElGamal:
		return "ElGamal"
	case CryptoP256:
		return "P256"
	case CryptoP384:
		return "P384"
	case CryptoP521:
		return "P521"
	case CryptoX25519:
		return "X25519"
	}
	return fmt.Sprintf("CryptoType(%d)", uint16(t))
}

// CertType is a Certificate's type byte.
type CertType uint8

const (
	CertNull     CertType = 0
	CertHashCash CertType = 1
	CertHidden   CertType = 2
	CertSigned   CertType = 3
	CertMultiple CertType = 4
	CertKey      CertType = 5 // payload: SigType, CryptoType, excess key bytes
)

func (t CertType) String() string {
	names := [...]string{"NULL", "HASHCASH", "HIDDEN", "SIGNED", "MULTIPLE", "KEY"}
	if int(t) < len(names) {
		return names[t]
	}
	return fmt.Sprintf("CertType(%d)", uint8(t))
}
