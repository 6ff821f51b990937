package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/i2pseed/i2pseed/certs"
	"github.com/i2pseed/i2pseed/internal/atomicfile"
	"github.com/i2pseed/i2pseed/netdb"
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

// Trusting signer certificates, for the commands that verify su3 files.

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

// Signing with a signer key: su3 sign.

func (a *app) su3SignCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:  "sign --key KEY --signer ID [--content-type T] [--file-type F] IN OUT",
		Args: exactArgs(2, "IN and OUT"),
		RunE: func(cmd *cobra.Command, args []string) error { return a.sign(args[0], args[1]) },
	}
	f := cmd.Flags()
	f.String("key", "", "signer private key (PEM), as written by 'i2pseed keygen'")
	f.String("signer", "", "signer ID written into the file; must be the certificate's CN")
	f.String("content-type", "reseed", "reseed, news, blocklist, plugin, router or unknown")
	f.String("file-type", "", "zip, xml, html, xml.gz, txt.gz, dmg or exe (default: zip, xml.gz for news, txt.gz for blocklist)")
	f.String("version", "", "version string (default: the current Unix time)")
	return cmd
}

func (a *app) sign(in, out string) error {
	keyPath, id := a.cfg.GetString("key"), a.cfg.GetString("signer")
	if keyPath == "" {
		return usagef("su3 sign: --key is required (the .key file from 'i2pseed keygen --signer')")
	}
	if id == "" {
		return usagef("su3 sign: --signer is required (the signer ID of the key's certificate, e.g. you@mail.i2p)")
	}
	h, err := a.signHeader()
	if err != nil {
		return err
	}
	key, err := certs.LoadPrivateKey(keyPath)
	if err != nil {
		return usagef("--key %s: %v", keyPath, err)
	}
	st, err := su3.SigTypeForKey(key.Public())
	if err != nil {
		return usagef("--key %s: %v", keyPath, err)
	}
	if h.ContentType == su3.ContentReseed && st != su3.RSA_SHA512_4096 {
		fmt.Fprintf(a.stderr, "warning: --key is %v; i2pd only verifies reseed bundles signed with RSA-SHA512-4096\n", st)
	}
	content, err := su3.OpenContent(in, h.ContentType, h.FileType, a.now(), netdb.PublishedAt)
	if errors.Is(err, su3.ErrDirContent) {
		return usagef("%v: give --content-type reseed with --file-type zip", err)
	} else if err != nil {
		return err
	}
	defer content.Close()
	if content.Entries > 0 {
		fmt.Fprintf(a.stderr, "bundled %d RouterInfos from %s\n", content.Entries, in)
	}
	h.ContentLength = content.Size()
	err = atomicfile.Write(out, 0o644, func(w io.Writer) error {
		return su3.Write(w, h, content, &su3.Signer{ID: id, Key: key})
	})
	if err != nil {
		return fmt.Errorf("sign %s: %w", out, err)
	}
	fmt.Fprintf(a.stdout, "signed %s: %s, %v, %d content bytes, version %s\n", out, h.ContentType, st, h.ContentLength, h.Version)
	return nil
}

// signHeader maps --content-type, --file-type and --version to a header.
func (a *app) signHeader() (su3.Header, error) {
	h := su3.Header{Version: a.cfg.GetString("version")}
	var err error
	if h.ContentType, err = su3.ParseContentType(a.cfg.GetString("content-type")); err != nil {
		return h, usagef("--content-type: %v", err)
	}
	h.FileType = h.ContentType.FileType()
	if ft := a.cfg.GetString("file-type"); ft != "" {
		if h.FileType, err = su3.ParseFileType(ft); err != nil {
			return h, usagef("--file-type: %v", err)
		}
	}
	if h.Version == "" {
		h.Version = strconv.FormatInt(a.now().Unix(), 10)
	}
	return h, nil
}
