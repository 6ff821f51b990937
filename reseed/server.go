package reseed

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/mux"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/reseed/wire"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// ServerConfig configures a Server.
type ServerConfig struct {
	NetID netdb.NetID // default netdb.LiveNetID
	// UserAgents allowed to fetch bundles; empty allows any. Default in
	// the CLI: only wire.UserAgent.
	UserAgents []string
	// Secret keys the client-to-bundle mapping (same as PoolConfig.Secret).
	Secret         []byte
	Limits         Limits
	TrustedProxies []netip.Prefix // whose X-Forwarded-For is believed
	Logger         *slog.Logger   // nil discards
	// LogClients logs client addresses; off by default.
	LogClients bool
	// PrivateMetrics leaves /metrics out of Handler: serve MetricsHandler on
	// a separate, private listener instead.
	PrivateMetrics bool
	// For the status page: the signer ID, the TLS certificate's SHA-256
	// and the RouterInfos per bundle (PoolConfig.BundleSize; 0: 75).
	SignerID, TLSFingerprint string
	BundleSize               int
	Now                      func() time.Time // nil means time.Now
}

// A Server serves bundles from its current Pool. It is safe for concurrent
// use; SetPool swaps pools atomically.
//
// A bundle never carries a router the server has found unreachable since
// the pool was built (RouterUnreachable, WatchLiveness): such a bundle is
// held back, its clients get the next one, and the Builder rebuilds at
// once. When that rebuild fails for want of eligible routers the pool is
// withdrawn: every request gets 503 until a build succeeds.
type Server struct {
	cfg     ServerConfig
	log     *slog.Logger
	state   atomic.Pointer[poolState] // nil until the first pool; stored under mu
	limit   atomic.Pointer[limiter]
	metrics *metrics
	wake    chan struct{} // a member of the pool was found unreachable

	router   atomic.Pointer[func() RouterStatus]
	channels atomic.Pointer[[]string] // "name address", for the status page

	mu       sync.Mutex
	buildErr error
	buildAt  time.Time
	live     *netdb.Liveness
}

// RouterStatus is what the status page shows of the built-in router.
type RouterStatus struct {
	Hash              string // its router hash
	Outbound, Inbound int    // NTCP2 sessions open
	Floodfills        int    // floodfills it can ask
	Stored            int    // RouterInfos in its store
	Live              int    // routers reached within the hour
	Harvested         int    // RouterInfos harvested so far
}

// State sums the router up in a few words.
func (r RouterStatus) State() string {
	switch n := r.Outbound + r.Inbound; {
	case r.Floodfills == 0:
		return "looking for a floodfill to start from"
	case n == 0:
		return "no session open"
	default:
		return fmt.Sprintf("harvesting: %d sessions open (%d outbound, %d inbound)", n, r.Outbound, r.Inbound)
	}
}

// NewServer returns a Server with no pool yet: it answers 503 until SetPool.
func NewServer(cfg ServerConfig) *Server {
	if cfg.NetID == 0 {
		cfg.NetID = netdb.LiveNetID
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, log: log, metrics: newMetrics(), wake: make(chan struct{}, 1)}
	s.limit.Store(newLimiter(cfg.Limits))
	return s
}

// SetLimits replaces the rate limits (on SIGHUP); clients' buckets start
// afresh.
func (s *Server) SetLimits(l Limits) { s.limit.Store(newLimiter(l)) }

// SetPool makes p the pool served from now on. With WatchLiveness, the
// bundles of p that carry a router whose latest probe failed at or after
// p.Built are held back at once.
func (s *Server) SetPool(p *Pool) {
	s.recordBuild(p, nil)
	s.mu.Lock()
	defer s.mu.Unlock()
	st, dead := newPoolState(p), false
	if s.live != nil {
		st, dead = st.probed(s.live)
	}
	s.store(st)
	if dead {
		s.wakeBuilder()
	}
}

