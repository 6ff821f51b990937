package certs_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
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

// acmeRecorder collects a provider's events.
type acmeRecorder struct {
	mu     sync.Mutex
	events []certs.ACMEEvent
	now    time.Time
}

func (r *acmeRecorder) record(e certs.ACMEEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *acmeRecorder) last() (certs.ACMEEvent, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.events) == 0 {
		return certs.ACMEEvent{}, 0
	}
	return r.events[len(r.events)-1], len(r.events)
}

// occupy answers 404 to everything on 127.0.0.1:port, so that HTTP-01
// validation there fails (certmagic would answer on a free port itself).
func occupy(t *testing.T, port int) {
	t.Helper()
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: http.NotFoundHandler(), ReadHeaderTimeout: 5 * time.Second}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
}

func (r *acmeRecorder) clock() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.now
}

func (r *acmeRecorder) advance(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.now = r.now.Add(d)
}

// TestACMEValidationBudget: for a name the CA cannot validate (nobody
// answers HTTP-01), failed validations are reported as such, and once
// ValidationsPerHour have failed within an hour the next attempt is put
// off without asking the CA, until the oldest failure is an hour old.
func TestACMEValidationBudget(t *testing.T) {
	ca := pebbletest.Start(t)
	occupy(t, ca.HTTPPort)
	rec := &acmeRecorder{now: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}
	a, err := certs.NewACME(certs.ACMEConfig{
		Domains: []string{"unreachable.test"}, CA: ca.Dir, StorageDir: t.TempDir(), TrustedRoots: ca.Roots,
		HTTPPort: ca.HTTPPort, DisableTLSALPN: true, ValidationsPerHour: 2, Now: rec.clock, Events: rec.record,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	failed := func(what string) {
		t.Helper()
		if err := a.Manage(ctx); err == nil {
			t.Fatalf("%s: got a certificate nobody validated", what)
		}
		e, _ := rec.last()
		if e.Err == nil || !e.Validation || e.Name != "unreachable.test" {
			t.Fatalf("%s: event %+v; want a failed validation of unreachable.test", what, e)
		}
	}
	failed("attempt 1")
	rec.advance(10 * time.Minute)
	failed("attempt 2")
	rec.advance(10 * time.Minute)
	_, n := rec.last()
	err = a.Manage(ctx)
	e, m := rec.last()
	if err == nil || !strings.Contains(err.Error(), "failed validations in the past hour") || m != n+1 {
		t.Fatalf("attempt 3, 2 failed validations in 20 min: %v; want it put off", err)
	}
	if want := rec.clock().Add(40 * time.Minute); !e.PutOff.Equal(want) || e.Err != nil {
		t.Errorf("attempt 3 event %+v; want it put off until %v", e, want)
	}
	rec.advance(41 * time.Minute) // the first failure is an hour old
	failed("attempt 4, an hour later")
}

// TestACMEStartInBackground: Start returns at once even for a name the CA
// cannot validate, and reports the failure as an event (certmagic retries).
func TestACMEStartInBackground(t *testing.T) {
	ca := pebbletest.Start(t)
	occupy(t, ca.HTTPPort)
	rec := &acmeRecorder{}
	a, err := certs.NewACME(certs.ACMEConfig{
		Domains: []string{"unreachable.test"}, CA: ca.Dir, StorageDir: t.TempDir(), TrustedRoots: ca.Roots,
		HTTPPort: ca.HTTPPort, DisableTLSALPN: true, Events: rec.record,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Start took %v; it should not wait for the CA", took)
	}
	for {
		if e, _ := rec.last(); e.Err != nil {
			if !e.Validation {
				t.Errorf("event %+v; want a failed validation", e)
			}
			break
		}
		if time.Since(start) > 60*time.Second {
			t.Fatal("no failure reported within 60s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if a.Fingerprint() != "" {
		t.Errorf("fingerprint %q without a certificate", a.Fingerprint())
	}
}
