package reseed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/internal/reseedtest"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/reseed/wire"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// liveNet is a synthetic netDb whose routers a Liveness has all reached a
// minute before reseedtest.Now, and a pool config that selects by it.
type liveNet struct {
	src      *memSource
	live     *netdb.Liveness
	cfg      PoolConfig
	eligible int // under cfg.Policy at reseedtest.Now
}

func newLiveNet(t *testing.T, n, bundles int) *liveNet {
	t.Helper()
	ln := &liveNet{src: newMemSource(synthOrFatal(t, n, netdb.SynthConfig{Now: reseedtest.Now, Seed: 41, MaxAge: 20 * time.Hour}))}
	var err error
	if ln.live, err = netdb.OpenLiveness(filepath.Join(t.TempDir(), "liveness.json")); err != nil {
		t.Fatal(err)
	}
	for _, e := range ln.src.entries {
		ln.live.Record(e.Hash, reseedtest.Now.Add(-time.Minute), true, "ok")
	}
	ln.cfg = poolConfig(t)
	ln.cfg.Policy.Liveness = ln.live
	ln.cfg.Bundles = bundles
	p := ln.cfg.Policy
	p.Now = func() time.Time { return reseedtest.Now }
	ln.eligible = len(p.Select(ln.src.entries).Eligible)
	if ln.eligible < 2*ln.cfg.bundleSize() {
		t.Fatalf("%d of %d synthetic routers eligible; the test needs %d", ln.eligible, n, 2*ln.cfg.bundleSize())
	}
	return ln
}

func (ln *liveNet) build(t *testing.T) *Pool {
	t.Helper()
	pool, err := BuildPool(context.Background(), ln.src, ln.cfg, reseedtest.Now)
	if err != nil {
		t.Fatal(err)
	}
	return pool
}

// liveServer is a Server watching ln's Liveness, on reseedtest.Now's clock.
func liveServer(ln *liveNet) *Server {
	srv := NewServer(ServerConfig{UserAgents: []string{wire.UserAgent}, Secret: ln.cfg.Secret,
		Now: func() time.Time { return reseedtest.Now }})
	srv.WatchLiveness(ln.live)
	return srv
}

// get requests path from srv as client would.
func get(srv *Server, path, client string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.RemoteAddr = client + ":40000"
	req.Header.Set("User-Agent", wire.UserAgent)
	w := httptest.NewRecorder()
	srv.Handler().ServeHTTP(w, req)
	return w
}

// served returns the index in pool of the bundle client gets, -1 for
// none.
func served(t *testing.T, srv *Server, pool *Pool, client string) int {
	t.Helper()
	w := get(srv, wire.BundlePath, client)
	if w.Code != http.StatusOK {
		return -1
	}
	i := slices.IndexFunc(pool.Bundles, func(b []byte) bool { return bytes.Equal(b, w.Body.Bytes()) })
	if i < 0 {
		t.Fatalf("client %s got a bundle that is not in the pool", client)
	}
	return i
}

// partlyCarried is a member of pool that some bundles carry and others
// not.
func partlyCarried(t *testing.T, pool *Pool) netdb.Hash {
	t.Helper()
	for _, h := range pool.Carried[0] {
		if len(pool.Carrying(h)) < len(pool.Bundles) {
			return h
		}
	}
	t.Fatal("every router of bundle 0 is in every bundle; the test needs one that is not")
	return netdb.Hash{}
}

func TestPoolCarried(t *testing.T) {
	ln := newLiveNet(t, 400, 4)
	pool := ln.build(t)
	members := map[netdb.Hash]bool{}
	for i, carried := range pool.Carried {
		st := readBundleStats(t, pool.Bundles[i])
		if len(carried) != st.routers || !slices.IsSortedFunc(carried, func(a, b netdb.Hash) int { return bytes.Compare(a[:], b[:]) }) {
			t.Errorf("bundle %d: %d routers recorded (sorted: %v), %d in the bundle", i, len(carried), slices.IsSortedFunc(carried, func(a, b netdb.Hash) int { return bytes.Compare(a[:], b[:]) }), st.routers)
		}
		for _, h := range carried {
			members[h] = true
			if !slices.Contains(pool.Carrying(h), i) {
				t.Errorf("Carrying(%s) = %v, lacks bundle %d", h, pool.Carrying(h), i)
			}
		}
	}
	if pool.Members() != len(members) || pool.Carrying(netdb.Hash{1}) != nil {
		t.Errorf("Members() = %d, want %d; a stranger is carried by %v", pool.Members(), len(members), pool.Carrying(netdb.Hash{1}))
	}
}