// BuildFailed records a failed build. The current pool, if any, stays,
// unless err is ErrNotEnoughRouters while the pool carries routers found
// unreachable since it was built: then it is withdrawn, and requests get
// 503 until SetPool.
func (s *Server) BuildFailed(p *Pool, err error) {
	s.recordBuild(p, err)
	if !errors.Is(err, ErrNotEnoughRouters) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.state.Load(); st != nil && len(st.dead) > 0 {
		s.store(st.withdraw(err))
	}
}

// WatchLiveness makes the server hold back every bundle that carries a
// router l records unreachable after the pool was built (see
// RouterUnreachable), and check each new pool against l.
func (s *Server) WatchLiveness(l *netdb.Liveness) {
	s.mu.Lock()
	s.live = l
	s.mu.Unlock()
	l.OnFailure(s.RouterUnreachable)
}

// RouterUnreachable notes that router h was found unreachable at time at.
// If the current pool carries h and at is not before the pool was built,
// the bundles carrying h are no longer served (their clients get the next
// bundle) and the Builder is woken to rebuild at once.
func (s *Server) RouterUnreachable(h netdb.Hash, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.state.Load()
	if st == nil {
		return
	}
	if next, changed := st.unreachable(h, at); changed {
		s.store(next)
		if next.withdrawn == nil {
			s.wakeBuilder()
		}
	}
}

// store makes st the state served and reports it in the metrics; s.mu is
// held.
func (s *Server) store(st *poolState) {
	s.state.Store(st)
	m := s.metrics
	m.poolBuilt.Set(float64(st.pool.Built.Unix()))
	m.poolStale.Set(float64(st.nstale))
	if st.serving() {
		m.poolSize.Set(float64(len(st.pool.Bundles)))
		m.withdrawn.Set(0)
	} else {
		m.poolSize.Set(0)
		m.withdrawn.Set(1)
	}
}

// wakeBuilder asks the Builder for a rebuild now; wake-ups before it
// looks count once.
func (s *Server) wakeBuilder() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// wantsPool reports whether the server lacks a pool that serves every
// bundle: none yet, withdrawn, or holding bundles back. The Builder then
// retries failed builds soon.
func (s *Server) wantsPool() bool {
	st := s.state.Load()
	return st == nil || !st.serving() || st.nstale > 0
}

// built is when the current pool, served or withdrawn, was built; zero
// without one.
func (s *Server) built() time.Time {
	if st := s.state.Load(); st != nil {
		return st.pool.Built
	}
	return time.Time{}
}

func (s *Server) recordBuild(p *Pool, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	s.metrics.builds.WithLabelValues(result).Inc()
	if p != nil {
		s.metrics.eligible.Set(float64(p.Eligible))
		s.metrics.routers.Set(float64(p.Routers))
		s.metrics.meshRouters.Set(float64(p.MeshRouters))
		s.metrics.rejected.Reset()
		for r, n := range p.Rejected {
			s.metrics.rejected.WithLabelValues(r.String()).Set(float64(n))
		}
	}
	s.mu.Lock()
	s.buildErr, s.buildAt = err, s.cfg.Now()
	s.mu.Unlock()
}

// Handler routes GET|HEAD /i2pseeds.su3, /healthz, /metrics and the status
// page /. Nothing is ever served from disk; other paths are 404 and paths
// are not cleaned or redirected.
func (s *Server) Handler() http.Handler {
	r := mux.NewRouter()
	r.SkipClean(true)
	r.HandleFunc(wire.BundlePath, s.serveBundle).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/healthz", s.serveHealth).Methods(http.MethodGet, http.MethodHead)
	if !s.cfg.PrivateMetrics {
		r.Handle("/metrics", s.MetricsHandler()).Methods(http.MethodGet)
	}
	r.HandleFunc("/", s.serveStatus).Methods(http.MethodGet, http.MethodHead)
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "not found", http.StatusNotFound)
	})
	return r
}

// MetricsHandler serves the Prometheus metrics.
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{})
}

// RegisterMetrics adds collectors (e.g. the built-in router's) to the
// server's metrics.
func (s *Server) RegisterMetrics(c prometheus.Collector) error {
	return s.metrics.reg.Register(c)
}

