package reseed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/i2pseed/i2pseed/certs"
	"github.com/i2pseed/i2pseed/internal/setting"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/router"
	"github.com/i2pseed/i2pseed/su3"
)

// A Service is a running reseed server and everything it owns: its
// channels (the HTTPS listener and any other Channel), the metrics
// listener, the netDb store, the optional built-in router, the pool
// builder, the certificate and the drain at shutdown.
//
// Its life: Settings.Check, then Open (directories, keys, store, router,
// listeners), then Run until its context ends; Reload on SIGHUP.
//
//	channels ──> Server.ChannelHandler ──> Pool (bundles) <── Builder <── Store <── built-in router
//	                                                             ^                        │
//	                                                             └── Liveness (probes) ───┘
type Service struct {
	c        *ServeConfig
	log      *slog.Logger
	srv      *Server
	store    *netdb.Store
	router   *router.Router // nil unless c.BuiltinRouter
	tls      certs.Provider
	block    *Blocklist
	signer   *su3.Signer
	created  bool // the signer key was made by Open
	channels []openChannel
	metrics  net.Listener // nil without MetricsListen
	acmeHTTP net.Listener // nil unless TLS.Mode is acme
	ready    chan struct{}
}

type openChannel struct {
	Channel
	ln net.Listener
}

// Options are what a Service takes besides its settings.
type Options struct {
	Logger *slog.Logger // nil discards
	// Channels are served beside HTTPS (which Open makes from Listen).
	Channels []Channel
	// Seeds is where the built-in router starts when its store has no
	// floodfill (a netDb directory, a reseed); nil: the store only.
	Seeds func(ctx context.Context) ([]*netdb.RouterInfo, error)
	Now   func() time.Time // nil means time.Now
}

// ErrRouter wraps the built-in router's failure, from Open or Run.
var ErrRouter = errors.New("built-in router")

// Open prepares c: it makes the data dir (0700, an existing one
// tightened), loads or makes the signer key and the secret, opens the
// store, the certificate, the built-in router and every channel's
// listener. Errors a setting can fix are *setting.Error. ctx bounds the
// work it starts in the background (ACME), so pass Run's.
func Open(ctx context.Context, c *ServeConfig, opt Options) (_ *Service, err error) {
	s := &Service{c: c, log: opt.Logger, ready: make(chan struct{}, 1)}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	defer func() {
		if err != nil {
			s.closeListeners()
		}
	}()
	if err := s.openFiles(now()); err != nil {
		return nil, err
	}
	var startTLS func(context.Context) error
	if s.tls, s.acmeHTTP, startTLS, err = c.TLS.open(c.DataDir, c.Listen, now(), s.log, s.ready); err != nil {
		return nil, err
	}
	sc := c.Server
	sc.Secret, sc.Logger, sc.TLSFingerprint = c.Pool.Secret, s.log, s.tls.Fingerprint()
	s.srv = NewServer(sc)
	s.srv.SetTLSExpiry(s.tls.NotAfter)
	if s.store, err = netdb.OpenStore(ctx, c.NetDbDir); err != nil {
		return nil, setting.Errorf(c.netDbKey, c.NetDbDir, "%w", err)
	}
	if c.BuiltinRouter {
		if err := s.openRouter(ctx, opt.Seeds); err != nil {
			return nil, err
		}
	}
	chans := []Channel{&HTTPSChannel{Addr: c.Listen, MaxConns: c.MaxConns, Blocklist: s.block, TLS: s.tls.TLSConfig()}}
	for _, a := range c.Yggdrasil {
		chans = append(chans, &YggdrasilChannel{Addr: a, MaxConns: c.MaxConns, Blocklist: s.block})
	}
	if c.TorControl != "" {
		chans = append(chans, &OnionChannel{Control: c.TorControl, Password: c.TorPassword,
			KeyFile: filepath.Join(c.DataDir, OnionKeyFile), MaxConns: c.MaxConns, TLS: s.tls.TLSConfig(), Logger: s.log})
	}
	if c.I2PSAM != "" {
		chans = append(chans, &I2PChannel{SAM: c.I2PSAM, KeyFile: filepath.Join(c.DataDir, I2PKeyFile), MaxConns: c.MaxConns})
	}
	if err := s.listen(ctx, append(chans, opt.Channels...)); err != nil {
		return nil, err
	}
	if startTLS != nil {
		if err := startTLS(ctx); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// openFiles makes the directories and loads the blocklist, signer key and
// secret.
func (s *Service) openFiles(now time.Time) error {
	c := s.c
	if err := privateDir(c.DataDir); err != nil {
		return err
	}
	if c.BuiltinRouter {
		if err := os.MkdirAll(c.NetDbDir, 0o700); err != nil {
			return setting.Errorf("data-dir", c.DataDir, "%w", err)
		}
	}
	if fi, err := os.Stat(c.NetDbDir); err != nil || !fi.IsDir() {
		return setting.Errorf(c.netDbKey, c.NetDbDir, "not a directory")
	}
	if c.BlocklistPath != "" {
		var err error
		if s.block, err = LoadBlocklist(c.BlocklistPath); err != nil {
			return setting.Errorf("blocklist", c.BlocklistPath, "%w", err)
		}
	}
	sk, created, err := certs.LoadOrCreateSigner(s.SignerDir(), c.SignerID, now)
	switch {
	case errors.Is(err, certs.ErrSignerMismatch):
		return setting.Errorf("signer", c.SignerID, "%w", err)
	case err != nil:
		return setting.Errorf("data-dir", c.DataDir, "%w", err)
	}
	s.signer, s.created = &su3.Signer{ID: sk.ID, Key: sk.Key}, created
	secret, err := LoadOrCreateSecret(filepath.Join(c.DataDir, "secret"))
	if err != nil {
		return setting.Errorf("data-dir", c.DataDir, "%w", err)
	}
	c.Pool.Signer, c.Pool.Secret = s.signer, secret
	return nil
}

// privateDir makes the data dir (signer key, secret, TLS and router keys)
// 0700, or tightens an existing one that lets its group or others in.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return setting.Errorf("data-dir", dir, "%w", err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return setting.Errorf("data-dir", dir, "%w", err)
	}
	if !fi.IsDir() {
		return setting.Errorf("data-dir", dir, "not a directory")
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return setting.Errorf("data-dir", dir, "mode %v lets others in and cannot be tightened to 0700: %v", fi.Mode().Perm(), err)
		}
	}
	return nil
}

