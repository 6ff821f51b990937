package certs

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/i2pseed/i2pseed/internal/atomicfile"
	"github.com/i2pseed/i2pseed/internal/secretfile"
)

const (
	signerKeyBits  = 4096
	signerValidity = 10 * 365 * 24 * time.Hour
)

// ErrExists is returned when a key file would be overwritten.
var ErrExists = errors.New("certs: file exists")

// CertFileName is the certificate file name routers expect for a signer ID:
// '@' becomes "_at_", '<' and '>' become '_', plus ".crt".
func CertFileName(signerID string) string {
	return fileStem(signerID) + ".crt"
}

// KeyFileName is the private key file name paired with CertFileName.
func KeyFileName(signerID string) string {
	return fileStem(signerID) + ".key"
}

func fileStem(id string) string {
	return strings.NewReplacer("@", "_at_", "<", "_", ">", "_", "/", "_", "\\", "_").Replace(id)
}

// A SignerKey is an su3 signing key with its self-signed certificate.
type SignerKey struct {
	ID   string
	Key  crypto.Signer
	Cert *x509.Certificate
}

// GenerateSigner makes a new RSA-4096 signer key (exponent 65537) and a
// self-signed certificate valid for ten years from now, with DN
// C=XX, L=XX, O=I2P Anonymous Network, OU=I2P, CN=<id> and id as e-mail SAN.
// rand nil means crypto/rand.
func GenerateSigner(id string, now time.Time, rnd io.Reader) (*SignerKey, error) {
	if err := checkSignerID(id); err != nil {
		return nil, err
	}
	if rnd == nil {
		rnd = rand.Reader
	}
	key, err := rsa.GenerateKey(rnd, signerKeyBits)
	if err != nil {
		return nil, fmt.Errorf("certs: generate RSA key: %w", err)
	}
	serial, err := rand.Int(rnd, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("certs: serial: %w", err)
	}
	name := pkix.Name{
		Country:            []string{"XX"},
		Locality:           []string{"XX"},
		Organization:       []string{"I2P Anonymous Network"},
		OrganizationalUnit: []string{"I2P"},
		CommonName:         id,
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               name,
		Issuer:                name,
		NotBefore:             now.Add(-time.Hour).UTC(),
		NotAfter:              now.Add(signerValidity).UTC(),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	if strings.Contains(id, "@") {
		tmpl.EmailAddresses = []string{id}
	}
	der, err := x509.CreateCertificate(rnd, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("certs: create certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("certs: parse new certificate: %w", err)
	}
	return &SignerKey{ID: id, Key: key, Cert: cert}, nil
}

func checkSignerID(id string) error {
	if id == "" || len(id) > 64 || strings.ContainsAny(id, "\x00\n\r/,=+\"\\") {
		return fmt.Errorf("certs: signer ID %q must be 1-64 bytes without / , = + \" \\ or control characters", id)
	}
	return nil
}

// WriteFiles writes the certificate (PEM, 0644) and private key (PKCS#8
// PEM, 0600) into dir as CertFileName and KeyFileName, atomically. It
// refuses to replace an existing key unless overwrite is set, and returns
// the two paths.
func (s *SignerKey) WriteFiles(dir string, overwrite bool) (certPath, keyPath string, err error) {
	certPath = filepath.Join(dir, CertFileName(s.ID))
	keyPath = filepath.Join(dir, KeyFileName(s.ID))
	if !overwrite {
		for _, p := range []string{keyPath, certPath} {
			if _, err := os.Stat(p); err == nil {
				return "", "", fmt.Errorf("%w: %s", ErrExists, p)
			}
		}
	}
	keyPEM, err := MarshalPrivateKeyPEM(s.Key)
	if err != nil {
		return "", "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", fmt.Errorf("certs: %w", err)
	}
	if err := atomicfile.WriteFile(keyPath, keyPEM, 0o600); err != nil {
		return "", "", fmt.Errorf("certs: write key: %w", err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Cert.Raw})
	if err := atomicfile.WriteFile(certPath, certPEM, 0o644); err != nil {
		return "", "", fmt.Errorf("certs: write certificate: %w", err)
	}
	return certPath, keyPath, nil
}

// MarshalPrivateKeyPEM encodes key as a PKCS#8 "PRIVATE KEY" PEM block.
func MarshalPrivateKeyPEM(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("certs: encode private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// LoadPrivateKey reads a PEM private key (PKCS#8, PKCS#1 "RSA PRIVATE KEY"
// or SEC 1 "EC PRIVATE KEY").
//
// The file must be readable by this user only (secretfile.CheckMode);
// one that does not parse is named, as likely truncated.
func LoadPrivateKey(path string) (crypto.Signer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("certs: %w", err)
	}
	k, err := ParsePrivateKeyPEM(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (truncated? restore it from a backup)", path, err)
	}
	if err := secretfile.CheckMode(path); err != nil {
		return nil, fmt.Errorf("certs: %w", err)
	}
	return k, nil
}

// ParsePrivateKeyPEM decodes the first private key PEM block in b.
func ParsePrivateKeyPEM(b []byte) (crypto.Signer, error) {
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			return nil, errors.New("certs: no PEM private key found")
		}
		var k any
		var err error
		switch blk.Type {
		case "PRIVATE KEY":
			k, err = x509.ParsePKCS8PrivateKey(blk.Bytes)
		case "RSA PRIVATE KEY":
			k, err = x509.ParsePKCS1PrivateKey(blk.Bytes)
		case "EC PRIVATE KEY":
			k, err = x509.ParseECPrivateKey(blk.Bytes)
		default:
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("certs: parse %s: %w", blk.Type, err)
		}
		s, ok := k.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("certs: %T cannot sign", k)
		}
		return s, nil
	}
}

