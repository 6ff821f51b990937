package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/i2pseed/i2pseed/certs"
	"github.com/i2pseed/i2pseed/su3"
	"github.com/spf13/cobra"
)

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

type infoJSON struct {
	File          string     `json:"file"`
	Size          int64      `json:"size"`
	Signer        string     `json:"signer"`
	Certificates  []certJSON `json:"certificates,omitempty"`
	SigType       string     `json:"sig_type"`
	SigTypeCode   int        `json:"sig_type_code"`
	FileType      string     `json:"file_type"`
	ContentType   string     `json:"content_type"`
	Version       string     `json:"version"`
	Signed        time.Time  `json:"signed,omitzero"`
	AgeSeconds    int64      `json:"age_seconds,omitempty"`
	ContentLength int64      `json:"content_length"`
	Verified      bool       `json:"verified"`
	Error         string     `json:"error,omitempty"`
	Entries       int        `json:"entries,omitempty"`
}

// certJSON is a signer certificate's validity.
type certJSON struct {
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
}

func (a *app) su3InfoCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "info FILE",
		Short: "Show an SU3 file's header, signer, sizes, age and entry count",
		Args:  exactArgs(1, "one FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := a.describe(args[0])
			if err != nil {
				return err
			}
			info := a.info(args[0], &d)
			return a.output(info, func(w io.Writer) { printInfo(w, info) })
		},
	}
	addTrustFlags(cmd)
	cmd.Flags().Bool("json", false, "print JSON instead of text")
	return cmd
}

func (a *app) info(path string, d *su3.Info) infoJSON {
	info := infoJSON{
		File: path, Size: d.Size(), Signer: d.SignerID,
		SigType: d.SigType.String(), SigTypeCode: int(d.SigType),
		FileType: d.FileType.String(), ContentType: d.ContentType.String(),
		Version: d.Version, ContentLength: d.ContentLength,
		Verified: d.Verified(), Entries: d.Entries,
	}
	if t, ok := d.SignedAt(); ok {
		info.Signed, info.AgeSeconds = t, int64(a.now().Sub(t).Seconds())
	}
	if d.Err != nil {
		info.Error = verifyErr(path, d.Err).Error()
	}
	for _, c := range d.Certificates {
		info.Certificates = append(info.Certificates, certJSON{c.NotBefore.UTC(), c.NotAfter.UTC()})
	}
	return info
}

func printInfo(w io.Writer, i infoJSON) {
	fmt.Fprintf(w, "file:          %s (%d bytes)\n", i.File, i.Size)
	fmt.Fprintf(w, "signer:        %s\n", i.Signer)
	for _, c := range i.Certificates {
		fmt.Fprintf(w, "certificate:   valid from %s to %s\n", c.NotBefore.Format(time.DateOnly), c.NotAfter.Format(time.DateOnly))
	}
	fmt.Fprintf(w, "signature:     %s (type %d)\n", i.SigType, i.SigTypeCode)
	fmt.Fprintf(w, "content:       %s, %s, %d bytes\n", i.ContentType, i.FileType, i.ContentLength)
	version, ok := i.Version, "yes"
	if !i.Signed.IsZero() {
		version += fmt.Sprintf(" (signed %s, %s ago)", i.Signed.Format(time.RFC3339), age(i.AgeSeconds))
	}
	if !i.Verified {
		ok = "no: " + i.Error
	}
	fmt.Fprintf(w, "version:       %s\nsignature ok:  %s\n", version, ok)
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
		Args:  exactArgs(1, "one FILE"),
		RunE:  func(cmd *cobra.Command, args []string) error { return a.verify(args[0]) },
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
	msg := fmt.Sprintf("%s: OK, signed by %s (%v), %s", path, d.SignerID, d.SigType, d.ContentType)
	if d.ContentType == su3.ContentReseed {
		msg += fmt.Sprintf(", %d RouterInfos", d.Entries)
	}
	fmt.Fprintln(a.stdout, msg)
	return nil
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
		return fmt.Errorf("%s: signed %s ago, older than --max-age %v", path, age(int64(d.Seconds())), maxAge)
	}
	return nil
}

func (a *app) su3ExtractCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "extract FILE --out DIR",
		Short: "Verify an SU3 file, then write its content into a directory",
		Args:  exactArgs(1, "one FILE"),
		RunE:  func(cmd *cobra.Command, args []string) error { return a.extract(args[0]) },
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
