package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/reseed/client"
	"github.com/i2pseed/i2pseed/router"
	"github.com/spf13/cobra"
)

func (a *app) routerCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "router --netdb DIR [--seed PATH]",
		Short: "Run the built-in router: harvest RouterInfos over NTCP2 into a netDb",
		Long: `Join the network with the built-in router and harvest RouterInfos, no tunnels.
The router keeps --sessions NTCP2 sessions with distinct floodfills; over each
it publishes its own RouterInfo, takes the RouterInfo the floodfill pushes,
explores with netDb lookups and looks up every router it learns of. Lookups
to one floodfill are at least --interval apart and at most 12 in any two
minutes (Java floodfills drop more than 14), none before the floodfill's
RouterInfo is 2m20s old (a Java floodfill drops every lookup in its first two
minutes), fewer when answers stop; at most --lookups a session. Verified
RouterInfos of --netid go into --netdb; ones older than --expire are removed.
Floodfills that fail are backed off (1 minute doubling to an hour), by cause:
refused, no message 2, timeout, decrypt failure, clock skew. Outgoing
connections come from the address the router publishes; its RouterInfo says
it carries no tunnels (caps KUG, or KRG with --ntcp2-listen).

It starts from the floodfills already in --netdb, then --seed (a netDb
directory or a RouterInfo file, e.g. i2pd's router.info), or else a reseed from
--seed-urls (default: the built-in servers), verified like 'i2pseed bootstrap'.
With --ntcp2-listen it also accepts inbound sessions and publishes that
address (--ntcp2-host). Keys live in --data-dir/router (0600) and never change.
Runs until SIGINT/SIGTERM.`,
		Example: `  i2pseed router --netdb /var/lib/i2pseed/netDb
  i2pseed router --netdb harvested --seed ~/.i2pd/netDb --sessions 5`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error { return a.runRouter(cmd.Context()) },
	}
	f := cmd.Flags()
	f.String("netdb", "", "netDb directory to keep harvested RouterInfos in")
	f.String("data-dir", defaultDataDir(), "directory for the router's keys")
	f.Int("netid", 2, "network ID")
	addRouterFlags(cmd)
	return cmd
}

