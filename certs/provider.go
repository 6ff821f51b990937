package certs

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"time"

	"github.com/i2pseed/i2pseed/internal/secretfile"
)

// A Provider is where a server's TLS certificate comes from: a
// self-signed certificate kept in the data directory (SelfSignedCert),
// files the operator renews (LoadFileCert), or ACME (NewACME). Every
// provider's TLSConfig follows one policy (ServerPolicy).
type Provider interface {
	// TLSConfig is the server's TLS configuration.
	TLSConfig() *tls.Config
	// HTTPHandler serves plain HTTP: ACME answers its HTTP-01 challenges
	// there; everything else goes to fallback.
	HTTPHandler(fallback http.Handler) http.Handler
	// Fingerprint is the SHA-256 of the current certificate, for pins.
	Fingerprint() string
	// NotAfter is when the current certificate expires; zero while there
	// is none.
	NotAfter() time.Time
	// Reload reads the certificate again (SIGHUP); on error the old one
	// stays. A provider that renews by itself does nothing.
	Reload() error
}

var (
	_ Provider = (*FileCert)(nil)
	_ Provider = (*ACME)(nil)
)

// ServerPolicy applies the TLS policy of every i2pseed server to c and
// returns it: TLS 1.2 or newer (Java I2P 0.9.x and i2pd both speak it),
// X25519 then P-256, and HTTP/2 and HTTP/1.1 offered first, keeping any
// protocol the provider needs (acme-tls/1).
func ServerPolicy(c *tls.Config) *tls.Config {
	c.MinVersion = tls.VersionTLS12
	c.CurvePreferences = []tls.CurveID{tls.X25519, tls.CurveP256}
	protos := []string{"h2", "http/1.1"}
	for _, p := range c.NextProtos {
		if !slices.Contains(protos, p) {
			protos = append(protos, p)
		}
	}
	c.NextProtos = protos
	return c
}

// A FileCert serves a TLS certificate and key from two PEM files and can
// reload them (on SIGHUP) without a restart.
type FileCert struct {
	CertPath, KeyPath string
	cur               atomic.Pointer[tls.Certificate]
}

// LoadFileCert loads a certificate and key.
func LoadFileCert(certPath, keyPath string) (*FileCert, error) {
	fc := &FileCert{CertPath: certPath, KeyPath: keyPath}
	return fc, fc.Reload()
}

// Reload reads the files again; on error the old certificate stays.
func (fc *FileCert) Reload() error {
	c, err := loadKeyPair(fc.CertPath, fc.KeyPath)
	if err != nil {
		return fmt.Errorf("certs: TLS certificate %s / key %s: %w", fc.CertPath, fc.KeyPath, err)
	}
	fc.cur.Store(&c)
	return nil
}

// loadKeyPair is tls.LoadX509KeyPair with the key read as a secret
// (secretfile.Read: this user's only).
func loadKeyPair(certPath, keyPath string) (tls.Certificate, error) {
	key, err := secretfile.Read(keyPath, 1)
	if err != nil {
		return tls.Certificate{}, err
	}
	cert, err := os.ReadFile(certPath)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.X509KeyPair(cert, key)
}

// TLSConfig serves the current certificate under ServerPolicy.
func (fc *FileCert) TLSConfig() *tls.Config {
	return ServerPolicy(&tls.Config{GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
		return fc.cur.Load(), nil
	}})
}

// HTTPHandler is fallback: a certificate from files needs no HTTP.
func (fc *FileCert) HTTPHandler(fallback http.Handler) http.Handler { return fallback }

// Fingerprint is the SHA-256 of the current certificate, for pinning.
func (fc *FileCert) Fingerprint() string { return Fingerprint(fc.cur.Load().Leaf) }

// NotAfter is when the current certificate expires.
func (fc *FileCert) NotAfter() time.Time { return fc.cur.Load().Leaf.NotAfter }

// SelfSignedCert loads the self-signed certificate kept in dir as tls.crt
// and tls.key, generating it for hosts on first use. An existing
// certificate is kept even if hosts change, so clients' pins stay valid;
// delete the files to make a new one.
func SelfSignedCert(dir string, hosts []string, now time.Time) (*FileCert, error) {
	certPath, keyPath := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	if _, err := os.Stat(keyPath); os.IsNotExist(err) {
		c, err := GenerateTLS(hosts, now, nil)
		if err != nil {
			return nil, err
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("certs: %w", err)
		}
		if err := c.WriteFiles(certPath, keyPath, false); err != nil {
			return nil, err
		}
	}
	return LoadFileCert(certPath, keyPath)
}