// openRouter builds the built-in router and makes the hand-off between it
// and the pool: its probes aim at what the pool would bundle, and the pool
// takes only routers its probes reached.
func (s *Service) openRouter(ctx context.Context, seeds func(context.Context) ([]*netdb.RouterInfo, error)) error {
	r, err := router.Open(ctx, s.c.Router, router.Deps{Store: s.store, Seeds: seeds, Candidates: &s.c.Pool.Policy,
		Logger: s.log.With("part", "router")})
	if se := (*setting.Error)(nil); errors.As(err, &se) {
		return err
	} else if err != nil {
		return fmt.Errorf("%w: %w", ErrRouter, err)
	}
	if err := s.srv.RegisterMetrics(r); err != nil {
		return err
	}
	if l := r.Liveness(); l != nil { // nil without probes
		s.c.Pool.Policy.Liveness = l
		s.srv.WatchLiveness(l)
	}
	hash := r.Hash().String()
	s.srv.SetRouterStatus(func() RouterStatus {
		st := r.Status()
		return RouterStatus{Hash: hash, Outbound: st.Outbound, Inbound: st.Inbound, Floodfills: st.Floodfills,
			Stored: st.Stored, Live: st.Live, Harvested: st.Harvested}
	})
	s.router = r
	return nil
}

// listen opens every channel's listener and the metrics listener.
func (s *Service) listen(ctx context.Context, chans []Channel) error {
	var names []string
	for _, ch := range chans {
		ln, err := ch.Listen(ctx)
		if se := (*setting.Error)(nil); errors.As(err, &se) {
			return err // the channel named its setting (i2p-sam)
		} else if err != nil {
			key := ch.Name() + "-listen" // the setting of a channel's address
			if key == "https-listen" {
				key = "listen"
			}
			return setting.Errorf(key, "", "%w", err)
		}
		s.channels = append(s.channels, openChannel{ch, ln})
		names = append(names, ch.Name()+" "+ln.Addr().String())
	}
	s.srv.SetChannels(names)
	if s.c.MetricsListen != "" {
		ln, err := net.Listen("tcp", s.c.MetricsListen)
		if err != nil {
			return setting.Errorf("metrics-listen", s.c.MetricsListen, "%w", err)
		}
		s.metrics = ln
	}
	return nil
}

func (s *Service) closeListeners() {
	if s.router != nil {
		s.router.Close()
	}
	for _, ch := range s.channels {
		ch.ln.Close()
	}
	for _, ln := range []net.Listener{s.metrics, s.acmeHTTP} {
		if ln != nil {
			ln.Close()
		}
	}
}

// Server is the service's HTTP handler side.
func (s *Service) Server() *Server { return s.srv }

// Router is the built-in router, nil when the service serves a netDb.
func (s *Service) Router() *router.Router { return s.router }

// Signer is the su3 signer; SignerCreated says Open made its key.
func (s *Service) Signer() *su3.Signer { return s.signer }
func (s *Service) SignerCreated() bool { return s.created }

// SignerDir is where the signer's key and certificate are.
func (s *Service) SignerDir() string { return filepath.Join(s.c.DataDir, "keys") }

// Addr is the address a channel listens on ("https" for the HTTPS one),
// nil for no such channel.
func (s *Service) Addr(channel string) net.Addr {
	for _, ch := range s.channels {
		if ch.Name() == channel {
			return ch.ln.Addr()
		}
	}
	return nil
}

// TLSFingerprint is the SHA-256 of the HTTPS certificate.
func (s *Service) TLSFingerprint() string { return s.tls.Fingerprint() }

