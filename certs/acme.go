package certs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/caddyserver/certmagic"
	"github.com/mholt/acmez/v3/acme"
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
	// ValidationsPerHour caps the failed validations per name in any hour:
	// an attempt whose validation failed counts once per challenge type
	// tried (HTTP-01 and TLS-ALPN-01), and attempts that would exceed the
	// cap are put off (certmagic then backs off further). 0 means 4, under
	// Let's Encrypt's limit of 5 per account, name and hour.
	ValidationsPerHour int
	// Events, if set, is told what happens to the certificates, from
	// certmagic's goroutines.
	Events func(ACMEEvent)
	// Now is the clock of the validation budget; nil means time.Now.
	Now func() time.Time
}

// An ACMEEvent is one step in getting or renewing a certificate.
type ACMEEvent struct {
	Name    string
	Renewal bool
	// Ready: a certificate for Name is now in use (obtained, renewed or
	// loaded from storage).
	Ready bool
	// Err: the attempt failed; certmagic retries it with back-off (1m, 2m,
	// 2m, 5m, 10m, ... up to 6h, for 30 days).
	Err error
	// Validation: Err is a failed validation, counted against
	// ValidationsPerHour.
	Validation bool
	// PutOff: the attempt was not made because of ValidationsPerHour; the
	// budget allows the next one at this time.
	PutOff time.Time
}

// A validationBudget counts failed validations per name over the last hour.
type validationBudget struct {
	mu       sync.Mutex
	now      func() time.Time
	perHour  int
	perFail  int // validations one failed attempt costs
	failures map[string][]time.Time
}

// next reports when name may be attempted again; zero means now.
func (b *validationBudget) next(name string) time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	f := b.failures[name]
	for len(f) > 0 && now.Sub(f[0]) >= time.Hour {
		f = f[1:]
	}
	b.failures[name] = f
	if (len(f)+1)*b.perFail <= b.perHour {
		return time.Time{}
	}
	// The oldest failures must age out to make room for one more attempt.
	return f[len(f)-b.perHour/b.perFail].Add(time.Hour)
}

func (b *validationBudget) failed(name string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures[name] = append(b.failures[name], b.now())
}

// isValidationFailure reports whether the CA judged an authorization
// (a challenge) failed, as opposed to, say, the CA being unreachable.
func isValidationFailure(err error) bool {
	var p acme.Problem
	if !errors.As(err, &p) {
		return false
	}
	_, authz := p.Resource.(acme.Authorization)
	return authz
}

// An ACME provider obtains and renews certificates in the background.
// It offers the two things a server needs: TLSConfig and an HTTP handler
// that answers HTTP-01 challenges on port 80.
type ACME struct {
	cfg    *certmagic.Config
	cache  *certmagic.Cache
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
	perFail := 2
	if c.DisableTLSALPN {
		perFail = 1
	}
	budget := &validationBudget{now: c.Now, perHour: c.ValidationsPerHour, perFail: perFail, failures: map[string][]time.Time{}}
	if budget.now == nil {
		budget.now = time.Now
	}
	if budget.perHour <= 0 {
		budget.perHour = 4
	}
	budget.perHour = max(budget.perHour, perFail)
	events := c.Events
	if events == nil {
		events = func(ACMEEvent) {}
	}
	quiet := zap.NewNop()
	var cfg *certmagic.Config
	cache := certmagic.NewCache(certmagic.CacheOptions{
		GetConfigForCert: func(certmagic.Certificate) (*certmagic.Config, error) { return cfg, nil },
		Logger:           quiet,
	})
	cfg = certmagic.New(cache, certmagic.Config{Storage: &certmagic.FileStorage{Path: c.StorageDir}, Logger: quiet,
		OnEvent: func(_ context.Context, event string, data map[string]any) error {
			name, _ := data["identifier"].(string)
			renewal, _ := data["renewal"].(bool)
			switch event {
			case "cert_obtaining":
				if at := budget.next(name); !at.IsZero() {
					events(ACMEEvent{Name: name, Renewal: renewal, PutOff: at})
					return fmt.Errorf("certs: ACME for %s: %d failed validations in the past hour; next attempt from %s",
						name, budget.perHour, at.Format(time.TimeOnly))
				}
			case "cert_failed":
				err, _ := data["error"].(error)
				v := isValidationFailure(err)
				if v {
					budget.failed(name)
				}
				events(ACMEEvent{Name: name, Renewal: renewal, Err: err, Validation: v})
			case "cached_managed_cert":
				sans, _ := data["sans"].([]string)
				for _, n := range sans {
					events(ACMEEvent{Name: n, Ready: true})
				}
			}
			return nil
		}})
	// Retries after a failure go first to TestCA, so that only a retry
	// that passes there reaches the CA: certmagic's default for Let's
	// Encrypt's production CA is its staging CA (far higher limits). A
	// custom CA is retried itself, within ValidationsPerHour.
	issuer := certmagic.NewACMEIssuer(cfg, certmagic.ACMEIssuer{
		CA: ca, Email: c.Email, Agreed: true,
		TrustedRoots: c.TrustedRoots, AltHTTPPort: c.HTTPPort, AltTLSALPNPort: c.TLSALPNPort,
		DisableTLSALPNChallenge: c.DisableTLSALPN, Logger: quiet,
	})
	cfg.Issuers = []certmagic.Issuer{issuer}
	return &ACME{cfg: cfg, cache: cache, issuer: issuer, names: c.Domains}, nil
}

// Manage loads or obtains the certificates now, in one attempt, and keeps
// renewing them in the background until ctx is done.
func (a *ACME) Manage(ctx context.Context) error {
	if err := a.cfg.ManageSync(ctx, a.names); err != nil {
		return fmt.Errorf("certs: ACME for %v: %w", a.names, err)
	}
	return nil
}

// Start loads or obtains the certificates in the background, retrying
// failures with certmagic's back-off within ValidationsPerHour, and keeps
// renewing them until ctx is done. Until a certificate is Ready, TLS
// handshakes for its name fail. Events tell how it goes.
func (a *ACME) Start(ctx context.Context) error {
	if err := a.cfg.ManageAsync(ctx, a.names); err != nil {
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
// (From the cache: certmagic's GetCertificate needs a connection when it
// has none.)
func (a *ACME) leaf() *x509.Certificate {
	var leaf *x509.Certificate
	for _, c := range a.cache.AllMatchingCertificates(a.names[0]) {
		if c.Leaf != nil && (leaf == nil || c.Leaf.NotAfter.After(leaf.NotAfter)) {
			leaf = c.Leaf
		}
	}
	return leaf
}
