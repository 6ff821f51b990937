package router

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/internal/i2pdtest"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/router/i2np"
	"github.com/i2pseed/i2pseed/router/ntcp2"
	"github.com/i2pseed/i2pseed/router/transport"
	"github.com/i2pseed/i2pseed/testnet"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestRouterHarvestsTestnet: a Router seeded with one floodfill of a
// 5-router i2pd network writes every router's RouterInfo into its store,
// and the floodfills store our RouterInfo in their netDb. Its probes
// confirm every router reachable, and a router in the store whose address
// answers nothing unreachable, tried once.
func TestRouterHarvestsTestnet(t *testing.T) {
	i2pd := i2pdtest.Require(t)
	if testing.Short() {
		t.Skip("starts 5 i2pd routers")
	}
	ns := i2pdtest.NewNetNS(t)
	routers, procs := startTestnet(t, i2pd, ns, 5, 2)
	seed := aFloodfill(t, routers)
	tn := &testnetRun{ns: ns, routers: routers, store: t.TempDir(), id: newIdentity(t), other: newIdentity(t), dead: deadRouter(t)}
	ns.AddAddr(t, "198.18.0.98")
	if _, err := testStore(t, tn.store).Put(tn.dead); err != nil {
		t.Fatal(err)
	}
	// Last, pass or fail, before the routers stop: no i2pd blocked,
	// banned or throttled either of ours (testnet.Rules).
	t.Cleanup(func() {
		auditPeers(t, procs, testnet.Ours{Addrs: []string{"198.18.0.98", "198.18.0.97"}, Hashes: []netdb.Hash{tn.id.Hash(), tn.other.Hash()}})
	})
	tn.staleOther(t)
	tn.livePath = filepath.Join(t.TempDir(), "liveness.json")
	live, err := netdb.OpenLiveness(tn.livePath)
	if err != nil {
		t.Fatal(err)
	}
	tn.live = live
	r, err := New(Config{
		Liveness: live, Probe: ProbeConfig{Every: 100 * time.Millisecond, Timeout: 5 * time.Second},
		Identity: tn.id, NetID: 2, Store: testStore(t, tn.store), Warmup: -1, // i2pd answers at once
		Seeds:      func(context.Context) ([]*netdb.RouterInfo, error) { return []*netdb.RouterInfo{seed}, nil },
		Transports: ntcp2Out(t, tn.id, func(ctx context.Context, addr string) (net.Conn, error) { return ns.DialFrom("198.18.0.98", addr) }),
		// A small network soon stops teaching anything new; keep asking.
		// (i2pd has no per-peer lookup limit.)
		Harvest: HarvestConfig{Interval: 300 * time.Millisecond, Idle: 40, Budget: 100},
		Logger:  slog.New(slog.NewTextHandler(t.Output(), nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	took := tn.run(t, r)
	idx, err := netdb.Scan(context.Background(), tn.store, nil)
	if err != nil {
		t.Fatal(err)
	}
	tn.checkHarvest(t, r, idx)
	t.Logf("store holds all %d RouterInfos after %v: %+v", len(idx.Entries), took.Round(time.Millisecond), r.Stats())
	tn.checkLiveness(t, r, idx)
	tn.checkPublished(t)
}

// testnetRun is TestRouterHarvestsTestnet's network and what it checks.
type testnetRun struct {
	ns       *i2pdtest.NetNS
	routers  map[netdb.Hash]*netdb.RouterInfo
	store    string    // our netDb
	id       *Identity // our router's
	other    *Identity // a router whose RouterInfo in our store is old
	old      *netdb.RouterInfo
	dead     *netdb.RouterInfo // in our store; nothing answers its address
	live     *netdb.Liveness
	livePath string
}

func newIdentity(t *testing.T) *Identity {
	t.Helper()
	id, err := LoadOrCreateIdentity(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// staleOther sets up freshness: a router whose RouterInfo in our store is
// 20 hours old has since published a new one, which the floodfills hold
// (it went in its handshake's message 3); the router looks the old one up
// again.
func (tn *testnetRun) staleOther(t *testing.T) {
	t.Helper()
	old, err := tn.other.RouterInfo(time.Now().Add(-20*time.Hour), 2, ntcp2Address(t, tn.other, netip.AddrPort{}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := testStore(t, tn.store).Put(old); err != nil {
		t.Fatal(err)
	}
	tn.old = old
	tn.ns.AddAddr(t, "198.18.0.97")
	for _, ri := range tn.routers {
		if ri.Floodfill() {
			lookupRouterInfo(t, tn.ns, "198.18.0.97", tn.other, ri, tn.other.Hash())
		}
	}
}

// refreshed reports whether our store holds a newer RouterInfo of other.
func (tn *testnetRun) refreshed(t *testing.T) bool {
	es, _ := testStore(t, tn.store).Entries(context.Background())
	for _, x := range es {
		if x.Hash == tn.other.Hash() {
			return x.PublishedMs > tn.old.Published
		}
	}
	return false
}

// probed reports whether the probes reached every router and failed to
// reach the dead one.
func (tn *testnetRun) probed() bool {
	for h := range tn.routers {
		if p, _ := tn.live.Get(h); !p.Reachable() {
			return false
		}
	}
	p, ok := tn.live.Get(tn.dead.Hash())
	return ok && p.Failures > 0
}

// run runs r until it has done everything checked, or two minutes pass,
// and returns how long that took.
func (tn *testnetRun) run(t *testing.T, r *Router) (took time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	for ctx.Err() == nil {
		idx, err := netdb.Scan(ctx, tn.store, nil)
		if err == nil && hasAll(idx, tn.routers) && r.Stats().PublishAcks >= 2 && tn.probed() && tn.refreshed(t) {
			took = time.Since(start)
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	return took
}

// checkHarvest: every router stored, our RouterInfo published to both
// floodfills, the old RouterInfo refreshed, and status and metrics say so.
func (tn *testnetRun) checkHarvest(t *testing.T, r *Router, idx *netdb.Index) {
	t.Helper()
	st := r.Stats()
	for h := range tn.routers {
		if e := idx.Entries[h]; e == nil || !e.SigOK {
			t.Errorf("router %s missing from the store or badly signed", h)
		}
	}
	if st.PublishAcks < 2 {
		t.Errorf("%d floodfills acknowledged our RouterInfo, want both", st.PublishAcks)
	}
	if status := r.Status(); status.Stored != len(idx.Entries) || status.Live < len(tn.routers) || status.Floodfills < 2 || status.Stats != r.Stats() {
		t.Errorf("status %+v; want %d stored, %d live, both floodfills, and the stats", status, len(idx.Entries), len(tn.routers))
	}
	if n := testutil.ToFloat64(counter(t, r, "i2pseed_router_handshakes_total", "outbound", "ok")); n < 2 {
		t.Errorf("metrics count %v good outbound handshakes, want >= 2", n)
	}
	if !tn.refreshed(t) {
		t.Errorf("the 20-hour-old RouterInfo was not replaced by the newer one the floodfills hold")
	}
	if n := testutil.ToFloat64(r.m.lookups.WithLabelValues("refresh")); n < 1 {
		t.Errorf("%v refresh lookups", n)
	}
}

// checkLiveness: every router reached, the dead one tried once and kept
// out of bundles; the results are on disk.
func (tn *testnetRun) checkLiveness(t *testing.T, r *Router, idx *netdb.Index) {
	t.Helper()
	for h := range tn.routers {
		if p, _ := tn.live.Get(h); !p.Reachable() {
			t.Errorf("router %s not confirmed reachable: %+v", h, p)
		}
	}
	if p, _ := tn.live.Get(tn.dead.Hash()); p.Failures != 1 || p.Reachable() {
		t.Errorf("dead router: %+v, want one failed probe", p)
	}
	saved, err := netdb.OpenLiveness(tn.livePath)
	if err != nil {
		t.Fatal(err)
	}
	pol := netdb.TestnetPolicy(2)
	pol.Liveness, pol.MinVersion = saved, "0.9" // Debian's i2pd is 0.9.57
	sel := pol.Select(slices.Collect(maps.Values(idx.Entries)))
	if len(sel.Eligible) != len(tn.routers) || sel.Rejected[netdb.RejectUnreachable] != 1 {
		t.Errorf("selection by the saved liveness: %d eligible, rejected %v; want all %d routers and the dead one unreachable",
			len(sel.Eligible), sel.Rejected, len(tn.routers))
	}
	if n := testutil.ToFloat64(counter(t, r, "i2pseed_router_probes_total", "ok", "NTCP2")); n < 1 {
		t.Errorf("metrics count %v good probes", n)
	}
}

// checkPublished: each floodfill now has our RouterInfo in its netDb:
// another router that looks our hash up gets it back.
func (tn *testnetRun) checkPublished(t *testing.T) {
	t.Helper()
	for h, ri := range tn.routers {
		if !ri.Floodfill() {
			continue
		}
		got, err := lookupRouterInfo(t, tn.ns, "198.18.0.97", tn.other, ri, tn.id.Hash())
		if err != nil {
			t.Errorf("floodfill %s: looking up our RouterInfo: %v", h, err)
			continue
		}
		if got.Hash() != tn.id.Hash() || got.Verify() != nil {
			t.Errorf("floodfill %s returned a bad copy of our RouterInfo", h)
		}
	}
}

// deadRouter is a RouterInfo whose published NTCP2 address (127.0.0.x,
// from inside the test's namespace) has nothing listening.
func deadRouter(t *testing.T) *netdb.RouterInfo {
	ris, err := netdb.Synth(40, netdb.SynthConfig{NetID: 2, Private: true, MaxAge: time.Hour, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	for _, ri := range ris {
		caps := ri.Option("caps")
		if _, _, ok := ntcp2.PeerFromRouterInfo(ri); ok && strings.Contains(caps, "R") && !strings.ContainsAny(caps, "fUHEGD") {
			return ri
		}
	}
	t.Fatal("no synthetic router with a published NTCP2 address")
	return nil
}

// lookupRouterInfo asks floodfill ff, as identity id from source, for the
// RouterInfo of key.
func lookupRouterInfo(t *testing.T, ns *i2pdtest.NetNS, source string, id *Identity, ff *netdb.RouterInfo, key netdb.Hash) (*netdb.RouterInfo, error) {
	peer, addr, _ := ntcp2.PeerFromRouterInfo(ff)
	conn, err := ns.DialFrom(source, addr)
	if err != nil {
		return nil, err
	}
	ours, err := id.RouterInfo(time.Now(), 2, ntcp2Address(t, id, netip.AddrPort{}))
	if err != nil {
		return nil, err
	}
	sess, err := ntcp2.Client(conn, &ntcp2.Config{NetID: 2, Static: ntcp2Keys(t, id).Static}, peer, ours.Bytes())
	if err != nil {
		conn.Close()
		return nil, err
	}
	defer sess.Close(transport.ReasonNormal)
	body, _ := (&i2np.DatabaseLookup{Key: key, From: id.Hash(), Flags: i2np.LookupRouterInfo}).AppendBinary(nil)
	if err := sess.SendI2NP(i2np.Message{Type: i2np.TypeDatabaseLookup, ID: 7, Expiration: time.Now().Add(time.Minute), Body: body}); err != nil {
		return nil, err
	}
	sess.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		blocks, err := sess.ReadBlocks()
		if err != nil {
			return nil, err
		}
		for _, b := range blocks {
			if b.Type != ntcp2.BlockI2NP {
				continue
			}
			m, err := i2np.ParseShort(b.Data)
			if err != nil {
				return nil, err
			}
			switch m.Type {
			case i2np.TypeDatabaseSearchReply:
				return nil, fmt.Errorf("floodfill does not have it (search reply)")
			case i2np.TypeDatabaseStore:
				ds, err := i2np.ParseDatabaseStore(m.Body)
				if err != nil {
					return nil, err
				}
				if netdb.Hash(ds.Key) == key {
					return netdb.ParseRouterInfo(ds.RouterInfo)
				}
			}
		}
	}
}

func hasAll(idx *netdb.Index, routers map[netdb.Hash]*netdb.RouterInfo) bool {
	for h := range routers {
		if e := idx.Entries[h]; e == nil || !e.SigOK {
			return false
		}
	}
	return true
}

// counter finds one labelled series of the Router's metrics.
func counter(t *testing.T, r *Router, name string, labels ...string) prometheus.Collector {
	t.Helper()
	switch name {
	case "i2pseed_router_handshakes_total":
		return r.m.handshakes.WithLabelValues(labels...)
	case "i2pseed_router_probes_total":
		return r.m.probes.WithLabelValues(labels...)
	}
	t.Fatalf("no metric %s", name)
	return nil
}

// auditPeers fails t with every line of the test network's logs that
// blocks, bans, throttles or drops ours (testnet.AuditLogs).
func auditPeers(t *testing.T, procs map[netdb.Hash]*testnet.Process, ours testnet.Ours) {
	t.Helper()
	for _, p := range procs {
		if p == nil {
			continue
		}
		a, err := testnet.AuditLogs(p.Dir, ours)
		if err != nil {
			t.Error(err)
		} else if err := a.Err(); err != nil {
			t.Error(err)
		}
	}
}
