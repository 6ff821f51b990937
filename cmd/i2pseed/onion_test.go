package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/internal/i2pdtest"
	"github.com/i2pseed/i2pseed/internal/torctl"
	"github.com/i2pseed/i2pseed/reseed"
	"github.com/i2pseed/i2pseed/testnet"
	"golang.org/x/time/rate"
)

// TestOnionReseed: serve publishes itself as an onion service on a
// private Tor network (3 authorities, 4 relays, a client, a service tor,
// all in a namespace the test makes, none reaching the Tor network);
// `bootstrap --proxy socks5://...` and `check` fetch and judge the onion
// through the client's SocksPort, and an i2pd with reseed.proxy reseeds
// from it. Needs root, tor and i2pd; in CI it must run.
func TestOnionReseed(t *testing.T) {
	if err := testnet.CheckHost(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but %v", err)
		}
		t.Skip(err)
	}
	ns, err := testnet.CreateNetNS(fmt.Sprintf("i2pseed-onion-%d", os.Getpid()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Delete() })
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	tn, took, err := testnet.StartTorNetworkTimed(ctx, ns, testnet.TorConfig{Dir: t.TempDir()})
	if errors.Is(err, testnet.ErrNoTor) && os.Getenv("CI") == "" {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tn.Stop) // after serve stops: serve ends with an error when tor goes first
	t.Logf("private Tor network: client and service tor bootstrapped in %v", took.Round(time.Millisecond))

	srv := startOnionServe(t, ctx, ns, tn.Control)
	socks := (&i2pdtest.NetNS{NetNS: ns}).Forward(t, tn.Socks)
	onion := "http://" + strings.TrimSuffix(srv.svc.Addr("onion").String(), ":80") + "/"
	t.Logf("onion service %s", onion)

	// The descriptor takes a while to reach the HSDirs: retry until a
	// bundle verifies.
	nd := t.TempDir()
	boot := []string{"bootstrap", "--proxy", "socks5://" + socks, "--urls", onion, "--certs", srv.svc.SignerDir(),
		"--netdb", nd, "--min-servers", "1", "--min-routers", "50", "--min-floodfills", "0", "--server-timeout", "30s"}
	var out string
	for code := 1; code != 0; {
		if ctx.Err() != nil {
			t.Fatalf("no verified bundle over the onion: %s", out)
		}
		out, code = runCLI(boot...)
		if code != 0 {
			time.Sleep(time.Second)
		}
	}
	t.Logf("first verified bundle over the onion %v after the service was added", time.Since(srv.added).Round(time.Millisecond))
	if !strings.Contains(out, "wrote 75 RouterInfos to "+nd) {
		t.Errorf("bootstrap over the onion:\n%s", out)
	}
	timeBundles(t, srv, socks, onion)

	out, code := runCLI("check", "--proxy", "socks5://"+socks, "--certs", srv.svc.SignerDir(), "--min-routers", "50", onion)
	if code != 0 || !strings.Contains(out, " 0 FAIL, 0 WARN") {
		t.Errorf("check over the onion: exit %d:\n%s", code, out)
	}
	i2pdOverOnion(t, ns, srv, tn.Socks, onion)
	javaOverOnion(t, ctx, ns, srv, tn.Socks, onion)

	metrics, status := serverPages(srv)
	if !regexp.MustCompile(`i2pseed_requests_total\{channel="onion",code="200"\} [1-9]`).MatchString(metrics) {
		t.Errorf("onion requests not counted:\n%s", metrics)
	}
	if want := "onion " + srv.svc.Addr("onion").String(); !strings.Contains(status, want) {
		t.Errorf("status page without %q", want)
	}
}

// onionServe is a running serve with an onion channel.
type onionServe struct {
	svc   *reseed.Service
	added time.Time // when ADD_ONION was answered
	https string    // the HTTPS channel forwarded to this namespace's loopback
	ca    string    // its certificate
}

