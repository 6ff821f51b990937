package netdb

import (
	"bytes"
	"crypto"
	"crypto/dsa" //lint:ignore SA1019 RouterInfos of old routers are signed with DSA-SHA1.
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"encoding/hex"
	"fmt"
	"math/big"
	"sync/atomic"
)

// The DSA group all I2P DSA-SHA1 keys use (I2P cryptography spec, "DSA").
var i2pDSA = dsa.Parameters{
	P: mustHex("9c05b2aa960d9b97b8931963c9cc9e8c3026e9b8ed92fad0a69cc886d5bf8015fcadae31a0ad18fab3f01b00a358de237655c4964afaa2b337e96ad316b9fb1cc564b5aec5b69a9ff6c3e4548707fef8503d91dd8602e867e6d35d2235c1869ce2479c3b9d5401de04e0727fb33d6511285d4cf29538d9e3b6051f5b22cc1c93"),
	Q: mustHex("a5dfc28fef4ca1e286744cd8eed9d29d684046b7"),
	G: mustHex("0c1f4d27d40093b429e962d7223824e0bbc47e7c832a39236fc683af84889581075ff9082ed32353d4374d7301cda1d23c431f4698599dda02451824ff369752593647cc3ddc197de985e43d136cdcfc6bd5409cd2f450821142a5e6f8eb1c3ab5d0484b8129fcf17bce4f7f33321c3cb3dbb14a905e7b2b3e93be4708cbcc82"),
}

func mustHex(s string) *big.Int {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return new(big.Int).SetBytes(b)
}

// Verify checks the RouterInfo's signature with its identity's signing key.
// It returns ErrSignature for a bad signature and ErrUnsupported for key
// types a RouterInfo may not use. A RouterInfo that verified (or that
// SignEd25519 signed) is not checked again while its signature is the same.
func (ri *RouterInfo) Verify() error {
	if v := ri.verified.Load(); v != nil && bytes.Equal(*v, ri.Signature) {
		return nil
	}
	verifications.Add(1)
	data := ri.raw[:len(ri.raw)-len(ri.Signature)]
	if err := verifySig(ri.Identity.SigType, ri.Identity.SigningKey, data, ri.Signature); err != nil {
		return err
	}
	ri.markVerified()
	return nil
}

func (ri *RouterInfo) markVerified() {
	sig := bytes.Clone(ri.Signature)
	ri.verified.Store(&sig)
}

// Parse and signature counts, for tests and metrics: how much work reading
// RouterInfos costs.
var parses, verifications atomic.Uint64

// Counts is how many RouterInfos this process parsed and how many
// signatures it checked.
type Counts struct{ Parses, Verifications uint64 }

// ReadCounts returns the counts so far.
func ReadCounts() Counts { return Counts{parses.Load(), verifications.Load()} }

func verifySig(t SigType, key, data, sig []byte) error {
	ok := false
	switch t {
	case SigEdDSA_SHA512:
		ok = ed25519.Verify(ed25519.PublicKey(key), data, sig)
	case SigECDSA_SHA256_P256, SigECDSA_SHA384_P384, SigECDSA_SHA512_P521:
		curve, h := ecParams(t)
		// X || Y as an uncompressed point; parsing checks it is on the curve.
		pub, err := ecdsa.ParseUncompressedPublicKey(curve, append([]byte{4}, key...))
		if err != nil {
			return fmt.Errorf("%w: ECDSA key: %w", ErrSignature, err)
		}
		d := h.New()
		d.Write(data)
		r, s := splitRS(sig)
		ok = ecdsa.Verify(pub, d.Sum(nil), r, s)
	case SigDSA_SHA1:
		pub := &dsa.PublicKey{Parameters: i2pDSA, Y: new(big.Int).SetBytes(key)}
		d := crypto.SHA1.New()
		d.Write(data)
		r, s := splitRS(sig)
		ok = dsa.Verify(pub, d.Sum(nil), r, s)
	default:
		return fmt.Errorf("%w: %v", ErrUnsupported, t)
	}
	if !ok {
		return ErrSignature
	}
	return nil
}

func ecParams(t SigType) (elliptic.Curve, crypto.Hash) {
	switch t {
	case SigECDSA_SHA256_P256:
		return elliptic.P256(), crypto.SHA256
	case SigECDSA_SHA384_P384:
		return elliptic.P384(), crypto.SHA384
	}
	return elliptic.P521(), crypto.SHA512
}

func splitRS(sig []byte) (*big.Int, *big.Int) {
	h := len(sig) / 2
	return new(big.Int).SetBytes(sig[:h]), new(big.Int).SetBytes(sig[h:])
}
