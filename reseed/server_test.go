package reseed

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/certs"
	"github.com/i2pseed/i2pseed/internal/reseedtest"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/reseed/wire"
	"github.com/i2pseed/i2pseed/su3"
	"golang.org/x/time/rate"
)

func poolConfig(t testing.TB) PoolConfig {
	signer, _ := reseedtest.Signer(t)
	return PoolConfig{Policy: netdb.DefaultPolicy(), Quota: netdb.DefaultBundleQuota, Signer: signer, Secret: []byte("test secret")}
}

func TestBuildPoolDeterministic(t *testing.T) {
	dir := reseedtest.SynthDir(t, 600)
	cfg := poolConfig(t)
	a, err := BuildPool(context.Background(), reseedtest.Store(t, dir), cfg, reseedtest.Now)
	if err != nil {
		t.Fatal(err)
	}
	b, err := BuildPool(context.Background(), reseedtest.Store(t, dir), cfg, reseedtest.Now.Add(400*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Bundles) < 2 || len(a.Bundles) != len(b.Bundles) {
		t.Fatalf("bundles: %d and %d, want the same, >= 2", len(a.Bundles), len(b.Bundles))
	}
	for i := range a.Bundles {
		if !bytes.Equal(a.Bundles[i], b.Bundles[i]) {
			t.Fatalf("bundle %d differs between two builds of the same input and second", i)
		}
	}
	_, kr := reseedtest.Signer(t)
	p := cfg.Policy
	p.Now = func() time.Time { return reseedtest.Now }
	for i, bundle := range a.Bundles {
		checkPoolBundle(t, kr, &p, i, bundle)
	}
	// A different secret composes different bundles.
	cfg.Secret = []byte("another secret")
	c, _ := BuildPool(context.Background(), reseedtest.Store(t, dir), cfg, reseedtest.Now)
	if bytes.Equal(c.Bundles[0], a.Bundles[0]) {
		t.Error("a different secret gave the same first bundle")
	}
}

// checkPoolBundle: bundle i of a pool built at reseedtest.Now is signed
// for kr, versioned the build time, and holds 75 RouterInfos that p finds
// eligible, at least 5 of them floodfills.
func checkPoolBundle(t *testing.T, kr *certs.Keyring, p *netdb.Policy, i int, bundle []byte) {
	t.Helper()
	r, err := su3.NewReader(bytes.NewReader(bundle), int64(len(bundle)))
	if err != nil {
		t.Fatal(err)
	}
	if r.Version != fmt.Sprint(reseedtest.Now.Unix()) {
		t.Errorf("version %q, want the build time", r.Version)
	}
	c, err := r.Verify(kr)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := su3.ReadBundle(c, c.Size(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 75 {
		t.Errorf("bundle %d has %d RouterInfos, want 75", i, len(entries))
	}
	ff := 0
	for _, e := range entries {
		ri, err := netdb.ParseRouterInfo(e.Data)
		if err != nil {
			t.Fatal(err)
		}
		en := netdb.Summarize(ri)
		if reason := p.Check(en); reason != netdb.OK {
			t.Errorf("bundle %d carries an ineligible RouterInfo: %v", i, reason)
		}
		if en.Floodfill() {
			ff++
		}
	}
	if ff < 5 {
		t.Errorf("bundle %d has %d floodfills, want >= 5", i, ff)
	}
}

func TestBuildPoolNotEnough(t *testing.T) {
	dir := reseedtest.SynthDir(t, 30)
	_, err := BuildPool(context.Background(), reseedtest.Store(t, dir), poolConfig(t), reseedtest.Now)
	if !errors.Is(err, ErrNotEnoughRouters) {
		t.Fatalf("got %v, want ErrNotEnoughRouters", err)
	}
}

// testServer runs a Server over real TLS with the proxy 127.0.0.1 trusted,
// so tests can pose as many clients with X-Forwarded-For.
func testServer(t *testing.T, lim Limits, withPool bool) (*Server, *httptest.Server, *Pool) {
	t.Helper()
	srv := NewServer(ServerConfig{
		UserAgents:     []string{wire.UserAgent},
		Secret:         []byte("test secret"),
		Limits:         lim,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
		SignerID:       "test@mail.i2p",
		Now:            func() time.Time { return reseedtest.Now },
	})
	var pool *Pool
	if withPool {
		var err error
		pool, err = BuildPool(context.Background(), reseedtest.Store(t, reseedtest.SynthDir(t, 600)), poolConfig(t), reseedtest.Now)
		if err != nil {
			t.Fatal(err)
		}
		srv.SetPool(pool)
	}
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.EnableHTTP2 = true
	ts.StartTLS()
	t.Cleanup(ts.Close)
	return srv, ts, pool
}

type req struct {
	path    string
	method  string
	agent   string
	client  string // X-Forwarded-For
	headers map[string]string
}

func do(t *testing.T, ts *httptest.Server, r req) (*http.Response, []byte) {
	t.Helper()
	if r.method == "" {
		r.method = http.MethodGet
	}
	if r.agent == "" {
		r.agent = wire.UserAgent
	}
	hr, err := http.NewRequest(r.method, ts.URL+r.path, nil)
	if err != nil {
		t.Fatal(err)
	}
	hr.Header.Set("User-Agent", r.agent)
	if r.client != "" {
		hr.Header.Set("X-Forwarded-For", r.client)
	}
	for k, v := range r.headers {
		hr.Header.Set(k, v)
	}
	c := ts.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

func TestRequestShapes(t *testing.T) {
	_, ts, pool := testServer(t, Limits{}, true)
	t.Run("java", func(t *testing.T) { checkJavaShape(t, ts, pool) })
	t.Run("go-i2p", func(t *testing.T) {
		resp, body := do(t, ts, req{path: "/i2pseeds.su3", client: "8.8.8.9"})
		if resp.StatusCode != 200 || !inPool(pool, body) {
			t.Fatalf("status %d; want 200 and a bundle", resp.StatusCode)
		}
	})
	t.Run("i2pd absolute URL, HTTP/1.0, no Host", func(t *testing.T) { checkI2PDShape(t, ts, pool) })
	t.Run("HEAD", func(t *testing.T) {
		resp, body := do(t, ts, req{path: "/i2pseeds.su3", method: http.MethodHead, client: "8.8.8.11"})
		if resp.StatusCode != 200 || len(body) != 0 || resp.ContentLength < 1000 {
			t.Fatalf("HEAD: status %d, body %d, length %d", resp.StatusCode, len(body), resp.ContentLength)
		}
	})
	for _, tt := range []refusedShape{
		{"other netid", req{path: "/i2pseeds.su3?netid=3", client: "8.8.1.1"}, 403},
		{"netid 02 is 2", req{path: "/i2pseeds.su3?netid=02", client: "8.8.1.10"}, 200},
		{"netid 258 is not 2", req{path: "/i2pseeds.su3?netid=258", client: "8.8.1.11"}, 403},
		{"browser user agent", req{path: "/i2pseeds.su3", agent: "Mozilla/5.0", client: "8.8.1.2"}, 403},
		{"POST", req{path: "/i2pseeds.su3", method: http.MethodPost, client: "8.8.1.3"}, 405},
		{"dot-dot", req{path: "/../i2pseeds.su3", client: "8.8.1.4"}, 404},
		{"encoded dot-dot", req{path: "/%2e%2e/i2pseeds.su3", client: "8.8.1.5"}, 404},
		{"encoded slash", req{path: "/%2fi2pseeds.su3", client: "8.8.1.6"}, 404},
		{"double slash", req{path: "//i2pseeds.su3", client: "8.8.1.7"}, 404},
		{"etc passwd", req{path: "/../../etc/passwd", client: "8.8.1.8"}, 404},
		{"directory", req{path: "/netDb/", client: "8.8.1.9"}, 404},
	} {
		t.Run(tt.name, func(t *testing.T) { checkRefusedShape(t, ts, tt) })
	}
}

// inPool reports whether b is one of p's bundles.
func inPool(p *Pool, b []byte) bool {
	for _, bundle := range p.Bundles {
		if bytes.Equal(bundle, b) {
			return true
		}
	}
	return false
}

// checkJavaShape: Java's request, with netid, If-Modified-Since and gzip
// accepted, gets a pool bundle, not gzipped, with an accurate Date.
func checkJavaShape(t *testing.T, ts *httptest.Server, pool *Pool) {
	resp, body := do(t, ts, req{path: "/i2pseeds.su3?netid=2", client: "8.8.8.8", headers: map[string]string{
		"If-Modified-Since": reseedtest.Now.Add(-30 * 24 * time.Hour).Format(http.TimeFormat),
		"Accept-Encoding":   "gzip", "Connection": "close"}})
	if resp.StatusCode != 200 || !inPool(pool, body) {
		t.Fatalf("status %d, %d bytes; want 200 and a pool bundle", resp.StatusCode, len(body))
	}
	if resp.Header.Get("Content-Encoding") != "" || resp.Uncompressed {
		t.Error("su3 was gzipped")
	}
	if d, err := http.ParseTime(resp.Header.Get("Date")); err != nil || time.Since(d) > time.Minute {
		t.Errorf("Date header %q is not accurate", resp.Header.Get("Date"))
	}
}

// checkI2PDShape: i2pd's request, an absolute URL over HTTP/1.0 without a
// Host header, gets a pool bundle.
func checkI2PDShape(t *testing.T, ts *httptest.Server, pool *Pool) {
	conn, err := tls.Dial("tcp", ts.Listener.Addr().String(), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET https://%s/i2pseeds.su3 HTTP/1.0\r\nUser-Agent: Wget/1.11.4\r\nX-Forwarded-For: 8.8.8.10\r\n\r\n", ts.Listener.Addr())
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !inPool(pool, body) {
		t.Fatalf("status %d, %d bytes; want 200 and a bundle", resp.StatusCode, len(body))
	}
}

// A refusedShape is a request of the wrong shape, or one almost so, and
// the status it must get.
type refusedShape struct {
	name string
	r    req
	want int
}

// checkRefusedShape: tt's request gets its status, and a refused one no
// bundle and no file.
func checkRefusedShape(t *testing.T, ts *httptest.Server, tt refusedShape) {
	resp, body := do(t, ts, tt.r)
	if resp.StatusCode != tt.want {
		t.Errorf("status %d, want %d", resp.StatusCode, tt.want)
	}
	if bytes.Contains(body, []byte("root:")) || bytes.HasPrefix(body, []byte("I2Psu3")) && tt.want != 200 {
		t.Error("served content on a refused request")
	}
}

func TestSameClientSameBundle(t *testing.T) {
	_, ts, pool := testServer(t, Limits{}, true)
	index := func(b []byte) int {
		for i, p := range pool.Bundles {
			if bytes.Equal(p, b) {
				return i
			}
		}
		return -1
	}
	_, first := do(t, ts, req{path: "/i2pseeds.su3", client: "203.0.114.7"})
	for range 3 {
		if _, again := do(t, ts, req{path: "/i2pseeds.su3", client: "203.0.114.7"}); !bytes.Equal(first, again) {
			t.Fatal("the same client got a different bundle")
		}
	}
	// Same IPv6 /64, same bundle.
	_, a := do(t, ts, req{path: "/i2pseeds.su3", client: "2a01:4f8:1:2::1"})
	_, b := do(t, ts, req{path: "/i2pseeds.su3", client: "2a01:4f8:1:2:ffff::9"})
	if !bytes.Equal(a, b) {
		t.Error("two addresses in one IPv6 /64 got different bundles")
	}
	// Different /24s spread over the bundles.
	seen := map[int]int{}
	for i := range 60 {
		_, body := do(t, ts, req{path: "/i2pseeds.su3", client: fmt.Sprintf("100.%d.%d.1", 100+i, i)})
		seen[index(body)]++
	}
	if len(seen) < min(len(pool.Bundles), 3) || seen[-1] > 0 {
		t.Errorf("60 clients got bundles %v from a pool of %d", seen, len(pool.Bundles))
	}
}

func TestNoPool503AndFailedRebuildKeepsPool(t *testing.T) {
	srv, ts, _ := testServer(t, Limits{}, false)
	resp, _ := do(t, ts, req{path: "/i2pseeds.su3", client: "8.8.2.1"})
	if resp.StatusCode != 503 {
		t.Fatalf("no pool: status %d, want 503", resp.StatusCode)
	}
	if resp, _ := do(t, ts, req{path: "/healthz"}); resp.StatusCode != 503 {
		t.Errorf("healthz without a pool: %d, want 503", resp.StatusCode)
	}
	pool, err := BuildPool(context.Background(), reseedtest.Store(t, reseedtest.SynthDir(t, 600)), poolConfig(t), reseedtest.Now)
	if err != nil {
		t.Fatal(err)
	}
	srv.SetPool(pool)
	srv.BuildFailed(nil, errors.New("disk on fire"))
	resp, body := do(t, ts, req{path: "/i2pseeds.su3", client: "8.8.2.2"})
	if resp.StatusCode != 200 || len(body) == 0 {
		t.Fatalf("after a failed rebuild: status %d, want 200 from the last pool", resp.StatusCode)
	}
	_, status := do(t, ts, req{path: "/"})
	if !bytes.Contains(status, []byte("disk on fire")) || !bytes.Contains(status, []byte("test@mail.i2p")) {
		t.Errorf("status page lacks the build error or signer:\n%s", status)
	}
	if bytes.Contains(status, []byte("8.8.2.2")) {
		t.Error("status page shows a client address")
	}
	_, m := do(t, ts, req{path: "/metrics"})
	for _, want := range []string{`i2pseed_requests_total{channel="https",code="200"}`, `i2pseed_requests_total{channel="https",code="503"}`, "i2pseed_bundles_served_total", `i2pseed_pool_builds_total{result="error"} 1`, "i2pseed_pool_built_timestamp_seconds", `i2pseed_routerinfos_rejected{reason=`} {
		if !bytes.Contains(m, []byte(want)) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestRateLimitIsolation: 500 requests from one address do not cause a
// single 429 for another.
func TestRateLimitIsolation(t *testing.T) {
	srv, ts, _ := testServer(t, Limits{PerClient: rate.Every(time.Hour), PerClientBurst: 3, Global: 1000, GlobalBurst: 20}, true)
	limited := 0
	for range 500 {
		resp, _ := do(t, ts, req{path: "/i2pseeds.su3", method: http.MethodHead, client: "6.6.6.6"})
		if resp.StatusCode == 429 {
			limited++
		}
	}
	if limited < 490 {
		t.Errorf("noisy client: %d of 500 limited, want nearly all", limited)
	}
	for i := range 10 {
		resp, _ := do(t, ts, req{path: "/i2pseeds.su3", method: http.MethodHead, client: fmt.Sprintf("7.7.%d.1", i)})
		if resp.StatusCode != 200 {
			t.Fatalf("another client after the flood: %d, want 200", resp.StatusCode)
		}
	}
	// New limits (SIGHUP) take effect at once.
	srv.SetLimits(Limits{})
	if resp, _ := do(t, ts, req{path: "/i2pseeds.su3", method: http.MethodHead, client: "6.6.6.6"}); resp.StatusCode != 200 {
		t.Errorf("after lifting the limits: %d, want 200", resp.StatusCode)
	}
}

// TestUntrustedForwardedFor: without trusted proxies, X-Forwarded-For is
// ignored, so faking it cannot escape the per-client limit.
func TestUntrustedForwardedFor(t *testing.T) {
	srv := NewServer(ServerConfig{Secret: []byte("s"), Limits: Limits{PerClient: rate.Every(time.Hour), PerClientBurst: 2}})
	ts := httptest.NewTLSServer(srv.Handler())
	defer ts.Close()
	codes := map[int]int{}
	for i := range 10 {
		resp, _ := do(t, ts, req{path: "/i2pseeds.su3", method: http.MethodHead, client: fmt.Sprintf("1.2.3.%d", i)})
		codes[resp.StatusCode]++
	}
	if codes[429] < 8 {
		t.Errorf("codes %v: faked X-Forwarded-For escaped the per-client limit", codes)
	}
}

func TestClientAddr(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	for _, tt := range []struct {
		remote, xff, want string
	}{
		{"1.2.3.4:5", "9.9.9.9", "1.2.3.4"},
		{"10.0.0.1:5", "9.9.9.9", "9.9.9.9"},
		{"10.0.0.1:5", "8.8.8.8, 9.9.9.9, 10.0.0.2", "9.9.9.9"},
		{"10.0.0.1:5", "garbage", "10.0.0.1"},
		{"[::ffff:1.2.3.4]:5", "", "1.2.3.4"},
	} {
		r := &http.Request{RemoteAddr: tt.remote, Header: http.Header{}}
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		if got := clientAddr(r, trusted); got.String() != tt.want {
			t.Errorf("clientAddr(%s, XFF %q) = %s, want %s", tt.remote, tt.xff, got, tt.want)
		}
	}
}

func TestBlocklist(t *testing.T) {
	dir := t.TempDir()
	p := dir + "/block.txt"
	os.WriteFile(p, []byte("# bad\n127.0.0.0/8\n2001:db8::1\n"), 0o644)
	bl, err := LoadBlocklist(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bl.Blocked(netip.MustParseAddr("127.0.0.1")) || !bl.Blocked(netip.MustParseAddr("2001:db8::1")) || bl.Blocked(netip.MustParseAddr("8.8.8.8")) {
		t.Fatal("blocklist matches wrong")
	}
	srv := NewServer(ServerConfig{Secret: []byte("s")})
	ln, err := Listen("127.0.0.1:0", ListenConfig{Blocklist: bl})
	if err != nil {
		t.Fatal(err)
	}
	hs := HTTPServer(srv.Handler(), nil, DefaultTimeouts)
	go hs.Serve(ln)
	defer hs.Close()
	url := "http://" + ln.Addr().String() + "/healthz"
	if _, err := http.Get(url); err == nil {
		t.Fatal("a blocked client got a response")
	}
	// The server keeps running; after a reload without the entry it answers.
	os.WriteFile(p, []byte("10.0.0.0/8\n"), 0o644)
	if err := bl.Reload(p); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("after unblocking: %v", err)
	}
	resp.Body.Close()
	os.WriteFile(p, []byte("not a prefix\n"), 0o644)
	if err := bl.Reload(p); err == nil || bl.Len() != 1 {
		t.Errorf("bad reload: err %v, %d prefixes; want an error and the old list kept", err, bl.Len())
	}
}

// TestIdleConnectionsClosed: 200 connections that send nothing are closed
// by the read-header timeout and do not keep others out.
func TestIdleConnectionsClosed(t *testing.T) {
	srv := NewServer(ServerConfig{Secret: []byte("s")})
	ln, err := Listen("127.0.0.1:0", ListenConfig{MaxConns: 220})
	if err != nil {
		t.Fatal(err)
	}
	hs := HTTPServer(srv.Handler(), nil, Timeouts{ReadHeader: 300 * time.Millisecond, Read: time.Second, Write: time.Second, Idle: 300 * time.Millisecond})
	go hs.Serve(ln)
	defer hs.Close()
	var conns []interface{ Close() error }
	for range 200 {
		c, err := dialTCP(ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	closed := 0
	deadline := time.Now().Add(5 * time.Second)
	for _, c := range conns {
		c.(interface{ SetReadDeadline(time.Time) error }).SetReadDeadline(deadline)
		buf := make([]byte, 1)
		if _, err := c.(io.Reader).Read(buf); err != nil && !strings.Contains(err.Error(), "timeout") {
			closed++
		}
	}
	if closed != 200 {
		t.Errorf("%d of 200 idle connections closed by the server, want 200", closed)
	}
	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatalf("server unreachable after the idle flood: %v", err)
	}
	resp.Body.Close()
}
