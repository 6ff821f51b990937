package main

import (
	"cmp"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/i2pseed/i2pseed/certs"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/reseed"
	"github.com/i2pseed/i2pseed/su3"
	"github.com/spf13/cobra"
	"golang.org/x/time/rate"
)

func (a *app) serveCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve --signer ID [--netdb DIR | --from-mirror DIR]",
		Short: "Run a reseed server: signed i2pseeds.su3 bundles over HTTPS",
		Long: `Serve reseed bundles over HTTPS: GET|HEAD /i2pseeds.su3 for Java I2P, i2pd and
go-i2p, plus /healthz, /metrics and a status page at /.

RouterInfos come from the built-in router (see 'i2pseed router'), which
harvests them over NTCP2 into --data-dir/netDb, starting from --seed or a
verified reseed from --seed-urls; or from --netdb (a Java I2P or i2pd netDb,
rescanned before every rebuild) or --from-mirror, and then no router runs. Every --rebuild the server selects eligible RouterInfos, composes
bundles of --bundle-size, and signs them with the signer key in --data-dir (made
on first run for --signer). Each client address (IPv4 /32, IPv6 /64) always gets
the same bundle until the next rebuild. Until enough RouterInfos are eligible,
bundle requests get 503.

A bundle never carries a router the built-in router's probes found
unreachable since the pool was built: its bundles are held back (their
clients get another) and the pool is rebuilt at once. If that rebuild finds
fewer than --min-eligible routers, the pool is withdrawn: bundle requests
and /healthz get 503 until a build succeeds (i2pseed_pool_withdrawn 1).

TLS (--tls): selfsigned (a P-256 certificate made once in --data-dir for --host),
files (--tls-cert and --tls-key, reloaded on SIGHUP), or acme (certificates for
--host from Let's Encrypt or --acme-ca, HTTP-01 on --acme-http-listen and
TLS-ALPN-01 on --listen, renewed in the background, state in --data-dir/acme).

With --tls acme the server starts at once and gets its certificates in the
background: a failed attempt is retried with certmagic's back-off (1m, 2m, 2m,
5m, 10m, ... up to 6h), at most 4 failed validations per name and hour (Let's
Encrypt allows 5), and each failure is logged; TLS handshakes fail until then.

Signals: SIGHUP reloads the blocklist, TLS files and the rate limits of the
--config file; SIGINT/SIGTERM stop accepting connections, let the open ones
finish for up to --drain, close any left and exit 0.`,
		Example: `  i2pseed serve --signer you@mail.i2p --tls acme --host reseed.example.org --acme-email you@example.org
  i2pseed serve --netdb /var/lib/i2pd/netDb --signer you@mail.i2p --host reseed.example.org
  i2pseed serve --netdb ~/.i2p/netDb --signer you@mail.i2p --tls files --tls-cert cert.pem --tls-key key.pem`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error { return a.serve(cmd.Context()) },
	}
	f := cmd.Flags()
	f.String("listen", ":8443", "HTTPS listen address")
	f.String("netdb", "", "netDb directory to take RouterInfos from (Java I2P or i2pd layout) instead of the built-in router")
	f.String("from-mirror", "", "serve a mirror made by 'i2pseed mirror --out DIR' (its DIR/netDb)")
	f.String("data-dir", defaultDataDir(), "directory for the signer key, TLS state and server secret (made 0700; an existing one is tightened to 0700)")
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
	f.StringSlice("user-agents", []string{reseed.RealClientAgent}, `User-Agents allowed to fetch bundles ("any" allows all)`)
	f.Float64("rate-per-client", 1.0/60, "bundle requests per second per client address after the burst")
	f.Int("burst-per-client", 5, "bundle requests a client may make at once")
	f.Float64("rate-global", 200, "bundle requests per second in all")
	f.StringSlice("trusted-proxies", nil, "CIDR prefixes of reverse proxies whose X-Forwarded-For is believed")
	f.String("blocklist", "", "file of CIDR prefixes whose connections are dropped (reloaded on SIGHUP)")
	f.Int("max-conns", 1024, "simultaneous connections")
	f.Bool("log-clients", false, "log client addresses (off by default, for privacy)")
	f.Duration("drain", 30*time.Second, "on SIGTERM, how long open connections may finish before they are closed (keep it below systemd's TimeoutStopSec, 45s in the shipped unit)")
	addRouterFlags(cmd)
	return cmd
}

func defaultDataDir() string {
	if os.Geteuid() == 0 {
		return "/var/lib/i2pseed"
	}
	if d, err := os.UserConfigDir(); err == nil {
		return filepath.Join(d, "i2pseed")
	}
	return ".i2pseed"
}

