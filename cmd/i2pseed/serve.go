package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/i2pseed/i2pseed/certs"
	"github.com/i2pseed/i2pseed/internal/setting"
	"github.com/i2pseed/i2pseed/reseed"
	"github.com/i2pseed/i2pseed/reseed/wire"
	"github.com/spf13/cobra"
	"golang.org/x/time/rate"
)

func (a *app) serveCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:  "serve --signer ID [--netdb DIR | --from-mirror DIR]",
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error { return a.serve(cmd.Context()) },
	}
	f := cmd.Flags()
	f.String("listen", ":8443", "HTTPS listen address")
	f.String("netdb", "", "netDb directory to take RouterInfos from (Java I2P or i2pd layout) instead of the built-in router")
	f.String("from-mirror", "", "serve a mirror made by 'i2pseed mirror --out DIR' (its DIR/netDb)")
	f.String("data-dir", reseed.DefaultDataDir(), "directory for the signer key, TLS state and server secret (made 0700; an existing one is tightened to 0700)")
	f.String("signer", "", "signer ID, e.g. you@mail.i2p; its key is made in --data-dir on first run")
	f.String("tls", "selfsigned", "TLS mode: selfsigned, files or acme")
	f.StringSlice("host", nil, "with --tls selfsigned: DNS names and IPs for the certificate (default: this host's name)")
	f.String("tls-cert", "", "with --tls files: certificate chain (PEM)")
	f.String("tls-key", "", "with --tls files: private key (PEM)")
	f.String("acme-email", "", "with --tls acme: contact e-mail for the CA account")
	f.String("acme-ca", "", "with --tls acme: ACME directory URL (default Let's Encrypt)")
	f.Bool("acme-staging", false, "with --tls acme: use Let's Encrypt's staging CA (for trying things out)")
	f.String("acme-http-listen", ":80", "with --tls acme: where to answer HTTP-01 challenges")
	f.String("acme-ca-roots", "", "with --tls acme: PEM file of roots for a private ACME CA's own HTTPS endpoint")
	f.Int("netid", 2, "network ID served and required of RouterInfos")
	f.Bool("testnet", false, "test network: accept RouterInfos with private and loopback addresses")
	f.String("min-version", "0.9.59", "lowest router.version a bundle may contain")
	f.String("metrics-listen", "", "serve /metrics here (plain HTTP) instead of on the public listener, e.g. 127.0.0.1:9100")
	f.Int("bundle-size", 75, "RouterInfos per bundle (50-100)")
	f.Int("bundles", 0, "bundles per pool (0: scale with the eligible RouterInfos)")
	f.Int("min-eligible", 50, "fewest eligible RouterInfos to build bundles from")
	f.Duration("rebuild", time.Hour, "how often to rebuild the pool; RouterInfos served are kept under 24h old")
	f.Duration("epoch", 0, "replicas: rebuild at multiples of this (e.g. 1h) stamped with it, so servers with the same netDb snapshot, signer key, secret and config serve identical bundles (docs/scaling.md)")
	f.String("acme-storage", "", "with --tls acme: certmagic storage directory (default --data-dir/acme; a shared filesystem for replicas)")
	f.StringSlice("user-agents", []string{wire.UserAgent}, `User-Agents allowed to fetch bundles ("any" allows all)`)
	f.Float64("rate-per-client", 1.0/60, "bundle requests per second per client address after the burst")
	f.Int("burst-per-client", 5, "bundle requests a client may make at once")
	f.Float64("rate-global", 200, "bundle requests per second in all")
	f.StringSlice("trusted-proxies", nil, "CIDR prefixes of reverse proxies whose X-Forwarded-For is believed")
	f.String("blocklist", "", "file of CIDR prefixes whose connections are dropped (reloaded on SIGHUP)")
	f.Int("max-conns", 1024, "simultaneous connections")
	f.Bool("log-clients", false, "log client addresses (off by default, for privacy)")
	f.StringSlice("yggdrasil-listen", nil, "also serve plain HTTP on these Yggdrasil addresses, e.g. [201:abcd::1]:8080, for routers that reach only the mesh (i2pd's reseed.yggurls)")
	f.String("tor-control", "", "also publish as a Tor onion service through this tor ControlPort (host:port or unix:/path); the onion key stays in --data-dir/onion.key")
	f.String("tor-control-password", "", "the ControlPort's password (HashedControlPassword); empty: cookie authentication")
	f.String("i2p-sam", "", "also serve plain HTTP on an I2P destination published through this SAM bridge, e.g. 127.0.0.1:7656 (i2pd: sam.enabled=true); its key is kept in --data-dir/i2p")
	f.Duration("drain", 30*time.Second, "on SIGTERM, how long open connections may finish before they are closed (keep it below systemd's TimeoutStopSec, 45s in the shipped unit)")
	addRouterFlags(cmd)
	return cmd
}

