package main

import (
	"bytes"
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

// maxSU3Size bounds the files the CLI reads into memory (router updates
// are tens of MiB; reseed bundles under 1 MiB).
const maxSU3Size = 256 << 20

func (a *app) su3Cmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "su3",
		Short: "Inspect, verify, extract and sign SU3 files",
		Args:  exactArgs(0, "a subcommand (info, verify, extract, sign)"),
		RunE:  func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(a.su3InfoCmd(), a.su3VerifyCmd(), a.su3ExtractCmd(), a.su3SignCmd())
	return cmd
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

// su3File is an SU3 file read into memory and parsed.
type su3File struct {
	path string
	data []byte
	r    *su3.Reader
}

func openSU3(path string) (*su3File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSU3Size+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxSU3Size {
		return nil, fmt.Errorf("%s: larger than %d MiB", path, maxSU3Size>>20)
	}
	r, err := su3.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &su3File{path: path, data: data, r: r}, nil
}

// verified is what a successful verification yields.
type verified struct {
	content []byte
	entries []su3.Entry // reseed bundles only
}

// openVerified reads path and verifies it.
func (a *app) openVerified(path string) (*su3File, *verified, error) {
	f, err := openSU3(path)
	if err != nil {
		return nil, nil, err
	}
	v, err := a.verify(f)
	return f, v, err
}

// verify checks the signature and, for reseed bundles, the zip content.
func (a *app) verify(f *su3File) (*verified, error) {
	kr, err := a.keyring(f.r.ContentType)
	if err != nil {
		return nil, err
	}
	v := &verified{}
	if f.r.ContentType == su3.ContentReseed {
		v.entries, err = f.r.VerifyBundle(kr, nil)
	} else {
		_, err = f.r.Verify(kr)
	}
	switch {
	case errors.Is(err, certs.ErrUnknownSigner):
		return nil, fmt.Errorf("%s: %w (add the signer's certificate with --certs DIR)", f.path, err)
	case errors.Is(err, certs.ErrExpired), errors.Is(err, certs.ErrNotYetValid):
		return nil, fmt.Errorf("%s: %w (the certificate in the built-in set or --certs is outdated)", f.path, err)
	case err != nil:
		return nil, fmt.Errorf("%s: %w", f.path, err)
	}
	v.content = f.data[f.r.ContentOffset() : f.r.ContentOffset()+f.r.ContentLength]
	return v, nil
}

type infoJSON struct {
	File          string    `json:"file"`
	Size          int64     `json:"size"`
	Signer        string    `json:"signer"`
	SigType       string    `json:"sig_type"`
	SigTypeCode   int       `json:"sig_type_code"`
	FileType      string    `json:"file_type"`
	ContentType   string    `json:"content_type"`
	Version       string    `json:"version"`
	Signed        time.Time `json:"signed,omitzero"`
	AgeSeconds    int64     `json:"age_seconds,omitempty"`
	ContentLength int64     `json:"content_length"`
	Verified      bool      `json:"verified"`
	Error         string    `json:"error,omitempty"`
	Entries       int       `json:"entries,omitempty"`
}

func (a *app) su3InfoCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "info FILE",
		Short: "Show an SU3 file's header, signer, sizes, age and entry count",
		Long: `Show an SU3 file's header, signer, sizes and age (for versions that are Unix
times, as in reseed bundles), whether its signature verifies with the trusted
certificates, and for verified reseed bundles the number of RouterInfos.
Exit status 0 whenever the header parses, verified or not.`,
		Example: `  i2pseed su3 info i2pseeds.su3
  i2pseed su3 info --json i2pseeds.su3`,
		Args: exactArgs(1, "one FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := openSU3(args[0])
			if err != nil {
				return err
			}
			info := a.info(f)
			return a.output(info, func(w io.Writer) { printInfo(w, info) })
		},
	}
	addTrustFlags(cmd)
	cmd.Flags().Bool("json", false, "print JSON instead of text")
	return cmd
}

func (a *app) info(f *su3File) infoJSON {
	h := f.r.Header
	info := infoJSON{
		File: f.path, Size: int64(len(f.data)), Signer: h.SignerID,
		SigType: h.SigType.String(), SigTypeCode: int(h.SigType),
		FileType: h.FileType.String(), ContentType: h.ContentType.String(),
		Version: h.Version, ContentLength: h.ContentLength,
	}
	if t, ok := h.SignedAt(); ok {
		info.Signed, info.AgeSeconds = t, int64(a.now().Sub(t).Seconds())
	}
	v, err := a.verify(f)
	if err != nil {
		info.Error = err.Error()
		return info
	}
	info.Verified, info.Entries = true, len(v.entries)
	return info
}

