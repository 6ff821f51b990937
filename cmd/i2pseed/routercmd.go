package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/reseed"
	"github.com/i2pseed/i2pseed/reseed/client"
	"github.com/i2pseed/i2pseed/router"
	"github.com/i2pseed/i2pseed/router/ntcp2"
	"github.com/spf13/cobra"
)

func (a *app) routerCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:  "router --netdb DIR [--seed PATH]",
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error { return a.runRouter(cmd.Context()) },
	}
	f := cmd.Flags()
	f.String("netdb", "", "netDb directory to keep harvested RouterInfos in")
	f.String("data-dir", reseed.DefaultDataDir(), "directory for the router's keys")
	f.Int("netid", 2, "network ID")
	addRouterFlags(cmd)
	return cmd
}

// addRouterFlags adds the built-in router's flags (router and serve).
func addRouterFlags(cmd *cobra.Command) {
	addTrustFlags(cmd)
	addFetchFlags(cmd) // --ca, --proxy and --sam, for --seed-urls
	f := cmd.Flags()
	f.String("seed", "", "netDb directory or RouterInfo file to start from (default: reseed from --seed-urls)")
	f.StringSlice("seed-urls", nil, "reseed servers to start from when no --seed (default: the built-in list)")
	f.String("ntcp2-listen", "", "accept inbound NTCP2 sessions here, e.g. 0.0.0.0:12345 (default: outbound only)")
	f.String("ntcp2-host", "", "public IP address to publish with --ntcp2-listen (default: its host)")
	f.Bool("ssu2", true, "also dial routers over SSU2 (outbound only): those that publish only SSU2, and the others in turn")
	f.Int("sessions", 3, "floodfills harvested at once")
	f.Duration("interval", 5*time.Second, "least time between lookups to one floodfill (at most 12 per 2 minutes whatever this is)")
	f.Int("lookups", 100, "most lookups per session")
	f.Duration("expire", 48*time.Hour, "remove RouterInfos published longer ago than this")
	f.Duration("floodfill-warmup", 2*time.Minute+20*time.Second, "wait this long after a floodfill published its RouterInfo before asking it (Java I2P drops every lookup in its first 2 minutes); 0 on a test network of i2pd floodfills only")
	f.Duration("probe-every", 3*time.Second, "liveness: least time between handshakes that check a router's published address is there (0: no probes)")
	f.Duration("probe-recheck", 10*time.Minute, "liveness: least time before a router confirmed reachable is probed again")
}

func (a *app) runRouter(ctx context.Context) error {
	dir := a.cfg.GetString("netdb")
	if dir == "" {
		return usagef("router: --netdb DIR is required (where harvested RouterInfos go)")
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(a.stderr, nil))
	store, err := netdb.OpenStore(ctx, dir)
	if err != nil {
		return fmt.Errorf("--netdb %s: %w", dir, err)
	}
	s := a.routerSettings()
	if err := s.Check(); err != nil {
		return flagError("", err)
	}
	seeds, err := a.routerSeeds()
	if err != nil {
		return err
	}
	r, err := router.Open(ctx, s, router.Deps{Store: store, Seeds: seeds, Logger: log})
	if err != nil {
		return flagError("", err)
	}
	log.Info("router", "hash", r.Hash().String(), "netdb", dir)
	err = r.Run(ctx)
	if errors.Is(err, router.ErrNoFloodfills) {
		return usagef("router: %v (check --seed or --seed-urls)", err)
	}
	st := r.Stats()
	fmt.Fprintf(a.stdout, "sessions %d, inbound %d, handshake failures %d, RouterInfos harvested %d, expired %d\n",
		st.Sessions, st.Inbound, st.HandshakeFailures, st.Harvested, st.Expired)
	return err
}

// routerSettings maps the built-in router's flags (router and serve).
func (a *app) routerSettings() router.Settings {
	return router.Settings{
		DataDir: a.cfg.GetString("data-dir"), NetID: a.cfg.GetInt("netid"), Testnet: a.cfg.GetBool("testnet"),
		Sessions: a.cfg.GetInt("sessions"), Interval: a.cfg.GetDuration("interval"), Lookups: a.cfg.GetInt("lookups"),
		Expire: a.cfg.GetDuration("expire"), ProbeEvery: a.cfg.GetDuration("probe-every"), ProbeRecheck: a.cfg.GetDuration("probe-recheck"),
		FloodfillWarmup: warmupSetting(a.cfg.GetDuration("floodfill-warmup")),
		NTCP2:           ntcp2.Settings{Listen: a.cfg.GetString("ntcp2-listen"), Host: a.cfg.GetString("ntcp2-host")},
		SSU2:            a.cfg.GetBool("ssu2"),
	}
}

// warmupSetting is --floodfill-warmup as router.Settings takes it: 0 is
// none (negative there; zero is its default).
func warmupSetting(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

// routerSeeds is where the router starts: --seed, or a verified reseed.
func (a *app) routerSeeds() (func(context.Context) ([]*netdb.RouterInfo, error), error) {
	if seed := a.cfg.GetString("seed"); seed != "" {
		if _, err := os.Stat(seed); err != nil {
			return nil, usagef("--seed: %v", err)
		}
		return func(ctx context.Context) ([]*netdb.RouterInfo, error) {
			ris, err := netdb.LoadRouterInfos(ctx, seed)
			if err == nil && len(ris) == 0 {
				err = errors.New("no valid RouterInfos")
			}
			if err != nil {
				return nil, fmt.Errorf("--seed %s: %w", seed, err)
			}
			return ris, nil
		}, nil
	}
	cfg, err := a.clientConfig(a.cfg.GetStringSlice("seed-urls"))
	if err != nil {
		return nil, err
	}
	cfg.MinServers = min(2, len(cfg.URLs))
	return func(ctx context.Context) ([]*netdb.RouterInfo, error) {
		res, err := client.Bootstrap(ctx, cfg, nil)
		if err != nil {
			return nil, fmt.Errorf("reseed from --seed-urls: %w", err)
		}
		return slices.Collect(maps.Values(res.Routers)), nil
	}, nil
}