// SetRouterStatus makes the status page show the built-in router, asking
// f at every request.
func (s *Server) SetRouterStatus(f func() RouterStatus) { s.router.Store(&f) }

// SetChannels lists the channels clients reach the server on ("https
// [::]:8443"), for the status page.
func (s *Server) SetChannels(names []string) { s.channels.Store(&names) }

func (s *Server) channelList() []string {
	if p := s.channels.Load(); p != nil {
		return *p
	}
	return nil
}

// SetTLSExpiry makes the metric i2pseed_tls_cert_expiry_timestamp_seconds
// report notAfter (a certs.Provider's NotAfter), asked at every scrape.
func (s *Server) SetTLSExpiry(notAfter func() time.Time) {
	s.metrics.tlsExpiry.notAfter.Store(&notAfter)
}

// SetTLSFingerprint updates the certificate fingerprint on the status page
// (after a certificate reload).
func (s *Server) SetTLSFingerprint(fp string) {
	s.mu.Lock()
	s.cfg.TLSFingerprint = fp
	s.mu.Unlock()
}

func (s *Server) refuse(w http.ResponseWriter, r *http.Request, code int, msg string) {
	s.metrics.request(channelOf(r), code)
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, msg, code)
}

func (s *Server) serveBundle(w http.ResponseWriter, r *http.Request) {
	now := s.cfg.Now()
	key := s.clientKeyOf(r)
	if ok, scope := s.limit.Load().allow(key, now); !ok {
		s.metrics.limited.WithLabelValues(scope).Inc()
		w.Header().Set("Retry-After", "60")
		s.refuse(w, r, http.StatusTooManyRequests, "too many requests, try again later")
		return
	}
	if v := r.URL.Query().Get("netid"); v != "" && !s.cfg.NetID.Matches(v) {
		s.refuse(w, r, http.StatusForbidden, "this server serves netid "+s.cfg.NetID.String())
		return
	}
	if !s.agentAllowed(r) {
		s.refuse(w, r, http.StatusForbidden, "reseed bundles are for I2P routers only")
		return
	}
	st := s.state.Load()
	if st == nil || len(st.pool.Bundles) == 0 {
		w.Header().Set("Retry-After", "300")
		s.refuse(w, r, http.StatusServiceUnavailable, "not enough RouterInfos yet, try again later")
		return
	}
	p := st.pool
	i, ok := s.bundleFor(st, key, channelOf(r) == yggdrasilName)
	if !ok {
		w.Header().Set("Retry-After", "300")
		s.refuse(w, r, http.StatusServiceUnavailable, "bundles withdrawn: their routers were found unreachable; try another reseed server")
		return
	}
	b := p.Bundles[i]
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", `attachment; filename="i2pseeds.su3"`)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("Cache-Control", "no-store")
	h.Set("Last-Modified", p.Built.UTC().Format(http.TimeFormat))
	w.WriteHeader(http.StatusOK)
	s.metrics.request(channelOf(r), http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	w.Write(b)
	s.metrics.served.Inc()
	if s.cfg.LogClients {
		s.log.Info("bundle served", "channel", channelOf(r), "client", s.clientLabel(r), "bundle", i)
	}
}

// serveHealth answers 200 while bundles are served, saying how many are
// held back, and 503 without a pool or with the pool withdrawn.
func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	st := s.state.Load()
	switch {
	case st == nil:
		s.mu.Lock()
		err := s.buildErr
		s.mu.Unlock()
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, "no pool yet: %v\n", err)
	case !st.serving():
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, st.withdrawnLine())
	default:
		fmt.Fprintf(w, "ok: %d bundles, built %s ago", len(st.pool.Bundles), st.pool.Age(s.cfg.Now()).Round(time.Second))
		if st.nstale > 0 {
			fmt.Fprintf(w, " (%s)", st.heldBack())
		}
		fmt.Fprintln(w)
	}
}

