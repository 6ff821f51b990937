package judge

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/certs"
	"github.com/i2pseed/i2pseed/internal/reseedtest"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/reseed"
	"github.com/i2pseed/i2pseed/reseed/client"
	"github.com/i2pseed/i2pseed/reseed/wire"
	"github.com/i2pseed/i2pseed/su3"
)

// bundleSpec describes a bundle a test server hands out.
type bundleSpec struct {
	entries []su3.Entry
	signer  *su3.Signer
	version time.Time       // default reseedtest.Now
	content su3.ContentType // default reseed
	zip     func(t testing.TB, es []su3.Entry) []byte
}

func (b bundleSpec) build(t testing.TB) []byte {
	t.Helper()
	var z []byte
	if b.zip != nil {
		z = b.zip(t, b.entries)
	} else {
		var buf bytes.Buffer
		if err := su3.WriteBundle(&buf, b.entries, reseedtest.Now); err != nil {
			t.Fatal(err)
		}
		z = buf.Bytes()
	}
	if b.version.IsZero() {
		b.version = reseedtest.Now
	}
	if b.content == 0 {
		b.content = su3.ContentReseed
	}
	out, err := su3.Sign(su3.Header{ContentType: b.content, Version: fmt.Sprint(b.version.Unix())}, z, b.signer)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// storedWithDescriptors writes entries as Go's zip.Writer does with
// Method Store: data descriptors, which i2pd misreads.
func storedWithDescriptors(t testing.TB, es []su3.Entry) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range es {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.Name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(e.Data)
	}
	zw.Close()
	return buf.Bytes()
}

// bigRouterInfo is a validly signed RouterInfo of more than 3072 bytes.
func bigRouterInfo(t testing.TB) su3.Entry {
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	id, err := netdb.NewIdentity(pub, [32]byte{9}, [32]byte{7})
	if err != nil {
		t.Fatal(err)
	}
	opts := netdb.Mapping{{Key: "caps", Value: "LR"}}
	for i := range 12 {
		opts = append(opts, netdb.KV{Key: fmt.Sprintf("family.x%02d", i), Value: strings.Repeat("x", 240)})
	}
	opts = append(opts, netdb.KV{Key: "netId", Value: "2"}, netdb.KV{Key: "router.version", Value: "0.9.67"})
	ri := &netdb.RouterInfo{Identity: id, Published: uint64(reseedtest.Now.Add(-time.Hour).UnixMilli()), Options: opts}
	if err := ri.SignEd25519(key); err != nil {
		t.Fatal(err)
	}
	if len(ri.Bytes()) <= 3072 {
		t.Fatalf("big RouterInfo is %d bytes", len(ri.Bytes()))
	}
	return su3.Entry{Name: ri.Hash().FileName(), Data: ri.Bytes()}
}

// floodfills splits entries into floodfills and the rest.
func floodfills(t testing.TB, es []su3.Entry) (ff, other []su3.Entry) {
	for _, e := range es {
		ri, err := netdb.ParseRouterInfo(e.Data)
		if err != nil {
			t.Fatal(err)
		}
		if ri.Floodfill() {
			ff = append(ff, e)
		} else {
			other = append(other, e)
		}
	}
	return ff, other
}

// expiringTLS is a TLS certificate for 127.0.0.1-40 that expires soon
// after reseedtest.Now.
func expiringTLS(t testing.TB, left time.Duration) tls.Certificate {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: reseedtest.Now.Add(-80 * 24 * time.Hour), NotAfter: reseedtest.Now.Add(left)}
	for i := 1; i <= 40; i++ {
		tmpl.IPAddresses = append(tmpl.IPAddresses, net.IPv4(127, 0, 0, byte(i)))
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// limitedServer acts like go-i2p/reseed-tools with its defaults: netid
// ignored, the same bundle for everyone, and per address at most perHour
// requests an hour (429 after that).
func limitedServer(bundle []byte, perHour int) http.HandlerFunc {
	var mu sync.Mutex
	seen := map[string]int{}
	return func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		mu.Lock()
		seen[host]++
		n := seen[host]
		mu.Unlock()
		if n > perHour {
			w.Header().Set("Retry-After", "3600")
			http.Error(w, "rate limit exceeded", http.StatusTooManyRequests)
			return
		}
		w.Write(bundle)
	}
}

