package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/i2pseed/i2pseed/certs"
	"github.com/i2pseed/i2pseed/su3"
	"github.com/spf13/cobra"
)

func (a *app) su3Cmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:  "su3",
		Args: exactArgs(0, "a subcommand (info, verify, extract, sign)"),
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
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
