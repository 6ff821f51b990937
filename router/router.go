package router

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/router/transport"
	"github.com/prometheus/client_golang/prometheus"
)

// Config configures a Router.
type Config struct {
	Identity *Identity
	NetID    netdb.NetID // required
	// Store is the netDb harvested RouterInfos are put in and expired
	// from; its floodfills are asked too. Shared with whoever reads it
	// (serve's pool builder).
	Store *netdb.Store
	// Seeds returns RouterInfos to start from (e.g. a reseed); it is called
	// at start and again, at most every SeedRetry, while no floodfill can
	// be asked. The store's RouterInfos are always used too.
	Seeds     func(ctx context.Context) ([]*netdb.RouterInfo, error)
	SeedRetry time.Duration // default 5 minutes
	// Transports are how the router reaches peers, in order of
	// preference: a floodfill or probe goes over those that can dial the
	// router, the one that confirmed it last (Liveness) tried last and
	// the next when a handshake fails; each one's inbound sessions are
	// accepted, and each contributes its address to our RouterInfo (caps
	// KRG when one is published, else KUG). The Router takes them over: Run, and Close,
	// close them. None: the router reaches nobody (it still signs its
	// RouterInfo and exports its metrics).
	Transports []transport.Transport
	// Sessions is how many floodfills are harvested at once (default 3).
	Sessions int
	// Harvest tunes each session (Self, Known, Found and Publish are set
	// by the Router).
	Harvest HarvestConfig
	// Rest is how long a floodfill rests after a session that ran its
	// course (default 10 minutes); failures back off from 1 minute,
	// doubling up to an hour.
	Rest time.Duration
	// Warmup is how old a floodfill's RouterInfo must be before it is
	// asked anything (default 2m20s: Java drops every lookup for the first
	// two minutes after it starts); negative: at once, for tests.
	Warmup time.Duration
	// MaxAge expires RouterInfos published longer ago from the store
	// (default 48 hours); the check runs every ExpireEvery (10 minutes).
	MaxAge, ExpireEvery time.Duration
	// Republish is how often our RouterInfo is signed again (30 minutes).
	Republish time.Duration
	// RefreshAfter is the age at which a stored RouterInfo is looked up
	// again, each at most once an hour (default 12 hours; the pool takes
	// RouterInfos up to 23 hours old).
	RefreshAfter time.Duration
	// Liveness, if set, is where the router keeps what handshakes to
	// routers' published addresses showed: its probes (tuned by Probe) and
	// its harvest sessions. The pool's policy reads it.
	Liveness *netdb.Liveness
	Probe    ProbeConfig
	Logger   *slog.Logger
	Now      func() time.Time
}

// ErrNoFloodfills is returned by Run when neither the store nor the seeds
// give a floodfill to start from.
var ErrNoFloodfills = errors.New("router: no floodfill to start from")

// Stats count what a Router did.
type Stats struct {
	Sessions, Inbound, HandshakeFailures, Harvested, Expired, Rejected, PublishAcks int
}

// Router harvests RouterInfos: it keeps up to Sessions sessions (over its
// transports) with distinct floodfills, harvests each (Harvest), backs off from failing
// ones, puts what it learns in the store (a netdb.Store that others, such
// as serve's pool builder, read) and expires what grows old. It is a
// prometheus.Collector.
type Router struct {
	cfg Config
	log *slog.Logger
	m   *metrics

	mu       sync.Mutex
	peers    map[netdb.Hash]*peer
	received netdb.Policy // what found takes
	stats    Stats
	open     map[string]int // sessions open, by direction
	ri       *netdb.RouterInfo
	wakeup   chan struct{}
	// freed names routers whose inbound session just ended, for the
	// probe loop to probe at once if due (it could not while it was open).
	freed chan netdb.Hash

	refresh refresher
	// connected counts the probe and inbound sessions open with each
	// router (a harvest's is its peer's busy): a router keeps one session
	// per peer, and a peer answers over the session it likes.
	connected map[netdb.Hash]int
}

