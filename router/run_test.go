package router

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/internal/i2pdtest"
	"github.com/i2pseed/i2pseed/netdb"
)

// TestRunFillsStore: Run, seeded with one floodfill of a 5-router i2pd
// network, writes every router's RouterInfo into its netDb store.
func TestRunFillsStore(t *testing.T) {
	i2pd := i2pdtest.Require(t)
	if testing.Short() {
		t.Skip("starts 5 i2pd routers")
	}
	ns := i2pdtest.NewNetNS(t)
	routers, _ := testnet(t, i2pd, ns, 5, 2)
	seed := aFloodfill(t, routers)
	id, err := LoadOrCreateIdentity(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ns.AddAddr(t, "198.18.0.98")
	store := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	st, err := Run(ctx, Config{
		Identity: id, NetID: 2, Seeds: []*netdb.RouterInfo{seed}, Store: store,
		Dial:     func(ctx context.Context, addr string) (net.Conn, error) { return ns.DialFrom("198.18.0.98", addr) },
		Interval: 300 * time.Millisecond, Lookups: 20,
	})
	if err != nil && ctx.Err() == nil {
		t.Fatalf("run: %v (%+v)", err, st)
	}
	idx, err := netdb.Scan(context.Background(), store, nil)
	if err != nil {
		t.Fatal(err)
	}
	for h := range routers {
		if e := idx.Entries[h]; e == nil || !e.SigOK {
			t.Errorf("router %s missing from the store or badly signed", h)
		}
	}
	t.Logf("store holds %d RouterInfos after %v: %+v", len(idx.Entries), time.Since(start).Round(time.Millisecond), st)
}
