package su3_test

import (
	"bytes"
	"crypto"
	"crypto/dsa"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha512"
	"errors"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/i2pseed/i2pseed/su3"
)

// staticKeyring trusts fixed keys, for signature types (DSA) that cannot be
// put into an X.509 certificate with Go.
type staticKeyring map[string][]crypto.PublicKey

func (k staticKeyring) PublicKeys(id string) ([]crypto.PublicKey, error) {
	if keys, ok := k[id]; ok {
		return keys, nil
	}
	return nil, fmt.Errorf("no key for %q", id)
}

var (
	keysOnce sync.Once
	testKeys map[su3.SigType]crypto.Signer
)

// keyFor returns a freshly generated key per signature type (RSA keys are
// shared by size class and made once per test binary).
func keyFor(t testing.TB, st su3.SigType) crypto.Signer {
	t.Helper()
	keysOnce.Do(func() {
		testKeys = map[su3.SigType]crypto.Signer{}
		gen := map[su3.SigType]func() (crypto.Signer, error){
			su3.ECDSA_SHA256_P256:      func() (crypto.Signer, error) { return ecdsa.GenerateKey(elliptic.P256(), rand.Reader) },
			su3.ECDSA_SHA384_P384:      func() (crypto.Signer, error) { return ecdsa.GenerateKey(elliptic.P384(), rand.Reader) },
			su3.ECDSA_SHA512_P521:      func() (crypto.Signer, error) { return ecdsa.GenerateKey(elliptic.P521(), rand.Reader) },
			su3.RSA_SHA256_2048:        func() (crypto.Signer, error) { return rsa.GenerateKey(rand.Reader, 2048) },
			su3.RSA_SHA384_3072:        func() (crypto.Signer, error) { return rsa.GenerateKey(rand.Reader, 3072) },
			su3.RSA_SHA512_4096:        func() (crypto.Signer, error) { return testRSA4096(t) },
			su3.EdDSA_SHA512_Ed25519:   func() (crypto.Signer, error) { _, k, err := ed25519.GenerateKey(rand.Reader); return k, err },
			su3.EdDSA_SHA512_Ed25519ph: func() (crypto.Signer, error) { _, k, err := ed25519.GenerateKey(rand.Reader); return k, err },
		}
		for st, g := range gen {
			k, err := g()
			if err != nil {
				panic(err)
			}
			testKeys[st] = k
		}
	})
	return testKeys[st]
}

// testRSA4096 loads the fixed RSA-4096 test signer from testdata: making
// one takes seconds.
func testRSA4096(t testing.TB) (crypto.Signer, error) {
	b, err := os.ReadFile("testdata/test-signer.key")
	if err != nil {
		return nil, err
	}
	return parseKey(b)
}

// TestSignVerifyAllTypes signs with every type we sign with (1-8) and checks
// the signature both through Reader.Verify and independently of the
// package, proving the raw-over-digest encodings.
func TestSignVerifyAllTypes(t *testing.T) {
	content := []byte("PK fake zip content for a signature test")
	for st := su3.ECDSA_SHA256_P256; st <= su3.EdDSA_SHA512_Ed25519ph; st++ {
		t.Run(st.String(), func(t *testing.T) {
			key := keyFor(t, st)
			file, err := su3.Sign(su3.Header{FileType: su3.FileZip, ContentType: su3.ContentReseed, Version: "1700000000"},
				content, &su3.Signer{ID: "test@mail.i2p", Key: key, Type: st})
			if err != nil {
				t.Fatal(err)
			}
			r, err := su3.NewReader(bytes.NewReader(file), int64(len(file)))
			if err != nil {
				t.Fatal(err)
			}
			if r.SigType != st {
				t.Fatalf("header sig type = %v, want %v", r.SigType, st)
			}
			kr := staticKeyring{"test@mail.i2p": {key.Public()}}
			c, err := r.Verify(kr)
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			got := make([]byte, c.Size())
			c.ReadAt(got, 0)
			if !bytes.Equal(got, content) {
				t.Errorf("content = %q, want %q", got, content)
			}
			sig := file[len(file)-st.Size():]
			h := st.Hash().New()
			h.Write(file[:len(file)-st.Size()])
			if err := independentVerify(key.Public(), h.Sum(nil), sig, st); err != nil {
				t.Error(err)
			}
		})
	}
}

// independentVerify checks sig with textbook operations, not the package.
func independentVerify(pub crypto.PublicKey, digest, sig []byte, st su3.SigType) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		// s^e mod n must be 00 01 FF..FF 00 || digest: no DigestInfo.
		m := new(big.Int).Exp(new(big.Int).SetBytes(sig), big.NewInt(int64(k.E)), k.N)
		em := m.FillBytes(make([]byte, k.Size()))
		want := append([]byte{0, 1}, bytes.Repeat([]byte{0xff}, k.Size()-3-len(digest))...)
		want = append(append(want, 0), digest...)
		if !bytes.Equal(em, want) {
			return fmt.Errorf("RSA signature does not open to 00 01 FF..FF 00 || digest")
		}
	case *ecdsa.PublicKey:
		n := len(sig) / 2
		if !ecdsa.Verify(k, digest, new(big.Int).SetBytes(sig[:n]), new(big.Int).SetBytes(sig[n:])) {
			return fmt.Errorf("ECDSA r||s does not verify")
		}
	case ed25519.PublicKey:
		if !ed25519.Verify(k, digest, sig) {
			return fmt.Errorf("not plain Ed25519 over the SHA-512 digest")
		}
		if st == su3.EdDSA_SHA512_Ed25519ph {
			// Must not be RFC 8032 Ed25519ph.
			if ed25519.VerifyWithOptions(k, digest, sig, &ed25519.Options{Hash: crypto.SHA512}) == nil {
				return fmt.Errorf("type 8 signature is RFC 8032 Ed25519ph")
			}
		}
	default:
		return fmt.Errorf("unexpected key %T", pub)
	}
	return nil
}

