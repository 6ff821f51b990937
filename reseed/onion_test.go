package reseed

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/i2pseed/i2pseed/internal/setting"
	"github.com/i2pseed/i2pseed/internal/torctl"
	"github.com/i2pseed/i2pseed/reseed/wire"
	"github.com/i2pseed/i2pseed/testnet"
)

func TestOnionKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), OnionKeyFile)
	k1, err := loadOrCreateOnionKey(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, mode %v, want 0600", err, fi.Mode())
	}
	k2, err := loadOrCreateOnionKey(path)
	if err != nil || !k1.Equal(k2) {
		t.Errorf("the second load got another key (%v): the .onion would change", err)
	}
	if ents, _ := os.ReadDir(filepath.Dir(path)); len(ents) != 1 {
		t.Errorf("temporary files left: %v", ents)
	}
	bad := filepath.Join(t.TempDir(), OnionKeyFile)
	os.WriteFile(bad, []byte("not a key"), 0o600)
	if _, err := loadOrCreateOnionKey(bad); !errors.Is(err, ErrOnionKey) {
		t.Errorf("got %v, want ErrOnionKey", err)
	}
	if b, _ := os.ReadFile(bad); string(b) != "not a key" {
		t.Errorf("a bad key file was replaced")
	}
}

func TestCheckTorControl(t *testing.T) {
	for _, tt := range []struct {
		in string
		ok bool
	}{
		{"", true}, {"127.0.0.1:9051", true}, {"[::1]:9051", true}, {"unix:/run/tor/control", true},
		{"127.0.0.1", false}, {"127.0.0.1:0", false}, {"unix:run/tor", false}, {"9051", false},
	} {
		err := checkTorControl(tt.in)
		var se *setting.Error
		if (err == nil) != tt.ok || (err != nil && (!errors.As(err, &se) || se.Setting != "tor-control")) {
			t.Errorf("checkTorControl(%q) = %v, want ok %v (a tor-control setting error)", tt.in, err, tt.ok)
		}
	}
}

// needTor skips without root, ip or tor, unless CI is set.
func needTor(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("CI is set but %v", err)
	}
	t.Skip(err)
}