// LoadSigner reads a signer key and its certificate and checks they match.
// The signer ID is the certificate's CN.
func LoadSigner(keyPath, certPath string) (*SignerKey, error) {
	key, err := LoadPrivateKey(keyPath)
	if err != nil {
		return nil, err
	}
	cert, err := LoadCertificate(certPath)
	if err != nil {
		return nil, err
	}
	if !publicKeysEqual(key.Public(), cert.PublicKey) {
		return nil, fmt.Errorf("certs: key %s does not match certificate %s", keyPath, certPath)
	}
	if k, ok := key.(*rsa.PrivateKey); ok && k.N.BitLen() < 4096 {
		return nil, fmt.Errorf("certs: %s: RSA-%d, %w: su3 bundles are signed RSA-SHA512-4096 (make a new signer with i2pseed keygen)", keyPath, k.N.BitLen(), secretfile.ErrShort)
	}
	return &SignerKey{ID: cert.Subject.CommonName, Key: key, Cert: cert}, nil
}

// LoadCertificate reads one PEM or DER certificate file.
func LoadCertificate(path string) (*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("certs: %w", err)
	}
	c, err := ParseCertificate(b)
	if err != nil {
		return nil, fmt.Errorf("certs: %s: %w", path, err)
	}
	return c, nil
}

// ParseCertificate decodes a certificate in PEM or DER form.
func ParseCertificate(b []byte) (*x509.Certificate, error) {
	if blk, _ := pem.Decode(b); blk != nil {
		if blk.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("PEM block is %q, want CERTIFICATE", blk.Type)
		}
		b = blk.Bytes
	}
	return x509.ParseCertificate(b)
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}

// ErrSignerMismatch means a keys directory holds another signer's
// certificate under the name of the one asked for.
var ErrSignerMismatch = errors.New("certs: the certificate is for another signer")

// LoadOrCreateSigner loads the signer id's key and certificate from dir
// (KeyFileName, CertFileName), generating and writing them (key 0600, dir
// 0700) on first use; created says it did. The testnet and serve keep
// their signers this way.
func LoadOrCreateSigner(dir, id string, now time.Time) (sk *SignerKey, created bool, err error) {
	keyPath, certPath := filepath.Join(dir, KeyFileName(id)), filepath.Join(dir, CertFileName(id))
	if _, err := os.Stat(keyPath); errors.Is(err, os.ErrNotExist) {
		sk, err := GenerateSigner(id, now, nil)
		if err != nil {
			return nil, false, err
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, false, fmt.Errorf("certs: %w", err)
		}
		if _, _, err := sk.WriteFiles(dir, false); err != nil {
			return nil, false, err
		}
		created = true
	}
	if sk, err = LoadSigner(keyPath, certPath); err != nil {
		return nil, created, err
	}
	if sk.ID != id {
		return nil, created, fmt.Errorf("%w: %s is for %s", ErrSignerMismatch, certPath, sk.ID)
	}
	return sk, created, nil
}
