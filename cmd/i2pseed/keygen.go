package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/i2pseed/i2pseed/certs"
	"github.com/i2pseed/i2pseed/su3"
	"github.com/spf13/cobra"
)

func (a *app) keygenCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:  "keygen (--signer ID | --tls --host HOST[,HOST...]) [--out DIR]",
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if a.cfg.GetBool("tls") {
				return a.keygenTLS()
			}
			return a.keygenSigner()
		},
	}
	f := cmd.Flags()
	f.String("signer", "", "signer ID, usually an e-mail address like you@mail.i2p")
	f.Bool("tls", false, "generate a self-signed TLS certificate instead of a signer key")
	f.StringSlice("host", nil, "with --tls: DNS names and IP addresses for the certificate (comma-separated or repeated)")
	f.String("out", ".", "directory to write the key and certificate into")
	f.Bool("force", false, "replace existing key files")
	return cmd
}

func (a *app) keygenSigner() error {
	id := a.cfg.GetString("signer")
	if id == "" {
		return usagef("keygen: --signer is required (your signer ID, e.g. --signer you@mail.i2p), or use --tls --host")
	}
	if len(a.cfg.GetStringSlice("host")) > 0 {
		return usagef("keygen: --host only applies with --tls")
	}
	out := a.cfg.GetString("out")
	if !a.cfg.GetBool("force") {
		if p := filepath.Join(out, certs.KeyFileName(id)); exists(p) {
			return usagef("keygen: %s exists; choose another --out or pass --force to replace it", p)
		}
	}
	fmt.Fprintf(a.stderr, "generating RSA-4096 signer key for %s ...\n", id)
	s, err := certs.GenerateSigner(id, a.now(), nil)
	if err != nil {
		return usagef("keygen: --signer: %v", err)
	}
	certPath, keyPath, err := s.WriteFiles(out, a.cfg.GetBool("force"))
	if err != nil {
		return fmt.Errorf("keygen: --out %s: %w", out, err)
	}
	fmt.Fprintf(a.stdout, "certificate: %s\nprivate key: %s\nsigner:      %s\nvalid until: %s\n",
		certPath, keyPath, id, s.Cert.NotAfter.Format("2006-01-02"))
	return nil
}

func (a *app) keygenTLS() error {
	hosts := a.cfg.GetStringSlice("host")
	if len(hosts) == 0 {
		return usagef("keygen --tls: --host is required (the server's DNS name and/or IP, e.g. --host reseed.example.org)")
	}
	if a.cfg.GetString("signer") != "" {
		return usagef("keygen: --signer and --tls are exclusive; run keygen twice")
	}
	out := a.cfg.GetString("out")
	stem := strings.NewReplacer(":", "_", "/", "_").Replace(hosts[0])
	certPath, keyPath := filepath.Join(out, stem+".crt"), filepath.Join(out, stem+".key")
	c, err := certs.GenerateTLS(hosts, a.now(), nil)
	if err != nil {
		return usagef("keygen --tls: --host: %v", err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("keygen: --out: %w", err)
	}
	if err := c.WriteFiles(certPath, keyPath, a.cfg.GetBool("force")); err != nil {
		if errors.Is(err, certs.ErrExists) {
			return usagef("keygen: %s exists; choose another --out or pass --force to replace it", keyPath)
		}
		return fmt.Errorf("keygen: --out %s: %w", out, err)
	}
	fmt.Fprintf(a.stdout, "certificate: %s\nprivate key: %s\nhosts:       %s\nsha256:      %s\nvalid until: %s\n",
		certPath, keyPath, strings.Join(hosts, ", "), certs.Fingerprint(c.Cert), c.Cert.NotAfter.Format("2006-01-02"))
	return nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// addTrustFlags adds the flags that choose the signer certificates.
func addTrustFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.String("certs", "", "directory of extra signer certificates (*.crt) to trust")
	f.Bool("no-embedded", false, "trust only the certificates in --certs, not the ones built in")
	f.String("at", "", "check certificate validity at this time (RFC 3339) instead of now")
}

// keyring builds the trusted certificates for a content type: the built-in
// set for its purpose plus --certs.
func (a *app) keyring(ct su3.ContentType) (*certs.Keyring, error) {
	kr := certs.NewKeyring()
	if !a.cfg.GetBool("no-embedded") {
		var err error
		if kr, err = certs.Embedded(certs.PurposeOf(ct)); err != nil {
			return nil, err
		}
	}
	if dir := a.cfg.GetString("certs"); dir != "" {
		if _, err := kr.LoadDir(dir); err != nil {
			return nil, usagef("--certs: %v", err)
		}
	} else if a.cfg.GetBool("no-embedded") {
		return nil, usagef("--no-embedded needs --certs DIR with the signer certificates to trust")
	}
	now := a.now()
	if at := a.cfg.GetString("at"); at != "" {
		t, err := time.Parse(time.RFC3339, at)
		if err != nil {
			return nil, usagef("--at %q: want RFC 3339 time like 2026-01-02T15:04:05Z", at)
		}
		now = t
	}
	kr.Now = func() time.Time { return now }
	return kr, nil
}

// verifyErr names the file in a verification error and says which trust
// flag fixes a certificate problem.
func verifyErr(path string, err error) error {
	switch {
	case errors.Is(err, certs.ErrUnknownSigner):
		return fmt.Errorf("%s: %w (add the signer's certificate with --certs DIR)", path, err)
	case errors.Is(err, certs.ErrExpired), errors.Is(err, certs.ErrNotYetValid):
		return fmt.Errorf("%s: %w (the certificate in the built-in set or --certs is outdated)", path, err)
	}
	return fmt.Errorf("%s: %w", path, err)
}
