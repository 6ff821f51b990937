package reseed

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/internal/reseedtest"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/reseed/wire"
)

// plainChannel is a second channel as a Yggdrasil one would be: plain
// HTTP on its own address.
type plainChannel struct{ addr string }

func (c plainChannel) Name() string { return "plain" }
func (c plainChannel) Listen(context.Context) (net.Listener, error) {
	return net.Listen("tcp", c.addr)
}
func (c plainChannel) TLSConfig() *tls.Config { return nil }

// ServeInTest opens c inside the namespace that in enters (in nil: here)
// and runs the service until the test ends, then stops it and fails the
// test if Run returned an error. It is exported for package reseed_test.
func ServeInTest(t testing.TB, in func(func() error) error, c *ServeConfig, opt Options) *Service {
	t.Helper()
	if in == nil {
		in = func(f func() error) error { return f() }
	}
	var svc *Service
	err := in(func() (err error) { svc, err = Open(t.Context(), c, opt); return err })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return svc
}

// TestService runs a whole reseed service in-process: the same bundle over
// HTTPS and over a second channel, requests counted by channel, the
// channels on the status page, a reload, and a clean stop.
func TestService(t *testing.T) {
	netDb := synthNetDb(t, 300)
	s := validSettings(t)
	s.NetDb, s.BundleSize, s.MinEligible, s.Drain = netDb, 50, 50, 5*time.Second
	c, err := s.Check()
	if err != nil {
		t.Fatal(err)
	}
	svc, err := Open(t.Context(), c, Options{Channels: []Channel{plainChannel{"127.0.0.1:0"}}, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()

	httpsURL := "https://" + svc.Addr("https").String()
	plainURL := "http://" + svc.Addr("plain").String()
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	waitFor(t, "a pool", func() bool {
		resp, err := hc.Get(httpsURL + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	a, b := getBundle(t, hc, httpsURL), getBundle(t, hc, plainURL)
	if len(a) == 0 || string(a) != string(b) {
		t.Errorf("the same client got %d bytes over HTTPS and %d over the plain channel, want the same bundle", len(a), len(b))
	}
	page := string(body(t, hc, httpsURL+"/metrics"))
	for _, want := range []string{`i2pseed_requests_total{channel="https",code="200"} 1`, `i2pseed_requests_total{channel="plain",code="200"} 1`} {
		if !strings.Contains(page, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	status := string(body(t, hc, plainURL+"/"))
	if !strings.Contains(status, "https "+svc.Addr("https").String()) || !strings.Contains(status, "of up to 50 RouterInfos") {
		t.Errorf("status page does not list the channels and bundle size:\n%s", status)
	}
	if err := svc.Reload(&Limits{PerClient: 1, PerClientBurst: 1, Global: 10, GlobalBurst: 10}); err != nil {
		t.Errorf("reload: %v", err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after stop: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	if _, err := net.DialTimeout("tcp", svc.Addr("plain").String(), time.Second); err == nil {
		t.Error("plain channel still accepts after Run returned")
	}
}

// synthNetDb is a netDb folder of n fresh synthetic RouterInfos.
func synthNetDb(t *testing.T, n int) string {
	return reseedtest.SynthNetDb(t, n, netdb.SynthConfig{Now: time.Now(), MaxAge: 6 * time.Hour, Seed: 3})
}

// getBundle fetches the bundle from the server at url as a reseeding
// router would, and stops the test unless it gets one.
func getBundle(t *testing.T, hc *http.Client, url string) []byte {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url+wire.BundlePath, nil)
	req.Header.Set("User-Agent", wire.UserAgent)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %s %s", url, resp.Status, b)
	}
	return b
}

func body(t *testing.T, hc *http.Client, url string) []byte {
	t.Helper()
	resp, err := hc.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return b
}
