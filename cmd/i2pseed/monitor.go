package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os/signal"
	"syscall"
	"time"

	"github.com/i2pseed/i2pseed/reseed/judge"
	"github.com/spf13/cobra"
)

func (a *app) monitorCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use: "monitor [URL...]",
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.checkConfig(args)
			if err != nil {
				return err
			}
			every, jitter := a.cfg.GetDuration("every"), a.cfg.GetFloat64("jitter")
			if every < time.Minute {
				return usagef("monitor: --every %v: want at least 1m (each check costs the server 2-3 requests)", every)
			}
			if jitter < 0 || jitter >= 1 {
				return usagef("monitor: --jitter %v: want 0 up to (not including) 1", jitter)
			}
			log := slog.New(slog.NewTextHandler(a.stderr, nil))
			m, err := judge.NewMonitor(judge.MonitorConfig{Check: cfg, Servers: cfg.Client.URLs, Every: every, Jitter: jitter,
				History: a.cfg.GetString("history"), Logger: log})
			if err != nil {
				return fmt.Errorf("monitor: %w (fix or move --history)", err)
			}
			if a.cfg.GetBool("once") {
				return a.monitorOnce(cmd.Context(), m)
			}
			return a.monitorServe(cmd.Context(), m, log)
		},
	}
	addTrustFlags(cmd)
	addFetchFlags(cmd)
	addCheckFlags(cmd)
	f := cmd.Flags()
	f.Duration("every", 2*time.Hour, "how often each server is judged")
	f.Float64("jitter", 0.2, "spread of each wait, as a fraction of --every either way")
	f.String("history", "i2pseed-monitor.json", "file that keeps every result (written atomically, 0600); empty: memory only")
	f.String("listen", "127.0.0.1:9190", "address of the status page and /metrics")
	f.Bool("once", false, "judge every server once, print a table and exit")
	return cmd
}

func (a *app) monitorOnce(ctx context.Context, m *judge.Monitor) error {
	r, err := m.CheckAll(ctx)
	if err != nil {
		return fmt.Errorf("monitor: %w", err)
	}
	r.WriteTable(a.stdout)
	if down := r.Down(); down > 0 {
		return fmt.Errorf("monitor: %d of %d servers down", down, len(r))
	}
	return nil
}

func (a *app) monitorServe(ctx context.Context, m *judge.Monitor, log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	addr := a.cfg.GetString("listen")
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return usagef("monitor: --listen %s: %v", addr, err)
	}
	log.Info("monitor", "listen", ln.Addr().String(), "servers", len(m.Servers()))
	fmt.Fprintf(a.stdout, "monitoring %d servers; status page http://%s/\n", len(m.Servers()), ln.Addr())
	return m.Serve(ctx, ln, slog.NewLogLogger(log.Handler(), slog.LevelDebug))
}
