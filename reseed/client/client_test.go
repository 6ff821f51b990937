package client

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/ed25519"
	crand "crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/certs"
	"github.com/i2pseed/i2pseed/internal/i2pbase64"
	"github.com/i2pseed/i2pseed/internal/reseedtest"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/reseed/wire"
	"github.com/i2pseed/i2pseed/su3"
)

// TestBootstrap: two good servers and one of each kind of bad one. The good
// ones are enough; every bad one is refused for the right reason.
func TestBootstrap(t *testing.T) {
	signer, kr := reseedtest.Signer(t)
	hang := make(chan struct{})
	t.Cleanup(func() { close(hang) })
	servers := bootstrapServers(t, bootstrapBundles(t, signer, kr), hang)
	pool := x509.NewCertPool()
	pool.AddCert(reseedtest.ServerCert(t).Cert)
	var urls []string
	byURL := map[string]string{}
	for name, s := range servers {
		urls = append(urls, s.URL+"/")
		byURL[s.URL+"/"] = name
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	cfg := Config{URLs: urls, Keyring: kr, MinRouters: 1000, MinServers: 12, Parallel: 4, // try them all
		ServerTimeout: 2 * time.Second, HTTP: client, Now: func() time.Time { return reseedtest.Now }, Rand: rand.New(rand.NewPCG(1, 2))}
	res, err := Bootstrap(context.Background(), cfg, nil)
	if !errors.Is(err, ErrNotEnough) {
		t.Fatalf("wanting 1000 from 12: got %v, want ErrNotEnough", err)
	}
	checkServerVerdicts(t, res, len(servers), byURL, bootstrapVerdicts(cfg.ServerTimeout))
	if len(res.Routers) != 150 {
		t.Errorf("merged %d RouterInfos, want 150", len(res.Routers))
	}

	// With the defaults (100 from 2), the good servers are enough.
	cfg.MinRouters, cfg.MinServers = 100, 2
	cfg.URLs = []string{servers["good1"].URL + "/", servers["good2"].URL + "/", servers["tampered"].URL + "/"}
	res, err = Bootstrap(context.Background(), cfg, nil)
	if err != nil || len(res.Routers) != 150 {
		t.Fatalf("good servers: %d RouterInfos, %v", len(res.Routers), err)
	}
	checkWriteNetDb(t, res.Routers)
}

// bootstrapBundles are TestBootstrap's bundles by server name: two good
// ones of 75 RouterInfos, and one of each kind of bad one. It adds to kr a
// signer whose certificate expired.
func bootstrapBundles(t *testing.T, signer *su3.Signer, kr *certs.Keyring) map[string][]byte {
	t.Helper()
	good1 := reseedtest.SignBundle(t, signer, reseedtest.SynthEntries(t, 75, netdb.SynthConfig{Now: reseedtest.Now, Seed: 1, MaxAge: 10 * time.Hour}))
	good2 := reseedtest.SignBundle(t, signer, reseedtest.SynthEntries(t, 75, netdb.SynthConfig{Now: reseedtest.Now, Seed: 2, MaxAge: 10 * time.Hour}))
	tampered := bytes.Clone(good1)
	tampered[len(tampered)/2] ^= 1
	other, _ := certs.GenerateSigner("stranger@mail.i2p", reseedtest.Now, nil)
	unknown := reseedtest.SignBundle(t, &su3.Signer{ID: "stranger@mail.i2p", Key: other.Key}, reseedtest.SynthEntries(t, 10, netdb.SynthConfig{Now: reseedtest.Now, Seed: 3}))
	// A signer whose certificate expired: trusted, but out of date.
	old, _ := certs.GenerateSigner("old@mail.i2p", reseedtest.Now.Add(-11*365*24*time.Hour), nil)
	kr.Add(old.Cert)
	expired := reseedtest.SignBundle(t, &su3.Signer{ID: "old@mail.i2p", Key: old.Key}, reseedtest.SynthEntries(t, 10, netdb.SynthConfig{Now: reseedtest.Now, Seed: 6}))
	wrongNet := reseedtest.SignBundle(t, signer, reseedtest.SynthEntries(t, 10, netdb.SynthConfig{Now: reseedtest.Now, Seed: 4, NetID: 7}))
	forged := reseedtest.SynthEntries(t, 10, netdb.SynthConfig{Now: reseedtest.Now, Seed: 5})
	for i := range forged {
		forged[i].Data = bytes.Clone(forged[i].Data)
		forged[i].Data[500] ^= 1 // inside the signed part
	}
	forgedBundle := reseedtest.SignBundle(t, signer, forged)
	var dotdot bytes.Buffer
	zw := zip.NewWriter(&dotdot)
	w, _ := zw.Create("../routerInfo-x.dat")
	w.Write([]byte("x"))
	zw.Close()
	dotdotBundle, _ := su3.Sign(su3.Header{ContentType: su3.ContentReseed, Version: "1"}, dotdot.Bytes(), signer)
	var many bytes.Buffer
	zw = zip.NewWriter(&many)
	for i := range 10000 {
		w, _ := zw.Create(fmt.Sprintf("routerInfo-%043d=.dat", i))
		w.Write([]byte{1})
	}
	zw.Close()
	manyBundle, _ := su3.Sign(su3.Header{ContentType: su3.ContentReseed, Version: "1"}, many.Bytes(), signer)
	return map[string][]byte{
		"good1": good1, "good2": good2, "tampered": tampered, "unknown": unknown, "wrongnetid": wrongNet,
		"expired": expired, "forged": forgedBundle, "dotdot": dotdotBundle, "10000": manyBundle,
		"50MB": make([]byte, 50<<20),
	}
}

// bootstrapServers serves each of bundles over TLS to requests of the
// right shape, and adds a server that hangs until hang closes and one that
// answers 404.
func bootstrapServers(t *testing.T, bundles map[string][]byte, hang <-chan struct{}) map[string]*httptest.Server {
	t.Helper()
	serve := func(b []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.UserAgent() != wire.UserAgent || r.URL.Query().Get("netid") != "2" {
				http.Error(w, "bad request shape", 400)
				return
			}
			w.Write(b)
		}
	}
	servers := map[string]*httptest.Server{
		"hangs": reseedtest.TLSServer(t, func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-hang:
			case <-r.Context().Done():
			}
			panic(http.ErrAbortHandler) // never an empty 200, whenever the wait ends
		}),
		"404": reseedtest.TLSServer(t, http.NotFound),
	}
	for name, b := range bundles {
		servers[name] = reseedtest.TLSServer(t, serve(b))
	}
	return servers
}

