package reseed_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/certs"
	"github.com/i2pseed/i2pseed/internal/i2pdtest"
	"github.com/i2pseed/i2pseed/internal/reseedtest"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/reseed"
	"github.com/i2pseed/i2pseed/reseed/client"
	"github.com/i2pseed/i2pseed/reseed/judge"
	"github.com/i2pseed/i2pseed/testnet"
)

// A meshNet is two network namespaces joined by a veth pair, each with a
// yggdrasil daemon peered only with the other: A (198.18.0.1) runs our
// reseed server, B (198.18.1.2) the clients. Nothing is routed beyond A.
type meshNet struct {
	a, b       *testnet.NetNS
	yggA, yggB *testnet.Yggdrasil
}

// needYggdrasil returns the yggdrasil daemon, or skips the test (fails it
// in CI) when it or root is missing.
func needYggdrasil(t *testing.T) string {
	t.Helper()
	bin, err := testnet.FindYggdrasil(os.Getenv("YGGDRASIL"))
	if err == nil {
		err = testnet.CheckHost()
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but %v", err)
		}
		t.Skip(err)
	}
	return bin
}

func newMeshNet(t *testing.T, ygg string) *meshNet {
	t.Helper()
	a := i2pdtest.NewNetNS(t).NetNS
	b, err := a.NewHost("198.18.1.2")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	m := &meshNet{a: a, b: b}
	m.yggA, err = testnet.StartYggdrasil(ctx, ygg, testnet.YggdrasilConfig{NetNS: a, Dir: filepath.Join(t.TempDir(), "ygg-a"), Listen: "tcp://198.18.0.1:9001"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.yggA.Stop)
	m.yggB, err = testnet.StartYggdrasil(ctx, ygg, testnet.YggdrasilConfig{NetNS: b, Dir: filepath.Join(t.TempDir(), "ygg-b"), Peers: []string{"tcp://198.18.0.1:9001"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.yggB.Stop)
	return m
}

// client is an HTTP client whose connections start in B.
func (m *meshNet) client(roots *certs.Keyring) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		DialContext: func(_ context.Context, _, addr string) (net.Conn, error) { return m.b.Dial(addr) },
		// The HTTPS channel's certificate is self-signed: the timing
		// compares transports; the bundle's su3 signature is checked.
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
}

// TestI2PDReseedsOverYggdrasil: two real yggdrasil daemons peered with each
// other in two namespaces; our reseed server in A serves plain HTTP on A's
// Yggdrasil address; in B an i2pd that has only the mesh (ipv4=false
// ipv6=false meshnets.yggdrasil=true) reseeds from it (reseed.yggurls)
// and stores the mesh bundle: every mesh router of the netDb, topped up
// with others. Then our bootstrap client and check fetch the same URL
// from B, and the time to a verified bundle over the mesh is compared
// with HTTPS between the same namespaces.
func TestI2PDReseedsOverYggdrasil(t *testing.T) {
	ygg := needYggdrasil(t)
	i2pd := i2pdtest.Require(t)
	start := time.Now()
	m := newMeshNet(t, ygg)

	const bundleSize = 50
	s := reseed.Settings{Listen: "198.18.0.1:8443", DataDir: t.TempDir(), Signer: "you@mail.i2p", Rebuild: time.Hour,
		BundleSize: bundleSize, MinEligible: 50, NetID: 2, MinVersion: "0.9.59", UserAgents: []string{"any"}, MaxConns: 10,
		Drain: 2 * time.Second, TLS: reseed.TLSSettings{Mode: "selfsigned", Hosts: []string{"198.18.0.1"}},
		NetDb:           reseedtest.SynthNetDb(t, 300, netdb.SynthConfig{Now: time.Now(), MaxAge: 6 * time.Hour, Seed: 3, Yggdrasil: 20}),
		YggdrasilListen: []string{netip.AddrPortFrom(m.yggA.Addr, 8080).String()}}
	c, err := s.Check()
	if err != nil {
		t.Fatal(err)
	}
	svc := reseed.ServeInTest(t, m.a.Do, c, reseed.Options{})
	url := "http://" + s.YggdrasilListen[0] + "/"
	kr := certs.NewKeyring()
	if _, err := kr.LoadDir(svc.SignerDir()); err != nil {
		t.Fatal(err)
	}
	hc := m.client(kr)
	cfg := client.Config{URLs: []string{url}, Keyring: kr, HTTP: hc, MaxAge: 24 * time.Hour, MinRouters: bundleSize, MinServers: 1}
	waitMesh(t, m, cfg, url)
	t.Logf("mesh up, server serving over it after %v", time.Since(start).Round(time.Millisecond))

	poolMesh := gauge(t, get(t, hc, url+"metrics"), "i2pseed_pool_mesh_routerinfos")
	if poolMesh == 0 {
		t.Fatal("no eligible mesh router in the pool: the test tests nothing")
	}
	meshInBundle := i2pdReseedsOverMesh(t, m, i2pd, svc, s.NetDb, url, poolMesh)
	bootstrapAndCheck(t, cfg, url, meshInBundle)
	https := "https://198.18.0.1:8443/"
	timeFetches(t, cfg, url, https)
	metrics := get(t, hc, url+"metrics")
	if !regexp.MustCompile(`i2pseed_requests_total\{channel="yggdrasil",code="200"\} [1-9]`).MatchString(metrics) {
		t.Errorf("no request counted as the yggdrasil channel's:\n%s", metrics)
	}
	t.Logf("whole test: %v", time.Since(start).Round(time.Millisecond))
}

// waitMesh waits until B reaches the server over the mesh and it serves a
// pool.
func waitMesh(t *testing.T, m *meshNet, cfg client.Config, url string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := testnet.WaitRoute(ctx, m.b, netip.AddrPortFrom(m.yggA.Addr, 8080)); err != nil {
		t.Fatalf("%v\nA's yggdrasil:\n%s\nB's yggdrasil:\n%s", err, m.yggA.Log(), m.yggB.Log())
	}
	for {
		res := client.Fetch(ctx, cfg, url)
		if res.Err == nil {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("no bundle over the mesh: %v", res.Err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// i2pdReseedsOverMesh runs a mesh-only i2pd in B until it has reseeded
// from url, checks what it logged and stored (all poolMesh mesh routers,
// up to a bundle), and returns how many mesh routers its bundle held.
func i2pdReseedsOverMesh(t *testing.T, m *meshNet, i2pd string, svc *reseed.Service, netDbDir, url string, poolMesh int) int {
	t.Helper()
	crt := filepath.Join(svc.SignerDir(), certs.CertFileName("you@mail.i2p"))
	start := time.Now()
	res := i2pdtest.Run(t, i2pd, i2pdtest.Options{NetNS: &i2pdtest.NetNS{NetNS: m.b}, Conf: []string{"ipv4 = false", "ipv6 = false"}, Args: []string{
		"--ssu2.enabled=false", "--meshnets.yggdrasil",
		"--certsdir=" + i2pdtest.CertsDir(t, crt), "--reseed.yggurls=" + url, "--reseed.verify=true"}})
	took := time.Since(start)
	for _, want := range []string{"Reseed: Yggdrasil is supported", "Reseed: Downloading SU3 from " + url + "i2pseeds.su3"} {
		if !strings.Contains(res.Log, want) {
			t.Errorf("i2pd did not log %q", want)
		}
	}
	added := regexp.MustCompile(`NetDb: RouterInfo added: (\S+)`).FindAllStringSubmatch(res.Log, -1)
	onMesh := meshRouters(t, netDbDir)
	mesh := 0
	for _, m := range added {
		if onMesh[m[1]] {
			mesh++
		}
	}
	for _, bad := range []string{"verification failed", "Failed to reseed", "Reseed: Yggdrasil: Failed", "Reseed: Yggdrasil: Couldn't"} {
		if strings.Contains(res.Log, bad) {
			t.Errorf("i2pd logged %q", bad)
		}
	}
	if len(added) != 50 || mesh != min(poolMesh, 50) {
		t.Fatalf("i2pd added %d RouterInfos, %d on the mesh; want 50 and %d (the pool's mesh routers); log:\n%s",
			len(added), mesh, min(poolMesh, 50), res.Log)
	}
	own := ownAddresses(t, filepath.Join(res.DataDir, "router.info"))
	for _, a := range own {
		if !netdb.YggdrasilPrefix.Contains(a) {
			t.Errorf("the mesh-only i2pd publishes %s, not on the mesh", a)
		}
	}
	for _, l := range strings.Split(res.Log, "\n") {
		if strings.Contains(l, "Reseed:") || strings.Contains(l, " v2.") {
			t.Logf("i2pd: %s", l)
		}
	}
	t.Logf("i2pd (mesh only, publishing %v) reseeded over Yggdrasil in %v: %d RouterInfos, %d of them on the mesh",
		own, took.Round(time.Millisecond), len(added), mesh)
	return mesh
}

// meshRouters reads a netDb directory: whether each router (by its hash
// in I2P base64, as i2pd logs it) is on the mesh.
func meshRouters(t *testing.T, dir string) map[string]bool {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "r*", "routerInfo-*.dat"))
	m := map[string]bool{}
	for _, f := range files {
		ri := reseedtest.ReadRouterInfo(t, f)
		m[ri.Hash().String()] = ri.Yggdrasil()
	}
	return m
}

// ownAddresses are the hosts a router's router.info publishes.
func ownAddresses(t *testing.T, path string) []netip.Addr {
	t.Helper()
	ri := reseedtest.ReadRouterInfo(t, path)
	var out []netip.Addr
	for _, a := range ri.Addresses {
		if h, ok := a.Options.Get("host"); ok {
			addr, err := netip.ParseAddr(h)
			if err != nil {
				t.Fatalf("router.info host %q: %v", h, err)
			}
			out = append(out, addr)
		}
	}
	if len(out) == 0 {
		t.Fatal("i2pd publishes no address")
	}
	return out
}

// bootstrapAndCheck: our bootstrap client and check take the server's
// http://[ygg]:port/ URL from B, and the bundle holds the mesh routers.
func bootstrapAndCheck(t *testing.T, cfg client.Config, url string, mesh int) {
	t.Helper()
	res, err := client.Bootstrap(t.Context(), cfg, nil)
	if err != nil {
		t.Fatalf("bootstrap over the mesh: %v", err)
	}
	n := 0
	for _, ri := range res.Routers {
		if ri.Yggdrasil() {
			n++
		}
	}
	if len(res.Routers) != 50 || n != mesh {
		t.Errorf("bootstrap got %d RouterInfos, %d on the mesh; want 50 and %d (as i2pd)", len(res.Routers), n, mesh)
	}
	rep := judge.Server(t.Context(), judge.Config{Client: cfg}, url)
	if rep.Count(judge.Fail) > 0 || rep.Err != nil || rep.RouterInfos != 50 {
		var b strings.Builder
		rep.WriteText(&b)
		t.Errorf("check over the mesh: %v\n%s", rep.Err, b.String())
	}
}

// timeFetches measures the time to a verified bundle from B over the mesh
// and over HTTPS to A's 198.18.0.1, each on a new connection as a router
// makes it, 15 times each, and logs the fastest, median and slowest.
func timeFetches(t *testing.T, cfg client.Config, mesh, https string) {
	t.Helper()
	cfg.HTTP.Transport.(*http.Transport).DisableKeepAlives = true
	spread := func(url string) string {
		var ds []time.Duration
		for range 15 {
			start := time.Now()
			if res := client.Fetch(t.Context(), cfg, url); res.Err != nil {
				t.Fatalf("%s: %v", url, res.Err)
			}
			ds = append(ds, time.Since(start))
		}
		slices.Sort(ds)
		r := func(d time.Duration) time.Duration { return d.Round(time.Millisecond / 10) }
		return fmt.Sprintf("%v / %v / %v", r(ds[0]), r(ds[len(ds)/2]), r(ds[len(ds)-1]))
	}
	t.Logf("time to a verified bundle, fastest / median / slowest of 15: Yggdrasil %s, HTTPS %s", spread(mesh), spread(https))
}

// gauge reads an unlabelled metric from a /metrics page, -1 if missing.
func gauge(t *testing.T, metrics, name string) int {
	t.Helper()
	var v int
	for _, l := range strings.Split(metrics, "\n") {
		if _, err := fmt.Sscanf(l, name+" %d", &v); err == nil {
			return v
		}
	}
	t.Fatalf("no %s in the metrics", name)
	return -1
}

func get(t *testing.T, hc *http.Client, url string) string {
	t.Helper()
	resp, err := hc.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = errors.New(resp.Status)
	}
	if err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	return string(b)
}
