package reseed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/reseed/wire"
	"github.com/i2pseed/i2pseed/su3"
	"github.com/i2pseed/i2pseed/testnet"
)

// TestYggdrasilChannel: serve answers plain HTTP on a Yggdrasil address
// (here on the lo of a network namespace the test makes) with the same
// bundles as over HTTPS, counted as the yggdrasil channel. Needs root and
// ip; in CI it must run.
func TestYggdrasilChannel(t *testing.T) {
	if err := testnet.CheckHost(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but %v", err)
		}
		t.Skip(err)
	}
	ns, err := testnet.CreateNetNS(fmt.Sprintf("i2pseed-ygg-%d", os.Getpid()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Delete() })
	const ygg = "201:abcd::1"
	if out, err := exec.Command("ip", "-n", ns.Name, "addr", "add", ygg+"/7", "dev", "lo").CombinedOutput(); err != nil {
		t.Fatalf("ip addr add: %v: %s", err, out)
	}
	s := validSettings(t)
	s.NetDb, s.BundleSize, s.MinEligible, s.Drain = synthNetDb(t, 300), 50, 50, 5*time.Second
	s.YggdrasilListen = []string{"[" + ygg + "]:8080"}
	c, err := s.Check()
	if err != nil {
		t.Fatal(err)
	}
	ServeInTest(t, ns.Do, c, Options{})
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DialContext: func(_ context.Context, _, addr string) (net.Conn, error) { return ns.Dial(addr) }}}
	url := "http://[" + ygg + "]:8080"
	var bundle []byte
	waitFor(t, "a bundle over the mesh address", func() bool {
		bundle, err = getOver(hc, url+wire.BundlePath)
		return err == nil
	})
	if _, err := su3.NewReader(strings.NewReader(string(bundle)), int64(len(bundle))); err != nil {
		t.Errorf("not an su3: %v", err)
	}
	metrics, _ := getOver(hc, url+"/metrics")
	if !strings.Contains(string(metrics), `i2pseed_requests_total{channel="yggdrasil",code="200"} 1`) {
		t.Errorf("the request is not counted as the yggdrasil channel's:\n%s", metrics)
	}
}

// getOver GETs u as a router would, wanting a 200.
func getOver(hc *http.Client, u string) ([]byte, error) {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("User-Agent", wire.UserAgent)
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = errors.New(resp.Status)
	}
	return b, err
}