// bootstrapVerdicts says, by server name, what TestBootstrap's servers'
// results must be; the hanging one is given up after timeout.
func bootstrapVerdicts(timeout time.Duration) map[string]func(ServerResult) bool {
	return map[string]func(ServerResult) bool{
		"good1":    func(r ServerResult) bool { return r.Err == nil && r.Accepted == 75 },
		"good2":    func(r ServerResult) bool { return r.Err == nil && r.Accepted == 75 },
		"tampered": func(r ServerResult) bool { return errors.Is(r.Err, su3.ErrSignature) },
		"unknown":  func(r ServerResult) bool { return errors.Is(r.Err, certs.ErrUnknownSigner) },
		"wrongnetid": func(r ServerResult) bool {
			return errors.Is(r.Err, ErrNoRouters) && r.Rejected[netdb.RejectNetID] == 10
		},
		"expired": func(r ServerResult) bool { return errors.Is(r.Err, certs.ErrExpired) },
		"forged": func(r ServerResult) bool {
			return errors.Is(r.Err, ErrNoRouters) && r.Rejected[netdb.RejectSignature] == 10
		},
		"dotdot": func(r ServerResult) bool { return errors.Is(r.Err, su3.ErrBundle) },
		"10000":  func(r ServerResult) bool { return errors.Is(r.Err, su3.ErrBundle) },
		"50MB":   func(r ServerResult) bool { return errors.Is(r.Err, ErrTooLarge) },
		"hangs": func(r ServerResult) bool {
			return errors.Is(r.Err, context.DeadlineExceeded) && r.Duration >= timeout*9/10
		},
		"404": func(r ServerResult) bool { return errors.Is(r.Err, ErrHTTPStatus) && r.Status == 404 },
	}
}