// peer is a floodfill we may ask.
type peer struct {
	ri       *netdb.RouterInfo
	pace     *Pace // its lookups, across sessions
	busy     bool
	failures int
	next     time.Time // not before
	last     Outcome
}

// pickAhead is how soon a floodfill's next lookup must be allowed for a
// session with it to start: no session waits idle for its pace.
const pickAhead = 10 * time.Second

// New checks cfg and prepares a Router; Run starts it.
func New(cfg Config) (*Router, error) {
	if cfg.Identity == nil || cfg.Store == nil || cfg.NetID == 0 || slices.Contains(cfg.Transports, nil) {
		return nil, errors.New("router: Identity, NetID and Store are required, and no Transport may be nil")
	}
	setDefault(&cfg.SeedRetry, 5*time.Minute)
	setDefault(&cfg.Rest, 10*time.Minute)
	if cfg.Warmup == 0 {
		cfg.Warmup = floodfillWarmup
	}
	setDefault(&cfg.MaxAge, 48*time.Hour)
	setDefault(&cfg.ExpireEvery, 10*time.Minute)
	setDefault(&cfg.Republish, 30*time.Minute)
	if cfg.Sessions <= 0 {
		cfg.Sessions = 3
	}
	cfg.Probe.defaults()
	setDefault(&cfg.RefreshAfter, 12*time.Hour)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Router{cfg: cfg, log: log, m: newMetrics(), peers: map[netdb.Hash]*peer{}, connected: map[netdb.Hash]int{}, open: map[string]int{},
		received: netdb.Policy{NetID: cfg.NetID, MaxAge: cfg.MaxAge, MaxFuture: 2 * time.Minute, Now: cfg.Now},
		wakeup:   make(chan struct{}, 1), freed: make(chan netdb.Hash, 16)}
	if err := r.resign(); err != nil {
		return nil, err
	}
	return r, nil
}

func setDefault(d *time.Duration, v time.Duration) {
	if *d <= 0 {
		*d = v
	}
}

// Hash is our router hash.
func (r *Router) Hash() netdb.Hash { return r.cfg.Identity.Hash() }

// Liveness is where the router keeps what its handshakes showed of
// routers' published addresses (Config.Liveness; nil without probes), for
// the caller to hand to whoever reads it, such as a pool's policy.
func (r *Router) Liveness() *netdb.Liveness { return r.cfg.Liveness }

// Close closes the router's transports (their listeners), for a Router
// that is not to Run; Run closes them when it returns.
func (r *Router) Close() error {
	var errs []error
	for _, t := range r.cfg.Transports {
		if err := t.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, fmt.Errorf("router: close %s: %w", t.Name(), err))
		}
	}
	return errors.Join(errs...)
}

// RouterInfo is our current signed RouterInfo.
func (r *Router) RouterInfo() *netdb.RouterInfo {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ri
}

// Stats returns the counts so far.
func (r *Router) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stats
}

// Status is what a Router is doing now, for status pages.
type Status struct {
	Outbound, Inbound int // sessions open
	Floodfills        int // floodfills one of its transports can reach
	Stored            int // RouterInfos in the store
	Live              int // routers reached within the hour (with Liveness)
	Stats                 // counts so far
}

// Status reports what the router is doing now.
func (r *Router) Status() Status {
	r.mu.Lock()
	st := Status{Outbound: r.open["outbound"], Inbound: r.open["inbound"], Floodfills: len(r.peers), Stats: r.stats}
	r.mu.Unlock()
	st.Stored = r.cfg.Store.Len()
	if r.cfg.Liveness != nil {
		st.Live, _ = r.cfg.Liveness.Counts(r.cfg.Now(), time.Hour)
	}
	return st
}

// opened counts a session open in direction dir (outbound, inbound) until
// the returned function is called.
func (r *Router) opened(dir string) (closed func()) {
	r.mu.Lock()
	r.open[dir]++
	r.mu.Unlock()
	r.m.sessions.WithLabelValues(dir).Inc()
	return func() {
		r.mu.Lock()
		r.open[dir]--
		r.mu.Unlock()
		r.m.sessions.WithLabelValues(dir).Dec()
	}
}

