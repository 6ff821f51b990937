package su3

import (
	"crypto"
	"crypto/dsa" //lint:ignore SA1019 SU3 signature type 0 is DSA-SHA1; verification only.
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"fmt"
	"io"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// rsaExponent is the only public exponent accepted: i2pd verifies by
// computing s^65537 mod n.
const rsaExponent = 65537

// SigTypeForKey returns the signature type a public key signs with:
// RSA 2048/3072/4096 -> 4/5/6, ECDSA P-256/384/521 -> 1/2/3, Ed25519 -> 7.
func SigTypeForKey(pub crypto.PublicKey) (SigType, error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		for _, t := range []SigType{RSA_SHA256_2048, RSA_SHA384_3072, RSA_SHA512_4096} {
			if k.N.BitLen() == sigTable[t].keyBits {
				return t, nil
			}
		}
		return 0, fmt.Errorf("%w: RSA-%d (want 2048, 3072 or 4096)", ErrKeyMismatch, k.N.BitLen())
	case *ecdsa.PublicKey:
		for _, t := range []SigType{ECDSA_SHA256_P256, ECDSA_SHA384_P384, ECDSA_SHA512_P521} {
			if k.Curve.Params().BitSize == sigTable[t].keyBits {
				return t, nil
			}
		}
		return 0, fmt.Errorf("%w: ECDSA curve %s", ErrKeyMismatch, k.Curve.Params().Name)
	case ed25519.PublicKey:
		return EdDSA_SHA512_Ed25519, nil
	}
	return 0, fmt.Errorf("%w: unsupported key type %T", ErrKeyMismatch, pub)
}

// fits reports whether pub is a key of the kind and size that t needs.
func fits(t SigType, pub crypto.PublicKey) bool {
	switch k := pub.(type) {
	case *dsa.PublicKey:
		return t == DSA_SHA1 && k.P.BitLen() == 1024 && k.Q.BitLen() == 160
	case *rsa.PublicKey:
		return t >= RSA_SHA256_2048 && t <= RSA_SHA512_4096 &&
			k.N.BitLen() == sigTable[t].keyBits && k.E == rsaExponent
	case *ecdsa.PublicKey:
		return t >= ECDSA_SHA256_P256 && t <= ECDSA_SHA512_P521 &&
			k.Curve.Params().BitSize == sigTable[t].keyBits
	case ed25519.PublicKey:
		return (t == EdDSA_SHA512_Ed25519 || t == EdDSA_SHA512_Ed25519ph) && len(k) == ed25519.PublicKeySize
	}
	return false
}

// verifyDigest checks a raw signature of type t over digest.
func verifyDigest(t SigType, pub crypto.PublicKey, digest, sig []byte) error {
	if !fits(t, pub) {
		return fmt.Errorf("%w: %T key for %v", ErrKeyMismatch, pub, t)
	}
	if len(sig) != t.Size() {
		return fmt.Errorf("%w: %d-byte signature for %v", ErrSignature, len(sig), t)
	}
	ok := false
	switch k := pub.(type) {
	case *dsa.PublicKey:
		r, s := splitRS(sig)
		ok = dsa.Verify(k, digest, r, s)
	case *rsa.PublicKey:
		// Hash 0: PKCS#1 v1.5 padding over the bare digest, no DigestInfo.
		ok = rsa.VerifyPKCS1v15(k, crypto.Hash(0), digest, sig) == nil
	case *ecdsa.PublicKey:
		r, s := splitRS(sig)
		ok = ecdsa.Verify(k, digest, r, s)
	case ed25519.PublicKey:
		ok = ed25519.Verify(k, digest, sig)
	}
	if !ok {
		return ErrSignature
	}
	return nil
}

func splitRS(sig []byte) (r, s *big.Int) {
	h := len(sig) / 2
	return new(big.Int).SetBytes(sig[:h]), new(big.Int).SetBytes(sig[h:])
}

// signDigest makes a raw signature of type t over digest with key.
func signDigest(t SigType, key crypto.Signer, digest []byte, rand io.Reader) ([]byte, error) {
	if t == DSA_SHA1 {
		return nil, fmt.Errorf("su3: signing with %v is not supported", t)
	}
	if !fits(t, key.Public()) {
		return nil, fmt.Errorf("%w: %T key for %v", ErrKeyMismatch, key.Public(), t)
	}
	// crypto.Hash(0) asks RSA for PKCS#1 v1.5 without DigestInfo and
	// Ed25519 for plain (not prehashed) signing of the digest bytes.
	sig, err := key.Sign(rand, digest, crypto.Hash(0))
	if err != nil {
		return nil, fmt.Errorf("su3: sign: %w", err)
	}
	if _, isEC := key.Public().(*ecdsa.PublicKey); isEC {
		return ecdsaRaw(sig, t)
	}
	return sig, nil
}

// ecdsaRaw converts an ASN.1 ECDSA signature to fixed-length r||s.
func ecdsaRaw(der []byte, t SigType) ([]byte, error) {
	var r, s big.Int
	in := cryptobyte.String(der)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, asn1.SEQUENCE) || !in.Empty() ||
		!seq.ReadASN1Integer(&r) || !seq.ReadASN1Integer(&s) || !seq.Empty() {
		return nil, fmt.Errorf("su3: signer returned a malformed ECDSA signature")
	}
	n := t.Size() / 2
	out := make([]byte, 2*n)
	r.FillBytes(out[:n])
	s.FillBytes(out[n:])
	return out, nil
}