var statusPage = template.Must(template.New("status").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>I2P reseed server</title><link rel="icon" href="data:,">
<style>body{font-family:sans-serif;max-width:40em;margin:2em auto}td{padding:.2em 1em .2em 0}td:first-child{white-space:nowrap}</style></head>
<body><h1>I2P reseed server</h1>
<p>This server helps new <a href="https://geti2p.net/">I2P</a> routers join the network.
Routers fetch <code>/i2pseeds.su3</code> by themselves; there is nothing to download here by hand.</p>
<table>
<tr><td>status</td><td>{{.Status}}</td></tr>
<tr><td>pool built</td><td>{{.Built}}</td></tr>
<tr><td>bundles</td><td>{{.Bundles}} of up to {{.BundleSize}} RouterInfos</td></tr>
<tr><td>eligible RouterInfos</td><td>{{.Eligible}} of {{.Routers}}</td></tr>
<tr><td>netid</td><td>{{.NetID}}</td></tr>
{{range .Channels}}<tr><td>channel</td><td>{{.}}</td></tr>
{{end}}{{with .Mesh}}<tr><td>mesh bundles</td><td id="mesh">{{.}}</td></tr>
{{end}}
<tr><td>su3 signer</td><td>{{.Signer}}</td></tr>
<tr><td>TLS certificate SHA-256</td><td><code id="tls-sha256">{{.Fingerprint}}</code></td></tr>
{{with .Router}}<tr><td>built-in router</td><td id="router">{{.State}}; {{.Floodfills}} floodfills known, {{.Stored}} RouterInfos stored, {{.Live}} routers live, {{.Harvested}} harvested</td></tr>
<tr><td>router hash</td><td><code>{{.Hash}}</code></td></tr>{{end}}
{{if .Err}}<tr><td>last build error</td><td>{{.Err}}</td></tr>{{end}}
</table></body></html>
`))

// statusLine is the status page's status of a pool.
func statusLine(st *poolState) string {
	switch {
	case !st.serving():
		return st.withdrawnLine()
	case st.nstale > 0:
		return "serving (" + st.heldBack() + ")"
	}
	return "serving"
}

func (s *Server) serveStatus(w http.ResponseWriter, r *http.Request) {
	data := struct {
		Status, Built, Signer, Fingerprint, Err string
		Bundles, BundleSize, Eligible, Routers  int
		NetID                                   netdb.NetID
		Router                                  *RouterStatus
		Channels                                []string
		Mesh                                    string
	}{Channels: s.channelList(), Status: "starting: no bundles yet", Built: "-", Signer: s.cfg.SignerID, NetID: s.cfg.NetID, BundleSize: cmp.Or(max(s.cfg.BundleSize, 0), 75)}
	if st := s.state.Load(); st != nil {
		p := st.pool
		data.Status = statusLine(st)
		data.Built = fmt.Sprintf("%s (%s ago)", p.Built.Format(time.RFC3339), p.Age(s.cfg.Now()).Round(time.Second))
		data.Bundles, data.Eligible, data.Routers = len(p.Bundles), p.Eligible, p.Routers
		data.Mesh = s.meshLine(p)
	}
	if f := s.router.Load(); f != nil {
		rs := (*f)()
		data.Router = &rs
	}
	s.mu.Lock()
	if s.buildErr != nil {
		data.Err = s.buildErr.Error()
	}
	data.Fingerprint = s.cfg.TLSFingerprint
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	statusPage.Execute(w, data)
}

// Builder rebuilds a Server's pool from a Source on a schedule, and at
// once when a router of the pool is found unreachable.
type Builder struct {
	Source   Source
	Config   PoolConfig
	Server   *Server
	Interval time.Duration // between rebuilds; default 1h
	// Epoch, if set, makes replicas agree: after the first build, builds
	// happen at multiples of Epoch since the Unix epoch and every build is
	// stamped with the last such instant, so servers with the same input
	// (netDb snapshot, signer key, secret, config) build byte-identical
	// pools. Interval is then ignored. See docs/scaling.md. A further
	// build within the same epoch (after a router of the pool was found
	// unreachable) is stamped with its own time.
	Epoch time.Duration
	// Debounce is how long a rebuild waits once a router of the pool is
	// found unreachable, so that routers found gone together cause one
	// rebuild; default 2 s.
	Debounce time.Duration
	Logger   *slog.Logger
	Now      func() time.Time
}

// Retry backoff while the server has no pool that serves every bundle.
const (
	firstBackoff = 2 * time.Second
	maxBackoff   = 30 * time.Second
)

// Run builds the first pool, retrying with backoff (2 s doubling to 30 s:
// a build reads only what changed, and a fresh router fills its netDb
// within minutes) until it succeeds, then rebuilds every Interval until
// ctx ends. When the Server finds a router of its pool unreachable, Run
// rebuilds after Debounce. A failed rebuild keeps the last good pool,
// unless the Server withdrew it (see Server.BuildFailed); while the pool
// is withdrawn or holds bundles back, failed builds are retried with the
// same backoff.
func (b *Builder) Run(ctx context.Context) error {
	log := b.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := b.Now
	if now == nil {
		now = time.Now
	}
	backoff := firstBackoff
	for {
		start := now()
		at, wait := b.schedule(start)
		pool, err := BuildPool(ctx, b.Source, b.Config, at)
		switch {
		case err == nil:
			b.Server.SetPool(pool)
			log.Info("pool built", builtAttrs(pool, b.Config.Mesh, time.Since(start))...)
			backoff = firstBackoff
		case ctx.Err() != nil:
			return ctx.Err()
		default:
			b.Server.BuildFailed(pool, err)
			if b.Server.wantsPool() {
				wait, backoff = backoff, min(2*backoff, maxBackoff)
			}
			b.logFailure(log, err, wait)
		}
		if err := b.sleep(ctx, wait, log); err != nil {
			return err
		}
	}
}

// schedule returns the stamp of a build starting at start and the wait
// after it until the next scheduled one.
func (b *Builder) schedule(start time.Time) (at time.Time, wait time.Duration) {
	if b.Epoch <= 0 {
		return start, cmp.Or(max(b.Interval, 0), time.Hour)
	}
	at = start.Truncate(b.Epoch)
	wait = at.Add(b.Epoch).Sub(start)
	if !b.Server.built().Before(at) { // built in this epoch already
		at = start
	}
	return at, wait
}

// logFailure logs a failed build by what the server does meanwhile.
func (b *Builder) logFailure(log *slog.Logger, err error, retry time.Duration) {
	st := b.Server.state.Load()
	switch {
	case st == nil:
		log.Warn("no pool yet, serving 503", "err", err, "retry_in", retry)
	case st.withdrawn != nil:
		log.Error("pool withdrawn, serving 503: its routers were found unreachable and too few others are eligible (lower --min-eligible or check the built-in router)",
			"unreachable", len(st.dead), "err", err, "retry_in", retry)
	case st.nstale > 0:
		log.Error("pool rebuild failed, holding back the bundles with unreachable routers", "held_back", st.nstale, "bundles", len(st.pool.Bundles),
			"err", err, "retry_in", retry)
	default:
		log.Error("pool rebuild failed, keeping the last pool", "err", err)
	}
}

// sleep waits for d, or for the Server to find a router of its pool
// unreachable and then Debounce more.
func (b *Builder) sleep(ctx context.Context, d time.Duration, log *slog.Logger) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	case <-b.Server.wake:
	}
	debounce := cmp.Or(max(b.Debounce, 0), 2*time.Second)
	log.Info("a router of the pool was found unreachable, rebuilding", "rebuild_in", debounce)
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(debounce):
	}
	select { // wake-ups while waiting are answered by this build
	case <-b.Server.wake:
	default:
	}
	return nil
}

// RouterInfoMaxAge is the selection age limit that keeps every served
// RouterInfo under 24 hours old when pools are rebuilt every interval.
func RouterInfoMaxAge(interval time.Duration) time.Duration {
	return max(24*time.Hour-interval, time.Hour)
}