// Describe and Collect make the Router a prometheus.Collector.
func (r *Router) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range r.m.collectors() {
		c.Describe(ch)
	}
}

func (r *Router) Collect(ch chan<- prometheus.Metric) {
	for _, c := range r.m.collectors() {
		c.Collect(ch)
	}
}

// resign signs our RouterInfo again as of now.
func (r *Router) resign() error {
	addrs := make([]netdb.RouterAddress, len(r.cfg.Transports))
	for i, t := range r.cfg.Transports {
		addrs[i] = t.Address()
	}
	ri, err := r.cfg.Identity.RouterInfo(r.cfg.Now(), r.cfg.NetID, addrs)
	if err != nil {
		return fmt.Errorf("router: sign RouterInfo: %w", err)
	}
	r.mu.Lock()
	r.ri = ri
	r.mu.Unlock()
	return nil
}

// Run runs the router until ctx ends: it loads the store, asks for seeds,
// accepts inbound sessions on the transports that listen, probes (with
// Liveness) and keeps harvesting. It returns nil when ctx ends,
// ErrNoFloodfills when it has none to start from, or an error if the
// store cannot be read. It closes the transports when it returns.
func (r *Router) Run(ctx context.Context) error {
	defer r.Close()
	if err := r.expire(ctx); err != nil {
		return err
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	context.AfterFunc(ctx, func() { r.Close() }) // ends the Accepts
	sem := make(chan struct{}, maxInbound)
	for _, t := range r.cfg.Transports {
		wg.Go(func() { r.accept(ctx, t, sem, &wg) })
	}
	if r.cfg.Liveness != nil {
		wg.Go(func() { r.probeLoop(ctx) })
	}
	if r.floodfills() == 0 {
		if err := r.seed(ctx); err != nil || r.floodfills() == 0 {
			return fmt.Errorf("%w: %v", ErrNoFloodfills, cmpOrErr(err, "the seeds hold none our transports reach"))
		}
	}
	r.loop(ctx, &wg)
	return nil
}

// loop starts sessions with the floodfills picked, re-signs our
// RouterInfo, expires and seeds again, until ctx ends.
func (r *Router) loop(ctx context.Context, wg *sync.WaitGroup) {
	resign := time.NewTicker(r.cfg.Republish)
	defer resign.Stop()
	expire := time.NewTicker(r.cfg.ExpireEvery)
	defer expire.Stop()
	poll := time.NewTicker(time.Second)
	defer poll.Stop()
	lastSeed := r.cfg.Now()
	for {
		if r.floodfills() == 0 && r.cfg.Now().Sub(lastSeed) >= r.cfg.SeedRetry {
			lastSeed = r.cfg.Now()
			if err := r.seed(ctx); err != nil {
				r.log.Warn("seeds", "err", err)
			}
		}
		for _, p := range r.pick() {
			wg.Go(func() { r.session(ctx, p) })
		}
		select {
		case <-ctx.Done():
			return
		case <-resign.C:
			if err := r.resign(); err != nil {
				r.log.Error("re-sign RouterInfo", "err", err)
			}
		case <-expire.C:
			if err := r.expire(ctx); err != nil {
				r.log.Error("expire", "err", err)
			}
		case <-poll.C:
		case <-r.wakeup:
		}
	}
}

func cmpOrErr(err error, msg string) string {
	if err != nil {
		return err.Error()
	}
	return msg
}

// seed takes RouterInfos from cfg.Seeds.
func (r *Router) seed(ctx context.Context) error {
	if r.cfg.Seeds == nil {
		return errors.New("no seeds configured")
	}
	ris, err := r.cfg.Seeds(ctx)
	if err != nil {
		return err
	}
	n := 0
	for _, ri := range ris {
		if ri.Verify() == nil && r.found(ri) {
			n++
		}
	}
	r.log.Info("seeded", "routerinfos", len(ris), "new", n, "floodfills", r.floodfills())
	return nil
}

// found takes a verified RouterInfo: not ours, passing the rules a router
// applies to what it receives (netdb.Policy.CheckReceived: our network,
// not too old or new, an address peers can use), and newer than what the
// store has, it is written there; floodfills one of our transports
// reaches become peers. It reports whether the RouterInfo was new.
func (r *Router) found(ri *netdb.RouterInfo) bool {
	if ri.Hash() == r.Hash() || r.received.CheckReceived(ri, "") != netdb.OK {
		r.mu.Lock()
		r.stats.Rejected++
		r.mu.Unlock()
		return false
	}
	isNew, err := r.cfg.Store.Put(ri) // no lock held: the write syncs
	if err != nil {
		r.log.Error("store", "err", err)
		return false
	}
	if !isNew {
		return false
	}
	r.mu.Lock()
	r.stats.Harvested++
	r.addPeer(ri)
	r.mu.Unlock()
	r.m.harvested.Inc()
	r.m.stored.Set(float64(r.cfg.Store.Len()))
	return true
}

// addPeer makes ri a peer if it is a floodfill with an address one of
// our transports dials, or updates the peer's RouterInfo; r.mu is held.
func (r *Router) addPeer(ri *netdb.RouterInfo) {
	if r.transportFor(ri) == nil || !ri.Floodfill() {
		// No floodfill any more (Java turns it off by itself): a plain Java
		// router drops exploration lookups and throttles the rest at 3
		// per 2 minutes, and i2pd 2.58 ignores them.
		if p := r.peers[ri.Hash()]; p != nil && ri.Published > p.ri.Published && !p.busy {
			delete(r.peers, ri.Hash())
			r.m.floodfills.Set(float64(len(r.peers)))
		}
		return
	}
	warm := ri.PublishedTime().Add(r.cfg.Warmup) // a new RouterInfo may mean a restart
	if p := r.peers[ri.Hash()]; p != nil {
		if ri.Published > p.ri.Published {
			p.ri = ri
			p.pace.setNotBefore(warm)
		}
		return
	}
	r.peers[ri.Hash()] = &peer{ri: ri, pace: &Pace{Interval: r.cfg.Harvest.Interval, Max: r.cfg.Harvest.Budget, NotBefore: warm}}
	r.m.floodfills.Set(float64(len(r.peers)))
	select {
	case r.wakeup <- struct{}{}:
	default:
	}
}

func (r *Router) known(h netdb.Hash) bool { return r.cfg.Store.Has(h) }

// claim notes a probe or inbound session with h; false (nothing noted)
// when a harvest session with it is open and the probe should wait.
func (r *Router) claim(h netdb.Hash, probe bool) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p := r.peers[h]; probe && (p != nil && p.busy || r.connected[h] > 0) {
		return false
	}
	r.connected[h]++
	return true
}

