package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/i2pseed/i2pseed/certs"
	"github.com/i2pseed/i2pseed/internal/atomicfile"
	"github.com/i2pseed/i2pseed/reseed/client"
	"github.com/i2pseed/i2pseed/su3"
	"github.com/spf13/cobra"
)

func (a *app) mirrorCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:  "mirror --out DIR [--export FILE]",
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := a.cfg.GetString("out")
			if out == "" {
				return usagef("mirror: --out DIR is required")
			}
			export := a.cfg.GetString("export")
			var signer *su3.Signer
			if strings.HasSuffix(export, ".su3") {
				keyPath, id := a.cfg.GetString("key"), a.cfg.GetString("signer")
				if keyPath == "" || id == "" {
					return usagef("mirror: --export %s needs --key and --signer (or export a .zip)", export)
				}
				key, err := certs.LoadPrivateKey(keyPath)
				if err != nil {
					return usagef("--key: %v", err)
				}
				signer = &su3.Signer{ID: id, Key: key}
			} else if export != "" && !strings.HasSuffix(export, ".zip") {
				return usagef("mirror: --export %s: name it .zip or .su3", export)
			}
			cfg, err := a.clientConfig(a.cfg.GetStringSlice("urls"))
			if err != nil {
				return err
			}
			cfg.MaxAge, cfg.Timeout = a.cfg.GetDuration("max-age"), a.cfg.GetDuration("timeout")
			res, entries, err := client.Mirror(cmd.Context(), cfg, out, a.now())
			res.WriteTable(a.stdout)
			switch {
			case errors.Is(err, client.ErrNoBundle):
				return fmt.Errorf("mirror: %w", err)
			case err != nil:
				return fmt.Errorf("--out %s: %w", out, err)
			}
			fmt.Fprintf(a.stdout, "mirrored %d bundles, %d RouterInfos, in %s\n", len(entries), len(res.Routers), out)
			if export == "" {
				return nil
			}
			b, n, err := client.Export(cmd.Context(), out, signer, a.now())
			if err != nil {
				return err
			}
			if err := atomicfile.WriteFile(export, b, 0o644); err != nil {
				return fmt.Errorf("--export: %w", err)
			}
			fmt.Fprintf(a.stdout, "exported %d RouterInfos to %s\n", n, export)
			return nil
		},
	}
	addTrustFlags(cmd)
	addFetchFlags(cmd)
	f := cmd.Flags()
	f.String("out", "", "mirror directory")
	f.StringSlice("urls", nil, "reseed server URLs (default: the built-in list)")
	f.String("export", "", "also write a combined bundle: FILE.zip, or FILE.su3 signed with --key/--signer")
	f.String("key", "", "with --export FILE.su3: signer private key")
	f.String("signer", "", "with --export FILE.su3: signer ID")
	f.Duration("max-age", 48*time.Hour, "oldest RouterInfo accepted")
	f.Duration("timeout", 5*time.Minute, "overall time limit")
	return cmd
}
