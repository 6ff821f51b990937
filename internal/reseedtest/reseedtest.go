// Package reseedtest holds the fixtures the reseed server's, the bootstrap
// client's and the judge's tests share: a fixed clock, the test signer
// (su3/testdata), signed bundles of synthetic RouterInfos and real TLS
// servers on loopback addresses.
package reseedtest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/certs"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/su3"
)

// Now is the tests' clock: synthetic RouterInfos are published before it
// and the test signer's certificate is valid at it.
var Now = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// SignerID is the test signer's ID.
const SignerID = "test@mail.i2p"

// testdata is su3/testdata, found from this file's place in the module.
func testdata(name string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "su3", "testdata", name)
}

// SignerKey is the test signer's private key. It is read as data, not
// with certs.LoadPrivateKey: a checkout leaves it 0644, which that refuses.
func SignerKey(t testing.TB) crypto.Signer {
	t.Helper()
	pem, err := os.ReadFile(testdata("test-signer.key"))
	if err != nil {
		t.Fatal(err)
	}
	key, err := certs.ParsePrivateKeyPEM(pem)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// Signer is the test signer and a keyring that trusts it at Now.
func Signer(t testing.TB) (*su3.Signer, *certs.Keyring) {
	t.Helper()
	key := SignerKey(t)
	c, err := certs.LoadCertificate(testdata("test-signer.crt"))
	if err != nil {
		t.Fatal(err)
	}
	kr := certs.NewKeyring()
	kr.Add(c)
	kr.Now = func() time.Time { return Now }
	return &su3.Signer{ID: SignerID, Key: key}, kr
}

// SignBundle zips entries as of Now and signs them as a reseed su3.
func SignBundle(t testing.TB, signer *su3.Signer, entries []su3.Entry) []byte {
	t.Helper()
	var z bytes.Buffer
	if err := su3.WriteBundle(&z, entries, Now); err != nil {
		t.Fatal(err)
	}
	b, err := su3.Sign(su3.Header{ContentType: su3.ContentReseed, Version: fmt.Sprint(Now.Unix())}, z.Bytes(), signer)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// VerifyBundle checks that bundle is a reseed su3 signed for kr and
// returns its entries, failing the test otherwise.
func VerifyBundle(t testing.TB, bundle []byte, kr *certs.Keyring) []su3.Entry {
	t.Helper()
	r, err := su3.NewReader(bytes.NewReader(bundle), int64(len(bundle)))
	if err != nil {
		t.Fatal(err)
	}
	entries, err := r.VerifyBundle(kr, nil)
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

// ReadRouterInfo reads and parses the RouterInfo file at path, failing
// the test if it cannot.
func ReadRouterInfo(t testing.TB, path string) *netdb.RouterInfo {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ri, err := netdb.ParseRouterInfo(b)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return ri
}

// MeshRouters is how many of entries are RouterInfos reachable over
// Yggdrasil, failing the test on one that does not parse.
func MeshRouters(t testing.TB, entries []su3.Entry) int {
	t.Helper()
	mesh := 0
	for _, e := range entries {
		ri, err := netdb.ParseRouterInfo(e.Data)
		if err != nil {
			t.Fatal(err)
		}
		if ri.Yggdrasil() {
			mesh++
		}
	}
	return mesh
}

// SynthEntries is n synthetic RouterInfos (netdb.Synth) as bundle entries.
func SynthEntries(t testing.TB, n int, cfg netdb.SynthConfig) []su3.Entry {
	t.Helper()
	ris, err := netdb.Synth(n, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var es []su3.Entry
	for _, ri := range ris {
		es = append(es, su3.Entry{Name: ri.Hash().FileName(), Data: ri.Bytes()})
	}
	return es
}

var (
	mu       sync.Mutex
	serverIP = 1
	cert     *certs.TLSCert
)

// ServerCert is the certificate every TLSServer presents (for 127.0.0.1
// to 127.0.0.40).
func ServerCert(t testing.TB) *certs.TLSCert {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if cert == nil {
		var ips []string
		for i := 1; i <= 40; i++ {
			ips = append(ips, fmt.Sprintf("127.0.0.%d", i))
		}
		c, err := certs.GenerateTLS(ips, time.Now(), nil)
		if err != nil {
			t.Fatal(err)
		}
		cert = c
	}
	return cert
}

// Roots is a pool that trusts ServerCert.
func Roots(t testing.TB) *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(ServerCert(t).Cert)
	return pool
}

// TLSServer runs h over real TLS on its own loopback address (127.0.0.N,
// in turn): clients take one URL per host.
func TLSServer(t testing.TB, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	c := ServerCert(t)
	mu.Lock()
	ip := serverIP
	serverIP = serverIP%40 + 1 // the certificate's; earlier tests' servers are closed
	mu.Unlock()
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.%d:0", ip))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(h)
	ts.Listener.Close()
	ts.Listener = ln
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{c.Certificate()}}
	ts.StartTLS()
	t.Cleanup(ts.Close)
	return ts
}

// Store opens the netDb store in dir.
func Store(t testing.TB, dir string) *netdb.Store {
	t.Helper()
	s, err := netdb.OpenStore(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// SynthDir writes n synthetic RouterInfos published before Now (seed 11,
// up to 20 hours old) into a new netDb directory.
func SynthDir(t testing.TB, n int) string {
	t.Helper()
	return SynthNetDb(t, n, netdb.SynthConfig{Now: Now, Seed: 11, MaxAge: 20 * time.Hour})
}

// SynthNetDb writes n synthetic RouterInfos made with cfg into a new netDb
// directory.
func SynthNetDb(t testing.TB, n int, cfg netdb.SynthConfig) string {
	t.Helper()
	dir := t.TempDir()
	ris, err := netdb.Synth(n, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, ri := range ris {
		if _, err := netdb.Write(dir, ri); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
