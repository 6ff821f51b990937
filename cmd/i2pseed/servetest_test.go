package main

import (
	"crypto/x509"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/netdb"
)

// synthNetDb writes n synthetic RouterInfos published within the last 12
// hours (on loopback addresses if private) into each of dirs.
func synthNetDb(t *testing.T, n int, private bool, dirs ...string) {
	t.Helper()
	ris, err := netdb.Synth(n, netdb.SynthConfig{Now: time.Now(), MaxAge: 12 * time.Hour, Private: private, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		for _, ri := range ris {
			if _, err := netdb.Write(d, ri); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// waitHealthy polls https://listen/healthz (not bundles: those are rate
// limited per client) until it answers 200, and returns the certificate
// served. It fails the test if serve exits first (its status arrives on
// done and is put back) or limit passes; log is serve's output.
func waitHealthy(t *testing.T, client *http.Client, listen string, done chan int, log fmt.Stringer, limit time.Duration) *x509.Certificate {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		resp, err := client.Get("https://" + listen + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return resp.TLS.PeerCertificates[0]
			}
		}
		select {
		case code := <-done:
			done <- code
			t.Fatalf("serve exited with %d: %s", code, log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve not healthy after %v: %v\n%s", limit, err, log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitExit0 waits up to limit for serve's exit status on done and fails
// the test unless it is 0; what says when (e.g. "after draining").
func waitExit0(t *testing.T, done <-chan int, log fmt.Stringer, limit time.Duration, what string) {
	t.Helper()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited %d %s, want 0:\n%s", code, what, log.String())
		}
	case <-time.After(limit):
		t.Fatalf("serve did not exit %s within %v", what, limit)
	}
}
