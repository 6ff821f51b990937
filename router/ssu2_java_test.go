package router

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/internal/i2pdtest"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/router/i2np"
	"github.com/i2pseed/i2pseed/router/ssu2"
	"github.com/i2pseed/i2pseed/router/transport"
	"github.com/i2pseed/i2pseed/testnet"
)

// startSSU2Java runs a Java I2P floodfill on network 7 that publishes SSU2
// on host:port and no NTCP2, and returns its RouterInfo once it has the
// address (a second start publishes it when the first did not).
func startSSU2Java(t *testing.T, ns *i2pdtest.NetNS, host string, port int) (*testnet.Process, *netdb.RouterInfo) {
	t.Helper()
	jars := i2pdtest.RequireJava(t)
	opts := testnet.JavaOptions{Jars: jars, Dir: t.TempDir(), NetNS: ns.NetNS, Host: host, Port: port + 1,
		I2CPPort: port + 2, NetID: 7, Floodfill: true, Config: map[string]string{
			"i2np.ntcp.enable": "false",
			"i2np.udp.enable":  "true", "i2np.udp.host": host, "i2np.udp.bindInterface": host,
			"i2np.udp.port": strconv.Itoa(port), "i2np.udp.internalPort": strconv.Itoa(port),
			"i2np.udp.ipv6": "disable", "i2np.udp.autoip": "false", "i2np.udp.fixedHost": "true",
		}}
	for start := 1; start <= 2; start++ {
		p, err := testnet.StartJava(opts)
		if err != nil {
			t.Fatal(err)
		}
		if ri := waitSSU2Published(filepath.Join(opts.Dir, "router.info"), 60*time.Second); ri != nil {
			t.Cleanup(p.Stop)
			return p, ri
		}
		p.Stop()
	}
	t.Fatal("Java published no SSU2 address in two starts")
	return nil, nil
}

// waitSSU2Published polls a router.info until it publishes SSU2.
func waitSSU2Published(path string, d time.Duration) *netdb.RouterInfo {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		if ri, err := netdb.ParseRouterInfo(b); err == nil {
			if _, ok := ssu2.PeerFromRouterInfo(ri); ok {
				return ri
			}
		}
	}
	return nil
}

// TestRouterHarvestsSSU2Java: a Java I2P 2.7 floodfill that publishes
// only SSU2, asked once its first two minutes are over (it drops direct
// lookups before): over an SSU2 session our DatabaseStore is
// acknowledged, a DatabaseLookup for it answered by a DatabaseStore, and
// lookups for random keys by DatabaseSearchReplies; a probe confirms it
// over SSU2; its log bans, blocks and throttles nothing of ours.
func TestRouterHarvestsSSU2Java(t *testing.T) {
	if testing.Short() {
		t.Skip("waits 2m20s for Java's floodfill to answer")
	}
	ns := i2pdtest.NewNetNS(t)
	host := "198.18.0.42"
	ns.AddAddr(t, host)
	p, ff := startSSU2Java(t, ns, host, 18860)
	if len(ff.NTCP2Addresses()) != 0 {
		t.Errorf("Java publishes NTCP2 too: %+v", ff.Addresses)
	}
	id := newIdentity(t)
	t.Cleanup(func() {
		a, err := testnet.AuditLogs(p.Dir, testnet.Ours{Addrs: []string{ns.Addr}, Hashes: []netdb.Hash{id.Hash()}})
		if err == nil {
			err = a.Err()
		}
		if err != nil {
			t.Error(err)
		}
	})
	live, err := netdb.OpenLiveness(filepath.Join(t.TempDir(), "liveness.json"))
	if err != nil {
		t.Fatal(err)
	}
	store := testStore(t, t.TempDir())
	if _, err := store.Put(ff); err != nil {
		t.Fatal(err)
	}
	r, err := New(Config{Identity: id, NetID: 7, Store: store, Liveness: live,
		Transports: []transport.Transport{ssu2Out(t, id, ns, 7, nil)}})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(ff.PublishedTime().Add(floodfillWarmup)))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	lookupsOver(t, ctx, r, ff, "Java")
	es, err := store.Entries(ctx)
	if err != nil || len(es) != 1 {
		t.Fatalf("store: %d entries, %v", len(es), err)
	}
	time.Sleep(time.Second)
	r.probe(ctx, es[0])
	if p, _ := live.Get(ff.Hash()); !p.Reachable() || p.Transport != "SSU2" {
		t.Errorf("liveness after the probe: %+v", p)
	}
}

// lookupsOver runs a session with ff over r's transports, which must be
// SSU2: our DatabaseStore, 4 lookups for random keys and one for ff, and
// checks every kind of answer came.
func lookupsOver(t *testing.T, ctx context.Context, r *Router, ff *netdb.RouterInfo, impl string) {
	t.Helper()
	start := time.Now()
	c, via, err := r.dial(ctx, ff, r.RouterInfo())
	if err != nil || via != "SSU2" {
		t.Fatalf("dial over %q: %v", via, err)
	}
	t.Logf("SSU2 session with %s in %v", impl, time.Since(start).Round(time.Millisecond))
	conn := &countingConn{Conn: c, got: map[i2np.Type]int{}}
	acked := false
	err = Harvest(ctx, conn, HarvestConfig{Self: r.Hash(), Publish: r.RouterInfo(), Published: func() { acked = true },
		Interval: time.Second, Budget: 12, Lookups: 4})
	if err == nil {
		err = lookupOwn(conn, r.Hash(), ff)
	}
	if cerr := conn.Close(transport.ReasonNormal); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	got := conn.counted()
	if got[i2np.TypeDatabaseStore] == 0 || got[i2np.TypeDatabaseSearchReply] == 0 || !acked {
		t.Errorf("received %v, our store acknowledged %v; want DatabaseStore, DatabaseSearchReply, DeliveryStatus", got, acked)
	}
	t.Logf("%s answered: %v", impl, got)
}
