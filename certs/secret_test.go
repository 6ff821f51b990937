package certs

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/internal/secretfile"
)

// TestLoadSignerRefusesWeakOrExposedKeys: a signer key shorter than
// RSA-4096, or one group or others can read, is refused; a 0600 RSA-4096
// key loads.
func TestLoadSignerRefusesWeakOrExposedKeys(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	sk, err := GenerateSigner("ok@mail.i2p", now, nil)
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath, err := sk.WriteFiles(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSigner(keyPath, certPath); err != nil {
		t.Fatalf("a 0600 RSA-4096 signer: %v", err)
	}
	if err := os.Chmod(keyPath, 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSigner(keyPath, certPath); !errors.Is(err, secretfile.ErrExposed) {
		t.Errorf("a 0640 signer key: %v, want ErrExposed", err)
	}

	weak, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "weak@mail.i2p"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &weak.PublicKey, weak)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err := MarshalPrivateKeyPEM(weak)
	if err != nil {
		t.Fatal(err)
	}
	wk, wc := filepath.Join(dir, "weak.key"), filepath.Join(dir, "weak.crt")
	if err := os.WriteFile(wk, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(wc, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSigner(wk, wc); !errors.Is(err, secretfile.ErrShort) {
		t.Errorf("an RSA-2048 signer: %v, want ErrShort", err)
	}
}
