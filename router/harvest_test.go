package router

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/certs"
	"github.com/i2pseed/i2pseed/internal/i2pdtest"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/router/ntcp2"
	"github.com/i2pseed/i2pseed/su3"
)

// testnet starts n i2pd routers on 198.18.0.10+i in one namespace, the
// first ff of them floodfills, all reseeded with every router's
// RouterInfo. It returns the RouterInfos by hash.
func testnet(t *testing.T, i2pd string, ns *i2pdtest.NetNS, n, ff int) (map[netdb.Hash]*netdb.RouterInfo, map[netdb.Hash]*i2pdtest.Process) {
	t.Helper()
	dirs := make([]string, n)
	args := func(i int) []string {
		a := []string{fmt.Sprintf("--host=198.18.0.%d", 10+i), fmt.Sprintf("--port=%d", 18800+i), "--ntcp2.enabled=true",
			"--ntcp2.published=true", "--ssu2.enabled=false"}
		if i < ff {
			a = append(a, "--floodfill")
		}
		return a
	}
	// First start: each router makes its keys and RouterInfo.
	routers := map[netdb.Hash]*netdb.RouterInfo{}
	hashes := make([]netdb.Hash, n)
	var entries []su3.Entry
	for i := range n {
		ns.AddAddr(t, fmt.Sprintf("198.18.0.%d", 10+i))
		dirs[i] = t.TempDir()
		res := i2pdtest.Run(t, i2pd, i2pdtest.Options{NetNS: ns, DataDir: dirs[i],
			Args: append(args(i), "--reseed.file=/nonexistent/none.su3")})
		_ = res
		b, err := os.ReadFile(filepath.Join(dirs[i], "router.info"))
		if err != nil {
			t.Fatal(err)
		}
		ri, err := netdb.ParseRouterInfo(b)
		if err != nil {
			t.Fatal(err)
		}
		routers[ri.Hash()] = ri
		hashes[i] = ri.Hash()
		entries = append(entries, su3.Entry{Name: ri.Hash().FileName(), Data: b})
	}
	// A reseed bundle of all of them, signed with the test key.
	var z bytes.Buffer
	su3.WriteBundle(&z, entries, time.Now())
	key, err := certs.LoadPrivateKey("../su3/testdata/test-signer.key")
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := su3.Sign(su3.Header{ContentType: su3.ContentReseed, Version: fmt.Sprint(time.Now().Unix())}, z.Bytes(), &su3.Signer{ID: "test@mail.i2p", Key: key})
	if err != nil {
		t.Fatal(err)
	}
	shared := t.TempDir()
	os.WriteFile(filepath.Join(shared, "bundle.su3"), bundle, 0o644)
	certsDir := i2pdtest.CertsDir(t, "../su3/testdata/test-signer.crt")
	var wg sync.WaitGroup
	procs := map[netdb.Hash]*i2pdtest.Process{}
	for i := range n {
		p := i2pdtest.Start(t, i2pd, i2pdtest.Options{NetNS: ns, DataDir: dirs[i], Args: append(args(i),
			"--certsdir="+certsDir, "--reseed.file="+filepath.Join(shared, "bundle.su3"), "--reseed.verify=true")})
		procs[hashes[i]] = p
		wg.Go(func() { p.WaitFor(t, "Daemon: Transports started") })
	}
	wg.Wait()
	return routers, procs
}

// aFloodfill picks a floodfill of the test network.
func aFloodfill(t *testing.T, routers map[netdb.Hash]*netdb.RouterInfo) *netdb.RouterInfo {
	t.Helper()
	for _, ri := range routers {
		if strings.Contains(ri.Option("caps"), "f") {
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
	routers, procs := testnet(t, i2pd, ns, 5, 2)
	seed := aFloodfill(t, routers)
	peer, addr, ok := ntcp2.PeerFromRouterInfo(seed)
	if !ok {
		t.Fatal("seed floodfill publishes no NTCP2 address")
	}

	id, err := LoadOrCreateIdentity(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ourRI, err := id.RouterInfo(time.Now(), 2, Address{})
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
	sess, err := ntcp2.Client(conn, id.NTCP2Config(2), peer, ourRI.Bytes())
	if err != nil {
		log := procs[seed.Hash()].Log()
		t.Fatalf("%v\nseed log:\n%s", err, log[max(0, len(log)-3000):])
	}
	defer sess.Close(ntcp2.TerminationNormal)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	got := map[netdb.Hash]bool{}
	acked := false
	err = Harvest(ctx, sess, HarvestConfig{Self: id.Hash(), Interval: 500 * time.Millisecond, Lookups: 200, Idle: 200,
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