func printInfo(w io.Writer, i infoJSON) {
	fmt.Fprintf(w, "file:          %s (%d bytes)\n", i.File, i.Size)
	fmt.Fprintf(w, "signer:        %s\n", i.Signer)
	fmt.Fprintf(w, "signature:     %s (type %d)\n", i.SigType, i.SigTypeCode)
	fmt.Fprintf(w, "content:       %s, %s, %d bytes\n", i.ContentType, i.FileType, i.ContentLength)
	if !i.Signed.IsZero() {
		fmt.Fprintf(w, "version:       %s (signed %s, %s ago)\n", i.Version, i.Signed.Format(time.RFC3339), age(i.AgeSeconds))
	} else {
		fmt.Fprintf(w, "version:       %s\n", i.Version)
	}
	if i.Verified {
		fmt.Fprintln(w, "signature ok:  yes")
	} else {
		fmt.Fprintf(w, "signature ok:  no: %s\n", i.Error)
	}
	if i.ContentType == su3.ContentReseed.String() && i.Verified {
		fmt.Fprintf(w, "entries:       %d RouterInfos\n", i.Entries)
	}
}

func age(secs int64) string {
	d := time.Duration(secs) * time.Second
	switch {
	case d < 0:
		return "in the future by " + (-d).String()
	case d < 48*time.Hour:
		return d.Round(time.Minute).String()
	}
	return fmt.Sprintf("%.1f days", d.Hours()/24)
}

func (a *app) su3VerifyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "verify FILE",
		Short: "Verify an SU3 file's signature (and a reseed bundle's content)",
		Long: `Verify an SU3 file: header rules, signer certificate validity, signature, and for
reseed bundles a safe zip of RouterInfo files. Certificates: the built-in set for
the file's content type (reseed, news, router, plugin) plus --certs.
Exit status 0 if it verifies, 1 if not (the reason on stderr), 2 on usage errors.`,
		Example: `  i2pseed su3 verify i2pseeds.su3
  i2pseed su3 verify --certs keys/ --no-embedded my-bundle.su3
  i2pseed su3 verify --max-age 720h i2pseeds.su3`,
		Args: exactArgs(1, "one FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, v, err := a.openVerified(args[0])
			if err != nil {
				return err
			}
			if err := a.checkAge(f); err != nil {
				return err
			}
			msg := fmt.Sprintf("%s: OK, signed by %s (%v), %s", f.path, f.r.SignerID, f.r.SigType, f.r.ContentType)
			if f.r.ContentType == su3.ContentReseed {
				msg += fmt.Sprintf(", %d RouterInfos", len(v.entries))
			}
			fmt.Fprintln(a.stdout, msg)
			return nil
		},
	}
	addTrustFlags(cmd)
	cmd.Flags().Duration("max-age", 0, "also fail if the version (as Unix time) is older than this, e.g. 720h as Java I2P checks; 0 = no check")
	return cmd
}

func (a *app) checkAge(f *su3File) error {
	maxAge := a.cfg.GetDuration("max-age")
	if maxAge <= 0 {
		return nil
	}
	signed, ok := f.r.SignedAt()
	if !ok {
		return fmt.Errorf("%s: --max-age: version %q is not a Unix time", f.path, f.r.Version)
	}
	if d := a.now().Sub(signed); d > maxAge {
		return fmt.Errorf("%s: signed %s ago, older than --max-age %v", f.path, age(int64(d.Seconds())), maxAge)
	}
	return nil
}

func (a *app) su3ExtractCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "extract FILE --out DIR",
		Short: "Verify an SU3 file, then write its content into a directory",
		Long: `Verify an SU3 file exactly as 'su3 verify' does and, only if it verifies, write its
content into --out: a reseed bundle's RouterInfos as routerInfo-<hash>.dat files,
anything else as one file named after FILE with the file type's extension.
Each file is written atomically.`,
		Example: `  i2pseed su3 extract i2pseeds.su3 --out routerinfos/`,
		Args:    exactArgs(1, "one FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := a.cfg.GetString("out")
			if out == "" {
				return usagef("su3 extract: --out DIR is required (where to write the content)")
			}
			f, v, err := a.openVerified(args[0])
			if err != nil {
				return err
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return fmt.Errorf("--out: %w", err)
			}
			if f.r.ContentType != su3.ContentReseed {
				name := strings.TrimSuffix(filepath.Base(f.path), ".su3") + "." + f.r.FileType.String()
				p := filepath.Join(out, name)
				if err := atomicfile.WriteFile(p, v.content, 0o644); err != nil {
					return fmt.Errorf("--out: %w", err)
				}
				fmt.Fprintf(a.stdout, "wrote %s (%d bytes)\n", p, len(v.content))
				return nil
			}
			for _, e := range v.entries {
				if err := atomicfile.WriteFile(filepath.Join(out, e.Name), e.Data, 0o644); err != nil {
					return fmt.Errorf("--out: %w", err)
				}
			}
			fmt.Fprintf(a.stdout, "extracted %d RouterInfos to %s\n", len(v.entries), out)
			return nil
		},
	}
	addTrustFlags(cmd)
	cmd.Flags().String("out", "", "directory to write the content into (created if missing)")
	return cmd
}