// serveConfig maps the serve flags to reseed.Settings and validates them.
func (a *app) serveConfig() (*reseed.ServeConfig, error) {
	s := reseed.Settings{
		Listen: a.cfg.GetString("listen"), NetDb: a.cfg.GetString("netdb"), FromMirror: a.cfg.GetString("from-mirror"),
		DataDir: a.cfg.GetString("data-dir"), Signer: a.cfg.GetString("signer"),
		Rebuild: a.cfg.GetDuration("rebuild"), Epoch: a.cfg.GetDuration("epoch"),
		BundleSize: a.cfg.GetInt("bundle-size"), Bundles: a.cfg.GetInt("bundles"), MinEligible: a.cfg.GetInt("min-eligible"),
		NetID: a.cfg.GetInt("netid"), Testnet: a.cfg.GetBool("testnet"), MinVersion: a.cfg.GetString("min-version"),
		TrustedProxies: a.cfg.GetStringSlice("trusted-proxies"), UserAgents: a.cfg.GetStringSlice("user-agents"),
		LogClients: a.cfg.GetBool("log-clients"), MetricsListen: a.cfg.GetString("metrics-listen"),
		Blocklist: a.cfg.GetString("blocklist"), MaxConns: a.cfg.GetInt("max-conns"), Limits: a.limits(),
	}
	c, err := s.Config()
	if se := (*reseed.SettingError)(nil); errors.As(err, &se) {
		return nil, usagef("serve: --%v", se)
	}
	return c, err
}

// limits reads the rate limit settings.
func (a *app) limits() reseed.Limits {
	return reseed.Limits{
		PerClient: rate.Limit(a.cfg.GetFloat64("rate-per-client")), PerClientBurst: a.cfg.GetInt("burst-per-client"),
		Global: rate.Limit(a.cfg.GetFloat64("rate-global")), GlobalBurst: 2 * max(1, int(a.cfg.GetFloat64("rate-global"))),
	}
}

// loadSecrets prepares the data dir: the signer key (made on first run), the
// server secret, and returns the signer.
func (a *app) loadSecrets(c *reseed.ServeConfig) (*su3.Signer, []byte, error) {
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("--data-dir: %w", err)
	}
	keys := filepath.Join(c.DataDir, "keys")
	sk, created, err := certs.LoadOrCreateSigner(keys, c.SignerID, a.now())
	switch {
	case errors.Is(err, certs.ErrSignerMismatch):
		return nil, nil, usagef("--signer %s: %v", c.SignerID, err)
	case err != nil:
		return nil, nil, fmt.Errorf("--data-dir: %w", err)
	case created:
		fmt.Fprintf(a.stderr, "generated an RSA-4096 signer key for %s in %s\n", c.SignerID, keys)
		fmt.Fprintf(a.stderr, "signer certificate for the I2P project and for clients: %s\n", filepath.Join(keys, certs.CertFileName(c.SignerID)))
	}
	secret, err := reseed.LoadOrCreateSecret(filepath.Join(c.DataDir, "secret"))
	if err != nil {
		return nil, nil, fmt.Errorf("--data-dir: %w", err)
	}
	return &su3.Signer{ID: sk.ID, Key: sk.Key}, secret, nil
}

// tlsProvider maps --tls to the certs provider; for ACME it also starts
// the plain HTTP listener for HTTP-01 (closed by the returned function).
// ACME certificates arrive later: ready gets a value whenever one is ready.
func (a *app) tlsProvider(ctx context.Context, c *reseed.ServeConfig, log *slog.Logger, ready chan<- struct{}) (certs.Provider, func(), error) {
	if a.cfg.GetString("tls") == "acme" {
		return a.acmeProvider(ctx, c, log, ready)
	}
	fc, err := a.tlsCert(c)
	return fc, func() {}, err
}

