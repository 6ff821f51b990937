package reseed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/internal/reseedtest"
	"github.com/i2pseed/i2pseed/internal/setting"
	"github.com/i2pseed/i2pseed/netdb"
)

// meshSource is 400 synthetic routers of which the first nmesh also
// publish a Yggdrasil address (the first nonly of those no other), and
// how many of those are eligible for mesh bundles (Policy.Mesh).
func meshSource(t *testing.T, nmesh, nonly int) (*memSource, int) {
	t.Helper()
	ris := synthOrFatal(t, 400, netdb.SynthConfig{Now: reseedtest.Now, Seed: 41, MaxAge: 20 * time.Hour, Yggdrasil: nmesh, YggdrasilOnly: nonly})
	src := newMemSource(ris)
	p := netdb.DefaultPolicy()
	p.Now = func() time.Time { return reseedtest.Now }
	p.Mesh = true
	eligible := 0
	for _, e := range p.Select(src.entries).Eligible {
		if e.Yggdrasil() {
			eligible++
		}
	}
	return src, eligible
}

// meshCount is how many routers of a signed bundle are on the mesh.
func meshCount(t *testing.T, bundle []byte) (mesh, all int) {
	t.Helper()
	_, kr := reseedtest.Signer(t)
	entries := reseedtest.VerifyBundle(t, bundle, kr)
	return reseedtest.MeshRouters(t, entries), len(entries)
}

// TestBuildPoolMesh: with PoolConfig.Mesh the pool holds K more bundles,
// each with every eligible mesh router when there are fewer than a bundle
// holds (topped up to a full bundle), only mesh routers when there are
// more, and none when there are none; the ordinary bundles stay as they
// are without Mesh.
func TestBuildPoolMesh(t *testing.T) {
	for _, tt := range []struct {
		name  string
		nmesh int
	}{{"few", 30}, {"many", 200}, {"none", 0}} {
		t.Run(tt.name, func(t *testing.T) {
			src, eligibleMesh := meshSource(t, tt.nmesh, 0)
			if tt.nmesh > 0 && eligibleMesh == 0 {
				t.Fatal("no mesh router is eligible: the test tests nothing")
			}
			cfg := poolConfig(t)
			cfg.Bundles, cfg.BundleSize = 4, 60
			plain, err := BuildPool(context.Background(), src, cfg, reseedtest.Now)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Mesh = true
			pool, err := BuildPool(context.Background(), src, cfg, reseedtest.Now)
			if err != nil {
				t.Fatal(err)
			}
			checkMeshPool(t, pool, plain, eligibleMesh)
		})
	}
}

// checkMeshPool checks a pool of 4 bundles of 60 built with Mesh from a
// netDb with eligibleMesh mesh routers, against plain built without.
func checkMeshPool(t *testing.T, pool, plain *Pool, eligibleMesh int) {
	t.Helper()
	if pool.MeshRouters != eligibleMesh {
		t.Errorf("MeshRouters %d, want %d", pool.MeshRouters, eligibleMesh)
	}
	wantMesh := 4
	if eligibleMesh == 0 {
		wantMesh = 0
	}
	if pool.Mesh != wantMesh || len(pool.Bundles) != 4+wantMesh {
		t.Fatalf("%d bundles, %d for the mesh; want %d and %d", len(pool.Bundles), pool.Mesh, 4+wantMesh, wantMesh)
	}
	for i := range 4 {
		if !bytes.Equal(pool.Bundles[i], plain.Bundles[i]) {
			t.Errorf("ordinary bundle %d differs with Mesh", i)
		}
	}
	for i := 4; i < len(pool.Bundles); i++ {
		mesh, all := meshCount(t, pool.Bundles[i])
		if mesh != min(eligibleMesh, 60) || all != 60 {
			t.Errorf("mesh bundle %d: %d mesh routers of %d; want %d of 60", i, mesh, all, min(eligibleMesh, 60))
		}
	}
	if lo, hi := pool.bundleRange(true); hi-lo != max(wantMesh, 4) || (wantMesh > 0) != (lo == 4) {
		t.Errorf("mesh clients get bundles %d to %d", lo, hi)
	}
	if lo, hi := pool.bundleRange(false); lo != 0 || hi != 4 {
		t.Errorf("other clients get bundles %d to %d, want 0 to 4", lo, hi)
	}
}