// release ends what claim noted.
func (r *Router) release(h netdb.Hash) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.connected[h]--; r.connected[h] <= 0 {
		delete(r.connected, h)
	}
}

// transportFor is the first of our transports that can dial ri, or nil.
func (r *Router) transportFor(ri *netdb.RouterInfo) transport.Transport {
	if ts := r.transportsFor(ri); len(ts) > 0 {
		return ts[0]
	}
	return nil
}

// transportsFor are our transports that can dial ri, in the order a dial
// tries them. The rule prefers neither transport blindly: Config order
// (NTCP2, then SSU2), except that the transport that last confirmed ri
// (its Liveness record) goes last, so a router publishing both is
// confirmed over each in turn while both work; dial falls back to the
// next when a handshake fails.
func (r *Router) transportsFor(ri *netdb.RouterInfo) []transport.Transport {
	var ts []transport.Transport
	for _, t := range r.cfg.Transports {
		if t.CanDial(ri) {
			ts = append(ts, t)
		}
	}
	if len(ts) < 2 || r.cfg.Liveness == nil {
		return ts
	}
	p, ok := r.cfg.Liveness.Get(ri.Hash())
	if i := slices.IndexFunc(ts, func(t transport.Transport) bool { return t.Name() == p.Transport }); ok && i >= 0 {
		ts = append(slices.Delete(slices.Clone(ts), i, i+1), ts[i])
	}
	return ts
}