// TestVerifyDSA checks type 0, which Go cannot sign in a certificate: a raw
// 40-byte r||s over SHA-1, made with crypto/dsa.
func TestVerifyDSA(t *testing.T) {
	var priv dsa.PrivateKey
	if err := dsa.GenerateParameters(&priv.Parameters, rand.Reader, dsa.L1024N160); err != nil {
		t.Fatal(err)
	}
	if err := dsa.GenerateKey(&priv, rand.Reader); err != nil {
		t.Fatal(err)
	}
	h := su3.Header{SigType: su3.DSA_SHA1, FileType: su3.FileXMLGz, ContentType: su3.ContentNews, Version: "0.9.66", SignerID: "dsa@mail.i2p", ContentLength: 5}
	file, err := h.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	file = append(file, "hello"...)
	digest := sha1Sum(file)
	r, s, err := dsa.Sign(rand.Reader, &priv, digest)
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 40)
	r.FillBytes(sig[:20])
	s.FillBytes(sig[20:])
	good := append(bytes.Clone(file), sig...)
	kr := staticKeyring{"dsa@mail.i2p": {&priv.PublicKey}}
	if _, _, err := verifyBytesNoBundle(good, kr); err != nil {
		t.Fatalf("valid DSA file: %v", err)
	}
	bad := bytes.Clone(good)
	bad[len(bad)-1] ^= 1
	if _, _, err := verifyBytesNoBundle(bad, kr); !errors.Is(err, su3.ErrSignature) {
		t.Fatalf("corrupt DSA signature: got %v, want ErrSignature", err)
	}
}

func verifyBytesNoBundle(b []byte, kr su3.Keyring) (*su3.Reader, []byte, error) {
	r, err := su3.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, nil, err
	}
	c, err := r.Verify(kr)
	if err != nil {
		return r, nil, err
	}
	out := make([]byte, c.Size())
	_, err = c.ReadAt(out, 0)
	return r, out, err
}

// TestKeyMismatch: a key of the wrong kind or size for the header's type.
func TestKeyMismatch(t *testing.T) {
	file, err := su3.Sign(su3.Header{ContentType: su3.ContentReseed, Version: "1"}, []byte("x"),
		&su3.Signer{ID: "a", Key: keyFor(t, su3.EdDSA_SHA512_Ed25519)})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []su3.SigType{su3.RSA_SHA256_2048, su3.ECDSA_SHA256_P256} {
		_, _, err := verifyBytesNoBundle(file, staticKeyring{"a": {keyFor(t, st).Public()}})
		if !errors.Is(err, su3.ErrKeyMismatch) {
			t.Errorf("%v key for an Ed25519 file: got %v, want ErrKeyMismatch", st, err)
		}
	}
	// Signing an RSA-2048 key as type 6 is refused.
	_, err = su3.Sign(su3.Header{Version: "1"}, []byte("x"), &su3.Signer{ID: "a", Key: keyFor(t, su3.RSA_SHA256_2048), Type: su3.RSA_SHA512_4096})
	if !errors.Is(err, su3.ErrKeyMismatch) {
		t.Errorf("RSA-2048 key as type 6: got %v, want ErrKeyMismatch", err)
	}
}

// TestRSAMatchesOpenSSL: RSA PKCS#1 v1.5 is deterministic, so our type-6
// signature must equal what OpenSSL's raw pkeyutl signing makes over the
// same digest (no DigestInfo). OpenSSL is an independent implementation.
func TestRSAMatchesOpenSSL(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed")
	}
	key := keyFor(t, su3.RSA_SHA512_4096)
	content := readLive(t)[76 : 76+1000]
	file, err := su3.Sign(su3.Header{ContentType: su3.ContentReseed, Version: "1700000000"}, content, &su3.Signer{ID: "test@mail.i2p", Key: key})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	digest := sha512.Sum512(file[:len(file)-512])
	os.WriteFile(filepath.Join(dir, "digest"), digest[:], 0o600)
	out, err := exec.Command(openssl, "pkeyutl", "-sign", "-inkey", "testdata/test-signer.key",
		"-pkeyopt", "rsa_padding_mode:pkcs1", "-in", filepath.Join(dir, "digest")).Output()
	if err != nil {
		t.Fatalf("openssl: %v", err)
	}
	if !bytes.Equal(out, file[len(file)-512:]) {
		t.Error("our RSA-SHA512-4096 signature differs from OpenSSL's raw PKCS#1 v1.5 signature")
	}
}