// TestUnreachableMemberHeldBack: once a router of the pool is recorded
// unreachable, no client gets a bundle carrying it (a client whose own
// bundle does gets the next fresh one), /healthz and the metrics say how
// many bundles are held back, and the Builder is woken. A failure
// recorded before the pool was built changes nothing.
func TestUnreachableMemberHeldBack(t *testing.T) {
	ln := newLiveNet(t, 400, 4)
	pool := ln.build(t)
	srv := liveServer(ln)
	srv.SetPool(pool)
	h := partlyCarried(t, pool)
	carrying := pool.Carrying(h)

	clients := map[string]int{} // client -> its own bundle
	for i := range 40 {
		c := fmt.Sprintf("100.%d.%d.1", 100+i, i)
		clients[c] = served(t, srv, pool, c)
	}

	other := pool.Carried[0][0]
	if other == h {
		other = pool.Carried[0][1]
	}
	ln.live.Record(other, reseedtest.Now.Add(-time.Second), false, "dial") // before the build
	if w := get(srv, "/healthz", "127.0.0.1"); strings.Contains(w.Body.String(), "held back") {
		t.Errorf("a failure before the build held bundles back: %s", w.Body)
	}
	select {
	case <-srv.wake:
		t.Error("a failure before the build woke the builder")
	default:
	}

	ln.live.Record(h, reseedtest.Now.Add(time.Minute), false, "dial")
	sawMoved := false
	for c, own := range clients {
		got := served(t, srv, pool, c)
		want := own
		for slices.Contains(carrying, want) {
			want = (want + 1) % len(pool.Bundles)
		}
		if got != want {
			t.Errorf("client %s (own bundle %d): got bundle %d, want %d (bundles carrying the dead router: %v)", c, own, got, want, carrying)
		}
		sawMoved = sawMoved || got != own
	}
	if !sawMoved {
		t.Errorf("no client's own bundle carries the dead router (bundles %v): the test would not notice", carrying)
	}
	w := get(srv, "/healthz", "127.0.0.1")
	if want := fmt.Sprintf("(%d of 4 bundles held back: routers found unreachable, rebuilding)", len(carrying)); w.Code != 200 || !strings.Contains(w.Body.String(), want) {
		t.Errorf("healthz: %d %q, want 200 with %q", w.Code, w.Body, want)
	}
	if got := testutil.ToFloat64(srv.metrics.poolStale); got != float64(len(carrying)) {
		t.Errorf("i2pseed_pool_bundles_stale %v, want %d", got, len(carrying))
	}
	if got := testutil.ToFloat64(srv.metrics.withdrawn); got != 0 {
		t.Errorf("i2pseed_pool_withdrawn %v, want 0 while bundles are served", got)
	}
	select {
	case <-srv.wake:
	default:
		t.Error("the builder was not woken")
	}
}

// TestAllBundlesStale: when every bundle carries a dead router, nothing is
// served, even before a rebuild fails: 503 with Retry-After.
func TestAllBundlesStale(t *testing.T) {
	ln := newLiveNet(t, 400, 2)
	pool := ln.build(t)
	srv := liveServer(ln)
	srv.SetPool(pool)
	for _, carried := range pool.Carried {
		srv.RouterUnreachable(carried[0], reseedtest.Now)
	}
	w := get(srv, wire.BundlePath, "100.1.1.1")
	if w.Code != 503 || w.Header().Get("Retry-After") == "" || !strings.Contains(w.Body.String(), "unreachable") {
		t.Errorf("bundle: %d (Retry-After %q) %q, want 503 with Retry-After, saying why", w.Code, w.Header().Get("Retry-After"), w.Body)
	}
	if w := get(srv, "/healthz", "127.0.0.1"); w.Code != 503 || !strings.Contains(w.Body.String(), "withdrawn: ") || !strings.Contains(w.Body.String(), "in all 2 bundles; rebuilding") {
		t.Errorf("healthz: %d %q, want 503 withdrawn", w.Code, w.Body)
	}
	if got := testutil.ToFloat64(srv.metrics.withdrawn); got != 1 {
		t.Errorf("i2pseed_pool_withdrawn %v, want 1", got)
	}
	if got := testutil.ToFloat64(srv.metrics.poolSize); got != 0 {
		t.Errorf("i2pseed_pool_bundles %v, want 0", got)
	}
}