// checkServerVerdicts: res has a result for each of the n servers, and
// each, named by byURL, took some time and is what want says.
func checkServerVerdicts(t *testing.T, res *Result, n int, byURL map[string]string, want map[string]func(ServerResult) bool) {
	t.Helper()
	if len(res.Servers) != n {
		for _, r := range res.Servers {
			t.Logf("%s: %v", byURL[r.URL], r.Err)
		}
		t.Fatalf("%d server results, want %d", len(res.Servers), n)
	}
	for _, r := range res.Servers {
		name := byURL[r.URL]
		if !want[name](r) || r.Duration <= 0 {
			t.Errorf("%s: err %v, accepted %d, rejected %v, in %v", name, r.Err, r.Accepted, r.Rejected, r.Duration)
		}
	}
}

// checkWriteNetDb: WriteNetDb stores the 150 routers in a fresh netDb
// that scans to 150 entries, and leaves no temporary files.
func checkWriteNetDb(t *testing.T, routers map[netdb.Hash]*netdb.RouterInfo) {
	t.Helper()
	dir := t.TempDir()
	if n, err := WriteNetDb(context.Background(), dir, routers); err != nil || n != 150 {
		t.Fatalf("WriteNetDb: %d, %v", n, err)
	}
	idx, err := netdb.Scan(context.Background(), dir, nil)
	if err != nil || len(idx.Entries) != 150 {
		t.Fatalf("written netDb scans to %d entries, %v", len(idx.Entries), err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, "r?", ".*tmp*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

func TestOnePerHost(t *testing.T) {
	if got := onePerHost([]string{"https://a.example/", "https://a.example:8443/", "https://b.example/"}); len(got) != 2 {
		t.Errorf("onePerHost kept %v", got)
	}
}

// TestVerifyBundleStaticKey: a RouterInfo whose only address has a static
// key with bit 255 set (no X25519 public key) is refused as static-key:
// i2pd 2.58 would drop it and Java cannot connect to it.
func TestVerifyBundleStaticKey(t *testing.T) {
	entries := reseedtest.SynthEntries(t, 3, netdb.SynthConfig{Now: reseedtest.Now, MaxAge: time.Hour, Seed: 5})
	_, sk, _ := ed25519.GenerateKey(crand.Reader)
	var enc, pad [32]byte
	enc[0], pad[0] = 9, 1
	id, err := netdb.NewIdentity(sk.Public().(ed25519.PublicKey), enc, pad)
	if err != nil {
		t.Fatal(err)
	}
	bad := make([]byte, 32)
	bad[31] = 0x80
	ri := &netdb.RouterInfo{Identity: id, Published: uint64(reseedtest.Now.Add(-time.Minute).UnixMilli()),
		Addresses: []netdb.RouterAddress{{Cost: 3, Transport: "NTCP2", Options: netdb.Mapping{{Key: "host", Value: "8.8.8.8"},
			{Key: "i", Value: i2pbase64.EncodeToString(make([]byte, 16))}, {Key: "port", Value: "4567"},
			{Key: "s", Value: i2pbase64.EncodeToString(bad)}, {Key: "v", Value: "2"}}}},
		Options: netdb.Mapping{{Key: "caps", Value: "XR"}, {Key: "netId", Value: "2"}, {Key: "router.version", Value: "0.9.66"}}}
	if err := ri.SignEd25519(sk); err != nil {
		t.Fatal(err)
	}
	entries = append(entries, su3.Entry{Name: ri.Hash().FileName(), Data: ri.Bytes()})
	var z bytes.Buffer
	if err := su3.WriteBundle(&z, entries, reseedtest.Now); err != nil {
		t.Fatal(err)
	}
	b, err := VerifyBundle(z.Bytes(), Config{Now: func() time.Time { return reseedtest.Now }})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Routers) != 3 || b.Rejected[netdb.RejectStaticKey] != 1 || b.Routers[ri.Hash()] != nil {
		t.Errorf("accepted %d, rejected %v; want 3 accepted and the bad key refused as static-key", len(b.Routers), b.Rejected)
	}
}

// TestFetchDuration: a server that hangs, before its headers or in the
// middle of its body, is given up after ServerTimeout, and the result says
// how long that took rather than 0s; so does a quick failure.
func TestFetchDuration(t *testing.T) {
	const timeout = 300 * time.Millisecond
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	wait := func(r *http.Request) {
		select {
		case <-done:
		case <-r.Context().Done():
		}
	}
	hangs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wait(r)
		panic(http.ErrAbortHandler)
	}))
	t.Cleanup(hangs.Close)
	midBody := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100000")
		w.Write([]byte("I2Psu3"))
		w.(http.Flusher).Flush()
		wait(r)
		panic(http.ErrAbortHandler)
	}))
	t.Cleanup(midBody.Close)
	cfg := Config{ServerTimeout: timeout, HTTP: &http.Client{}}
	for name, url := range map[string]string{"headers": hangs.URL + "/", "body": midBody.URL + "/"} {
		r := Fetch(context.Background(), cfg, url)
		if !errors.Is(r.Err, context.DeadlineExceeded) {
			t.Errorf("hanging in %s: %v, want context.DeadlineExceeded", name, r.Err)
		}
		if r.Duration < timeout*9/10 {
			t.Errorf("hanging in %s: Duration %v, want about the %v timeout", name, r.Duration, timeout)
		}
	}
	notFound := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(notFound.Close)
	if r := Fetch(context.Background(), cfg, notFound.URL+"/"); !errors.Is(r.Err, ErrHTTPStatus) || r.Duration <= 0 {
		t.Errorf("404: %v in %v, want ErrHTTPStatus in more than 0s", r.Err, r.Duration)
	}

	// Through Bootstrap over TLS, with the overall Timeout the shorter.
	ts := reseedtest.TLSServer(t, func(w http.ResponseWriter, r *http.Request) { wait(r); panic(http.ErrAbortHandler) })
	pool := x509.NewCertPool()
	pool.AddCert(reseedtest.ServerCert(t).Cert)
	cfg = Config{URLs: []string{ts.URL + "/"}, ServerTimeout: time.Minute, Timeout: timeout,
		HTTP: &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}}
	res, err := Bootstrap(context.Background(), cfg, nil)
	if !errors.Is(err, ErrNotEnough) || len(res.Servers) != 1 {
		t.Fatalf("Bootstrap of a hanging server: %v, %d results", err, len(res.Servers))
	}
	if r := res.Servers[0]; !errors.Is(r.Err, context.DeadlineExceeded) || r.Duration < timeout*9/10 {
		t.Errorf("Bootstrap of a hanging server: %v in %v, want context.DeadlineExceeded after about %v", r.Err, r.Duration, timeout)
	}
}

