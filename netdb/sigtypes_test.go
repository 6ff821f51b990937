package netdb

import (
	"crypto"
	"crypto/dsa"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"math/big"
	"testing"
)

// buildIdentity lays out a KeysAndCert by the spec: crypto key left-aligned
// in 256 bytes, signing key right-aligned in 128 bytes with any excess in
// the KEY certificate.
func buildIdentity(t *testing.T, st SigType, sigKey []byte) *Identity {
	t.Helper()
	raw := make([]byte, keysFieldLen)
	rand.Read(raw[:pubKeyField]) // ElGamal-sized random crypto key
	var excess []byte
	if len(sigKey) > sigKeyField {
		copy(raw[pubKeyField:], sigKey[:sigKeyField])
		excess = sigKey[sigKeyField:]
	} else {
		copy(raw[keysFieldLen-len(sigKey):], sigKey)
	}
	if st == SigDSA_SHA1 {
		raw = append(raw, 0, 0, 0) // NULL certificate
	} else {
		payload := binary.BigEndian.AppendUint16(nil, uint16(st))
		payload = binary.BigEndian.AppendUint16(payload, uint16(CryptoElGamal))
		payload = append(payload, excess...)
		raw, _ = Certificate{Type: CertKey, Payload: payload}.AppendBinary(raw)
	}
	id, err := ParseIdentity(raw)
	if err != nil {
		t.Fatalf("%v identity: %v", st, err)
	}
	return id
}

// signedRI builds a RouterInfo for id and signs it with sign.
func signedRI(t *testing.T, id *Identity, sign func(data []byte) []byte) []byte {
	ri := &RouterInfo{Identity: id, Published: 1, Options: Mapping{{"caps", "LR"}, {"netId", "2"}}}
	data, err := ri.appendUnsigned(nil)
	if err != nil {
		t.Fatal(err)
	}
	return append(data, sign(data)...)
}

func fixedRS(r, s *big.Int, n int) []byte {
	out := make([]byte, 2*n)
	r.FillBytes(out[:n])
	s.FillBytes(out[n:])
	return out
}

// TestVerifySigTypes signs RouterInfos with every type a RouterInfo can
// carry besides Ed25519 (covered by the live files): ECDSA P-256, P-384,
// P-521 and DSA-SHA1 with I2P's fixed group.
func TestVerifySigTypes(t *testing.T) {
	for _, tt := range []struct {
		st    SigType
		curve elliptic.Curve
		hash  crypto.Hash
	}{
		{SigECDSA_SHA256_P256, elliptic.P256(), crypto.SHA256},
		{SigECDSA_SHA384_P384, elliptic.P384(), crypto.SHA384},
		{SigECDSA_SHA512_P521, elliptic.P521(), crypto.SHA512},
	} {
		t.Run(tt.st.String(), func(t *testing.T) {
			key, _ := ecdsa.GenerateKey(tt.curve, rand.Reader)
			n := (tt.curve.Params().BitSize + 7) / 8
			pub := append(key.X.FillBytes(make([]byte, n)), key.Y.FillBytes(make([]byte, n))...)
			b := signedRI(t, buildIdentity(t, tt.st, pub), func(data []byte) []byte {
				h := tt.hash.New()
				h.Write(data)
				r, s, _ := ecdsa.Sign(rand.Reader, key, h.Sum(nil))
				return fixedRS(r, s, n)
			})
			checkSigned(t, b)
		})
	}
	t.Run("ECDSA key off the curve", func(t *testing.T) {
		bad := make([]byte, 64)
		for i := range bad {
			bad[i] = 1
		}
		if err := verifySig(SigECDSA_SHA256_P256, bad, []byte("data"), make([]byte, 64)); !errors.Is(err, ErrSignature) {
			t.Errorf("got %v, want ErrSignature", err)
		}
	})
	t.Run("DSA_SHA1", func(t *testing.T) {
		priv := &dsa.PrivateKey{PublicKey: dsa.PublicKey{Parameters: i2pDSA}}
		if err := dsa.GenerateKey(priv, rand.Reader); err != nil {
			t.Fatal(err)
		}
		b := signedRI(t, buildIdentity(t, SigDSA_SHA1, priv.Y.FillBytes(make([]byte, 128))), func(data []byte) []byte {
			h := crypto.SHA1.New()
			h.Write(data)
			r, s, _ := dsa.Sign(rand.Reader, priv, h.Sum(nil))
			return fixedRS(r, s, 20)
		})
		checkSigned(t, b)
	})
}

func checkSigned(t *testing.T, b []byte) {
	t.Helper()
	ri, err := ParseRouterInfo(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := ri.Verify(); err != nil {
		t.Fatalf("valid signature: %v", err)
	}
	b[len(b)-len(ri.Signature)-2] ^= 1 // netId "2" becomes "3"
	ri, err = ParseRouterInfo(b)
	if err != nil {
		t.Fatal(err)
	}
	if ri.Option("netId") != "3" {
		t.Fatalf("netId = %q after the flip, want 3", ri.Option("netId"))
	}
	if err := ri.Verify(); !errors.Is(err, ErrSignature) {
		t.Errorf("tampered RouterInfo: got %v, want ErrSignature", err)
	}
}
