package reseed

import (
	"context"
	"crypto/tls"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/certs"
	"github.com/i2pseed/i2pseed/internal/i2pdtest"
	"github.com/i2pseed/i2pseed/internal/reseedtest"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/reseed/wire"
)

// TestI2PDBootstrapsOverHTTPS: a fresh i2pd whose only reseed URL is our
// server fetches a bundle over HTTPS, verifies our signature and adds the
// RouterInfos. Server and i2pd meet on 198.18.0.1 inside a network
// namespace the test creates; nothing else is reachable from there.
func TestI2PDBootstrapsOverHTTPS(t *testing.T) {
	i2pd := i2pdtest.Require(t)
	ns := i2pdtest.NewNetNS(t)

	now := time.Now()
	dir := t.TempDir()
	ris, err := netdb.Synth(400, netdb.SynthConfig{Now: now, Seed: uint64(now.UnixNano()), MaxAge: 12 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	for _, ri := range ris {
		if _, err := netdb.Write(dir, ri); err != nil {
			t.Fatal(err)
		}
	}
	cfg := poolConfig(t)
	pool, err := BuildPool(context.Background(), reseedtest.Store(t, dir), cfg, now)
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(ServerConfig{UserAgents: []string{wire.UserAgent}, Secret: cfg.Secret})
	srv.SetPool(pool)

	tc, err := certs.GenerateTLS([]string{ns.Addr}, now, nil)
	if err != nil {
		t.Fatal(err)
	}
	cert := tc.Certificate()
	ln, err := ns.Listen(ns.Addr + ":8443")
	if err != nil {
		t.Fatal(err)
	}
	hs := HTTPServer(srv.Handler(), certs.ServerPolicy(&tls.Config{Certificates: []tls.Certificate{cert}}), DefaultTimeouts)
	go hs.ServeTLS(wrapListener(ln, ListenConfig{}), "", "")
	defer hs.Close()

	certDir := i2pdtest.CertsDir(t, "../su3/testdata/test-signer.crt")

	url := "https://" + ns.Addr + ":8443/" // i2pd appends i2pseeds.su3
	start := time.Now()
	res := i2pdtest.Run(t, i2pd, i2pdtest.Options{NetNS: ns, Args: []string{
		"--certsdir=" + certDir, "--reseed.urls=" + url, "--reseed.verify=true"}})
	added := regexp.MustCompile(`NetDb: RouterInfo added: `).FindAllString(res.Log, -1)
	if len(added) != cfg.bundleSize() {
		t.Fatalf("i2pd added %d RouterInfos, want %d; log:\n%s", len(added), cfg.bundleSize(), res.Log)
	}
	for _, bad := range []string{"verification failed", "Failed to reseed", "Mammoth"} {
		if strings.Contains(res.Log, bad) {
			t.Errorf("i2pd log contains %q:\n%s", bad, res.Log)
		}
	}
	t.Logf("i2pd bootstrapped from %s: %d RouterInfos added, %v", url, len(added), time.Since(start).Round(time.Millisecond))
}