// splitFloodfills returns n entries without floodfills and ff entries of
// floodfills, all verifiable at reseedtest.Now.
func splitFloodfills(t testing.TB, seed uint64, n, ff int) []su3.Entry {
	t.Helper()
	var plain, flood []su3.Entry
	for _, e := range reseedtest.SynthEntries(t, 4*(n+ff)+40, netdb.SynthConfig{Now: reseedtest.Now, Seed: seed, MaxAge: 10 * time.Hour}) {
		ri, err := netdb.ParseRouterInfo(e.Data)
		if err != nil {
			t.Fatal(err)
		}
		if _, r := checkRouterInfo(e, &netdb.Policy{NetID: netdb.LiveNetID, MaxAge: 48 * time.Hour, MaxFuture: time.Minute,
			Now: func() time.Time { return reseedtest.Now }}); r != netdb.OK {
			continue
		}
		if netdb.Summarize(ri).Floodfill() {
			flood = append(flood, e)
		} else {
			plain = append(plain, e)
		}
	}
	if len(plain) < n || len(flood) < ff {
		t.Fatalf("seed %d: %d plain and %d floodfill RouterInfos, want %d and %d", seed, len(plain), len(flood), n, ff)
	}
	return append(plain[:n:n], flood[:ff]...)
}

// TestBootstrapFloodfills: 120 RouterInfos from 2 servers meet MinRouters
// and MinServers, but with 2 floodfills Bootstrap goes on to a third
// server, as i2pd would reseed again; with none left it is ErrNotEnough.
func TestBootstrapFloodfills(t *testing.T) {
	signer, kr := reseedtest.Signer(t)
	bundles := map[string][]byte{
		"none":  reseedtest.SignBundle(t, signer, splitFloodfills(t, 11, 100, 0)),
		"two":   reseedtest.SignBundle(t, signer, splitFloodfills(t, 12, 18, 2)),
		"three": reseedtest.SignBundle(t, signer, splitFloodfills(t, 13, 17, 3)),
	}
	url := map[string]string{}
	byURL := map[string]string{}
	for name, b := range bundles {
		u := reseedtest.TLSServer(t, func(w http.ResponseWriter, r *http.Request) { w.Write(b) }).URL + "/"
		url[name], byURL[u] = u, name
	}
	pool := x509.NewCertPool()
	pool.AddCert(reseedtest.ServerCert(t).Cert)
	cfg := Config{Keyring: kr, Parallel: 1, ServerTimeout: 10 * time.Second, Now: func() time.Time { return reseedtest.Now },
		HTTP: &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}}

	cfg.URLs = []string{url["none"], url["two"]}
	res, err := Bootstrap(context.Background(), cfg, nil)
	if !errors.Is(err, ErrNotEnough) || len(res.Routers) != 120 || res.Floodfills() != 2 {
		t.Fatalf("120 RouterInfos, 2 floodfills: %v, %d RouterInfos, %d floodfills; want ErrNotEnough", err, len(res.Routers), res.Floodfills())
	}
	// Floodfills not wanted: the same two servers are enough.
	noFF := cfg
	noFF.MinFloodfills = -1
	if _, err := Bootstrap(context.Background(), noFF, nil); err != nil {
		t.Fatalf("MinFloodfills -1: %v", err)
	}

	for seed := range uint64(4) { // each order: Parallel 1 fetches one by one
		cfg.URLs = []string{url["none"], url["two"], url["three"]}
		cfg.Rand = rand.New(rand.NewPCG(seed, 7))
		res, err = Bootstrap(context.Background(), cfg, nil)
		if err != nil || len(res.Servers) != 3 || len(res.Routers) != 140 || res.Floodfills() != 5 {
			t.Fatalf("order %d: %v, %d servers, %d RouterInfos, %d floodfills; want all 3 servers, 140 and 5",
				seed, err, len(res.Servers), len(res.Routers), res.Floodfills())
		}
		want := map[string]int{"none": 0, "two": 2, "three": 3}
		for _, r := range res.Servers {
			if r.Floodfills != want[byURL[r.URL]] || r.Unsigned {
				t.Errorf("%s: %d floodfills (unsigned %v), want %d", byURL[r.URL], r.Floodfills, r.Unsigned, want[byURL[r.URL]])
			}
		}
	}
}

