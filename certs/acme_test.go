package certs_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/certs"
	"github.com/i2pseed/i2pseed/internal/pebbletest"
)

// TestACMEWithPebble obtains a certificate over the real ACME protocol
// (HTTP-01, answered by the provider's HTTP handler as `serve --tls acme`
// mounts it) from a local pebble CA.
func TestACMEWithPebble(t *testing.T) {
	ca := pebbletest.Start(t)
	httpPort := ca.HTTPPort
	a, err := certs.NewACME(certs.ACMEConfig{
		Domains: []string{"reseed.test"}, Email: "ops@reseed.test", CA: ca.Dir,
		StorageDir: t.TempDir(), TrustedRoots: ca.Roots, HTTPPort: httpPort, DisableTLSALPN: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Addr: fmt.Sprintf("127.0.0.1:%d", httpPort), ReadHeaderTimeout: 5 * time.Second,
		Handler: a.HTTPHandler(http.NotFoundHandler())}
	ln, err := net.Listen("tcp", hs.Addr)
	if err != nil {
		t.Fatal(err)
	}
	go hs.Serve(ln)
	defer hs.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if err := a.Manage(ctx); err != nil {
		t.Fatal(err)
	}
	c, err := a.GetCertificate(&tls.ClientHelloInfo{ServerName: "reseed.test"})
	if err != nil || c == nil || c.Leaf == nil {
		t.Fatalf("no certificate for reseed.test: %v", err)
	}
	if !strings.Contains(c.Leaf.Issuer.CommonName, "Pebble") || c.Leaf.DNSNames[0] != "reseed.test" {
		t.Errorf("certificate issuer %q, names %v; want pebble's, [reseed.test]", c.Leaf.Issuer.CommonName, c.Leaf.DNSNames)
	}
	if len(a.Fingerprint()) != 64 {
		t.Errorf("fingerprint %q", a.Fingerprint())
	}
	if !a.NotAfter().Equal(c.Leaf.NotAfter) {
		t.Errorf("NotAfter %v; the certificate expires %v", a.NotAfter(), c.Leaf.NotAfter)
	}
	checkPolicy(t, "ACME", a.TLSConfig())
	if tc := a.TLSConfig(); !slices.Contains(tc.NextProtos, "acme-tls/1") {
		t.Errorf("ACME TLSConfig offers %v: TLS-ALPN-01 needs acme-tls/1", tc.NextProtos)
	}
	t.Logf("ACME certificate for %v from %q, valid until %s", c.Leaf.DNSNames, c.Leaf.Issuer.CommonName, c.Leaf.NotAfter.Format(time.DateOnly))
}
