package testnet_test

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/internal/i2pdtest"
	"github.com/i2pseed/i2pseed/internal/reseedtest"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/testnet"
)

// TestRaceSSU2: in a network of i2pd routers that publish SSU2 besides
// NTCP2 (Config.SSU2), a race (`testnet race --ssu2`, without Java)
// ends with our fresh router holding every router; the server's
// built-in router, which dials SSU2 where published, confirms at least
// one router over SSU2 (its liveness.json records "transport":"SSU2");
// and no router's log blocks, bans or throttles the server's router or
// our racer (testnet.AuditNetwork).
func TestRaceSSU2(t *testing.T) {
	i2pd := i2pdtest.Require(t)
	if testing.Short() {
		t.Skip("starts 5 i2pd routers")
	}
	self := buildSelf(t)
	st := upNetwork(t, testnet.Config{Routers: 4, Floodfills: 2, I2PD: i2pd, Self: self, SSU2: true,
		SyncStart: true}) // CI once: the floodfills handed out neither other router in 75 s
	t.Cleanup(func() { audit(t, st) })
	for _, r := range st.Routers {
		host, _, _ := strings.Cut(r.Addr, ":")
		if got := ssu2Host(reseedtest.ReadRouterInfo(t, filepath.Join(r.Dir, "data", "router.info"))); got != host {
			t.Errorf("i2pd router %s publishes SSU2 host %q, want %q", r.Addr, got, host)
		}
	}
	var log strings.Builder
	res, err := st.Race(context.Background(), testnet.RaceConfig{I2PD: i2pd, Self: self, SSU2: true,
		Timeout: 75 * time.Second, Log: &log}) // ours holds all within 6-11 s; the fresh i2pd rarely does
	if err != nil {
		t.Fatal(err)
	}
	var table strings.Builder
	testnet.WriteRace(&table, res)
	t.Logf("race with SSU2 published:\n%s%s", log.String(), table.String())
	if len(res) != 2 || res[0].Impl != "i2pseed" {
		t.Fatalf("race results %+v, want ours and i2pd", res)
	}
	if ours := res[0]; ours.Held != ours.Of || ours.To100 == 0 {
		t.Errorf("our racer holds %d of %d routers at the end, want all", ours.Held, ours.Of)
	}
	if res[0].Throttled != 0 {
		t.Errorf("Java floodfills throttled %d of our racer's lookups", res[0].Throttled)
	}
	waitLivenessSSU2(t, st, 4*time.Minute)
}

// ssu2Host is the host of ri's SSU2 address, "" if it publishes none.
func ssu2Host(ri *netdb.RouterInfo) string {
	for _, a := range ri.Addresses {
		if h, _ := a.Options.Get("host"); a.Transport == "SSU2" && h != "" {
			return h
		}
	}
	return ""
}

// waitLivenessSSU2 waits (at most limit) until the server's built-in
// router's liveness records a router confirmed over SSU2: it confirms a
// router that publishes both transports over each in turn.
func waitLivenessSSU2(t *testing.T, st *testnet.State, limit time.Duration) {
	t.Helper()
	path := filepath.Join(st.Server.DataDir, "liveness.json")
	start := time.Now()
	for {
		via := livenessTransports(t, st, path)
		if via["SSU2"] > 0 {
			t.Logf("the server's liveness: routers last confirmed over %v", via)
			return
		}
		if time.Since(start) > limit {
			t.Fatalf("after %v the server's liveness records no router confirmed over SSU2: %v", limit, via)
		}
		time.Sleep(5 * time.Second)
	}
}

// livenessTransports counts the network's routers by the transport the
// liveness file at path last confirmed them over ("" for none).
func livenessTransports(t *testing.T, st *testnet.State, path string) map[string]int {
	t.Helper()
	l, err := netdb.OpenLiveness(path)
	if err != nil {
		t.Fatal(err)
	}
	via := map[string]int{}
	for _, r := range st.Routers {
		var h netdb.Hash
		if err := h.UnmarshalText([]byte(r.Hash)); err != nil {
			t.Fatal(err)
		}
		p, _ := l.Get(h)
		via[p.Transport]++
	}
	return via
}

// buildSelf builds the i2pseed binary the network runs.
func buildSelf(t *testing.T) string {
	t.Helper()
	self := filepath.Join(t.TempDir(), "i2pseed")
	if out, err := exec.Command("go", "build", "-o", self, "../cmd/i2pseed").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return self
}

// upNetwork starts a network of cfg in a temporary directory, its
// progress discarded, and takes it down at the end of the test.
func upNetwork(t *testing.T, cfg testnet.Config) *testnet.State {
	t.Helper()
	cfg.Dir, cfg.Log = t.TempDir(), io.Discard
	start := time.Now()
	st, err := testnet.Up(context.Background(), cfg)
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(cfg.Dir, "server", "server.log"))
		t.Fatalf("%v\nserver log:\n%s", err, log)
	}
	t.Cleanup(func() {
		if err := testnet.Down(cfg.Dir); err != nil {
			t.Error(err)
		}
	})
	t.Logf("network up and serving in %v", time.Since(start).Round(100*time.Millisecond))
	return st
}