// TestBootstrapFile: a carried-in su3 is verified in place; a plain zip is
// used but marked unsigned; a file over MaxBody is refused before it is
// read (a 200 MB sparse file of zeros would otherwise fail as bad su3
// magic); a directory and a missing file fail for what they are.
func TestBootstrapFile(t *testing.T) {
	kr, err := certs.Embedded(certs.PurposeReseed)
	if err != nil {
		t.Fatal(err)
	}
	signed := time.Unix(1772363593, 0) // the live bundle's version
	kr.Now = func() time.Time { return signed }
	cfg := Config{Keyring: kr, MaxAge: 30 * 24 * time.Hour, Now: func() time.Time { return signed }}
	live := filepath.Join("..", "..", "su3", "testdata", "live-diva.su3")
	checkLiveFile(t, cfg, live)

	dir := t.TempDir()
	cfg.Now, cfg.MaxAge = func() time.Time { return reseedtest.Now }, 0
	checkPlainZipFile(t, cfg, dir)
	checkFileTooLarge(t, cfg, dir, live)

	if _, err := BootstrapFile(cfg, dir); !errors.Is(err, ErrNotFile) {
		t.Errorf("directory: %v, want ErrNotFile", err)
	}
	if _, err := BootstrapFile(cfg, filepath.Join(dir, "missing.su3")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want fs.ErrNotExist", err)
	}
}

// checkLiveFile: the live bundle at path, signed by diva.exchange, gives
// its 77 RouterInfos, floodfills counted, as a signed result for path.
func checkLiveFile(t *testing.T, cfg Config, path string) {
	t.Helper()
	res, err := BootstrapFile(cfg, path)
	if err != nil {
		t.Fatal(err)
	}
	r := res.Servers[0]
	ff := 0
	for _, ri := range res.Routers {
		if netdb.Summarize(ri).Floodfill() {
			ff++
		}
	}
	if r.URL != path || r.Signer != "reseed@diva.exchange" || r.Unsigned || r.Accepted != 77 || len(res.Routers) != 77 ||
		r.Floodfills != ff || res.Floodfills() != ff || ff == 0 || r.Duration <= 0 {
		t.Errorf("live su3: %+v, %d routers, %d floodfills (counted %d)", r, len(res.Routers), res.Floodfills(), ff)
	}
}

