package testnet_test

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/i2pseed/i2pseed/certs"
	"github.com/i2pseed/i2pseed/internal/i2pdtest"
	"github.com/i2pseed/i2pseed/internal/reseedtest"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/reseed/wire"
	"github.com/i2pseed/i2pseed/testnet"
)

// TestTestnetYggdrasil: in a test network whose first two i2pd routers
// also publish a Yggdrasil address (Config.Yggdrasil: meshnets.yggaddress,
// the address on the namespace's lo), i2pd publishes it, our server's
// built-in router harvests it from the floodfills, and the bundle served
// on the yggdrasil channel carries both mesh routers, as the metrics, the
// status page and the build log say.
func TestTestnetYggdrasil(t *testing.T) {
	i2pd := i2pdtest.Require(t)
	if testing.Short() {
		t.Skip("starts 4 i2pd routers")
	}
	st := upNetwork(t, testnet.Config{Routers: 4, Floodfills: 2, Yggdrasil: 2, I2PD: i2pd, Self: buildSelf(t)})
	for i, r := range st.Routers {
		ri := reseedtest.ReadRouterInfo(t, filepath.Join(r.Dir, "data", "router.info"))
		host := ""
		for _, a := range ri.NTCP2Addresses() {
			if netdb.YggdrasilPrefix.Contains(a.Host) {
				host = a.Host.String()
			}
		}
		want := ""
		if i < 2 {
			want = testnet.YggdrasilRouterAddr(i)
		}
		if host != want {
			t.Errorf("i2pd router %d publishes Yggdrasil address %q, want %q", i, host, want)
		}
	}
	meshBundle(t, st)
	log, _ := os.ReadFile(st.Server.Log)
	for _, want := range []string{"yggdrasil=" + testnet.YggdrasilServer, "mesh_routers=2"} {
		if !bytes.Contains(log, []byte(want)) {
			t.Errorf("server log lacks %q:\n%s", want, log)
		}
	}
}

// meshBundle fetches the bundle on the server's yggdrasil channel and
// checks it carries both mesh routers, and that the metrics and status
// page count them.
func meshBundle(t *testing.T, st *testnet.State) {
	t.Helper()
	hc := st.HTTPClient()
	url := "http://" + testnet.YggdrasilServer + "/"
	req, _ := http.NewRequest(http.MethodGet, url+"i2pseeds.su3", nil)
	req.Header.Set("User-Agent", wire.UserAgent)
	b := fetch(t, hc, req)
	kr := certs.NewKeyring()
	if _, err := kr.LoadDir(filepath.Dir(st.Server.SignerCert)); err != nil {
		t.Fatal(err)
	}
	entries := reseedtest.VerifyBundle(t, b, kr)
	mesh := reseedtest.MeshRouters(t, entries)
	if mesh != 2 {
		t.Errorf("the yggdrasil channel's bundle carries %d mesh routers of %d, want 2", mesh, len(entries))
	}
	req, _ = http.NewRequest(http.MethodGet, url+"metrics", nil)
	if m := string(fetch(t, hc, req)); !strings.Contains(m, "i2pseed_pool_mesh_routerinfos 2\n") {
		t.Errorf("metrics do not count 2 mesh routers:\n%s", m)
	}
	req, _ = http.NewRequest(http.MethodGet, url, nil)
	if page := string(fetch(t, hc, req)); !strings.Contains(page, "2 eligible routers reachable over Yggdrasil") {
		t.Errorf("status page does not count 2 mesh routers:\n%s", page)
	}
}

func fetch(t *testing.T, hc *http.Client, req *http.Request) []byte {
	t.Helper()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %s %v", req.URL, resp.Status, err)
	}
	return b
}
