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
// one router over SSU2 (its metrics count a good probe over SSU2; its
// liveness.json, saved every 5 minutes, then records "transport":"SSU2");
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
	waitProbeSSU2(t, st, 4*time.Minute)
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

// waitProbeSSU2 waits (at most limit) until the server's built-in
// router has counted a good probe over SSU2: it probes a router that
// publishes both transports over each in turn.
func waitProbeSSU2(t *testing.T, st *testnet.State, limit time.Duration) {
	t.Helper()
	const series = `i2pseed_router_probes_total{outcome="ok",transport="SSU2"}`
	start := time.Now()
	for {
		if v := metric(t, st, series); v != "" && v != "0" {
			t.Logf("%v after the race: %s %s; over NTCP2: %s", time.Since(start).Round(time.Second), series, v,
				metric(t, st, `i2pseed_router_probes_total{outcome="ok",transport="NTCP2"}`))
			return
		}
		if time.Since(start) > limit {
			t.Fatalf("after %v the server's router counts no good probe over SSU2", limit)
		}
		time.Sleep(5 * time.Second)
	}
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