// startOnionServe opens a Service in ns with --tor-control control and
// runs it until the test ends.
func startOnionServe(t *testing.T, ctx context.Context, ns *testnet.NetNS, control string) *onionServe {
	t.Helper()
	nd, dataDir := t.TempDir(), t.TempDir()
	synthNetDb(t, 300, false, nd)
	onionHost := writeOnionKey(t, filepath.Join(dataDir, reseed.OnionKeyFile))
	s := reseed.Settings{Listen: "127.0.0.1:0", NetDb: nd, DataDir: dataDir, Signer: "onion@mail.i2p", Rebuild: time.Hour,
		BundleSize: 75, MinEligible: 50, NetID: 2, MinVersion: "0.9.59", UserAgents: []string{"any"}, MaxConns: 100,
		Limits:     reseed.Limits{PerClient: rate.Limit(10), PerClientBurst: 50, Global: 100, GlobalBurst: 100},
		TLS:        reseed.TLSSettings{Mode: "selfsigned", Hosts: []string{"127.0.0.1", onionHost}},
		TorControl: control}
	c, err := s.Check()
	if err != nil {
		t.Fatal(err)
	}
	var svc *reseed.Service
	logs := &testnet.LockedBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	if err := ns.Do(func() error { svc, err = reseed.Open(ctx, c, reseed.Options{Logger: log}); return err }); err != nil {
		t.Fatal(err)
	}
	srv := &onionServe{svc: svc, added: time.Now(), ca: filepath.Join(s.DataDir, "tls", "tls.crt")}
	rctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan error, 1)
	go func() { done <- svc.Run(rctx) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	srv.https = (&i2pdtest.NetNS{NetNS: ns}).Forward(t, svc.Addr("https").String())
	for !strings.Contains(logs.String(), "serving") {
		time.Sleep(10 * time.Millisecond)
	}
	if want := "onion=" + svc.Addr("onion").String(); !strings.Contains(logs.String(), want) {
		t.Errorf("startup log without %s:\n%s", want, logs.String())
	}
	return srv
}

// runCLI runs i2pseed in-process and returns its output and exit code.
func runCLI(args ...string) (string, int) {
	var out bytes.Buffer
	code := run(args, &out, &out)
	return out.String(), code
}

// timeBundles measures the time bootstrap takes to a verified bundle,
// over the onion and over HTTPS on this machine, each 5 times.
func timeBundles(t *testing.T, srv *onionServe, socks, onion string) {
	t.Helper()
	for _, ch := range []struct {
		name string
		args []string
	}{
		{"onion", []string{"--proxy", "socks5://" + socks, "--urls", onion}},
		{"https", []string{"--ca", srv.ca, "--urls", "https://" + srv.https + "/"}},
	} {
		var times []time.Duration
		for range 5 {
			args := append([]string{"bootstrap", "--certs", srv.svc.SignerDir(), "--netdb", t.TempDir(),
				"--min-servers", "1", "--min-routers", "50", "--min-floodfills", "0"}, ch.args...)
			start := time.Now()
			if out, code := runCLI(args...); code != 0 {
				t.Fatalf("bootstrap over %s: exit %d:\n%s", ch.name, code, out)
			}
			times = append(times, time.Since(start).Round(time.Millisecond))
		}
		t.Logf("time to a verified bundle over %s: %v", ch.name, times)
	}
}

// i2pdOverOnion reseeds each i2pd at hand (Debian's, and $I2PD_258 or
// the shared 2.58 build) from the onion through the client's SocksPort.
func i2pdOverOnion(t *testing.T, ns *testnet.NetNS, srv *onionServe, socks, onion string) {
	t.Helper()
	bins := []string{i2pdtest.Require(t)}
	if p := "/work/shared/i2pd-2.58/i2pd"; fileExists(p) {
		bins = append(bins, p)
	}
	crts, _ := filepath.Glob(filepath.Join(srv.svc.SignerDir(), "*.crt"))
	if len(crts) != 1 {
		t.Fatalf("signer certificates %v, want one", crts)
	}
	certDir := i2pdtest.CertsDir(t, crts[0])
	for _, bin := range bins {
		// i2pd speaks TLS to every reseed.urls URL, to port 443 unless one
		// is given: http://<onion>/ works as well as https://.
		for _, url := range []string{strings.Replace(onion, "http://", "https://", 1), onion} {
			i2pdReseed(t, ns, bin, certDir, url, socks)
		}
	}
}

