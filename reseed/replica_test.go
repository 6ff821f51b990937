package reseed

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/internal/reseedtest"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/reseed/wire"
)

// replica runs one server instance the way `serve --epoch 1h` does, on its
// own copy of the netDb snapshot, with its clock at now, until its first
// pool is built.
func replica(t *testing.T, snapshot string, now time.Time) *Server {
	t.Helper()
	dir := t.TempDir()
	idx, err := netdb.Scan(context.Background(), snapshot, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range idx.Entries { // a copy: replicas share data, not disks
		b, err := os.ReadFile(e.Path)
		if err != nil {
			t.Fatal(err)
		}
		ri, _ := netdb.ParseRouterInfo(b)
		if _, err := netdb.Write(dir, ri); err != nil {
			t.Fatal(err)
		}
	}
	cfg := poolConfig(t)
	clock := func() time.Time { return now }
	srv := NewServer(ServerConfig{UserAgents: []string{wire.UserAgent}, Secret: cfg.Secret, Now: clock})
	ctx, cancel := context.WithCancel(context.Background())
	b := &Builder{Source: reseedtest.Store(t, filepath.Clean(dir)), Config: cfg, Server: srv, Epoch: time.Hour, Now: clock}
	done := make(chan struct{})
	go func() { b.Run(ctx); close(done) }()
	for srv.state.Load() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	return srv
}

func fetch(t *testing.T, srv *Server, client string) []byte {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, wire.BundlePath, nil)
	req.RemoteAddr = client + ":40000"
	req.Header.Set("User-Agent", wire.UserAgent)
	w := httptest.NewRecorder()
	srv.Handler().ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	b, _ := io.ReadAll(w.Body)
	return b
}

// TestReplicasServeIdenticalBundles: two server instances given the same
// netDb snapshot, signer key, secret and epoch, whose clocks and builds
// differ by 40 minutes, serve byte-identical bundles to the same client;
// the next epoch's build differs.
func TestReplicasServeIdenticalBundles(t *testing.T) {
	snapshot := reseedtest.SynthDir(t, 600)
	a := replica(t, snapshot, reseedtest.Now.Add(5*time.Second))
	b := replica(t, snapshot, reseedtest.Now.Add(40*time.Minute))
	distinct := map[string]bool{}
	for _, client := range []string{"203.0.113.7", "198.51.100.20", "2001:db8::1", "192.0.2.99"} {
		ba, bb := fetch(t, a, client), fetch(t, b, client)
		if !bytes.Equal(ba, bb) {
			t.Fatalf("client %s: replicas served different bundles (%d and %d bytes)", client, len(ba), len(bb))
		}
		distinct[string(ba)] = true
	}
	if len(distinct) < 2 {
		t.Error("every client got the same bundle: the test would not notice a mapping bug")
	}
	next := replica(t, snapshot, reseedtest.Now.Add(time.Hour+time.Second))
	if bytes.Equal(fetch(t, a, "203.0.113.7"), fetch(t, next, "203.0.113.7")) {
		t.Error("the next epoch's bundle is identical: builds are not stamped with their epoch")
	}
}
