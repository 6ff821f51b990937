package certs

import (
	"crypto/tls"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"
)

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
	c, err := tls.LoadX509KeyPair(fc.CertPath, fc.KeyPath)
	if err != nil {
		return fmt.Errorf("certs: TLS certificate %s / key %s: %w", fc.CertPath, fc.KeyPath, err)
	}
	fc.cur.Store(&c)
	return nil
}

// GetCertificate is for tls.Config.GetCertificate.
func (fc *FileCert) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return fc.cur.Load(), nil
}

// Fingerprint is the SHA-256 of the current certificate, for pinning.
func (fc *FileCert) Fingerprint() string { return Fingerprint(fc.cur.Load().Leaf) }

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
