package main

import (
	"context"
	"fmt"
	"log/slog"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/reseed"
	"github.com/i2pseed/i2pseed/router"
	"github.com/spf13/cobra"
)

func (a *app) routerCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "router --seed DIR --netdb DIR",
		Short: "Run the built-in router: harvest RouterInfos over NTCP2 into a netDb",
		Long: `Join the network with the built-in router and harvest RouterInfos, no tunnels:
connect over NTCP2 to the floodfills among the --seed RouterInfos (a netDb, e.g.
one 'i2pseed bootstrap' wrote), take the RouterInfo each pushes, explore with
netDb lookups (paced by --interval, at most --lookups per session), follow every
floodfill it learns of, and write each verified RouterInfo into --netdb. The
router's keys live in --data-dir/router (0600) and never change.
With --every, it harvests again at that interval until SIGINT/SIGTERM.`,
		Example: `  i2pseed router --seed ~/.i2pd/netDb --netdb /var/lib/i2pseed/netDb
  i2pseed router --seed netDb --netdb harvested --every 30m`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error { return a.runRouter(cmd.Context()) },
	}
	f := cmd.Flags()
	f.String("seed", "", "netDb directory with RouterInfos to start from")
	f.String("netdb", "", "netDb directory to write harvested RouterInfos into")
	f.String("data-dir", defaultDataDir(), "directory for the router's keys")
	f.Int("netid", 2, "network ID")
	f.Duration("interval", 6*time.Second, "pause between lookups to one floodfill (20 per 2 minutes)")
	f.Int("lookups", 100, "lookups per floodfill session")
	f.Duration("every", 0, "harvest again at this interval (0: once)")
	return cmd
}

func (a *app) runRouter(ctx context.Context) error {
	seedDir, store := a.cfg.GetString("seed"), a.cfg.GetString("netdb")
	if seedDir == "" {
		return usagef("router: --seed DIR is required (a netDb with at least one floodfill, e.g. from 'i2pseed bootstrap')")
	}
	if store == "" {
		return usagef("router: --netdb DIR is required (where harvested RouterInfos go)")
	}
	id, err := router.LoadOrCreateIdentity(filepath.Join(a.cfg.GetString("data-dir"), "router"))
	if err != nil {
		return fmt.Errorf("--data-dir: %w", err)
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(a.stderr, nil))
	log.Info("router", "hash", id.Hash().String())
	for {
		seeds, err := loadSeeds(ctx, seedDir, store)
		if err != nil {
			return usagef("--seed %s: %v", seedDir, err)
		}
		st, err := router.Run(ctx, router.Config{Identity: id, NetID: a.cfg.GetInt("netid"), Seeds: seeds, Store: store,
			Interval: a.cfg.GetDuration("interval"), Lookups: a.cfg.GetInt("lookups"), Logger: log})
		fmt.Fprintf(a.stdout, "sessions %d, handshake failures %d, RouterInfos harvested %d\n", st.Sessions, st.HandshakeFailures, st.Harvested)
		every := a.cfg.GetDuration("every")
		if every <= 0 || ctx.Err() != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(every):
		}
	}
}

// loadSeeds reads every verified RouterInfo from the seed netDb and, after
// the first round, the harvested store.
func loadSeeds(ctx context.Context, dirs ...string) ([]*netdb.RouterInfo, error) {
	var out []*netdb.RouterInfo
	for i, dir := range dirs {
		idx, err := netdb.Scan(ctx, dir, nil)
		if err != nil {
			if i > 0 {
				continue // the store may not exist yet
			}
			return nil, err
		}
		src := &reseed.DirSource{Dir: dir}
		for _, e := range idx.Entries {
			if !e.SigOK {
				continue
			}
			b, err := src.Load(e)
			if err != nil {
				continue
			}
			if ri, err := netdb.ParseRouterInfo(b); err == nil {
				out = append(out, ri)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no valid RouterInfos")
	}
	return out, nil
}
