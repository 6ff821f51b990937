package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/i2pseed/i2pseed/certs"
	"github.com/spf13/cobra"
)

func (a *app) keygenCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keygen (--signer ID | --tls --host HOST[,HOST...]) [--out DIR]",
		Short: "Generate an su3 signer key or a self-signed TLS certificate",
		Long: `Generate an su3 signer key: RSA-4096 (exponent 65537) with a self-signed
certificate, DN C=XX, L=XX, O=I2P Anonymous Network, OU=I2P, CN=<signer>, the signer
as e-mail SAN, valid for 10 years. Writes <signer>.crt (public: send it to the I2P
project to be listed) and <signer>.key (secret, mode 0600: back it up) into --out,
with '@' written as "_at_".

With --tls, generate an ECDSA P-256 TLS server key and a self-signed certificate
whose SANs are the --host names and IP addresses: <host>.crt and <host>.key.

Existing keys are never replaced unless --force is given.`,
		Example: `  i2pseed keygen --signer you@mail.i2p --out keys/
  i2pseed keygen --tls --host reseed.example.org,203.0.113.7 --out tls/`,
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
