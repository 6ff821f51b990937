package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/i2pseed/i2pseed/netdb"
	"github.com/spf13/cobra"
)

func (a *app) netdbCmd() *cobra.Command {
	return group("netdb", a.netdbStatsCmd(), a.netdbCheckCmd(), a.netdbSynthCmd())
}

// addPolicyFlags adds the selection policy flags.
func addPolicyFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.Int("netid", 2, "network ID RouterInfos must carry")
	f.Bool("testnet", false, "test network: also accept private and loopback addresses")
	f.String("min-version", "0.9.59", "lowest router.version a bundle may contain")
	f.Duration("max-age", 24*time.Hour, "oldest published time a bundle may contain")
	f.String("liveness", "", "the built-in router's liveness.json (in serve's --data-dir): admit only routers it reached within the hour")
}

func (a *app) policy() (netdb.Policy, error) {
	netID, err := a.netID()
	if err != nil {
		return netdb.Policy{}, err
	}
	p, err := netdb.PolicyFor(netID, a.cfg.GetBool("testnet"), a.cfg.GetString("min-version"))
	if err != nil {
		return p, usagef("--min-version %q: want a dotted version like 0.9.59", p.MinVersion)
	}
	p.MaxAge = a.cfg.GetDuration("max-age")
	if p.MaxAge <= 0 {
		return p, usagef("--max-age must be positive, e.g. 24h")
	}
	if path := a.cfg.GetString("liveness"); path != "" {
		if _, err := os.Stat(path); err != nil {
			return p, usagef("--liveness: %v", err)
		}
		if p.Liveness, err = netdb.OpenLiveness(path); err != nil {
			return p, usagef("--liveness: %v", err)
		}
	}
	now := a.now()
	p.Now = func() time.Time { return now }
	return p, nil
}

func (a *app) netdbStatsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:  "stats DIR",
		Args: exactArgs(1, "one DIR"),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := a.policy()
			if err != nil {
				return err
			}
			r, err := netdb.Stats(context.Background(), args[0], p)
			if err != nil {
				return err
			}
			return a.output(r, r.WriteText)
		},
	}
	addPolicyFlags(cmd)
	cmd.Flags().Bool("json", false, "print JSON instead of text")
	return cmd
}

func (a *app) netdbCheckCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:  "check DIR [--prune]",
		Args: exactArgs(1, "one DIR"),
		RunE: func(cmd *cobra.Command, args []string) error { return a.check(args[0]) },
	}
	addPolicyFlags(cmd)
	f := cmd.Flags()
	f.Int("min-eligible", 150, "fewest eligible RouterInfos for a healthy reseed netDb (two bundles of 75)")
	f.Bool("prune", false, "delete unparseable, misnamed, badly signed and stale files")
	f.Duration("prune-age", 72*time.Hour, "with --prune: delete RouterInfos published longer ago than this")
	return cmd
}

func (a *app) check(dir string) error {
	p, err := a.policy()
	if err != nil {
		return err
	}
	r, err := netdb.Stats(context.Background(), dir, p)
	if err != nil {
		return err
	}
	failed := false
	for _, f := range r.Health(a.cfg.GetInt("min-eligible"), p.MaxAge) {
		fmt.Fprintln(a.stdout, f)
		failed = failed || f.Level == netdb.LevelFail
	}
	if a.cfg.GetBool("prune") {
		n, err := netdb.Prune(context.Background(), dir, p.Now().Add(-a.cfg.GetDuration("prune-age")))
		if err != nil {
			return fmt.Errorf("--prune: %w", err)
		}
		fmt.Fprintln(a.stdout, netdb.Finding{Level: netdb.LevelOK, Text: fmt.Sprintf("pruned %d files", n)})
	}
	if failed {
		return fmt.Errorf("netdb check %s: not healthy", dir)
	}
	return nil
}

func (a *app) netdbSynthCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:  "synth --count N --out DIR",
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, out := a.cfg.GetInt("count"), a.cfg.GetString("out")
			if n < 1 || n > 1_000_000 {
				return usagef("netdb synth: --count %d: want 1-1000000", n)
			}
			if out == "" {
				return usagef("netdb synth: --out DIR is required")
			}
			netID, err := a.netID()
			if err != nil {
				return err
			}
			start := time.Now()
			ris, err := netdb.Synth(n, netdb.SynthConfig{
				NetID: netID, Now: a.now(), MaxAge: a.cfg.GetDuration("spread"),
				Seed: a.cfg.GetUint64("seed"), Private: a.cfg.GetBool("private"),
			})
			if err != nil {
				return err
			}
			for _, ri := range ris {
				if _, err := netdb.Write(out, ri); err != nil {
					return fmt.Errorf("--out: %w", err)
				}
			}
			fmt.Fprintf(a.stdout, "wrote %d RouterInfos to %s in %.1fs\n", n, out, time.Since(start).Seconds())
			return nil
		},
	}
	f := cmd.Flags()
	f.Int("count", 100, "number of RouterInfos")
	f.String("out", "", "netDb directory to write (created if missing)")
	f.Int("netid", 2, "network ID")
	f.Uint64("seed", 1, "random seed: the same seed gives the same RouterInfos for the same time")
	f.Bool("private", false, "use loopback addresses (127.x.y.z), for test networks")
	f.Duration("spread", 36*time.Hour, "spread published times over this long before now")
	return cmd
}