func verdicts(rep *Report) map[string]Verdict {
	m := map[string]Verdict{}
	for _, c := range rep.Checks {
		m[c.Name] = c.Verdict
	}
	return m
}

// TestCheckVerdicts runs the checker against servers of our own making that
// each break one rule, and asserts the verdict of that rule and its owner.
func TestCheckVerdicts(t *testing.T) {
	signer, kr := reseedtest.Signer(t)
	good := reseedtest.SynthEntries(t, 75, netdb.SynthConfig{Now: reseedtest.Now, Seed: 21, MaxAge: 10 * time.Hour})
	ffs, others := floodfills(t, good)
	if len(ffs) < 5 || len(others) < 50 {
		t.Fatalf("synthetic set has %d floodfills and %d others", len(ffs), len(others))
	}
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecCert := selfSigned(t, "ec@mail.i2p", &ecKey.PublicKey, ecKey, reseedtest.Now.Add(5*365*24*time.Hour))
	kr.Add(ecCert)
	soon, err := certs.GenerateSigner("soon@mail.i2p", reseedtest.Now.Add(-10*365*24*time.Hour+10*24*time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	kr.Add(soon.Cert)
	stranger, _ := certs.GenerateSigner("stranger@mail.i2p", reseedtest.Now, nil)
	ok := bundleSpec{entries: good, signer: signer}.build(t)
	serve := func(b []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("netid") != "2" {
				http.Error(w, "wrong netid", http.StatusForbidden)
				return
			}
			w.Write(b)
		}
	}
	with := func(f func(*bundleSpec)) []byte {
		s := bundleSpec{entries: good, signer: signer}
		f(&s)
		return s.build(t)
	}

	for _, tc := range []verdictCase{
		{name: "good", handler: serve(ok), judged: true,
			want: map[string]Verdict{"http-200": Pass, "signature": Pass, "sig-type": Pass, "zip": Pass, "zip-stream": Pass, "count": Pass,
				"floodfills": Pass, "netid-403": Pass, "same-bundle": Pass, "su3-age": Pass, "routerinfo-age": Pass, "tls": Pass, "time": Pass}},
		{name: "gone", handler: func(w http.ResponseWriter, r *http.Request) { http.Error(w, "gone", http.StatusGone) }, judged: true,
			want: map[string]Verdict{"http-200": Fail}},
		{name: "stale", handler: serve(ok), now: reseedtest.Now.Add(8 * 24 * time.Hour), judged: true,
			want: map[string]Verdict{"su3-age": Fail, "routerinfo-age": Fail, "signature": Pass, "count": Fail, "floodfills": Warn}},
		{name: "version in 2100", handler: serve(with(func(s *bundleSpec) { s.version = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC) })), judged: true,
			want: map[string]Verdict{"su3-age": Warn, "signature": Pass}},
		{name: "no floodfills", handler: serve(with(func(s *bundleSpec) { s.entries = others })), judged: true,
			want: map[string]Verdict{"floodfills": Warn, "count": Pass}},
		{name: "too few", handler: serve(with(func(s *bundleSpec) { s.entries = good[:20] })), judged: true,
			want: map[string]Verdict{"count": Fail, "signature": Pass}},
		{name: "unknown signer", handler: serve(with(func(s *bundleSpec) { s.signer = &su3.Signer{ID: "stranger@mail.i2p", Key: stranger.Key} })), judged: true,
			want: map[string]Verdict{"signature": Fail, "sig-type": Pass}},
		{name: "ECDSA signer", handler: serve(with(func(s *bundleSpec) { s.signer = &su3.Signer{ID: "ec@mail.i2p", Key: ecKey} })), judged: true,
			want: map[string]Verdict{"signature": Pass, "sig-type": Fail, "zip-stream": Pass}},
		{name: "signer expiring", handler: serve(with(func(s *bundleSpec) { s.signer = &su3.Signer{ID: "soon@mail.i2p", Key: soon.Key} })), judged: true,
			want: map[string]Verdict{"signature": Pass, "signer-expiry": Warn}},
		{name: "stored with descriptors", handler: serve(with(func(s *bundleSpec) { s.zip = storedWithDescriptors })), judged: true,
			want: map[string]Verdict{"signature": Pass, "zip": Pass, "zip-stream": Fail, "count": Pass}},
		{name: "RouterInfo too big", handler: serve(with(func(s *bundleSpec) { s.entries = append(append([]su3.Entry{}, good...), bigRouterInfo(t)) })), judged: true,
			want: map[string]Verdict{"routerinfo-size": Fail, "count": Pass}},
		{name: "content type router", handler: serve(with(func(s *bundleSpec) { s.content = su3.ContentRouter })), judged: true,
			want: map[string]Verdict{"content-type": Fail, "signature": Pass}},
		{name: "TLS expiring", handler: serve(ok), tls: ptr(expiringTLS(t, 10*24*time.Hour)), judged: true,
			want: map[string]Verdict{"tls-expiry": Warn, "tls": Pass}},
		{name: "reseed-tools: netid ignored, 2 an hour", handler: limitedServer(ok, 2), judged: true,
			want: map[string]Verdict{"netid-403": Warn, "same-bundle": Pass, "count": Pass}},
		{name: "reseed-tools: 1 an hour", handler: limitedServer(ok, 1), judged: true,
			want: map[string]Verdict{"netid-403": Limited, "same-bundle": Limited, "count": Pass}},
		{name: "reseed-tools: limited already", handler: limitedServer(ok, 0), judged: false,
			want: map[string]Verdict{"http-200": Limited}},
	} {
		t.Run(tc.name, func(t *testing.T) { checkVerdictCase(t, kr, tc) })
	}
}