func (a *app) acmeProvider(ctx context.Context, c *reseed.ServeConfig, log *slog.Logger, ready chan<- struct{}) (certs.Provider, func(), error) {
	hosts := a.cfg.GetStringSlice("host")
	if len(hosts) == 0 {
		return nil, nil, usagef("serve: --tls acme needs --host with the server's public DNS name(s)")
	}
	var roots *x509.CertPool
	if p := a.cfg.GetString("acme-ca-roots"); p != "" {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, nil, usagef("serve: --acme-ca-roots: %v", err)
		}
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(b) {
			return nil, nil, usagef("serve: --acme-ca-roots %s: no PEM certificates", p)
		}
	}
	acme, err := certs.NewACME(certs.ACMEConfig{
		Domains: hosts, Email: a.cfg.GetString("acme-email"), CA: a.cfg.GetString("acme-ca"),
		Staging: a.cfg.GetBool("acme-staging"), StorageDir: cmp.Or(a.cfg.GetString("acme-storage"), filepath.Join(c.DataDir, "acme")),
		TrustedRoots: roots, HTTPPort: portOf(a.cfg.GetString("acme-http-listen")), TLSALPNPort: portOf(c.Listen),
		Events: func(e certs.ACMEEvent) { logACME(log, e, ready) },
	})
	if err != nil {
		return nil, nil, usagef("serve: --tls acme: %v", err)
	}
	httpAddr := a.cfg.GetString("acme-http-listen")
	ln, err := net.Listen("tcp", httpAddr)
	if err != nil {
		return nil, nil, usagef("serve: --acme-http-listen %s: %v", httpAddr, err)
	}
	plain := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "this reseed server speaks HTTPS only", http.StatusNotFound)
	})
	hs := reseed.HTTPServer(acme.HTTPHandler(plain), nil, reseed.DefaultTimeouts)
	go hs.Serve(ln)
	// In the background, so that a CA or a host that cannot be validated
	// does not end the process (and systemd restart it, retrying far
	// faster than the CA's limits allow).
	if err := acme.Start(ctx); err != nil {
		hs.Close()
		return nil, nil, fmt.Errorf("serve: --tls acme: %w", err)
	}
	return acme, func() { hs.Close() }, nil
}

// logACME logs what happens to the ACME certificates.
func logACME(log *slog.Logger, e certs.ACMEEvent, ready chan<- struct{}) {
	log = log.With("part", "acme", "host", e.Name)
	switch {
	case e.Ready:
		log.Info("ACME certificate ready")
		select {
		case ready <- struct{}{}:
		default:
		}
	case e.Err != nil:
		log.Error("ACME certificate attempt failed, retrying with back-off (do --host names resolve to this server, and are ports 80 and --listen reachable from the Internet?)",
			"renewal", e.Renewal, "validation_failed", e.Validation, "err", e.Err)
	case !e.PutOff.IsZero():
		log.Warn("ACME certificate attempt put off: the CA allows few failed validations an hour", "renewal", e.Renewal, "next_from", e.PutOff.Format(time.RFC3339))
	}
}

// portOf is the port of a listen address, 0 if none.
func portOf(addr string) int {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(p)
	return n
}

func (a *app) tlsCert(c *reseed.ServeConfig) (*certs.FileCert, error) {
	switch mode := a.cfg.GetString("tls"); mode {
	case "selfsigned":
		hosts := a.cfg.GetStringSlice("host")
		if len(hosts) == 0 {
			h, _ := os.Hostname()
			hosts = []string{h, "localhost", "127.0.0.1"}
		}
		return certs.SelfSignedCert(filepath.Join(c.DataDir, "tls"), hosts, a.now())
	case "files":
		cp, kp := a.cfg.GetString("tls-cert"), a.cfg.GetString("tls-key")
		if cp == "" || kp == "" {
			return nil, usagef("serve: --tls files needs --tls-cert and --tls-key")
		}
		fc, err := certs.LoadFileCert(cp, kp)
		if err != nil {
			return nil, usagef("serve: --tls-cert/--tls-key: %v", err)
		}
		return fc, nil
	default:
		return nil, usagef("serve: --tls %q: want selfsigned, files or acme", mode)
	}
}