// TestFailedRebuildKeepsOrWithdraws: a rebuild that fails keeps the pool
// when none of its routers was found unreachable, whatever the error, and
// when one was but the error is not ErrNotEnoughRouters; for want of
// eligible routers with one dead it withdraws the pool.
func TestFailedRebuildKeepsOrWithdraws(t *testing.T) {
	ln := newLiveNet(t, 400, 4)
	pool := ln.build(t)
	notEnough := fmt.Errorf("%w: 10 of 14, need 14", ErrNotEnoughRouters)
	for _, tt := range []struct {
		name      string
		dead      bool
		err       error
		withdrawn bool
	}{
		{"no dead member, not enough routers", false, notEnough, false},
		{"no dead member, disk error", false, errors.New("disk on fire"), false},
		{"dead member, disk error", true, errors.New("disk on fire"), false},
		{"dead member, not enough routers", true, notEnough, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := liveServer(ln)
			srv.SetPool(pool)
			if tt.dead {
				srv.RouterUnreachable(partlyCarried(t, pool), reseedtest.Now)
			}
			srv.BuildFailed(nil, tt.err)
			w := get(srv, wire.BundlePath, "100.2.2.2")
			health := get(srv, "/healthz", "127.0.0.1")
			if !tt.withdrawn {
				if w.Code != 200 || health.Code != 200 || testutil.ToFloat64(srv.metrics.withdrawn) != 0 {
					t.Errorf("bundle %d, healthz %d %q, withdrawn %v; want the pool kept", w.Code, health.Code, health.Body, testutil.ToFloat64(srv.metrics.withdrawn))
				}
				return
			}
			if w.Code != 503 || w.Header().Get("Retry-After") != "300" {
				t.Errorf("bundle: %d, Retry-After %q; want 503, 300", w.Code, w.Header().Get("Retry-After"))
			}
			want := "withdrawn: 1 of the last pool's routers found unreachable since it was built; rebuild: " + notEnough.Error() + " (lower --min-eligible or check the built-in router)"
			if health.Code != 503 || !strings.Contains(health.Body.String(), want) {
				t.Errorf("healthz: %d %q, want 503 %q", health.Code, health.Body, want)
			}
			if st := get(srv, "/", "127.0.0.1").Body.String(); !strings.Contains(st, "withdrawn: 1 of the last pool") {
				t.Errorf("status page lacks the withdrawal:\n%s", st)
			}
			if testutil.ToFloat64(srv.metrics.withdrawn) != 1 || testutil.ToFloat64(srv.metrics.poolSize) != 0 {
				t.Errorf("i2pseed_pool_withdrawn %v, i2pseed_pool_bundles %v; want 1, 0",
					testutil.ToFloat64(srv.metrics.withdrawn), testutil.ToFloat64(srv.metrics.poolSize))
			}
		})
	}
}

// waitFor polls cond until it holds, failing after 20 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after 20s: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestBuilderRebuildsWithdrawsAndRecovers runs a Builder on a synthetic
// netDb whose floor (MinEligible) is all routers but one: a member found
// unreachable makes it rebuild at once without it; two more found
// unreachable together make one rebuild, which fails, and the pool is
// withdrawn (503 everywhere); once they are reachable again a retry
// serves.
func TestBuilderRebuildsWithdrawsAndRecovers(t *testing.T) {
	ln := newLiveNet(t, 400, 4)
	ln.cfg.MinEligible = ln.eligible - 1
	srv := liveServer(ln)
	b := &Builder{Source: ln.src, Config: ln.cfg, Server: srv, Debounce: 100 * time.Millisecond,
		Now: func() time.Time { return reseedtest.Now }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- b.Run(ctx) }()
	defer func() { cancel(); <-done }()
	waitFor(t, "no first pool", func() bool { return srv.state.Load() != nil })
	first := srv.state.Load().pool

	// One member dead: a rebuild at once, without it.
	h1 := partlyCarried(t, first)
	ln.live.Record(h1, reseedtest.Now.Add(time.Second), false, "dial")
	waitFor(t, "no rebuild after a member was found unreachable", func() bool { return srv.state.Load().pool != first })
	second := srv.state.Load().pool
	checkRebuiltWithout(t, srv, ln, second, h1)

	// Two more dead at once: one rebuild, short of the floor: withdrawn.
	h2, h3 := second.Carried[0][0], second.Carried[1][0]
	if h2 == h3 {
		h3 = second.Carried[1][1]
	}
	ln.live.Record(h2, reseedtest.Now.Add(2*time.Second), false, "timeout")
	ln.live.Record(h3, reseedtest.Now.Add(2*time.Second), false, "dial")
	waitFor(t, "the pool was not withdrawn", func() bool { return testutil.ToFloat64(srv.metrics.withdrawn) == 1 })
	checkWithdrawnShort(t, srv, ln)

	// Reachable again: the next retry serves.
	ln.live.Record(h2, reseedtest.Now.Add(3*time.Second), true, "ok")
	ln.live.Record(h3, reseedtest.Now.Add(3*time.Second), true, "ok")
	waitFor(t, "still withdrawn after the routers came back", func() bool { return testutil.ToFloat64(srv.metrics.withdrawn) == 0 })
	if w := get(srv, "/healthz", "127.0.0.1"); w.Code != 200 || !strings.HasPrefix(w.Body.String(), "ok: 4 bundles") {
		t.Errorf("healthz after recovery: %d %q", w.Code, w.Body)
	}
	if w := get(srv, wire.BundlePath, "100.3.3.3"); w.Code != 200 {
		t.Errorf("bundle after recovery: %d", w.Code)
	}
	if got := testutil.ToFloat64(srv.metrics.poolSize); got != 4 {
		t.Errorf("i2pseed_pool_bundles %v after recovery, want 4", got)
	}
}

