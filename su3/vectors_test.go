package su3_test

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/certs"
	"github.com/i2pseed/i2pseed/su3"
)

var update = flag.Bool("update", false, "regenerate testdata/vectors (signature test vectors)")

const vectorSigner = "vector@mail.i2p"

// TestVectors verifies stored SU3 files of every signature type we sign
// with (1-8), each with the certificate beside it. They pin the wire format:
// a change to header encoding, digest or signature encoding breaks them.
// Regenerate with: go test ./su3 -run TestVectors -update
func TestVectors(t *testing.T) {
	for st := su3.ECDSA_SHA256_P256; st <= su3.EdDSA_SHA512_Ed25519ph; st++ {
		base := filepath.Join("testdata", "vectors", fmt.Sprintf("type%d-%s", st, st))
		if *update {
			writeVector(t, base, st)
		}
		t.Run(st.String(), func(t *testing.T) {
			file, err := os.ReadFile(base + ".su3")
			if err != nil {
				t.Fatal(err)
			}
			c, err := certs.LoadCertificate(base + ".crt")
			if err != nil {
				t.Fatal(err)
			}
			kr := certs.NewKeyring()
			kr.Add(c)
			kr.Now = func() time.Time { return liveNow }
			r, content, err := verifyBytesNoBundle(file, kr)
			if err != nil {
				t.Fatalf("vector does not verify: %v", err)
			}
			if r.SigType != st || string(content) != vectorContent(st) {
				t.Errorf("got type %v content %q", r.SigType, content)
			}
		})
	}
}

func vectorContent(st su3.SigType) string { return "i2pseed signature test vector, " + st.String() }

func writeVector(t *testing.T, base string, st su3.SigType) {
	key := keyFor(t, st)
	file, err := su3.Sign(su3.Header{FileType: su3.FileTxtGz, ContentType: su3.ContentUnknown, Version: "1700000000"},
		[]byte(vectorContent(st)), &su3.Signer{ID: vectorSigner, Key: key, Type: st})
	if err != nil {
		t.Fatal(err)
	}
	der := selfSigned(t, key)
	os.MkdirAll(filepath.Dir(base), 0o755)
	if err := os.WriteFile(base+".su3", file, 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(base+".crt", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}

func selfSigned(t *testing.T, key crypto.Signer) []byte {
	name := pkix.Name{CommonName: vectorSigner}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: name, Issuer: name,
		NotBefore: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:  time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}