// TestOnionChannelLoneTor runs the onion channel against a real tor that
// has no network (DisableNetwork): authentication, the address, the error
// naming --tor-control, withdrawal on close, and tor going away.
func TestOnionChannelLoneTor(t *testing.T) {
	needTor(t, testnet.CheckHost())
	ns, err := testnet.CreateNetNS(fmt.Sprintf("i2pseed-ltor-%d", os.Getpid()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Delete() })
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	torDir := t.TempDir()
	tor, control, err := testnet.StartLoneTor(ctx, ns, torDir, "s3cret")
	if errors.Is(err, testnet.ErrNoTor) {
		needTor(t, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer tor.Stop()
	keyFile := filepath.Join(t.TempDir(), OnionKeyFile)
	listen := func(ch *OnionChannel) (ln net.Listener, err error) {
		err = ns.Do(func() error { ln, err = ch.Listen(ctx); return err })
		return ln, err
	}

	t.Run("wrong password", func(t *testing.T) {
		_, err := listen(&OnionChannel{Control: control, Password: "wrong", KeyFile: keyFile})
		if !errors.Is(err, torctl.ErrAuth) {
			t.Errorf("got %v, want ErrAuth", err)
		}
	})
	t.Run("no tor there", func(t *testing.T) {
		s := validSettings(t)
		s.NetDb, s.TorControl = synthNetDb(t, 60), ns.Addr+":9"
		c, err := s.Check()
		if err != nil {
			t.Fatal(err)
		}
		err = ns.Do(func() error { _, err := Open(ctx, c, Options{}); return err })
		var se *setting.Error
		if !errors.As(err, &se) || se.Setting != "tor-control" || se.Value != ns.Addr+":9" || !strings.Contains(se.Msg, "no tor control port") {
			t.Errorf("got %v, want a tor-control setting error saying no tor listens", err)
		}
	})

	addTwice(t, listen, control, keyFile)
	t.Run("control socket", func(t *testing.T) {
		ln, err := listen(&OnionChannel{Control: "unix:" + filepath.Join(torDir, "ctl", "control"), KeyFile: keyFile})
		if err != nil {
			t.Fatal(err)
		}
		ln.Close()
	})

	ln, err := listen(&OnionChannel{Control: control, KeyFile: keyFile})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	assertTorGone(t, tor, ln)
}

// assertTorGone stops tor and wants ln's Accept to fail with ErrTorGone.
func assertTorGone(t *testing.T, tor *testnet.Process, ln net.Listener) {
	t.Helper()
	accepted := make(chan error, 1)
	go func() { _, err := ln.Accept(); accepted <- err }()
	tor.Stop()
	select {
	case err := <-accepted:
		if !errors.Is(err, ErrTorGone) {
			t.Errorf("Accept after tor stopped: got %v, want ErrTorGone", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("Accept still waits after tor stopped")
	}
	if !bytes.Contains([]byte(tor.Log()), []byte("Opened Control listener")) {
		t.Errorf("tor log: %s", tor.Log())
	}
}

// addTwice adds the service with the password, then by cookie, each time
// with the key's address, refusing a second copy while one is up, and
// withdrawn on Close.
func addTwice(t *testing.T, listen func(*OnionChannel) (net.Listener, error), control, keyFile string) {
	t.Helper()
	for _, pw := range []string{"s3cret", ""} { // HASHEDPASSWORD, then SAFECOOKIE
		ln, err := listen(&OnionChannel{Control: control, Password: pw, KeyFile: keyFile})
		if err != nil {
			t.Fatalf("password %q: %v", pw, err)
		}
		key, _ := loadOrCreateOnionKey(keyFile)
		want := torctl.ServiceID(key.Public().(ed25519.PublicKey)) + ".onion:80"
		if got := ln.Addr().String(); got != want {
			t.Errorf("Addr() = %s, want %s (the key's)", got, want)
		}
		if pw == "s3cret" {
			if _, err := listen(&OnionChannel{Control: control, KeyFile: keyFile}); err == nil || !strings.Contains(err.Error(), "collision") {
				t.Errorf("the same key twice: got %v, want tor's collision", err)
			}
		}
		ln.Close() // withdraws it: the next round adds the same key again
	}

}

// TestOnionClientsShareOneKey: requests on the onion channel, whatever
// address they seem to come from, get one bundle and share one
// per-client limit; the same addresses over HTTPS are told apart.
func TestOnionClientsShareOneKey(t *testing.T) {
	srv, _, pool := testServer(t, Limits{PerClient: rate.Every(time.Hour), PerClientBurst: 3, Global: 1000, GlobalBurst: 100}, true)
	if len(pool.Bundles) < 2 {
		t.Fatalf("a pool of %d bundles cannot tell", len(pool.Bundles))
	}
	get := func(h http.Handler, addr string) (int, []byte) {
		r := httptest.NewRequest(http.MethodGet, "/i2pseeds.su3", nil)
		r.RemoteAddr, r.Header["User-Agent"] = addr+":40000", []string{wire.UserAgent}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code, w.Body.Bytes()
	}
	onion := srv.HandlerFor(&OnionChannel{})
	var first []byte
	for i := range 5 {
		code, body := get(onion, fmt.Sprintf("127.0.0.%d", i+1))
		switch {
		case i < 3 && (code != http.StatusOK || (first != nil && !bytes.Equal(body, first))):
			t.Fatalf("onion request %d: %d, or another bundle; want 200 and the first's", i, code)
		case i >= 3 && code != http.StatusTooManyRequests:
			t.Fatalf("onion request %d beyond the shared burst of 3: %d, want 429", i, code)
		}
		if first == nil {
			first = body
		}
	}
	https := srv.HandlerFor(&HTTPSChannel{})
	if code, _ := get(https, "203.0.113.9"); code != http.StatusOK {
		t.Errorf("an HTTPS client after the onion clients' burst: %d, want 200", code)
	}
}
