package main

import (
	"fmt"
	"io"

	"github.com/i2pseed/i2pseed/reseed"
	"github.com/spf13/cobra"
)

func (a *app) checkCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "check URL",
		Short: "Judge a reseed server by the I2P project's tester rules and ours",
		Long: `Fetch a bundle from URL as a router would and judge the server: HTTP 200, a valid
signature by a known signer, su3 version at most 7.5 days old, every RouterInfo
published within 7.5 days, at least 50 RouterInfos, under 30 s (Java I2P's
tester), plus the same bundle on a repeat request, 403 for another netid, and
TLS 1.2 or newer. Exit status 0 if every check passes, 1 if not: fit for cron
and monitoring, --json for machines.`,
		Example: `  i2pseed check https://reseed.example.org/
  i2pseed check --json --ca server.crt --certs keys/ https://127.0.0.1:8443/`,
		Args: exactArgs(1, "one URL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.clientConfig(args)
			if err != nil {
				return err
			}
			if _, err := reseed.BundleURL(args[0], cfg.NetID); err != nil {
				return usagef("check: %v", err)
			}
			cfg.MinRouters = a.cfg.GetInt("min-routers")
			if cfg.MinRouters < 1 {
				return usagef("check: --min-routers %d: want at least 1", cfg.MinRouters)
			}
			checks := reseed.CheckServer(cmd.Context(), cfg, args[0])
			failed := 0
			for _, c := range checks {
				if !c.OK {
					failed++
				}
			}
			if err := a.output(struct {
				URL    string         `json:"url"`
				OK     bool           `json:"ok"`
				Checks []reseed.Check `json:"checks"`
			}{args[0], failed == 0, checks}, func(w io.Writer) {
				for _, c := range checks {
					mark := "OK  "
					if !c.OK {
						mark = "FAIL"
					}
					fmt.Fprintf(w, "%s  %-15s %s\n", mark, c.Name, c.Detail)
				}
			}); err != nil {
				return err
			}
			if failed > 0 {
				return fmt.Errorf("check %s: %d of %d checks failed", args[0], failed, len(checks))
			}
			return nil
		},
	}
	addTrustFlags(cmd)
	addFetchFlags(cmd)
	cmd.Flags().Bool("json", false, "print JSON")
	cmd.Flags().Int("min-routers", 50, "fewest RouterInfos a bundle must hold (50 is the I2P project's rule; lower for test networks)")
	return cmd
}
