package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/internal/reseedtest"
	"github.com/i2pseed/i2pseed/netdb"
)

// BenchmarkVerifyBundle75: what a client does with one received bundle:
// su3 signature, zip, and 75 RouterInfo signatures and checks.
func BenchmarkVerifyBundle75(b *testing.B) {
	signer, kr := reseedtest.Signer(b)
	bundle := reseedtest.SignBundle(b, signer, reseedtest.SynthEntries(b, 75, netdb.SynthConfig{Now: reseedtest.Now, Seed: 1, MaxAge: 10 * time.Hour}))
	cfg := Config{Keyring: kr, Now: func() time.Time { return reseedtest.Now }}
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
	signer, kr := reseedtest.Signer(b)
	var urls []string
	for i := range 3 {
		bundle := reseedtest.SignBundle(b, signer, reseedtest.SynthEntries(b, 75, netdb.SynthConfig{Now: reseedtest.Now, Seed: uint64(i + 10), MaxAge: 10 * time.Hour}))
		ts := reseedtest.TLSServer(b, func(w http.ResponseWriter, r *http.Request) { w.Write(bundle) })
		urls = append(urls, ts.URL+"/")
	}
	pool := x509.NewCertPool()
	pool.AddCert(reseedtest.ServerCert(b).Cert)
	for b.Loop() {
		client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
		cfg := Config{URLs: urls, Keyring: kr, HTTP: client, Now: func() time.Time { return reseedtest.Now }}
		if res, err := Bootstrap(context.Background(), cfg, nil); err != nil || len(res.Routers) < 100 {
			b.Fatalf("bootstrap: %v", err)
		}
	}
}