// Run serves until ctx ends, then stops accepting on every channel, lets
// open connections finish for up to the drain, closes any left, and stops
// the router and the builder. It returns nil after a shutdown, or the
// error that ended it early (a channel failing, the router failing to
// start: ErrRouter).
func (s *Service) Run(ctx context.Context) error {
	inner, stop := context.WithCancel(context.WithoutCancel(ctx))
	defer stop()
	errc := make(chan error, len(s.channels)+1)
	var bg sync.WaitGroup
	if s.router != nil {
		bg.Go(func() {
			if err := s.router.Run(inner); err != nil {
				errc <- fmt.Errorf("%w: %w", ErrRouter, err)
			}
		})
	}
	builder := &Builder{Source: s.store, Config: s.c.Pool, Server: s.srv, Interval: s.c.Rebuild, Epoch: s.c.Epoch, Logger: s.log}
	bg.Go(func() { builder.Run(inner) })
	bg.Go(func() { s.watchCert(inner) })
	servers := s.serve(errc)
	attrs := []any{}
	for _, ch := range s.channels { // the addresses, one attribute a channel: https=[::]:8443
		attrs = append(attrs, ch.Name(), ch.ln.Addr().String())
	}
	s.log.Info("serving", append(attrs, "signer", s.signer.ID, "netdb", s.c.NetDbDir, "tls_sha256", s.tls.Fingerprint())...)
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
	}
	s.drain(servers)
	stop()
	bg.Wait()
	return err
}

// An httpServed is an http.Server serving one listener.
type httpServed struct {
	hs    *http.Server
	conns *connCounter // nil for the metrics and ACME servers: not drained
}

// serve starts an http.Server on every listener.
func (s *Service) serve(errc chan<- error) []httpServed {
	var out []httpServed
	for _, ch := range s.channels {
		hs := HTTPServer(s.srv.HandlerFor(ch.Channel), ch.TLSConfig(), DefaultTimeouts)
		hs.ErrorLog = slog.NewLogLogger(s.log.Handler(), slog.LevelDebug)
		cc := &connCounter{}
		hs.ConnState = cc.track
		go func() {
			var err error
			if hs.TLSConfig != nil {
				err = hs.ServeTLS(ch.ln, "", "")
			} else {
				err = hs.Serve(ch.ln)
			}
			if !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("reseed: %s channel: %w", ch.Name(), err)
			}
		}()
		out = append(out, httpServed{hs, cc})
	}
	if s.metrics != nil {
		hs := HTTPServer(s.srv.MetricsHandler(), nil, DefaultTimeouts)
		go hs.Serve(s.metrics)
		out = append(out, httpServed{hs: hs})
	}
	if s.acmeHTTP != nil {
		plain := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "this reseed server speaks HTTPS only", http.StatusNotFound)
		})
		hs := HTTPServer(s.tls.HTTPHandler(plain), nil, DefaultTimeouts)
		go hs.Serve(s.acmeHTTP)
		out = append(out, httpServed{hs: hs})
	}
	return out
}

// drain shuts every server down at once, waiting up to the drain for open
// connections, then closing those left.
func (s *Service) drain(servers []httpServed) {
	open := 0
	for _, sv := range servers {
		if sv.conns != nil {
			open += sv.conns.open()
		}
	}
	s.log.Info("shutting down: draining connections", "open", open, "drain", s.c.Drain)
	start := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	cut, late := 0, false
	for _, sv := range servers {
		wg.Go(func() {
			n, l := shutdown(sv.hs, sv.conns, s.c.Drain)
			mu.Lock()
			cut, late = cut+n, late || (l && sv.conns != nil)
			mu.Unlock()
		})
	}
	wg.Wait()
	if late {
		s.log.Warn("drain limit passed: closed the connections still open (raise drain to let them finish)", "closed", cut, "drain", s.c.Drain)
	} else {
		s.log.Info("drained", "took", time.Since(start).Round(time.Millisecond))
	}
}

// watchCert shows a new ACME certificate's fingerprint on the status page.
func (s *Service) watchCert(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.ready:
			s.srv.SetTLSFingerprint(s.tls.Fingerprint())
		}
	}
}

// Reload is SIGHUP: it reads the blocklist and the TLS files again and,
// if limits is not nil, takes new rate limits. What fails to reload keeps
// its old value; the errors are returned together.
func (s *Service) Reload(limits *Limits) error {
	var errs []error
	if limits != nil {
		s.srv.SetLimits(*limits)
		s.log.Info("rate limits reloaded")
	}
	if s.block != nil {
		if err := s.block.Reload(s.c.BlocklistPath); err != nil {
			s.log.Error("blocklist reload failed, keeping the old list", "err", err)
			errs = append(errs, err)
		} else {
			s.log.Info("blocklist reloaded", "prefixes", s.block.Len())
		}
	}
	if err := s.tls.Reload(); err != nil {
		s.log.Error("TLS reload failed, keeping the old certificate", "err", err)
		errs = append(errs, err)
	} else {
		s.srv.SetTLSFingerprint(s.tls.Fingerprint())
		s.log.Info("TLS certificate reloaded", "sha256", s.tls.Fingerprint())
	}
	return errors.Join(errs...)
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

func (cc *connCounter) track(_ net.Conn, st http.ConnState) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	switch st {
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