// A verdictCase is a server that breaks one rule, and the verdicts it
// must get.
type verdictCase struct {
	name    string
	handler http.HandlerFunc
	tls     *tls.Certificate
	now     time.Time
	want    map[string]Verdict // the verdicts that must differ from Pass, and some that must not
	judged  bool
}

// checkVerdictCase checks tc's server with kr at tc.now (by default an
// hour after reseedtest.Now): the verdicts tc names are as it says, every
// other check passes, and the report is judged, and failed, as it should be.
func checkVerdictCase(t *testing.T, kr *certs.Keyring, tc verdictCase) {
	ts := reseedtest.TLSServer(t, tc.handler)
	if tc.tls != nil {
		ts.TLS.Certificates = []tls.Certificate{*tc.tls}
	}
	now := reseedtest.Now.Add(time.Hour)
	if !tc.now.IsZero() {
		now = tc.now
	}
	cfg := Config{Client: client.Config{Keyring: kr, HTTP: insecureClient(), Now: func() time.Time { return now }}}
	rep := Server(context.Background(), cfg, ts.URL+"/")
	got := verdicts(rep)
	for name, v := range tc.want {
		if got[name] != v {
			t.Errorf("%s: %s, want %s (%s)", name, got[name], v, detail(rep, name))
		}
	}
	for _, c := range rep.Checks {
		if _, named := tc.want[c.Name]; !named && c.Verdict != Pass {
			t.Errorf("%s: %s (%s), want OK", c.Name, c.Verdict, c.Detail)
		}
	}
	if rep.Judged() != tc.judged {
		t.Errorf("Judged() = %v, want %v", rep.Judged(), tc.judged)
	}
	if (rep.Count(Fail) > 0) != (rep.Err != nil) && rep.Judged() {
		t.Errorf("%d FAIL but Err %v", rep.Count(Fail), rep.Err)
	}
	if t.Failed() {
		for _, c := range rep.Checks {
			t.Logf("%-5s %-15s %-8s %s", c.Verdict, c.Name, c.Rule, c.Detail)
		}
	}
}

// TestCheckRequests: as few requests as the verdicts need. A server that
// honours netid takes three; one that ignores it two (its answer to the
// wrong netid doubles as the repeat request).
func TestCheckRequests(t *testing.T) {
	signer, kr := reseedtest.Signer(t)
	ok := bundleSpec{entries: reseedtest.SynthEntries(t, 60, netdb.SynthConfig{Now: reseedtest.Now, Seed: 22, MaxAge: 10 * time.Hour}), signer: signer}.build(t)
	var mu sync.Mutex
	requests := 0
	count := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			requests++
			mu.Unlock()
			h(w, r)
		}
	}
	cfg := Config{Client: client.Config{Keyring: kr, HTTP: insecureClient(), Now: func() time.Time { return reseedtest.Now }}}
	for _, tc := range []struct {
		name string
		h    http.HandlerFunc
		want int
	}{
		{"honours netid", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("netid") != "2" {
				http.Error(w, "no", http.StatusForbidden)
				return
			}
			w.Write(ok)
		}, 3},
		{"ignores netid", func(w http.ResponseWriter, r *http.Request) { w.Write(ok) }, 2},
	} {
		requests = 0
		ts := reseedtest.TLSServer(t, count(tc.h))
		rep := Server(context.Background(), cfg, ts.URL+"/")
		if requests != tc.want || rep.Requests != tc.want {
			t.Errorf("%s: server saw %d requests, report says %d; want %d", tc.name, requests, rep.Requests, tc.want)
		}
	}
}