func (a *app) su3SignCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sign --key KEY --signer ID [--content-type T] [--file-type F] IN OUT",
		Short: "Sign a file, or a directory of RouterInfos, into an SU3 file",
		Long: `Sign IN into the SU3 file OUT (written atomically). The signature type follows the
key: RSA-4096 -> RSA-SHA512-4096 (type 6, the only one i2pd verifies for reseed
bundles), RSA-2048/3072 -> 4/5, ECDSA P-256/384/521 -> 1/2/3, Ed25519 -> 7.

With --content-type reseed, IN may be a directory of routerInfo-<hash>.dat files
(flat, or a netDb with r?/ subdirectories): they are zipped into a bundle that
every real client reads. The version defaults to the current Unix time.`,
		Example: `  i2pseed su3 sign --key keys/you_at_mail.i2p.key --signer you@mail.i2p routerinfos/ i2pseeds.su3
  i2pseed su3 sign --key news.key --signer you@mail.i2p --content-type news --file-type xml.gz news.xml.gz news.su3`,
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
	ct, err := su3.ParseContentType(a.cfg.GetString("content-type"))
	if err != nil {
		return usagef("--content-type: %v", err)
	}
	ft, err := fileTypeFor(a.cfg.GetString("file-type"), ct)
	if err != nil {
		return usagef("--file-type: %v", err)
	}
	key, err := certs.LoadPrivateKey(keyPath)
	if err != nil {
		return usagef("--key %s: %v", keyPath, err)
	}
	signer := &su3.Signer{ID: id, Key: key}
	st, err := su3.SigTypeForKey(key.Public())
	if err != nil {
		return usagef("--key %s: %v", keyPath, err)
	}
	if ct == su3.ContentReseed && st != su3.RSA_SHA512_4096 {
		fmt.Fprintf(a.stderr, "warning: --key is %v; i2pd only verifies reseed bundles signed with RSA-SHA512-4096\n", st)
	}
	content, err := a.readContent(in, ct, ft)
	if err != nil {
		return err
	}
	version := a.cfg.GetString("version")
	if version == "" {
		version = strconv.FormatInt(a.now().Unix(), 10)
	}
	h := su3.Header{FileType: ft, ContentType: ct, Version: version, ContentLength: int64(len(content))}
	err = atomicfile.Write(out, 0o644, func(w io.Writer) error {
		return su3.Write(w, h, bytes.NewReader(content), signer)
	})
	if err != nil {
		return fmt.Errorf("sign %s: %w", out, err)
	}
	fmt.Fprintf(a.stdout, "signed %s: %s, %v, %d content bytes, version %s\n", out, ct, st, len(content), version)
	return nil
}

func fileTypeFor(name string, ct su3.ContentType) (su3.FileType, error) {
	if name != "" {
		return su3.ParseFileType(name)
	}
	switch ct {
	case su3.ContentNews:
		return su3.FileXMLGz, nil
	case su3.ContentBlocklist:
		return su3.FileTxtGz, nil
	}
	return su3.FileZip, nil
}

// readContent reads IN: a file as is, or for reseed bundles a directory of
// RouterInfo files zipped into a bundle.
func (a *app) readContent(in string, ct su3.ContentType, ft su3.FileType) ([]byte, error) {
	fi, err := os.Stat(in)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		b, err := os.ReadFile(in)
		if err == nil && ct == su3.ContentReseed {
			if _, err := su3.ReadBundle(bytes.NewReader(b), int64(len(b)), nil); err != nil {
				return nil, fmt.Errorf("%s: not a valid reseed zip: %w", in, err)
			}
		}
		return b, err
	}
	if ct != su3.ContentReseed || ft != su3.FileZip {
		return nil, usagef("%s is a directory: only --content-type reseed with --file-type zip can be built from a directory", in)
	}
	entries, err := readRouterInfoDir(in)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := su3.WriteBundle(&buf, entries, a.now()); err != nil {
		return nil, fmt.Errorf("%s: %w", in, err)
	}
	fmt.Fprintf(a.stderr, "bundled %d RouterInfos from %s\n", len(entries), in)
	return buf.Bytes(), nil
}

// readRouterInfoDir collects routerInfo-*.dat files from dir and its r?/
// subdirectories (netDb layout).
func readRouterInfoDir(dir string) ([]su3.Entry, error) {
	var entries []su3.Entry
	for _, pattern := range []string{"routerInfo-*.dat", "r?/routerInfo-*.dat"} {
		matches, err := filepath.Glob(filepath.Join(dir, pattern))
		if err != nil {
			return nil, err
		}
		for _, p := range matches {
			name := filepath.Base(p)
			if _, err := su3.ParseEntryName(name); err != nil {
				return nil, err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return nil, err
			}
			e := su3.Entry{Name: name, Data: b}
			if ri, err := netdb.ParseRouterInfo(b); err == nil {
				e.Modified = ri.PublishedTime() // dated as Java's bundler does
			}
			entries = append(entries, e)
		}
	}
	if len(entries) == 0 {
		return nil, errors.New(dir + ": no routerInfo-<hash>.dat files found")
	}
	return entries, nil
}
