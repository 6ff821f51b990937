package router

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/internal/i2pdtest"
	"github.com/i2pseed/i2pseed/internal/reseedtest"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/router/ntcp2"
	"github.com/i2pseed/i2pseed/router/transport"
	"github.com/i2pseed/i2pseed/su3"
	"github.com/i2pseed/i2pseed/testnet"
)

// startTestnet starts n i2pd routers on 198.18.0.10+i, the first ff of them
// floodfills, reseeded with every router's RouterInfo by a bundle signed
// with the test key (testnet.StartRouters), and stops them when the test
// ends. It returns the RouterInfos and processes by hash.
func startTestnet(t *testing.T, i2pd string, ns *i2pdtest.NetNS, n, ff int) (map[netdb.Hash]*netdb.RouterInfo, map[netdb.Hash]*testnet.Process) {
	t.Helper()
	key := reseedtest.SignerKey(t)
	rs, err := testnet.StartRouters(context.Background(), ns.NetNS, testnet.RoutersConfig{Dir: t.TempDir(), Routers: n, Floodfills: ff,
		I2PD: i2pd, Signer: &su3.Signer{ID: "test@mail.i2p", Key: key}, SignerCert: "../su3/testdata/test-signer.crt", SyncStart: true})
	routers := map[netdb.Hash]*netdb.RouterInfo{}
	procs := map[netdb.Hash]*testnet.Process{}
	for _, r := range rs {
		if r.Process != nil {
			t.Cleanup(r.Process.Stop)
		}
		routers[r.RouterInfo.Hash()], procs[r.RouterInfo.Hash()] = r.RouterInfo, r.Process
	}
	if err != nil {
		t.Fatal(err)
	}
	return routers, procs
}

// aFloodfill picks a floodfill of the test network.
func aFloodfill(t *testing.T, routers map[netdb.Hash]*netdb.RouterInfo) *netdb.RouterInfo {
	t.Helper()
	for _, ri := range routers {
		if ri.Floodfill() {
			return ri
		}
	}
	t.Fatal("no floodfill in the test network")
	return nil
}

// TestHarvestTestnet: our router, seeded with one floodfill's RouterInfo,
// harvests every router of a 5-router i2pd network.
func TestHarvestTestnet(t *testing.T) {
	i2pd := i2pdtest.Require(t)
	if testing.Short() {
		t.Skip("starts 5 i2pd routers")
	}
	ns := i2pdtest.NewNetNS(t)
	routers, procs := startTestnet(t, i2pd, ns, 5, 2)
	seed := aFloodfill(t, routers)
	peer, addr, ok := ntcp2.PeerFromRouterInfo(seed)
	if !ok {
		t.Fatal("seed floodfill publishes no NTCP2 address")
	}

	id, err := LoadOrCreateIdentity(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ourRI, err := id.RouterInfo(time.Now(), 2, ntcp2Address(t, id, netip.AddrPort{}))
	if err != nil {
		t.Fatal(err)
	}
	ns.AddAddr(t, "198.18.0.99")
	conn, err := ns.DialFrom("198.18.0.99", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	sess, err := ntcp2.Client(conn, &ntcp2.Config{NetID: 2, Static: ntcp2Keys(t, id).Static}, peer, ourRI.Bytes())
	if err != nil {
		log := procs[seed.Hash()].Log()
		t.Fatalf("%v\nseed log:\n%s", err, log[max(0, len(log)-3000):])
	}
	defer sess.Close(transport.ReasonNormal)
	// Last, after our session closed and before the routers stop: no
	// i2pd blocked, banned or throttled us (testnet.Rules).
	t.Cleanup(func() {
		auditPeers(t, procs, testnet.Ours{Addrs: []string{"198.18.0.99"}, Hashes: []netdb.Hash{id.Hash()}})
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	got := map[netdb.Hash]bool{}
	acked := false
	// i2pd has no per-peer lookup limit (Java's budget of 12 per two
	// minutes may not find all 5 by random exploration).
	err = Harvest(ctx, sess, HarvestConfig{Self: id.Hash(), Interval: 500 * time.Millisecond, Budget: 200, Lookups: 200, Idle: 200,
		Publish: ourRI, Published: func() { acked = true },
		Found: func(ri *netdb.RouterInfo) bool {
			if routers[ri.Hash()] == nil || got[ri.Hash()] {
				return false
			}
			got[ri.Hash()] = true
			t.Logf("harvested %s (caps %s) after %v", ri.Hash(), ri.Option("caps"), time.Since(start).Round(time.Millisecond))
			if len(got) == len(routers) && acked {
				cancel()
			}
			return true
		}})
	if len(got) != len(routers) {
		t.Fatalf("harvested %d of %d routers: %v", len(got), len(routers), err)
	}
	t.Logf("all %d RouterInfos harvested in %v", len(got), time.Since(start).Round(time.Millisecond))
	if !acked {
		t.Error("the floodfill never acknowledged our DatabaseStore")
	}
}
