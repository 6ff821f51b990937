package reseed

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/netdb"
)

// BenchmarkVerifyBundle75: what a client does with one received bundle:
// su3 signature, zip, and 75 RouterInfo signatures and checks.
func BenchmarkVerifyBundle75(b *testing.B) {
	signer, kr := testSigner(b)
	bundle := signBundle(b, signer, synthEntries(b, 75, netdb.SynthConfig{Now: testNow, Seed: 1, MaxAge: 10 * time.Hour}))
	cfg := ClientConfig{Keyring: kr, Now: func() time.Time { return testNow }}
	b.SetBytes(int64(len(bundle)))
	for b.Loop() {
		if r, err := VerifyBundle(bundle, cfg); err != nil || len(r.Routers) != 75 {
			b.Fatalf("%d, %v", len(r.Routers), err)
		}
	}
}

// BenchmarkBootstrap3: a whole bootstrap from three local servers over TLS
// (new connections each time), 100 RouterInfos from 2 servers wanted.
func BenchmarkBootstrap3(b *testing.B) {
	signer, kr := testSigner(b)
	var urls []string
	for i := range 3 {
		bundle := signBundle(b, signer, synthEntries(b, 75, netdb.SynthConfig{Now: testNow, Seed: uint64(i + 10), MaxAge: 10 * time.Hour}))
		ts := tlsServer(b, func(w http.ResponseWriter, r *http.Request) { w.Write(bundle) })
		urls = append(urls, ts.URL+"/")
	}
	pool := x509.NewCertPool()
	pool.AddCert(serverCert.Cert)
	for b.Loop() {
		client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
		cfg := ClientConfig{URLs: urls, Keyring: kr, HTTP: client, Now: func() time.Time { return testNow }}
		if res, err := Bootstrap(context.Background(), cfg, nil); err != nil || len(res.Routers) < 100 {
			b.Fatalf("bootstrap: %v", err)
		}
	}
}
