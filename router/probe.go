package router

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"slices"
	"time"

	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/router/i2np"
	"github.com/i2pseed/i2pseed/router/transport"
)

// ProbeConfig tunes liveness probing: handshakes to the published address
// of each router worth bundling, completed and closed as any router closes
// a session it has no more use for, one at a time.
type ProbeConfig struct {
	// Candidates admits the routers worth probing (the pool's policy; its
	// Liveness is ignored). Nil means every router in the store.
	Candidates *netdb.Policy
	// Every is the least time between two probes (default 3 s: 1,200 an
	// hour).
	Every time.Duration
	// Recheck is the least time a router confirmed reachable waits for
	// its next probe (default 10 minutes); the longest unconfirmed go
	// first, so in a network larger than Every allows in Recheck each
	// waits longer (1,200 probes an hour at 3 s). A failed one waits
	// three times Recheck (30 minutes), doubling with each failure in a
	// row up to a day.
	Recheck time.Duration
	// Timeout bounds a probe, dial and handshake (default 20 s).
	Timeout time.Duration
}

func (c *ProbeConfig) defaults() {
	setDefault(&c.Every, 3*time.Second)
	setDefault(&c.Recheck, 10*time.Minute)
	setDefault(&c.Timeout, 20*time.Second)
}

// retryAfter is how long a router whose latest probes failed waits.
func (c *ProbeConfig) retryAfter(failures int) time.Duration {
	return min(3*c.Recheck<<min(failures-1, 6), 24*time.Hour)
}

// due is when h should next be probed.
func (r *Router) due(h netdb.Hash) time.Time {
	p, ok := r.cfg.Liveness.Get(h)
	switch {
	case !ok:
		return time.Time{}
	case p.Failures > 0:
		return p.Last.Add(r.cfg.Probe.retryAfter(p.Failures))
	}
	return p.OK.Add(r.cfg.Probe.Recheck)
}

// probeQueue lists the candidates due for a probe now, the longest
// overdue first (never probed before all).
func (r *Router) probeQueue(ctx context.Context) ([]*netdb.Entry, error) {
	entries, err := r.cfg.Store.Entries(ctx)
	if err != nil {
		return nil, err
	}
	now := r.cfg.Now()
	type item struct {
		e   *netdb.Entry
		due time.Time
	}
	var q []item
	for _, e := range entries {
		if d := r.due(e.Hash); r.candidate(e) && !d.After(now) {
			q = append(q, item{e, d})
		}
	}
	slices.SortFunc(q, func(a, b item) int { return a.due.Compare(b.due) })
	es := make([]*netdb.Entry, len(q))
	for i, it := range q {
		es[i] = it.e
	}
	return es, nil
}

// candidate reports whether e is worth probing: not us, and admitted by
// Probe.Candidates (its Liveness ignored).
func (r *Router) candidate(e *netdb.Entry) bool {
	if e.Hash == r.Hash() {
		return false
	}
	pol := r.cfg.Probe.Candidates
	if pol == nil {
		return true
	}
	p := *pol
	p.Liveness, p.Now = nil, r.cfg.Now
	return p.Check(e) == netdb.OK
}

// probeFreed probes h, whose inbound session just ended, if it is a
// candidate and due: a router that keeps dialling us would otherwise be
// probed only by luck, between its sessions.
func (r *Router) probeFreed(ctx context.Context, h netdb.Hash) {
	if e, ok := r.cfg.Store.Entry(h); ok && r.candidate(e) && !r.due(h).After(r.cfg.Now()) {
		r.probe(ctx, e)
	}
}

// probeLoop probes the due candidates, one every Probe.Every, and a
// router at once when its inbound session ends (probeFreed), and saves the
// results every few minutes and when ctx ends.
func (r *Router) probeLoop(ctx context.Context) {
	tick := time.NewTicker(r.cfg.Probe.Every)
	defer tick.Stop()
	defer r.saveLiveness()
	lastSave := time.Now()
	var queue []*netdb.Entry
	for {
		select {
		case <-ctx.Done():
			return
		case h := <-r.freed:
			r.probeFreed(ctx, h)
			continue
		case <-tick.C:
		}
		if len(queue) == 0 {
			var err error
			if queue, err = r.probeQueue(ctx); err != nil {
				r.log.Warn("probe queue", "err", err)
			}
			if len(queue) == 0 { // nothing due: look again a little later
				tick.Reset(min(10*r.cfg.Probe.Every, time.Minute))
				continue
			}
			tick.Reset(r.cfg.Probe.Every)
		}
		e := queue[0]
		queue = queue[1:]
		if !r.due(e.Hash).After(r.cfg.Now()) { // a harvest may have confirmed it since
			r.probe(ctx, e)
		}
		if time.Since(lastSave) > 5*time.Minute {
			r.saveLiveness()
			lastSave = time.Now()
		}
	}
}