// TestServeMeshBundles: a client on the yggdrasil channel gets a mesh
// bundle, the same one every time; one on HTTPS an ordinary bundle; the
// metrics and the status page say how many mesh routers the pool had.
func TestServeMeshBundles(t *testing.T) {
	src, eligibleMesh := meshSource(t, 30, 0)
	cfg := poolConfig(t)
	cfg.Bundles, cfg.BundleSize, cfg.Mesh = 4, 60, true
	pool, err := BuildPool(context.Background(), src, cfg, reseedtest.Now)
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(ServerConfig{Secret: cfg.Secret, Now: func() time.Time { return reseedtest.Now }})
	srv.SetChannels([]string{"https [::]:8443", "yggdrasil [201:abcd::1]:8080"})
	srv.recordBuild(pool, nil)
	srv.SetPool(pool)
	get := func(h http.Handler, client, path string) []byte {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r.RemoteAddr = client
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s from %s: %d", path, client, w.Code)
		}
		b, _ := io.ReadAll(w.Body)
		return b
	}
	ygg, https := srv.ChannelHandler("yggdrasil"), srv.ChannelHandler("https")
	for i := range 8 {
		client := fmt.Sprintf("[201:%x::1]:4000", i+1)
		b := get(ygg, client, "/i2pseeds.su3")
		j := bundleIndex(pool.Bundles, b)
		if j < 4 {
			t.Errorf("mesh client %s got bundle %d, want a mesh bundle (4-7)", client, j)
		}
		if again := get(ygg, client, "/i2pseeds.su3"); !bytes.Equal(again, b) {
			t.Errorf("mesh client %s got another bundle the second time", client)
		}
		if j := bundleIndex(pool.Bundles, get(https, client, "/i2pseeds.su3")); j < 0 || j >= 4 {
			t.Errorf("HTTPS client %s got bundle %d, want an ordinary one (0-3)", client, j)
		}
	}
	// A mesh router found unreachable holds back every mesh bundle (all
	// carry it): mesh clients get ordinary bundles until the rebuild.
	var meshRouter netdb.Hash
	for _, h := range pool.Carried[4] {
		if slices.Equal(pool.Carrying(h), []int{4, 5, 6, 7}) {
			meshRouter = h
			break
		}
	}
	if meshRouter.IsZero() {
		t.Fatal("no router carried by every mesh bundle and no other")
	}
	srv.RouterUnreachable(meshRouter, reseedtest.Now)
	if j := bundleIndex(pool.Bundles, get(ygg, "[201:1::1]:4000", "/i2pseeds.su3")); j < 0 || j >= 4 {
		t.Errorf("with every mesh bundle held back a mesh client got bundle %d, want an ordinary one (0-3)", j)
	}
	metrics := string(get(https, "192.0.2.1:1", "/metrics"))
	if want := fmt.Sprintf("i2pseed_pool_mesh_routerinfos %d\n", eligibleMesh); !strings.Contains(metrics, want) {
		t.Errorf("metrics lack %q", want)
	}
	status := string(get(https, "192.0.2.1:1", "/"))
	if want := fmt.Sprintf(`<td id="mesh">%d eligible routers reachable over Yggdrasil (of %d), in 4 bundles`, eligibleMesh, pool.Eligible); !strings.Contains(status, want) {
		t.Errorf("status page lacks %q:\n%s", want, status)
	}
}

func bundleIndex(bundles [][]byte, b []byte) int {
	for i, x := range bundles {
		if bytes.Equal(x, b) {
			return i
		}
	}
	return -1
}

// TestYggdrasilListenNotOnHost: a yggdrasil-listen address on no interface
// (the daemon is not running) is refused naming the setting.
func TestYggdrasilListenNotOnHost(t *testing.T) {
	ch := &YggdrasilChannel{Addr: "[201:abcd::99]:8080"}
	ln, err := ch.Listen(context.Background())
	if err == nil {
		ln.Close()
		t.Skip("201:abcd::99 is on this host")
	}
	var se *setting.Error
	if !errors.As(err, &se) || se.Setting != "yggdrasil-listen" {
		t.Fatalf("got %v, want a yggdrasil-listen setting error", err)
	}
	if got, want := err.Error(), "yggdrasil-listen [201:abcd::99]:8080: not on this host; is yggdrasil running?"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestBuildPoolMeshOnly: routers that publish only a mesh address are
// carried by every mesh bundle (there are fewer than a bundle holds) and
// by no ordinary one, which their clients could not use.
func TestBuildPoolMeshOnly(t *testing.T) {
	src, eligibleMesh := meshSource(t, 30, 12)
	cfg := poolConfig(t)
	cfg.Bundles, cfg.BundleSize, cfg.Mesh = 4, 60, true
	pool, err := BuildPool(context.Background(), src, cfg, reseedtest.Now)
	if err != nil {
		t.Fatal(err)
	}
	if pool.MeshRouters != eligibleMesh || pool.Mesh != 4 {
		t.Fatalf("MeshRouters %d, Mesh %d; want %d and 4", pool.MeshRouters, pool.Mesh, eligibleMesh)
	}
	pol := cfg.Policy
	pol.Now, pol.Mesh = func() time.Time { return reseedtest.Now }, true
	only := 0
	for _, e := range src.entries {
		if !e.Yggdrasil() || slices.ContainsFunc(e.Addrs, func(a netdb.Addr) bool { return !netdb.YggdrasilPrefix.Contains(a.Host) }) {
			continue
		}
		if pol.Check(e) != netdb.OK {
			continue // old, unreachable caps...
		}
		only++
		if got := pool.Carrying(e.Hash); !slices.Equal(got, []int{4, 5, 6, 7}) {
			t.Errorf("mesh-only router %s is in bundles %v, want the mesh bundles 4-7", e.Hash, got)
		}
	}
	if only == 0 {
		t.Error("no eligible mesh-only router: the test tests nothing")
	}
}
