package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/i2pseed/i2pseed/certs"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/su3"
	"github.com/spf13/cobra"
)

func (a *app) su3Cmd() *cobra.Command {
	return group("su3", a.su3InfoCmd(), a.su3VerifyCmd(), a.su3ExtractCmd(), a.su3SignCmd())
}

// openSU3 opens path, reading its header only, and builds the keyring for
// its content type.
func (a *app) openSU3(path string) (*su3.ReadCloser, *certs.Keyring, error) {
	r, err := su3.OpenReader(path)
	if err != nil {
		return nil, nil, err
	}
	kr, err := a.keyring(r.ContentType)
	if err != nil {
		r.Close()
		return nil, nil, err
	}
	return r, kr, nil
}

// describe opens and verifies path as su3 verify does, but returns what
// it learned whether it verified or not.
func (a *app) describe(path string) (su3.Info, error) {
	r, kr, err := a.openSU3(path)
	if err != nil {
		return su3.Info{}, err
	}
	defer r.Close()
	return r.Describe(kr, nil), nil
}

func (a *app) su3InfoCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:  "info FILE",
		Args: exactArgs(1, "one FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := a.describe(args[0])
			if err != nil {
				return err
			}
			info := d.Summary(args[0], a.now())
			if d.Err != nil {
				info.Error = verifyErr(args[0], d.Err).Error()
			}
			return a.output(info, info.WriteText)
		},
	}
	addTrustFlags(cmd)
	cmd.Flags().Bool("json", false, "print JSON instead of text")
	return cmd
}

func (a *app) su3VerifyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:  "verify FILE",
		Args: exactArgs(1, "one FILE"),
		RunE: func(cmd *cobra.Command, args []string) error { return a.verify(args[0]) },
	}
	addTrustFlags(cmd)
	cmd.Flags().Duration("max-age", 0, "also fail if the version (as Unix time) is older than this, e.g. 720h as Java I2P checks; 0 = no check")
	return cmd
}

func (a *app) verify(path string) error {
	d, err := a.describe(path)
	switch {
	case err != nil:
		return err
	case d.Err != nil:
		return verifyErr(path, d.Err)
	}
	if err := a.checkAge(path, &d.Header); err != nil {
		return err
	}
	s := d.Summary(path, a.now())
	return s.WriteVerified(a.stdout)
}

func (a *app) checkAge(path string, h *su3.Header) error {
	maxAge := a.cfg.GetDuration("max-age")
	signed, ok := h.SignedAt()
	switch d := a.now().Sub(signed); {
	case maxAge <= 0:
		return nil
	case !ok:
		return fmt.Errorf("%s: --max-age: version %q is not a Unix time", path, h.Version)
	case d > maxAge:
		return fmt.Errorf("%s: signed %s ago, older than --max-age %v", path, su3.Age(d.Truncate(time.Second)), maxAge)
	}
	return nil
}

func (a *app) su3ExtractCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:  "extract FILE --out DIR",
		Args: exactArgs(1, "one FILE"),
		RunE: func(cmd *cobra.Command, args []string) error { return a.extract(args[0]) },
	}
	addTrustFlags(cmd)
	cmd.Flags().String("out", "", "directory to write the content into (created if missing)")
	return cmd
}

func (a *app) extract(path string) error {
	out := a.cfg.GetString("out")
	if out == "" {
		return usagef("su3 extract: --out DIR is required (where to write the content)")
	}
	r, kr, err := a.openSU3(path)
	if err != nil {
		return err
	}
	defer r.Close()
	name := strings.TrimSuffix(filepath.Base(path), ".su3") + "." + r.FileType.String()
	paths, n, err := r.Extract(kr, out, name, nil)
	var we *su3.WriteError
	switch {
	case errors.As(err, &we):
		return fmt.Errorf("--out: %w", we.Err)
	case err != nil:
		return verifyErr(path, err)
	case r.ContentType == su3.ContentReseed:
		fmt.Fprintf(a.stdout, "extracted %d RouterInfos to %s\n", len(paths), out)
	default:
		fmt.Fprintf(a.stdout, "wrote %s (%d bytes)\n", paths[0], n)
	}
	return nil
}

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
	if err := su3.WriteFile(out, h, content, &su3.Signer{ID: id, Key: key}); err != nil {
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