func (r *Router) saveLiveness() {
	r.cfg.Liveness.Forget(r.cfg.Store.Has)
	if err := r.cfg.Liveness.Save(); err != nil {
		r.log.Error("liveness", "err", err)
	}
}

// probe completes a handshake with h's published address, sends our
// RouterInfo in a DatabaseStore (no reply asked), as routers do when they
// open a session to a router, reads what the peer sends in the next
// seconds, and closes with reason normal, as a router does with a session
// it no longer needs. No probe ends a connection that has carried no I2NP
// message: Java I2P blocks the IP of such connections for minutes.
func (r *Router) probe(ctx context.Context, e *netdb.Entry) {
	h := e.Hash
	if !r.claim(h, true) { // a session is open with it: no second one
		return
	}
	defer r.release(h)
	b, err := r.cfg.Store.Load(e)
	if err != nil {
		return // expired or replaced since the queue was made
	}
	ri, err := netdb.ParseRouterInfo(b)
	if err != nil {
		return
	}
	pctx, cancel := context.WithTimeout(ctx, r.cfg.Probe.Timeout)
	defer cancel()
	ours := r.RouterInfo()
	sess, via, err := r.dial(pctx, ri, ours)
	if err == nil {
		m, serr := storeOwn(ours, r.cfg.Now())
		if serr == nil {
			serr = sess.SendI2NP(m)
		}
		if serr == nil {
			serr = linger(sess, probeRead)
		}
		sess.Close(transport.ReasonNormal)
		var te *transport.Terminated
		if errors.As(serr, &te) && !te.Reason.Benign() {
			// Reachable, but it refused us (17: banned; 7: clock skew;
			// 15: our RouterInfo): the one sign that a rule hit us.
			r.m.probes.WithLabelValues(OutcomeTerminated.String(), via).Inc()
			r.log.Warn("probe: the peer ended the session", "peer", h.String(), "reason", te.Reason.String())
			r.recordProbe(ctx, h, via, OutcomeOK, nil)
			return
		}
	}
	o := classifyHandshake(err)
	if ctx.Err() == nil {
		r.m.probes.WithLabelValues(o.String(), cmp.Or(via, "none")).Inc()
	}
	r.recordProbe(ctx, h, via, o, err)
}

// recordProbe notes a completed or failed handshake to h's published
// address over transport via (a probe's or a harvest's); nothing when ctx
// ended first.
func (r *Router) recordProbe(ctx context.Context, h netdb.Hash, via string, o Outcome, err error) {
	if ctx.Err() != nil || r.cfg.Liveness == nil {
		return
	}
	r.cfg.Liveness.RecordVia(h, r.cfg.Now(), via, o == OutcomeOK, o.String())
	live, unreachable := r.cfg.Liveness.Counts(r.cfg.Now(), time.Hour)
	r.m.live.Set(float64(live))
	r.m.unreachable.Set(float64(unreachable))
	if err != nil {
		r.log.Debug("probe failed", "peer", h.String(), "transport", via, "outcome", o.String(), "err", err)
	}
}

// probeRead is how long a probe's session stays open after our
// DatabaseStore: the peer's first frames (its RouterInfo, DateTime) come
// within it.
const probeRead = 2 * time.Second

// linger receives and drops what the peer sends for d; it returns early
// with the error that ends the session (a *transport.Terminated when the
// peer ends it), and nil when d passed.
func linger(c transport.Conn, d time.Duration) error {
	until := time.Now().Add(d)
	for time.Now().Before(until) {
		if _, err := c.Receive(until); err != nil {
			if isTimeout(err) {
				return nil
			}
			return err
		}
	}
	return nil
}

// storeOwn is a DatabaseStore of our RouterInfo with no reply token: what
// a router sends a peer it opens a session to, so that the peer has it.
// Java I2P and i2pd take a store of the sender's own RouterInfo from
// anyone, floodfill or not.
func storeOwn(ours *netdb.RouterInfo, now time.Time) (i2np.Message, error) {
	ds := i2np.DatabaseStore{Key: ours.Hash(), RouterInfo: ours.Bytes()}
	body, err := ds.AppendBinary(nil)
	var id [4]byte
	rand.Read(id[:])
	return i2np.Message{Type: i2np.TypeDatabaseStore, ID: binary.BigEndian.Uint32(id[:]) | 1, Expiration: now.Add(time.Minute), Body: body}, err
}