func (a *app) serve(ctx context.Context) error {
	c, err := a.serveConfig()
	if err != nil {
		return err
	}
	drain := a.cfg.GetDuration("drain")
	if drain < 0 {
		return usagef("serve: --drain %v: want 0 or more (e.g. 30s)", drain)
	}
	signer, secret, err := a.loadSecrets(c)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(a.stderr, nil))
	certReady := make(chan struct{}, 1)
	tp, closeHTTP, err := a.tlsProvider(ctx, c, log, certReady)
	if err != nil {
		return err
	}
	defer closeHTTP()
	c.Pool.Signer, c.Pool.Secret = signer, secret
	c.Server.Secret, c.Server.Logger, c.Server.TLSFingerprint = secret, log, tp.Fingerprint()
	srv := reseed.NewServer(c.Server)

	ln, err := reseed.Listen(c.Listen, reseed.ListenConfig{MaxConns: c.MaxConns, Blocklist: c.Blocklist})
	if err != nil {
		return usagef("serve: --listen %s: %v", c.Listen, err)
	}
	hs := reseed.HTTPServer(srv.Handler(), tp.TLSConfig(), reseed.DefaultTimeouts)
	hs.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelDebug)
	conns := &connCounter{}
	hs.ConnState = conns.track
	var ms *http.Server
	if c.MetricsListen != "" {
		mln, err := net.Listen("tcp", c.MetricsListen)
		if err != nil {
			return usagef("serve: --metrics-listen %s: %v", c.MetricsListen, err)
		}
		ms = reseed.HTTPServer(srv.MetricsHandler(), nil, reseed.DefaultTimeouts)
		go ms.Serve(mln)
	}
	// One store: the built-in router puts into it, the pool builder reads it.
	store, err := netdb.OpenStore(ctx, c.NetDbDir)
	if err != nil {
		return fmt.Errorf("serve: netDb %s: %w", c.NetDbDir, err)
	}
	routerErr := make(chan error, 1)
	if c.BuiltinRouter {
		// It probes what the pool would bundle; the pool then takes only
		// routers it reached within the hour.
		r, err := a.newRouter(ctx, store, log.With("part", "router"), &c.Pool.Policy)
		if err != nil {
			return err
		}
		c.Pool.Policy.Liveness = r.Liveness()
		if err := srv.RegisterMetrics(r); err != nil {
			return err
		}
		if l := c.Pool.Policy.Liveness; l != nil { // nil with --probe-every 0
			srv.WatchLiveness(l)
		}
		log.Info("built-in router", "hash", r.Hash().String(), "netdb", c.NetDbDir)
		srv.SetRouterStatus(routerStatus(r))
		go func() {
			if err := r.Run(ctx); err != nil {
				routerErr <- err
			}
		}()
	}
	srv.SetTLSExpiry(tp.NotAfter) // i2pseed_tls_cert_expiry_timestamp_seconds
	builder := &reseed.Builder{Source: store, Config: c.Pool, Server: srv, Interval: c.Rebuild, Epoch: c.Epoch, Logger: log}
	go builder.Run(ctx)
	go a.reloadOnHUP(ctx, log, c, tp, srv)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-certReady:
				srv.SetTLSFingerprint(tp.Fingerprint())
			}
		}
	}()

	log.Info("serving", "listen", ln.Addr().String(), "signer", signer.ID, "netdb", c.NetDbDir, "tls_sha256", tp.Fingerprint())
	errc := make(chan error, 1)
	go func() { errc <- hs.ServeTLS(ln, "", "") }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case err := <-routerErr:
		hs.Close()
		return fmt.Errorf("serve: built-in router: %w (give it --seed or --seed-urls, or serve a --netdb)", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: draining connections", "open", conns.open(), "drain", drain)
	start := time.Now()
	var wg sync.WaitGroup
	if ms != nil {
		wg.Go(func() { shutdown(ms, nil, drain) })
	}
	if cut, late := shutdown(hs, conns, drain); late {
		log.Warn("drain limit passed: closed the connections still open (raise --drain to let them finish)", "closed", cut, "drain", drain)
	} else {
		log.Info("drained", "took", time.Since(start).Round(time.Millisecond))
	}
	wg.Wait()
	return nil
}

// shutdown stops hs gracefully, waiting up to limit for its open
// connections to finish, then closes those left (late), returning how many
// of them it closed as counted by conns, which may be nil.
func shutdown(hs *http.Server, conns *connCounter, limit time.Duration) (cut int, late bool) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	if hs.Shutdown(ctx) == nil {
		return 0, false
	}
	if conns != nil {
		cut = conns.open()
	}
	hs.Close()
	return cut, true
}

// A connCounter counts an http.Server's open connections (its ConnState).
type connCounter struct {
	mu sync.Mutex
	n  int
}

func (cc *connCounter) track(_ net.Conn, s http.ConnState) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	switch s {
	case http.StateNew:
		cc.n++
	case http.StateClosed, http.StateHijacked:
		cc.n--
	}
}

func (cc *connCounter) open() int {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return cc.n
}

func (a *app) reloadOnHUP(ctx context.Context, log *slog.Logger, c *reseed.ServeConfig, tp certs.Provider, srv *reseed.Server) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		}
		if a.cfg.ConfigFileUsed() != "" {
			if err := a.cfg.ReadInConfig(); err != nil {
				log.Error("config reload failed, keeping the old limits", "err", err)
			} else {
				srv.SetLimits(a.limits())
				log.Info("rate limits reloaded")
			}
		}
		if c.Blocklist != nil {
			if err := c.Blocklist.Reload(c.BlocklistPath); err != nil {
				log.Error("blocklist reload failed, keeping the old list", "err", err)
			} else {
				log.Info("blocklist reloaded", "prefixes", c.Blocklist.Len())
			}
		}
		if err := tp.Reload(); err != nil {
			log.Error("TLS reload failed, keeping the old certificate", "err", err)
		} else {
			srv.SetTLSFingerprint(tp.Fingerprint())
			log.Info("TLS certificate reloaded", "sha256", tp.Fingerprint())
		}
	}
}