// builds is how many of srv's pool builds ended with result.
func builds(srv *Server, result string) float64 {
	return testutil.ToFloat64(srv.metrics.builds.WithLabelValues(result))
}

// checkRebuiltWithout: after the first pool's member dead was found
// unreachable, srv rebuilt once, without it, into rebuilt, and is
// healthy.
func checkRebuiltWithout(t *testing.T, srv *Server, ln *liveNet, rebuilt *Pool, dead netdb.Hash) {
	t.Helper()
	if got := builds(srv, "ok"); got != 2 {
		t.Errorf("%v good builds, want 2", got)
	}
	if rebuilt.Carrying(dead) != nil || rebuilt.Eligible != ln.eligible-1 {
		t.Errorf("the rebuilt pool carries the dead router in bundles %v, %d eligible; want none, %d", rebuilt.Carrying(dead), rebuilt.Eligible, ln.eligible-1)
	}
	if w := get(srv, "/healthz", "127.0.0.1"); w.Code != 200 || strings.Contains(w.Body.String(), "held back") {
		t.Errorf("healthz after the rebuild: %d %q", w.Code, w.Body)
	}
}

// checkWithdrawnShort: after two more of its routers were found
// unreachable together, srv rebuilt once, short of the floor, and withdrew
// the pool: bundles 503, healthz says why, the metrics say withdrawn.
func checkWithdrawnShort(t *testing.T, srv *Server, ln *liveNet) {
	t.Helper()
	if got := builds(srv, "error"); got != 1 {
		t.Errorf("%v failed builds after two routers were found unreachable together, want 1 (the retry comes 2 s later)", got)
	}
	w := get(srv, wire.BundlePath, "100.3.3.3")
	if w.Code != 503 || w.Header().Get("Retry-After") != "300" {
		t.Errorf("bundle while withdrawn: %d, Retry-After %q; want 503, 300", w.Code, w.Header().Get("Retry-After"))
	}
	health := get(srv, "/healthz", "127.0.0.1")
	if want := fmt.Sprintf("withdrawn: 2 of the last pool's routers found unreachable since it was built; rebuild: %v: %d of 400, need %d",
		ErrNotEnoughRouters, ln.eligible-3, ln.eligible-1); health.Code != 503 || !strings.Contains(health.Body.String(), want) {
		t.Errorf("healthz: %d %q, want 503 %q", health.Code, health.Body, want)
	}
	if m := get(srv, "/metrics", "127.0.0.1").Body.String(); !strings.Contains(m, "\ni2pseed_pool_withdrawn 1\n") ||
		!strings.Contains(m, "\ni2pseed_pool_bundles 0\n") || !strings.Contains(m, "\ni2pseed_pool_bundles_stale ") {
		t.Errorf("metrics while withdrawn lack i2pseed_pool_withdrawn 1, i2pseed_pool_bundles 0 or i2pseed_pool_bundles_stale:\n%s", m)
	}
}

// TestBuilderEpochRebuildStamp: with Epoch, a rebuild within the epoch of
// the current pool is stamped with its own time, later than the pool's.
func TestBuilderEpochRebuildStamp(t *testing.T) {
	b := &Builder{Epoch: time.Hour, Server: NewServer(ServerConfig{})}
	start := reseedtest.Now.Add(20 * time.Minute)
	if at, wait := b.schedule(start); !at.Equal(reseedtest.Now) || wait != 40*time.Minute {
		t.Errorf("first build: stamped %v, next in %v; want %v, 40m", at, wait, reseedtest.Now)
	}
	b.Server.SetPool(&Pool{Built: reseedtest.Now, Bundles: [][]byte{{1}}})
	if at, wait := b.schedule(start); !at.Equal(start) || wait != 40*time.Minute {
		t.Errorf("rebuild in the same epoch: stamped %v, next in %v; want %v, 40m", at, wait, start)
	}
	if at, _ := b.schedule(reseedtest.Now.Add(time.Hour)); !at.Equal(reseedtest.Now.Add(time.Hour)) {
		t.Errorf("next epoch: stamped %v, want %v", at, reseedtest.Now.Add(time.Hour))
	}
}
