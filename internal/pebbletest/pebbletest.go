// Package pebbletest runs Debian's pebble, a real RFC 8555 ACME server for
// tests, with pebble-challtestsrv as its DNS answering every name with
// 127.0.0.1. Tests skip without pebble unless CI is set; .ci/install-i2pd.sh
// installs it.
package pebbletest

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/certs"
)

// A CA is a running pebble.
type CA struct {
	Dir       string         // ACME directory URL
	Roots     *x509.CertPool // trusts pebble's own HTTPS endpoint
	RootsFile string         // the same as a PEM file
	HTTPPort  int            // where pebble validates HTTP-01
	TLSPort   int            // where pebble validates TLS-ALPN-01
}

// FreePort returns a loopback TCP port nobody listens on right now.
func FreePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Start runs Debian's pebble (a real RFC 8555 ACME server for tests)
// and pebble-challtestsrv as its DNS, which answers every name with
// 127.0.0.1. It returns the directory URL, a pool trusting pebble's HTTPS
// endpoint, and the port pebble validates HTTP-01 challenges on.
func Start(t *testing.T) *CA {
	t.Helper()
	pebble, err1 := exec.LookPath("pebble")
	chall, err2 := exec.LookPath("pebble-challtestsrv")
	if err1 != nil || err2 != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI is set but pebble is not installed (apt-get install pebble)")
		}
		t.Skip("pebble not installed (apt-get install pebble)")
	}
	work := t.TempDir()
	tc, err := certs.GenerateTLS([]string{"127.0.0.1", "localhost"}, time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath := filepath.Join(work, "pebble.crt"), filepath.Join(work, "pebble.key")
	if err := tc.WriteFiles(certPath, keyPath, false); err != nil {
		t.Fatal(err)
	}
	acmePort, mgmtPort, dnsPort, challMgmt := FreePort(t), FreePort(t), FreePort(t), FreePort(t)
	httpPort, tlsPort := FreePort(t), FreePort(t)
	cfg := fmt.Sprintf(`{"pebble": {"listenAddress": "127.0.0.1:%d", "managementListenAddress": "127.0.0.1:%d",
		"certificate": %q, "privateKey": %q, "httpPort": %d, "tlsPort": %d, "ocspResponderURL": "",
		"externalAccountBindingRequired": false}}`, acmePort, mgmtPort, certPath, keyPath, httpPort, tlsPort)
	cfgPath := filepath.Join(work, "pebble.json")
	os.WriteFile(cfgPath, []byte(cfg), 0o644)

	run := func(name string, env []string, args ...string) {
		cmd := exec.Command(name, args...)
		cmd.Env = append(os.Environ(), env...)
		out, _ := os.Create(filepath.Join(work, filepath.Base(name)+".log"))
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatalf("start %s: %v", name, err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait(); out.Close() })
	}
	run(chall, nil, "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "", "-dns01", fmt.Sprintf("127.0.0.1:%d", dnsPort),
		"-http01", "", "-https01", "", "-tlsalpn01", "", "-management", fmt.Sprintf("127.0.0.1:%d", challMgmt))
	run(pebble, []string{"PEBBLE_VA_NOSLEEP=1", "PEBBLE_WFE_NONCEREJECT=0"}, "-config", cfgPath, "-dnsserver", fmt.Sprintf("127.0.0.1:%d", dnsPort))

	roots := x509.NewCertPool()
	roots.AddCert(tc.Cert)
	dir := fmt.Sprintf("https://127.0.0.1:%d/dir", acmePort)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}, Timeout: time.Second}
	for i := 0; ; i++ {
		resp, err := client.Get(dir)
		if err == nil {
			resp.Body.Close()
			break
		}
		if i > 600 { // 60 s: pebble makes RSA keys at start, slow on a busy machine
			log, _ := os.ReadFile(filepath.Join(work, "pebble.log"))
			t.Fatalf("pebble did not come up: %v\n%s", err, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return &CA{Dir: dir, Roots: roots, RootsFile: certPath, HTTPPort: httpPort, TLSPort: tlsPort}
}
