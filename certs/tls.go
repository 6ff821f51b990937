package certs

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"strings"
	"time"

	"github.com/i2pseed/i2pseed/internal/atomicfile"
)

// TLSValidity is how long a generated self-signed TLS certificate is valid.
// Clients of self-signed reseed servers pin the certificate, so it is long.
const TLSValidity = 5 * 365 * 24 * time.Hour

// A TLSCert is a TLS server key and certificate.
type TLSCert struct {
	Key  *ecdsa.PrivateKey
	Cert *x509.Certificate
}

// GenerateTLS makes an ECDSA P-256 key and a self-signed server certificate
// whose SANs are hosts: each an IP address or a DNS name. rand nil means
// crypto/rand.
func GenerateTLS(hosts []string, now time.Time, rnd io.Reader) (*TLSCert, error) {
	if len(hosts) == 0 {
		return nil, errors.New("certs: a TLS certificate needs at least one host")
	}
	if rnd == nil {
		rnd = rand.Reader
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rnd)
	if err != nil {
		return nil, fmt.Errorf("certs: generate P-256 key: %w", err)
	}
	serial, err := rand.Int(rnd, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("certs: serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: hosts[0]},
		NotBefore:             now.Add(-time.Hour).UTC(),
		NotAfter:              now.Add(TLSValidity).UTC(),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	for _, h := range hosts {
		h = strings.TrimSpace(h)
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if h != "" {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rnd, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("certs: create TLS certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("certs: parse new TLS certificate: %w", err)
	}
	return &TLSCert{Key: key, Cert: cert}, nil
}

// WriteFiles writes the certificate (PEM, 0644) and key (PKCS#8 PEM, 0600)
// atomically, refusing to replace an existing key unless overwrite is set.
func (c *TLSCert) WriteFiles(certPath, keyPath string, overwrite bool) error {
	if !overwrite {
		if _, err := os.Stat(keyPath); err == nil {
			return fmt.Errorf("%w: %s", ErrExists, keyPath)
		}
	}
	keyPEM, err := MarshalPrivateKeyPEM(c.Key)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(keyPath, keyPEM, 0o600); err != nil {
		return fmt.Errorf("certs: write TLS key: %w", err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Cert.Raw})
	if err := atomicfile.WriteFile(certPath, certPEM, 0o644); err != nil {
		return fmt.Errorf("certs: write TLS certificate: %w", err)
	}
	return nil
}

// Certificate returns c for use in a tls.Config.
func (c *TLSCert) Certificate() tls.Certificate {
	return tls.Certificate{Certificate: [][]byte{c.Cert.Raw}, PrivateKey: c.Key, Leaf: c.Cert}
}

// Fingerprint is the SHA-256 of a certificate's DER encoding in lowercase
// hex, the value a client pins.
func Fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return hex.EncodeToString(sum[:])
}
