package testnet_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/internal/i2pdtest"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/testnet"
)

// TestWholeChain: on a mixed network of i2pd and Java I2P routers
// (floodfills of both kinds), i2pseed serve's built-in router harvests
// every router over NTCP2 without tripping either implementation's
// defences (testnet.Audit: no throttled lookup, banlist entry, blocked IP
// or host mismatch), and a fresh i2pd and a fresh Java router bootstrap
// from it over HTTPS, verifying our signature. Run it with I2PD set to a
// current i2pd.
func TestWholeChain(t *testing.T) {
	i2pd := i2pdtest.Require(t)
	jars := i2pdtest.RequireJava(t)
	if testing.Short() {
		t.Skip("starts 3 i2pd and 2 Java routers")
	}
	self := buildSelf(t)
	dir := t.TempDir()
	ctx := context.Background()
	start := time.Now()
	st, err := testnet.Up(ctx, testnet.Config{Dir: dir, Routers: 3, Floodfills: 2, Java: 2, JavaFloodfills: 1,
		I2PD: i2pd, JavaI2P: jars, Self: self, Log: io.Discard})
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "server", "server.log"))
		t.Fatalf("%v\nserver log:\n%s", err, log)
	}
	t.Cleanup(func() {
		if err := testnet.Down(dir); err != nil {
			t.Error(err)
		}
		if _, err := os.Stat("/var/run/netns/" + st.NetNS); err == nil {
			t.Errorf("namespace %s still exists after down", st.NetNS)
		}
	})
	// At the end, pass or fail, before down: neither implementation held
	// anything against our router (no throttled lookup, banlist entry,
	// blocked IP or host mismatch; testnet.Rules).
	t.Cleanup(func() { audit(t, st) })
	up := time.Since(start)
	if _, err := testnet.Up(ctx, testnet.Config{Dir: dir, Routers: 2, I2PD: i2pd, Self: self}); err == nil || !strings.Contains(err.Error(), "already up") {
		t.Errorf("a second up in the same directory: %v", err)
	}

	harvested(t, st)
	bootstraps(t, st, i2pd, jars)
	lookups := metric(t, st, `i2pseed_router_lookups_total{kind="routerinfo"}`)
	t.Logf("network up and serving in %v (the router waits out the floodfills' start-up); RouterInfo lookups %s",
		up.Round(100*time.Millisecond), lookups)
	liveness(t, st)
}

// harvested checks the built-in router harvested every router, with
// valid signatures.
func harvested(t *testing.T, st *testnet.State) {
	t.Helper()
	idx, err := netdb.Scan(context.Background(), filepath.Join(st.Server.DataDir, "netDb"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range st.Routers {
		var h netdb.Hash
		if err := h.UnmarshalText([]byte(r.Hash)); err != nil {
			t.Fatal(err)
		}
		if e := idx.Entries[h]; e == nil || !e.SigOK {
			t.Errorf("%s router %s not harvested", r.Impl, r.Hash)
		}
	}
}

// bootstraps checks a fresh router of each implementation reseeds from
// our server.
func bootstraps(t *testing.T, st *testnet.State, i2pd, jars string) {
	t.Helper()
	for _, impl := range []string{testnet.ImplI2PD, testnet.ImplJava} {
		bin := i2pd
		if impl == testnet.ImplJava {
			bin = jars
		}
		res, err := st.BootstrapImpl(context.Background(), impl, bin, testnet.BootstrapOptions{})
		if err != nil {
			t.Fatalf("fresh %s: %v\n%s", impl, err, tail(res))
		}
		if res.Added != len(st.Routers) || len(res.Failures) > 0 {
			t.Fatalf("fresh %s added %d of %d RouterInfos; failures %q\n%s", impl, res.Added, len(st.Routers), res.Failures, tail(res))
		}
		t.Logf("fresh %s reseeded %d RouterInfos in %v", impl, res.Added, res.Took.Round(time.Millisecond))
	}
}

// liveness: two routers stop (one of each implementation); the router's
// probes find them gone and the next pool refuses them as unreachable.
// Then they start again, with their identities.
func liveness(t *testing.T, st *testnet.State) {
	t.Helper()
	stopped, err := st.StopRouters(2)
	if err != nil {
		t.Fatal(err)
	}
	if stopped[0].Impl == stopped[1].Impl {
		t.Errorf("stopped %s and %s routers, want one of each", stopped[0].Impl, stopped[1].Impl)
	}
	waitUnreachable(t, st)
	// The server needs every router (testnet's --min-eligible): it does not
	// go on serving the dead, it withdraws the pool and says so.
	if w := metric(t, st, "i2pseed_pool_withdrawn"); w != "1" {
		t.Errorf("i2pseed_pool_withdrawn %q with 2 of %d routers dead and every router needed, want 1", w, len(st.Routers))
	}
	resp, err := st.HTTPClient().Get(st.Server.URL + "healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/healthz with the pool withdrawn: %s, want 503", resp.Status)
	}
	started, err := st.StartStopped(context.Background())
	if err != nil || len(started) != 2 {
		t.Fatalf("start the stopped routers: %v, %d started", err, len(started))
	}
	for _, r := range started {
		if r.PID <= 0 || syscall.Kill(r.PID, 0) != nil {
			t.Errorf("restarted %s router %s is not running (pid %d)", r.Impl, r.Addr, r.PID)
		}
	}
}

// waitUnreachable waits (at most 5 minutes) until the pool rejects the
// two stopped routers as unreachable.
func waitUnreachable(t *testing.T, st *testnet.State) {
	t.Helper()
	stoppedAt := time.Now()
	for metric(t, st, `i2pseed_routerinfos_rejected{reason="unreachable"}`) != "2" {
		if time.Since(stoppedAt) > 5*time.Minute {
			t.Fatalf("5 minutes after two routers stopped, the pool rejects %q as unreachable, want 2",
				metric(t, st, `i2pseed_routerinfos_rejected{reason="unreachable"}`))
		}
		time.Sleep(2 * time.Second)
	}
	t.Logf("two stopped routers left the pool as unreachable after %v", time.Since(stoppedAt).Round(time.Second))
}

// audit fails the test with every line of the network's logs that
// blocks, bans, throttles or drops our router (testnet.Audit).
func audit(t *testing.T, st *testnet.State) {
	t.Helper()
	a, err := st.Audit()
	if err != nil {
		t.Error(err)
		return
	}
	for _, o := range a.Unnamed {
		t.Logf("a defence whose line names no peer (ours or another's): %s", o)
	}
	if err := a.Err(); err != nil {
		t.Error(err)
	}
	t.Logf("audited %d router logs", len(a.Logs))
}

func tail(res *testnet.BootstrapResult) string {
	if res == nil {
		return ""
	}
	return res.Log[max(0, len(res.Log)-4000):]
}

// metric reads one series' value from the server's /metrics, "" if absent.
func metric(t *testing.T, st *testnet.State, series string) string {
	t.Helper()
	resp, err := st.HTTPClient().Get(st.Server.URL + "metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			return v
		}
	}
	return ""
}
