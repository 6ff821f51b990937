package certs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/caddyserver/certmagic"
	"go.uber.org/zap"
)

// ACMEConfig configures certificates from an ACME CA (Let's Encrypt by
// default) through certmagic.
type ACMEConfig struct {
	Domains []string // names the certificate covers; they must resolve to this server
	Email   string   // account contact, for expiry notices
	// CA is the ACME directory URL; empty means Let's Encrypt, or its
	// staging CA with Staging set.
	CA      string
	Staging bool
	// StorageDir keeps the account, keys and certificates. Replicas that
	// share a certmagic storage backend share certificates.
	StorageDir string
	// TrustedRoots verifies the CA's own HTTPS endpoint (private CAs, tests);
	// nil means the system roots.
	TrustedRoots *x509.CertPool
	// HTTPPort and TLSALPNPort are where the CA connects for HTTP-01 and
	// TLS-ALPN-01 if not 80 and 443 (behind port forwarding, in tests).
	HTTPPort, TLSALPNPort int
	// DisableTLSALPN leaves only the HTTP-01 challenge.
	DisableTLSALPN bool
}

// An ACME provider obtains and renews certificates in the background.
// It offers the two things a server needs: TLSConfig and an HTTP handler
// that answers HTTP-01 challenges on port 80.
type ACME struct {
	cfg    *certmagic.Config
	issuer *certmagic.ACMEIssuer
	names  []string
}

// NewACME prepares an ACME provider; Manage obtains the certificates.
func NewACME(c ACMEConfig) (*ACME, error) {
	if len(c.Domains) == 0 {
		return nil, errors.New("certs: ACME needs at least one domain")
	}
	if c.StorageDir == "" {
		return nil, errors.New("certs: ACME needs a storage directory")
	}
	ca := c.CA
	if ca == "" {
		ca = certmagic.LetsEncryptProductionCA
		if c.Staging {
			ca = certmagic.LetsEncryptStagingCA
		}
	}
	quiet := zap.NewNop()
	var cfg *certmagic.Config
	cache := certmagic.NewCache(certmagic.CacheOptions{
		GetConfigForCert: func(certmagic.Certificate) (*certmagic.Config, error) { return cfg, nil },
		Logger:           quiet,
	})
	cfg = certmagic.New(cache, certmagic.Config{Storage: &certmagic.FileStorage{Path: c.StorageDir}, Logger: quiet})
	issuer := certmagic.NewACMEIssuer(cfg, certmagic.ACMEIssuer{
		CA: ca, TestCA: ca, Email: c.Email, Agreed: true,
		TrustedRoots: c.TrustedRoots, AltHTTPPort: c.HTTPPort, AltTLSALPNPort: c.TLSALPNPort,
		DisableTLSALPNChallenge: c.DisableTLSALPN, Logger: quiet,
	})
	cfg.Issuers = []certmagic.Issuer{issuer}
	return &ACME{cfg: cfg, issuer: issuer, names: c.Domains}, nil
}

// Manage loads or obtains the certificates now and keeps renewing them in
// the background until the process ends.
func (a *ACME) Manage(ctx context.Context) error {
	if err := a.cfg.ManageSync(ctx, a.names); err != nil {
		return fmt.Errorf("certs: ACME for %v: %w", a.names, err)
	}
	return nil
}

// TLSConfig serves the managed certificates under ServerPolicy and
// answers TLS-ALPN-01.
func (a *ACME) TLSConfig() *tls.Config { return ServerPolicy(a.cfg.TLSConfig()) }

// Reload does nothing: certmagic renews the certificates by itself.
func (a *ACME) Reload() error { return nil }

// GetCertificate is for tls.Config.GetCertificate.
func (a *ACME) GetCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	return a.cfg.GetCertificate(hello)
}

// HTTPHandler answers HTTP-01 challenges and passes everything else to
// fallback.
func (a *ACME) HTTPHandler(fallback http.Handler) http.Handler {
	return a.issuer.HTTPChallengeHandler(fallback)
}

// Fingerprint is the SHA-256 of the first domain's current certificate.
func (a *ACME) Fingerprint() string {
	if leaf := a.leaf(); leaf != nil {
		return Fingerprint(leaf)
	}
	return ""
}

// NotAfter is when the first domain's current certificate expires; it
// moves on by itself when certmagic renews it.
func (a *ACME) NotAfter() time.Time {
	if leaf := a.leaf(); leaf != nil {
		return leaf.NotAfter
	}
	return time.Time{}
}

// leaf is the first domain's current certificate, nil if none yet.
func (a *ACME) leaf() *x509.Certificate {
	c, err := a.cfg.GetCertificate(&tls.ClientHelloInfo{ServerName: a.names[0]})
	if err != nil || c == nil {
		return nil
	}
	return c.Leaf
}