// TestCheckOurServer: our own server passes every rule, gives different
// bundles to clients at different addresses, and the figures a monitor
// tracks are filled in.
func TestCheckOurServer(t *testing.T) {
	ts := ourServer(t)
	_, kr := reseedtest.Signer(t)
	var sources []netip.Addr
	for i := 2; i <= 4; i++ {
		sources = append(sources, netip.AddrFrom4([4]byte{127, 0, byte(i), 1}))
	}
	cfg := Config{Client: client.Config{Keyring: kr, HTTP: ts.Client(), Now: func() time.Time { return reseedtest.Now.Add(time.Hour) }}, Sources: sources}
	rep := Server(context.Background(), cfg, ts.URL+"/")
	for _, c := range rep.Checks {
		if c.Verdict != Pass {
			t.Errorf("%s: %s (%s)", c.Name, c.Verdict, c.Detail)
		}
	}
	if verdicts(rep)["per-client"] != Pass {
		t.Errorf("no per-client check: %+v", rep.Checks)
	}
	if rep.RouterInfos < 50 || rep.Floodfills < 5 || rep.Signer != "test@mail.i2p" || rep.TLSExpiry.IsZero() ||
		rep.SignerExpiry.IsZero() || rep.Took <= 0 || !rep.SignedAt.Equal(reseedtest.Now) || rep.Requests != 3+len(sources) {
		t.Errorf("report figures: %+v", rep)
	}
	// The same bundle for every address block is a warning.
	one := bundleSpec{entries: reseedtest.SynthEntries(t, 60, netdb.SynthConfig{Now: reseedtest.Now, Seed: 23, MaxAge: 10 * time.Hour}), signer: testSignerOnly(t)}.build(t)
	same := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(one) }))
	defer same.Close()
	cfg.Client.HTTP = same.Client()
	rep = Server(context.Background(), cfg, same.URL+"/")
	if v := verdicts(rep)["per-client"]; v != Warn {
		t.Errorf("one bundle for everyone: per-client %s (%s), want WARN", v, detail(rep, "per-client"))
	}
}

func testSignerOnly(t testing.TB) *su3.Signer { s, _ := reseedtest.Signer(t); return s }

func detail(rep *Report, name string) string {
	for _, c := range rep.Checks {
		if c.Name == name {
			return c.Detail
		}
	}
	return "no such check"
}

func ptr[T any](v T) *T { return &v }

// insecureClient skips TLS verification: the checker judges what the
// server sends, whatever certificate the test server has.
func insecureClient() *http.Client {
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
}

func selfSigned(t testing.TB, id string, pub any, key any, notAfter time.Time) *x509.Certificate {
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: id}, EmailAddresses: []string{id},
		NotBefore: reseedtest.Now.Add(-24 * time.Hour), NotAfter: notAfter, BasicConstraintsValid: true, IsCA: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// ourServer is our reseed server over TLS with a pool of 600 synthetic
// RouterInfos, clients told apart by X-Forwarded-For from loopback.
func ourServer(t *testing.T) *httptest.Server {
	t.Helper()
	signer, _ := reseedtest.Signer(t)
	srv := reseed.NewServer(reseed.ServerConfig{
		UserAgents: []string{wire.UserAgent}, Secret: []byte("test secret"),
		SignerID: signer.ID, Now: func() time.Time { return reseedtest.Now },
	})
	pool, err := reseed.BuildPool(context.Background(), reseedtest.Store(t, reseedtest.SynthDir(t, 600)),
		reseed.PoolConfig{Policy: netdb.DefaultPolicy(), Quota: netdb.DefaultBundleQuota, Signer: signer, Secret: []byte("test secret")}, reseedtest.Now)
	if err != nil {
		t.Fatal(err)
	}
	srv.SetPool(pool)
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.EnableHTTP2 = true
	ts.StartTLS()
	t.Cleanup(ts.Close)
	return ts
}