// dial opens a session with ri over each transport of transportsFor in
// turn until a handshake completes (not after ctx ends). It returns the
// session and the name of the transport that made it, or the last error
// and the name of the last transport tried; nil Conn and "" when no
// transport reaches ri.
func (r *Router) dial(ctx context.Context, ri, ours *netdb.RouterInfo) (transport.Conn, string, error) {
	var err error
	name := ""
	for _, t := range r.transportsFor(ri) {
		if ctx.Err() != nil {
			break
		}
		if name != "" {
			r.log.Debug("handshake failed, trying another transport", "peer", ri.Hash().String(), "transport", name, "err", err)
		}
		var c transport.Conn
		name = t.Name()
		if c, err = t.Dial(ctx, ri, ours); err == nil {
			return c, name, nil
		}
	}
	if name == "" && err == nil {
		err = errNoTransport
	}
	return nil, name, err
}

// errNoTransport is dial's error for a router none of our transports
// reaches: a dial outcome.
var errNoTransport error = &net.OpError{Op: "dial", Err: errors.New("router: no transport reaches the router")}

func (r *Router) floodfills() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.peers)
}

// pick marks floodfills to start sessions with, up to cfg.Sessions busy:
// due ones, those never tried first, then the longest waiting.
func (r *Router) pick() []*peer {
	r.mu.Lock()
	defer r.mu.Unlock()
	busy := 0
	var due []*peer
	now := r.cfg.Now()
	for h, p := range r.peers {
		switch {
		case p.busy:
			busy++
		case r.connected[h] > 0: // a probe or its inbound session
		case r.probeFailedWithin(h, now, pendingHold):
		case !now.Before(p.next) && !p.pace.Next(now).After(now.Add(pickAhead)):
			due = append(due, p)
		}
	}
	// Never tried (zero next) first, then the longest waiting; the shuffle
	// breaks ties.
	rand.Shuffle(len(due), func(i, j int) { due[i], due[j] = due[j], due[i] })
	slices.SortStableFunc(due, func(a, b *peer) int { return a.next.Compare(b.next) })
	n := min(len(due), r.cfg.Sessions-busy)
	if n <= 0 {
		return nil
	}
	for _, p := range due[:n] {
		p.busy = true
	}
	return due[:n]
}

// pendingHold is how long after a failed handshake with a router we dial
// it no more: i2pd keeps a failed handshake's source IP pending for up to
// about 32 s and refuses it meanwhile.
const pendingHold = 35 * time.Second

// probeFailedWithin reports whether the latest handshake with h failed
// within d before now; r.mu is held.
func (r *Router) probeFailedWithin(h netdb.Hash, now time.Time, d time.Duration) bool {
	if r.cfg.Liveness == nil {
		return false
	}
	p, ok := r.cfg.Liveness.Get(h)
	return ok && p.Failures > 0 && now.Sub(p.Last) < d
}

// session dials p, harvests over the session and schedules p's next turn
// by the outcome.
func (r *Router) session(ctx context.Context, p *peer) {
	r.mu.Lock()
	ri := p.ri
	r.mu.Unlock()
	hash := ri.Hash().String()
	outcome, err := r.harvestFrom(ctx, ri, p.pace)
	r.mu.Lock()
	defer r.mu.Unlock()
	p.busy, p.last = false, outcome
	switch {
	case outcome == OutcomeOK || outcome == OutcomeUnanswered || outcome == OutcomeTerminated && benignTermination(err):
		p.failures = 0
		p.next = r.cfg.Now().Add(r.cfg.Rest)
	case outcome == OutcomeCanceled:
	default:
		p.failures++
		p.next = r.cfg.Now().Add(min(time.Minute<<min(p.failures-1, 6), time.Hour))
	}
	r.log.Info("session ended", "peer", hash, "outcome", outcome.String(), "err", err, "failures", p.failures,
		"harvested", r.stats.Harvested)
	select {
	case r.wakeup <- struct{}{}:
	default:
	}
}