// checkPlainZipFile: a plain zip of 10 RouterInfos (2 floodfills) written
// into dir is used, but marked unsigned.
func checkPlainZipFile(t *testing.T, cfg Config, dir string) {
	t.Helper()
	var z bytes.Buffer
	if err := su3.WriteBundle(&z, splitFloodfills(t, 21, 8, 2), reseedtest.Now); err != nil {
		t.Fatal(err)
	}
	zipPath := filepath.Join(dir, "seeds.zip")
	if err := os.WriteFile(zipPath, z.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := BootstrapFile(cfg, zipPath)
	if r := res.Servers[0]; err != nil || !r.Unsigned || r.Signer != "" || r.Accepted != 10 || r.Floodfills != 2 || len(res.Routers) != 10 {
		t.Errorf("plain zip: %v, %+v", err, r)
	}
}

// checkFileTooLarge: a 200 MB sparse file in dir is refused as too large
// before it is read, with a result for it; so is the live file at live
// when MaxBody is 64 KiB.
func checkFileTooLarge(t *testing.T, cfg Config, dir, live string) {
	t.Helper()
	big := filepath.Join(dir, "big.su3")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := os.Truncate(big, 200<<20); err != nil {
		t.Fatal(err)
	}
	res, err := BootstrapFile(cfg, big)
	if !errors.Is(err, ErrTooLarge) || errors.Is(err, su3.ErrFormat) || !strings.Contains(err.Error(), "209715200 bytes, over the 4 MiB limit") {
		t.Errorf("200 MB file: %v, want ErrTooLarge naming the 4 MiB limit", err)
	}
	if r := res.Servers[0]; r.Err != err || r.Accepted != 0 || len(res.Routers) != 0 || r.Duration <= 0 || r.URL != big {
		t.Errorf("200 MB file: %+v, %d routers", r, len(res.Routers))
	}
	// The limit is MaxBody: the live file (68503 bytes) is over 64 KiB.
	small := cfg
	small.MaxBody = 64 << 10
	if _, err := BootstrapFile(small, live); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "64 KiB") {
		t.Errorf("MaxBody 64 KiB: %v, want ErrTooLarge", err)
	}
}

// TestFetchRefusesUnsignedZip: a server that answers with a plain zip of
// valid RouterInfos is refused (ErrUnsigned) and its routers are not
// used; only a carried-in file may be unsigned.
func TestFetchRefusesUnsignedZip(t *testing.T) {
	var z bytes.Buffer
	if err := su3.WriteBundle(&z, reseedtest.SynthEntries(t, 60, netdb.SynthConfig{Now: reseedtest.Now, Seed: 41, MaxAge: 10 * time.Hour}), reseedtest.Now); err != nil {
		t.Fatal(err)
	}
	ts := reseedtest.TLSServer(t, func(w http.ResponseWriter, r *http.Request) { w.Write(z.Bytes()) })
	_, kr := reseedtest.Signer(t)
	cfg := Config{Keyring: kr, HTTP: ts.Client(), Now: func() time.Time { return reseedtest.Now }, MinServers: 1, MinRouters: 1, MinFloodfills: -1}
	cfg.HTTP.Transport.(*http.Transport).TLSClientConfig.InsecureSkipVerify = true
	res := Fetch(context.Background(), cfg, ts.URL+"/")
	if !errors.Is(res.Err, ErrUnsigned) || !res.Unsigned || res.Accepted != 0 || res.Bundle != nil {
		t.Errorf("unsigned zip from a server: err %v, unsigned %v, accepted %d, bundle kept %v", res.Err, res.Unsigned, res.Accepted, res.Bundle != nil)
	}
	cfg.URLs = []string{ts.URL + "/"}
	if out, err := Bootstrap(context.Background(), cfg, nil); err == nil || len(out.Routers) != 0 {
		t.Errorf("bootstrap from an unsigned server: %v, %d routers", err, len(out.Routers))
	}
}
