package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/certs"
	"github.com/i2pseed/i2pseed/internal/reseedtest"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/reseed"
	"github.com/i2pseed/i2pseed/reseed/wire"
	"github.com/i2pseed/i2pseed/su3"
)

// reseedFixture runs one of our reseed servers over TLS on 127.0.0.1 and
// writes the files a client needs: the TLS certificate (--ca) and the
// signer certificate directory (--certs).
func reseedFixture(t *testing.T) (url, caFile, certDir string) {
	t.Helper()
	dir := t.TempDir()
	now := time.Now()
	ris, err := netdb.Synth(300, netdb.SynthConfig{Now: now, MaxAge: 10 * time.Hour, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	for _, ri := range ris {
		netdb.Write(filepath.Join(dir, "netDb"), ri)
	}
	key := reseedtest.SignerKey(t)
	pool, err := reseed.BuildPool(context.Background(), reseedtest.Store(t, filepath.Join(dir, "netDb")), reseed.PoolConfig{
		Policy: netdb.DefaultPolicy(), Quota: netdb.DefaultBundleQuota, Signer: &su3.Signer{ID: "test@mail.i2p", Key: key}, Secret: []byte("s"),
	}, now)
	if err != nil {
		t.Fatal(err)
	}
	srv := reseed.NewServer(reseed.ServerConfig{Secret: []byte("s"), UserAgents: []string{wire.UserAgent}})
	srv.SetPool(pool)
	tc, err := certs.GenerateTLS([]string{"127.0.0.1"}, now, nil)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{tc.Certificate()}}
	ts.StartTLS()
	t.Cleanup(ts.Close)
	caFile = filepath.Join(dir, "ca.pem")
	os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tc.Cert.Raw}), 0o644)
	certDir = filepath.Join(dir, "signers")
	os.MkdirAll(certDir, 0o755)
	crt, _ := os.ReadFile("../../su3/testdata/test-signer.crt")
	os.WriteFile(filepath.Join(certDir, "test_at_mail.i2p.crt"), crt, 0o644)
	return ts.URL + "/", caFile, certDir
}

// proxyLog records the targets a test proxy was asked for.
type proxyLog struct {
	mu      sync.Mutex
	targets []string
}

func (l *proxyLog) add(s string) { l.mu.Lock(); l.targets = append(l.targets, s); l.mu.Unlock() }
func (l *proxyLog) seen() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.targets...)
}

func pipe(a, b net.Conn) {
	go func() { io.Copy(a, b); a.Close() }()
	io.Copy(b, a)
	b.Close()
}

// connectProxy is a minimal HTTP CONNECT proxy on loopback.
func connectProxy(t *testing.T, log *proxyLog) string {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect {
			http.Error(w, "CONNECT only", http.StatusMethodNotAllowed)
			return
		}
		log.add(r.Host)
		up, err := net.Dial("tcp", r.Host)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.WriteHeader(200)
		c, buf, _ := w.(http.Hijacker).Hijack()
		if buf.Reader.Buffered() > 0 {
			b, _ := buf.Reader.Peek(buf.Reader.Buffered())
			up.Write(b)
		}
		pipe(c, up)
	}))
	t.Cleanup(ts.Close)
	return "http://" + ts.Listener.Addr().String()
}

// socks5Proxy is a minimal RFC 1928 SOCKS5 proxy (no auth, CONNECT).
func socks5Proxy(t *testing.T, log *proxyLog) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				r := bufio.NewReader(c)
				hdr := make([]byte, 2)
				io.ReadFull(r, hdr)
				io.ReadFull(r, make([]byte, hdr[1]))
				c.Write([]byte{5, 0})
				req := make([]byte, 4)
				io.ReadFull(r, req)
				var host string
				switch req[3] {
				case 1:
					ip := make([]byte, 4)
					io.ReadFull(r, ip)
					host = net.IP(ip).String()
				case 3:
					n, _ := r.ReadByte()
					name := make([]byte, n)
					io.ReadFull(r, name)
					host = string(name)
				}
				pb := make([]byte, 2)
				io.ReadFull(r, pb)
				target := net.JoinHostPort(host, strconv.Itoa(int(binary.BigEndian.Uint16(pb))))
				log.add(target)
				up, err := net.Dial("tcp", target)
				if err != nil {
					c.Write([]byte{5, 5, 0, 1, 0, 0, 0, 0, 0, 0})
					c.Close()
					return
				}
				c.Write([]byte{5, 0, 0, 1, 0, 0, 0, 0, 0, 0})
				pipe(c, up)
			}()
		}
	}()
	return "socks5://" + ln.Addr().String()
}

// TestBootstrapThroughProxies: the fetch goes through a CONNECT and a
// SOCKS5 proxy on loopback, and the proxy saw the server as its target.
func TestBootstrapThroughProxies(t *testing.T) {
	url, ca, certDir := reseedFixture(t)
	host := strings.TrimSuffix(strings.TrimPrefix(url, "https://"), "/")
	for name, start := range map[string]func(*testing.T, *proxyLog) string{"connect": connectProxy, "socks5": socks5Proxy} {
		t.Run(name, func(t *testing.T) {
			log := &proxyLog{}
			proxyURL := start(t, log)
			out := cli(t, "bootstrap", "--netdb", filepath.Join(t.TempDir(), "netDb"), "--urls", url,
				"--ca", ca, "--certs", certDir, "--min-servers", "1", "--min-routers", "50", "--proxy", proxyURL)
			if !strings.Contains(out, "wrote 75 RouterInfos") {
				t.Errorf("bootstrap through %s: %s", name, out)
			}
			if seen := log.seen(); len(seen) == 0 || seen[0] != host {
				t.Errorf("%s proxy saw %v, want %s", name, seen, host)
			}
		})
	}
	// Without the proxy it works too, and a wrong --ca fails TLS.
	out := cli(t, "bootstrap", "--netdb", filepath.Join(t.TempDir(), "netDb"), "--urls", url, "--ca", ca, "--certs", certDir, "--min-servers", "1", "--min-routers", "50")
	if !strings.Contains(out, "wrote 75") {
		t.Errorf("direct bootstrap: %s", out)
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{"bootstrap", "--netdb", filepath.Join(t.TempDir(), "x"), "--urls", url, "--certs", certDir, "--min-servers", "1", "--min-routers", "50"}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stdout.String(), "certificate") {
		t.Errorf("untrusted TLS certificate: exit %d, %s", code, stdout.String())
	}
}
