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
	"github.com/i2pseed/i2pseed/internal/testnet"
	"github.com/i2pseed/i2pseed/netdb"
)

// TestWholeChain: i2pseed serve with its built-in router harvests a
// 5-router i2pd network over NTCP2, and a fresh i2pd bootstraps from it
// over HTTPS, verifying our signature.
func TestWholeChain(t *testing.T) {
	i2pd := i2pdtest.Require(t)
	if testing.Short() {
		t.Skip("starts 6 i2pd routers")
	}
	self := filepath.Join(t.TempDir(), "i2pseed")
	if out, err := exec.Command("go", "build", "-o", self, "../../cmd/i2pseed").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	ctx := context.Background()
	start := time.Now()
	st, err := testnet.Up(ctx, testnet.Config{Dir: dir, Routers: 5, Floodfills: 2, I2PD: i2pd, Self: self, Log: io.Discard})
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
	up := time.Since(start)
	if _, err := testnet.Up(ctx, testnet.Config{Dir: dir, Routers: 2, I2PD: i2pd, Self: self}); err == nil || !strings.Contains(err.Error(), "already up") {
		t.Errorf("a second up in the same directory: %v", err)
	}

	// The built-in router harvested every router, with valid signatures.
	idx, err := netdb.Scan(ctx, filepath.Join(st.Server.DataDir, "netDb"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range st.Routers {
		var h netdb.Hash
		if err := h.UnmarshalText([]byte(r.Hash)); err != nil {
			t.Fatal(err)
		}
		if e := idx.Entries[h]; e == nil || !e.SigOK {
			t.Errorf("router %s not harvested", r.Hash)
		}
	}

	// i2pd routers learn our router's RouterInfo (published 198.18.0.2)
	// from the floodfills and connect inbound; the handshake completes.
	inbound := ""
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(time.Second) {
		if inbound = metric(t, st, `i2pseed_router_handshakes_total{direction="inbound",outcome="ok"}`); inbound != "" {
			break
		}
	}
	if inbound == "" {
		t.Error("no i2pd router completed an inbound handshake with our router within 90 s")
	}

	res, err := st.Bootstrap(ctx, i2pd)
	if err != nil {
		t.Fatalf("%v\n%s", err, res.Log)
	}
	if res.Added != len(st.Routers) || len(res.Failures) > 0 {
		t.Fatalf("fresh i2pd added %d of %d RouterInfos; failures %q\n%s", res.Added, len(st.Routers), res.Failures, res.Log)
	}
	t.Logf("network up and serving in %v; inbound handshakes %s; fresh i2pd added %d RouterInfos in %v",
		up.Round(100*time.Millisecond), inbound, res.Added, res.Took.Round(time.Millisecond))
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
