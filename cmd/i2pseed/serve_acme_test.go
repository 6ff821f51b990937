package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/internal/pebbletest"
)

// TestServeACME runs `i2pseed serve --tls acme` against a local pebble CA:
// the server obtains its certificate over ACME (HTTP-01 on its
// --acme-http-listen), then serves bundles with it.
func TestServeACME(t *testing.T) {
	ca := pebbletest.Start(t)
	dir := t.TempDir()
	nd := filepath.Join(dir, "netDb")
	synthNetDb(t, 300, false, nd)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := &syncWriter{w: &bytes.Buffer{}}
	done := make(chan int, 1)
	listen := fmt.Sprintf("127.0.0.1:%d", ca.TLSPort)
	go func() {
		done <- runContext(ctx, []string{"serve", "--netdb", nd, "--signer", "acme@mail.i2p",
			"--data-dir", filepath.Join(dir, "data"), "--listen", listen, "--tls", "acme", "--host", "reseed.test",
			"--acme-ca", ca.Dir, "--acme-ca-roots", ca.RootsFile, "--acme-email", "ops@reseed.test",
			"--acme-http-listen", fmt.Sprintf("127.0.0.1:%d", ca.HTTPPort)}, io.Discard, log)
	}()
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{ServerName: "reseed.test", InsecureSkipVerify: true}}}
	waitHealthy(t, client, listen, done, log, 2*time.Minute) // ACME first
	req, _ := http.NewRequest(http.MethodGet, "https://"+listen+"/i2pseeds.su3", nil)
	req.Header.Set("User-Agent", "Wget/1.11.4")
	resp, err := client.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("bundle over ACME TLS: %v, %v", resp, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	leaf := resp.TLS.PeerCertificates[0]
	if !strings.Contains(leaf.Issuer.CommonName, "Pebble") || leaf.DNSNames[0] != "reseed.test" {
		t.Errorf("served certificate from %q for %v; want pebble's, for reseed.test", leaf.Issuer.CommonName, leaf.DNSNames)
	}
	if !bytes.HasPrefix(body, []byte("I2Psu3")) {
		t.Errorf("body is not an su3 (%d bytes)", len(body))
	}
	cancel()
	waitExit0(t, done, log, 20*time.Second, "after cancel")
}

// TestServeACMEUnvalidatable: with a host the CA cannot validate, serve
// --tls acme does not exit (systemd would restart it, retrying far faster
// than the CA allows): it logs the failure, keeps running while certmagic
// retries, and exits 0 when stopped.
func TestServeACMEUnvalidatable(t *testing.T) {
	ca := pebbletest.Start(t)
	// The CA validates HTTP-01 on its HTTPPort: a foreign server answers
	// 404 there; nobody answers TLS-ALPN-01 on its TLSPort.
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", ca.HTTPPort))
	if err != nil {
		t.Fatal(err)
	}
	foreign := &http.Server{Handler: http.NotFoundHandler(), ReadHeaderTimeout: 5 * time.Second}
	go foreign.Serve(ln)
	defer foreign.Close()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr := &syncWriter{w: &bytes.Buffer{}}
	done := make(chan int, 1)
	go func() {
		done <- runContext(ctx, []string{"serve", "--netdb", t.TempDir(), "--signer", "acme@mail.i2p",
			"--data-dir", filepath.Join(dir, "data"), "--listen", fmt.Sprintf("127.0.0.1:%d", pebbletest.FreePort(t)),
			"--tls", "acme", "--host", "unreachable.test", "--acme-ca", ca.Dir, "--acme-ca-roots", ca.RootsFile,
			"--acme-http-listen", fmt.Sprintf("127.0.0.1:%d", pebbletest.FreePort(t))}, io.Discard, stderr)
	}()
	for start := time.Now(); !strings.Contains(stderr.String(), "ACME certificate attempt failed"); {
		select {
		case code := <-done:
			t.Fatalf("serve exited with %d for a host the CA cannot validate: %s", code, stderr.String())
		default:
		}
		if time.Since(start) > 90*time.Second {
			t.Fatalf("no ACME failure logged after 90s:\n%s", stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if log := stderr.String(); !strings.Contains(log, "validation_failed=true") || !strings.Contains(log, "host=unreachable.test") {
		t.Errorf("the failure log does not name the host and say validation failed:\n%s", log)
	}
	select {
	case code := <-done:
		t.Fatalf("serve exited with %d after the ACME failure: %s", code, stderr.String())
	case <-time.After(2 * time.Second):
	}
	cancel()
	waitExit0(t, done, stderr, 20*time.Second, "when stopped")
}
