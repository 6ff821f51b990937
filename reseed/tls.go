package reseed

import (
	"cmp"
	"context"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/i2pseed/i2pseed/certs"
	"github.com/i2pseed/i2pseed/internal/setting"
)

// TLSSettings choose where the HTTPS channel's certificate comes from.
type TLSSettings struct {
	// Mode is selfsigned (a P-256 certificate made once in the data dir
	// for Hosts), files (CertFile and KeyFile, reloaded by Reload) or acme
	// (certificates for Hosts from an ACME CA, renewed in the background).
	Mode              string
	Hosts             []string
	CertFile, KeyFile string
	ACME              ACMESettings
}

// ACMESettings are the acme mode's settings.
type ACMESettings struct {
	Email   string
	CA      string // directory URL; "" means Let's Encrypt
	Staging bool
	// HTTPListen answers HTTP-01 challenges (":80").
	HTTPListen string
	// CARoots is a PEM file of roots for a private CA's own HTTPS endpoint.
	CARoots string
	// Storage is certmagic's storage directory; "" means DataDir/acme.
	Storage string
}

// check validates the TLS settings without I/O.
func (t TLSSettings) check() error {
	switch t.Mode {
	case "selfsigned":
	case "files":
		if t.CertFile == "" || t.KeyFile == "" {
			return setting.Errorf("tls", t.Mode, "needs tls-cert and tls-key")
		}
	case "acme":
		if len(t.Hosts) == 0 {
			return setting.Errorf("tls", t.Mode, "needs host with the server's public DNS name(s)")
		}
	default:
		return setting.Errorf("tls", fmt.Sprintf("%q", t.Mode), "want selfsigned, files or acme")
	}
	return nil
}

// open makes the certificate provider: for selfsigned and files the
// certificate is there when it returns; for acme it arrives after start
// (ready gets a value whenever one is), and ln is the listener for HTTP-01
// the caller serves the provider's HTTPHandler on. start is nil unless
// there is something to start; call it once the HTTPS listener is up, or
// certmagic binds that port itself for a TLS-ALPN challenge.
func (t TLSSettings) open(dataDir, listen string, now time.Time, log *slog.Logger, ready chan<- struct{}) (p certs.Provider, ln net.Listener, start func(context.Context) error, err error) {
	switch t.Mode {
	case "acme":
		return t.openACME(dataDir, listen, log, ready)
	case "files":
		fc, err := certs.LoadFileCert(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, nil, nil, setting.Errorf("tls-cert", t.CertFile, "%v", err)
		}
		return fc, nil, nil, nil
	}
	hosts := t.Hosts
	if len(hosts) == 0 {
		h, _ := os.Hostname()
		hosts = []string{h, "localhost", "127.0.0.1"}
	}
	fc, err := certs.SelfSignedCert(filepath.Join(dataDir, "tls"), hosts, now)
	if err != nil {
		return nil, nil, nil, setting.Errorf("data-dir", dataDir, "%v", err)
	}
	return fc, nil, nil, nil
}

func (t TLSSettings) openACME(dataDir, listen string, log *slog.Logger, ready chan<- struct{}) (certs.Provider, net.Listener, func(context.Context) error, error) {
	a := t.ACME
	var roots *x509.CertPool
	if a.CARoots != "" {
		b, err := os.ReadFile(a.CARoots)
		if err != nil {
			return nil, nil, nil, setting.Errorf("acme-ca-roots", a.CARoots, "%v", err)
		}
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(b) {
			return nil, nil, nil, setting.Errorf("acme-ca-roots", a.CARoots, "no PEM certificates")
		}
	}
	acme, err := certs.NewACME(certs.ACMEConfig{
		Domains: t.Hosts, Email: a.Email, CA: a.CA, Staging: a.Staging,
		StorageDir: cmp.Or(a.Storage, filepath.Join(dataDir, "acme")), TrustedRoots: roots,
		HTTPPort: portOf(a.HTTPListen), TLSALPNPort: portOf(listen),
		Events: func(e certs.ACMEEvent) { logACME(log, e, ready) },
	})
	if err != nil {
		return nil, nil, nil, setting.Errorf("tls", t.Mode, "%v", err)
	}
	ln, err := net.Listen("tcp", a.HTTPListen)
	if err != nil {
		return nil, nil, nil, setting.Errorf("acme-http-listen", a.HTTPListen, "%v", err)
	}
	// In the background, so that a CA or a host that cannot be validated
	// does not end the process (and systemd restart it, retrying far
	// faster than the CA's limits allow).
	start := func(ctx context.Context) error {
		if err := acme.Start(ctx); err != nil {
			return fmt.Errorf("reseed: ACME: %w", err)
		}
		return nil
	}
	return acme, ln, start, nil
}

// logACME logs what happens to the ACME certificates.
func logACME(log *slog.Logger, e certs.ACMEEvent, ready chan<- struct{}) {
	log = log.With("part", "acme", "host", e.Name)
	switch {
	case e.Ready:
		log.Info("ACME certificate ready")
		select {
		case ready <- struct{}{}:
		default:
		}
	case e.Err != nil:
		log.Error("ACME certificate attempt failed, retrying with back-off (do the host names resolve to this server, and are port 80 and the HTTPS listen port reachable from the Internet?)",
			"renewal", e.Renewal, "validation_failed", e.Validation, "err", e.Err)
	case !e.PutOff.IsZero():
		log.Warn("ACME certificate attempt put off: the CA allows few failed validations an hour", "renewal", e.Renewal, "next_from", e.PutOff.Format(time.RFC3339))
	}
}

// portOf is the port of a listen address, 0 if none.
func portOf(addr string) int {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(p)
	return n
}