// serveSettings maps the serve flags to reseed.Settings.
func (a *app) serveSettings() reseed.Settings {
	return reseed.Settings{
		Listen: a.cfg.GetString("listen"), NetDb: a.cfg.GetString("netdb"), FromMirror: a.cfg.GetString("from-mirror"),
		DataDir: a.cfg.GetString("data-dir"), Signer: a.cfg.GetString("signer"),
		Rebuild: a.cfg.GetDuration("rebuild"), Epoch: a.cfg.GetDuration("epoch"), Drain: a.cfg.GetDuration("drain"),
		BundleSize: a.cfg.GetInt("bundle-size"), Bundles: a.cfg.GetInt("bundles"), MinEligible: a.cfg.GetInt("min-eligible"),
		NetID: a.cfg.GetInt("netid"), Testnet: a.cfg.GetBool("testnet"), MinVersion: a.cfg.GetString("min-version"),
		TrustedProxies: a.cfg.GetStringSlice("trusted-proxies"), UserAgents: a.cfg.GetStringSlice("user-agents"),
		LogClients: a.cfg.GetBool("log-clients"), MetricsListen: a.cfg.GetString("metrics-listen"),
		Blocklist: a.cfg.GetString("blocklist"), MaxConns: a.cfg.GetInt("max-conns"), Limits: a.limits(),
		Router: a.routerSettings(), YggdrasilListen: a.cfg.GetStringSlice("yggdrasil-listen"),
		TorControl: a.cfg.GetString("tor-control"), TorControlPassword: a.cfg.GetString("tor-control-password"),
		I2PSAM: a.cfg.GetString("i2p-sam"),
		TLS: reseed.TLSSettings{
			Mode: a.cfg.GetString("tls"), Hosts: a.cfg.GetStringSlice("host"),
			CertFile: a.cfg.GetString("tls-cert"), KeyFile: a.cfg.GetString("tls-key"),
			ACME: reseed.ACMESettings{
				Email: a.cfg.GetString("acme-email"), CA: a.cfg.GetString("acme-ca"), Staging: a.cfg.GetBool("acme-staging"),
				HTTPListen: a.cfg.GetString("acme-http-listen"), CARoots: a.cfg.GetString("acme-ca-roots"),
				Storage: a.cfg.GetString("acme-storage"),
			},
		},
	}
}

// flagError turns a library's *setting.Error into a usage error naming
// the flag (and config key) to fix, after prefix ("serve: " or "").
func flagError(prefix string, err error) error {
	if se := (*setting.Error)(nil); errors.As(err, &se) {
		return usagef("%s--%v", prefix, se)
	}
	return err
}

// limits reads the rate limit settings.
func (a *app) limits() reseed.Limits {
	return reseed.Limits{
		PerClient: rate.Limit(a.cfg.GetFloat64("rate-per-client")), PerClientBurst: a.cfg.GetInt("burst-per-client"),
		Global: rate.Limit(a.cfg.GetFloat64("rate-global")), GlobalBurst: 2 * max(1, int(a.cfg.GetFloat64("rate-global"))),
	}
}

func (a *app) serve(ctx context.Context) error {
	c, err := a.serveSettings().Check()
	if err != nil {
		return flagError("serve: ", err)
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(a.stderr, nil))
	opt := reseed.Options{Logger: log, Now: a.now}
	if c.BuiltinRouter {
		if opt.Seeds, err = a.routerSeeds(); err != nil {
			return err
		}
	}
	svc, err := reseed.Open(ctx, c, opt)
	if ue := (*usageError)(nil); errors.As(err, &ue) {
		return err
	} else if errors.Is(err, reseed.ErrRouter) {
		return fmt.Errorf("serve: %w", err)
	} else if err != nil {
		return flagError("serve: ", err)
	}
	if svc.SignerCreated() {
		fmt.Fprintf(a.stderr, "generated an RSA-4096 signer key for %s in %s\n", c.SignerID, svc.SignerDir())
		fmt.Fprintf(a.stderr, "signer certificate for the I2P project and for clients: %s\n", filepath.Join(svc.SignerDir(), certs.CertFileName(c.SignerID)))
	}
	if r := svc.Router(); r != nil {
		log.Info("built-in router", "hash", r.Hash().String(), "netdb", c.NetDbDir)
	}
	go a.reloadOnHUP(ctx, log, svc)
	err = svc.Run(ctx)
	if errors.Is(err, reseed.ErrRouter) {
		return fmt.Errorf("serve: %w (give it --seed or --seed-urls, or serve a --netdb)", err)
	}
	return err
}

// reloadOnHUP reloads the service on SIGHUP, with the rate limits of the
// --config file read again.
func (a *app) reloadOnHUP(ctx context.Context, log *slog.Logger, svc *reseed.Service) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		}
		var limits *reseed.Limits
		if a.cfg.ConfigFileUsed() != "" {
			if err := a.cfg.ReadInConfig(); err != nil {
				log.Error("config reload failed, keeping the old limits", "err", err)
			} else {
				l := a.limits()
				limits = &l
			}
		}
		svc.Reload(limits)
	}
}