// i2pdReseed runs i2pd until it has reseeded from url through socks.
func i2pdReseed(t *testing.T, ns *testnet.NetNS, bin, certDir, url, socks string) {
	t.Helper()
	start := time.Now()
	res := i2pdtest.Run(t, bin, i2pdtest.Options{NetNS: &i2pdtest.NetNS{NetNS: ns}, Args: []string{
		"--certsdir=" + certDir, "--reseed.urls=" + url, "--reseed.verify=true",
		"--reseed.proxy=socks://" + socks}})
	added := len(regexp.MustCompile(`NetDb: RouterInfo added: `).FindAllString(res.Log, -1))
	if added != 75 {
		t.Errorf("%s added %d RouterInfos from %s, want 75; log:\n%s", bin, added, url, res.Log)
		return
	}
	t.Logf("%s reseeded from %s: %d RouterInfos added in %v; %s", bin, url, added, time.Since(start).Round(time.Millisecond),
		strings.Join(regexp.MustCompile(`(?m)^.*Reseed: .*$`).FindAllString(res.Log, -1), "\n"))
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// serverPages returns the metrics and the status page.
func serverPages(srv *onionServe) (metrics, status string) {
	get := func(h http.Handler, path string) string {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec.Body.String()
	}
	return get(srv.svc.Server().MetricsHandler(), "/metrics"), get(srv.svc.Server().Handler(), "/")
}

// writeOnionKey writes a new onion key to path, as serve would make it,
// and returns its .onion host name (for the TLS certificate Java checks).
func writeOnionKey(t *testing.T, path string) string {
	t.Helper()
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return torctl.ServiceID(pub) + ".onion"
}

// javaOverOnion: Java I2P's reseeder fetches https://<onion>/ through a
// SOCKS5 proxy (router.reseedSSLProxyType) when the TLS certificate names
// the .onion; a plain http://<onion>/ URL it fetches only directly or
// through an HTTP proxy, so it gets nothing.
func javaOverOnion(t *testing.T, ctx context.Context, ns *testnet.NetNS, srv *onionServe, socks, onion string) {
	t.Helper()
	jars := i2pdtest.RequireJava(t)
	crts, _ := filepath.Glob(filepath.Join(srv.svc.SignerDir(), "*.crt"))
	host, port, _ := net.SplitHostPort(socks)
	proxy := map[string]string{"router.reseedSSLProxyEnable": "true", "router.reseedSSLProxyType": "SOCKS5",
		"router.reseedSSLProxyHost": host, "router.reseedSSLProxyPort": port}
	for i, tt := range []struct {
		url, sslRequired string
		want             int
	}{
		{strings.Replace(onion, "http://", "https://", 1), "true", 75},
		{onion, "false", 0},
	} {
		cfg := maps.Clone(proxy)
		cfg["router.reseedSSLRequired"] = tt.sslRequired
		res, err := testnet.ReseedJava(ctx, ns, testnet.JavaReseed{Jars: jars, Dir: t.TempDir(), Addr: fmt.Sprintf("198.18.1.%d", 200+i),
			Server: &testnet.ServerState{URL: tt.url, SignerCert: crts[0], TLSCert: srv.ca}, Config: cfg})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("Java from %s through SOCKS5: %d RouterInfos in %v, failures %q", tt.url, res.Added, res.Took.Round(time.Millisecond), res.Failures)
		if res.Added != tt.want {
			t.Errorf("Java added %d RouterInfos from %s, want %d; log:\n%s", res.Added, tt.url, tt.want, res.Log)
		}
	}
}