// benignTermination reports whether the peer ended the session for an
// ordinary reason (normal close, termination received, idle, shutdown),
// not one that says something is wrong with us (banned, clock skew, bad
// frames or payload).
func benignTermination(err error) bool {
	var te *transport.Terminated
	return errors.As(err, &te) && te.Reason.Benign()
}

// harvestFrom runs one outbound session with the floodfill ri, its
// lookups paced by pace.
func (r *Router) harvestFrom(ctx context.Context, ri *netdb.RouterInfo, pace *Pace) (Outcome, error) {
	ours := r.RouterInfo()
	sess, via, err := r.dial(ctx, ri, ours)
	o := r.countHandshake(ctx, "outbound", classifyHandshake(err))
	r.recordProbe(ctx, ri.Hash(), via, o, err) // a harvest's handshake is as good a probe
	if err != nil {
		return o, err
	}
	defer r.opened("outbound")()
	hc := r.cfg.Harvest
	hc.Self, hc.Known, hc.Found, hc.Publish, hc.Pace = r.Hash(), r.known, r.found, ours, pace
	hc.Published = func() {
		r.mu.Lock()
		r.stats.PublishAcks++
		r.mu.Unlock()
		r.m.published.Inc()
	}
	hc.Lookup = func(kind string) { r.m.lookups.WithLabelValues(kind).Inc() }
	hc.Refresh = r.nextRefresh
	err = Harvest(ctx, sess, hc)
	reason := transport.ReasonNormal
	if ctx.Err() != nil {
		reason = transport.ReasonShutdown
	}
	sess.Close(reason)
	return r.countSessionEnd(ctx, err), err
}

// countSessionEnd classifies and counts how an established session ended;
// anything after ctx ended is canceled.
func (r *Router) countSessionEnd(ctx context.Context, err error) Outcome {
	o := classifySession(err)
	if ctx.Err() != nil {
		o = OutcomeCanceled
	}
	r.m.ends.WithLabelValues(o.String()).Inc()
	return o
}

// countHandshake counts a handshake attempt in direction dir with outcome
// o (canceled instead if ctx ended) and returns the outcome counted.
func (r *Router) countHandshake(ctx context.Context, dir string, o Outcome) Outcome {
	if o != OutcomeOK && ctx.Err() != nil {
		o = OutcomeCanceled
	}
	r.m.handshakes.WithLabelValues(dir, o.String()).Inc()
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case o == OutcomeOK && dir == "outbound":
		r.stats.Sessions++
	case o == OutcomeOK:
		r.stats.Inbound++
	case o != OutcomeCanceled:
		r.stats.HandshakeFailures++
	}
	return o
}

// expire removes RouterInfos published more than MaxAge ago from the
// store, makes its floodfills peers and forgets expired peers.
func (r *Router) expire(ctx context.Context) error {
	cutoff := r.cfg.Now().Add(-r.cfg.MaxAge)
	removed, err := r.cfg.Store.Expire(ctx, cutoff)
	if err != nil {
		return fmt.Errorf("router: store: %w", err)
	}
	if err := r.refreshQueue(ctx); err != nil {
		return fmt.Errorf("router: store: %w", err)
	}
	floodfills := r.cfg.Store.Floodfills(r.cfg.NetID)
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, ri := range floodfills {
		if ri.Hash() != r.Hash() {
			r.addPeer(ri)
		}
	}
	for h, p := range r.peers {
		if p.ri.PublishedTime().Before(cutoff) && !p.busy {
			delete(r.peers, h)
		}
	}
	stored := r.cfg.Store.Len()
	r.m.floodfills.Set(float64(len(r.peers)))
	r.stats.Expired += removed
	r.m.expired.Add(float64(removed))
	r.m.stored.Set(float64(stored))
	if removed > 0 {
		r.log.Info("expired", "routerinfos", removed, "stored", stored)
	}
	return nil
}