// addRouterFlags adds the built-in router's flags (router and serve).
func addRouterFlags(cmd *cobra.Command) {
	addTrustFlags(cmd)
	addFetchFlags(cmd) // --ca and --proxy, for --seed-urls
	f := cmd.Flags()
	f.String("seed", "", "netDb directory or RouterInfo file to start from (default: reseed from --seed-urls)")
	f.StringSlice("seed-urls", nil, "reseed servers to start from when no --seed (default: the built-in list)")
	f.String("ntcp2-listen", "", "accept inbound NTCP2 sessions here, e.g. 0.0.0.0:12345 (default: outbound only)")
	f.String("ntcp2-host", "", "public IP address to publish with --ntcp2-listen (default: its host)")
	f.Int("sessions", 3, "floodfills harvested at once")
	f.Duration("interval", 5*time.Second, "least time between lookups to one floodfill (at most 12 per 2 minutes whatever this is)")
	f.Int("lookups", 100, "most lookups per session")
	f.Duration("expire", 48*time.Hour, "remove RouterInfos published longer ago than this")
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
	r, err := a.newRouter(store, log, nil)
	if err != nil {
		return err
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

// newRouter builds the built-in router from the flags, keeping RouterInfos
// in store. With --probe-every it probes the routers candidates admits (nil:
// all) and keeps the results in --data-dir/liveness.json.
func (a *app) newRouter(store *netdb.Store, log *slog.Logger, candidates *netdb.Policy) (*router.Router, error) {
	id, err := router.LoadOrCreateIdentity(filepath.Join(a.cfg.GetString("data-dir"), "router"))
	if err != nil {
		return nil, fmt.Errorf("--data-dir: %w", err)
	}
	netID, err := a.netID()
	if err != nil {
		return nil, err
	}
	cfg := router.Config{
		Identity: id, NetID: netID, Store: store, Logger: log,
		Sessions: a.cfg.GetInt("sessions"), MaxAge: a.cfg.GetDuration("expire"),
		Harvest: router.HarvestConfig{Interval: a.cfg.GetDuration("interval"), Lookups: a.cfg.GetInt("lookups")},
		Probe: router.ProbeConfig{Every: a.cfg.GetDuration("probe-every"), Recheck: a.cfg.GetDuration("probe-recheck"),
			Candidates: candidates},
	}
	if every := a.cfg.GetDuration("probe-every"); every < 0 {
		return nil, usagef("--probe-every %v: want 0 (no probes) or more", every)
	} else if every > 0 {
		if cfg.Liveness, err = netdb.OpenLiveness(filepath.Join(a.cfg.GetString("data-dir"), "liveness.json")); err != nil {
			return nil, fmt.Errorf("--data-dir: %w", err)
		}
		if candidates != nil {
			candidates.Liveness = cfg.Liveness
		}
	}
	if cfg.Seeds, err = a.routerSeeds(); err != nil {
		return nil, err
	}
	if l := a.cfg.GetString("ntcp2-listen"); l != "" {
		host, port, err := net.SplitHostPort(l)
		p, perr := strconv.Atoi(port)
		if err != nil || perr != nil || p == 0 {
			return nil, usagef("--ntcp2-listen %q: want host:port with a fixed port", l)
		}
		if h := a.cfg.GetString("ntcp2-host"); h != "" {
			host = h
		}
		ip, perr2 := netip.ParseAddr(host)
		if perr2 != nil || ip.IsUnspecified() {
			return nil, usagef("--ntcp2-host: the IP address to publish is needed when --ntcp2-listen has none")
		}
		if netID == netdb.LiveNetID && !netdb.IsPublic(ip) && !a.cfg.GetBool("testnet") {
			return nil, usagef("--ntcp2-host %s: the I2P network's routers refuse a RouterInfo whose only address is not public (private, loopback, reserved); publish the server's public IP (--testnet: a private test network)", host)
		}
		if cfg.Listener, err = net.Listen("tcp", l); err != nil {
			return nil, usagef("--ntcp2-listen: %v", err)
		}
		cfg.Address = router.Address{Host: host, Port: p}
	}
	r, err := router.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("--netdb %s: %w", store.Dir(), err)
	}
	return r, nil
}

// routerSeeds is where the router starts: --seed, or a verified reseed.
func (a *app) routerSeeds() (func(context.Context) ([]*netdb.RouterInfo, error), error) {
	if seed := a.cfg.GetString("seed"); seed != "" {
		if _, err := os.Stat(seed); err != nil {
			return nil, usagef("--seed: %v", err)
		}
		return func(ctx context.Context) ([]*netdb.RouterInfo, error) { return loadSeeds(ctx, seed) }, nil
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
		out := make([]*netdb.RouterInfo, 0, len(res.Routers))
		for _, ri := range res.Routers {
			out = append(out, ri)
		}
		return out, nil
	}, nil
}

// loadSeeds reads the verified RouterInfos of a netDb directory, or one
// RouterInfo file.
func loadSeeds(ctx context.Context, path string) ([]*netdb.RouterInfo, error) {
	if fi, err := os.Stat(path); err == nil && !fi.IsDir() {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		ri, err := netdb.ParseRouterInfo(b)
		if err != nil {
			return nil, fmt.Errorf("--seed %s: %w", path, err)
		}
		return []*netdb.RouterInfo{ri}, nil
	}
	store, err := netdb.OpenStore(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("--seed: %w", err)
	}
	entries, err := store.Entries(ctx)
	if err != nil {
		return nil, fmt.Errorf("--seed: %w", err)
	}
	var out []*netdb.RouterInfo
	for _, e := range entries {
		if !e.SigOK {
			continue
		}
		// Load does not check the file again; the Router verifies seeds
		// as it takes them.
		if b, err := store.Load(e); err == nil {
			if ri, err := netdb.ParseRouterInfo(b); err == nil {
				out = append(out, ri)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--seed %s: no valid RouterInfos", path)
	}
	return out, nil
}
