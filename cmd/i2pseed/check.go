package main

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/i2pseed/i2pseed/reseed/judge"
	"github.com/i2pseed/i2pseed/reseed/wire"
	"github.com/spf13/cobra"
)

func (a *app) checkCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:  "check URL",
		Args: exactArgs(1, "one URL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.checkConfig(args)
			if err != nil {
				return err
			}
			rep := judge.Server(cmd.Context(), cfg, args[0])
			failed := rep.Count(judge.Fail)
			if err := a.output(struct {
				URL    string        `json:"url"`
				OK     bool          `json:"ok"`
				Checks []judge.Check `json:"checks"`
				Report *judge.Report `json:"report"`
			}{args[0], failed == 0 && rep.Judged(), rep.Checks, rep}, rep.WriteText); err != nil {
				return err
			}
			switch {
			case !rep.Judged():
				return fmt.Errorf("check %s: rate-limited before anything could be judged; try again later", args[0])
			case failed > 0:
				return fmt.Errorf("check %s: %d of %d checks failed: real clients would refuse this server", args[0], failed, len(rep.Checks))
			}
			return nil
		},
	}
	addTrustFlags(cmd)
	addFetchFlags(cmd)
	cmd.Flags().Bool("json", false, "print JSON")
	addCheckFlags(cmd)
	cmd.Flags().StringSlice("source", nil, "local address to fetch from once more (repeat, in different address blocks): warns if all get one bundle")
	return cmd
}

// addCheckFlags adds the limits check and monitor share.
func addCheckFlags(cmd *cobra.Command) {
	cmd.Flags().Int("min-routers", 50, "fewest RouterInfos a bundle must hold (50 is Java's rule; lower for test networks)")
	cmd.Flags().Int("min-floodfills", 5, "fewest floodfills a bundle should hold (a warning below)")
}

// checkConfig maps the flags of check (and monitor) to a judge.Config.
func (a *app) checkConfig(urls []string) (judge.Config, error) {
	cc, err := a.clientConfig(urls)
	if err != nil {
		return judge.Config{}, err
	}
	for _, u := range urls {
		if _, err := wire.BundleURL(u, cc.NetID); err != nil {
			return judge.Config{}, usagef("%v", err)
		}
	}
	cfg := judge.Config{Client: cc, MinRouters: a.cfg.GetInt("min-routers"), MinFloodfills: a.cfg.GetInt("min-floodfills")}
	if cfg.MinRouters < 1 {
		return cfg, usagef("--min-routers %d: want at least 1", cfg.MinRouters)
	}
	if cfg.MinFloodfills < 1 {
		return cfg, usagef("--min-floodfills %d: want at least 1", cfg.MinFloodfills)
	}
	for _, s := range a.cfg.GetStringSlice("source") {
		ip, err := netip.ParseAddr(strings.TrimSpace(s))
		if err != nil {
			return cfg, usagef("--source %q: want an IP address of this machine", s)
		}
		cfg.Sources = append(cfg.Sources, ip)
	}
	return cfg, nil
}
