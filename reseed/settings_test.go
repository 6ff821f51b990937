package reseed

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/internal/setting"
	"github.com/i2pseed/i2pseed/netdb"
)

func validSettings(t *testing.T) Settings {
	return Settings{Listen: "127.0.0.1:0", DataDir: t.TempDir(), Signer: "you@mail.i2p", Rebuild: time.Hour,
		BundleSize: 75, MinEligible: 50, NetID: 2, MinVersion: "0.9.59", UserAgents: []string{"any"}, MaxConns: 10,
		TLS: TLSSettings{Mode: "selfsigned", Hosts: []string{"127.0.0.1"}}}
}

// TestSettingsCheck: Check derives the parts' configs and touches nothing.
func TestSettingsCheck(t *testing.T) {
	s := validSettings(t)
	s.DataDir = filepath.Join(t.TempDir(), "not-yet")
	c, err := s.Check()
	if err != nil {
		t.Fatal(err)
	}
	if !c.BuiltinRouter || c.NetDbDir != filepath.Join(s.DataDir, "netDb") {
		t.Errorf("no netDb given: BuiltinRouter %v, NetDbDir %s; want the router's in the data dir", c.BuiltinRouter, c.NetDbDir)
	}
	if _, err := os.Stat(s.DataDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Check made the data dir: %v", err)
	}
	if c.NetID != netdb.LiveNetID || c.Pool.Policy.NetID != c.NetID || c.Server.NetID != c.NetID {
		t.Errorf("netIds: %d, policy %d, server %d", c.NetID, c.Pool.Policy.NetID, c.Server.NetID)
	}
	if c.Server.UserAgents != nil {
		t.Errorf(`UserAgents "any" gave %q, want nil (all)`, c.Server.UserAgents)
	}
	if want := RouterInfoMaxAge(time.Hour); c.Pool.Policy.MaxAge != want {
		t.Errorf("MaxAge %v, want %v", c.Pool.Policy.MaxAge, want)
	}
	if c.Server.BundleSize != 75 {
		t.Errorf("status page bundle size %d, want 75", c.Server.BundleSize)
	}
	s.FromMirror = "/srv/mirror"
	if c, err := s.Check(); err != nil || c.BuiltinRouter || c.NetDbDir != "/srv/mirror/netDb" || c.netDbKey != "from-mirror" {
		t.Errorf("from a mirror: %+v, %v", c, err)
	}
}

func TestSettingsErrors(t *testing.T) {
	for _, tc := range []struct {
		setting string
		edit    func(*Settings)
	}{
		{"signer", func(s *Settings) { s.Signer = "" }},
		{"rebuild", func(s *Settings) { s.Rebuild = time.Second }},
		{"epoch", func(s *Settings) { s.Epoch = 13 * time.Hour }},
		{"drain", func(s *Settings) { s.Drain = -time.Second }},
		{"data-dir", func(s *Settings) { s.DataDir = "" }},
		{"netid", func(s *Settings) { s.NetID = 0 }},
		{"netid", func(s *Settings) { s.NetID = 258 }},
		{"netid", func(s *Settings) { s.NetID = -1 }},
		{"from-mirror", func(s *Settings) { s.NetDb, s.FromMirror = s.DataDir, s.DataDir }},
		{"bundle-size", func(s *Settings) { s.BundleSize = 10 }},
		{"min-version", func(s *Settings) { s.MinVersion = "new" }},
		{"trusted-proxies", func(s *Settings) { s.TrustedProxies = []string{"10.0.0.1"} }},
		{"tls", func(s *Settings) { s.TLS.Mode = "letsencrypt" }},
		{"tls", func(s *Settings) { s.TLS = TLSSettings{Mode: "files", CertFile: "cert.pem"} }},
		{"tls", func(s *Settings) { s.TLS = TLSSettings{Mode: "acme"} }},
		{"ntcp2-listen", func(s *Settings) { s.Router.NTCP2.Listen = "nonsense" }},
		{"sessions", func(s *Settings) { s.Router.Sessions = -1 }},
	} {
		s := validSettings(t)
		tc.edit(&s)
		_, err := s.Check()
		var se *setting.Error
		if !errors.As(err, &se) || se.Setting != tc.setting || !errors.Is(err, setting.ErrBad) {
			t.Errorf("%s: got %v, want a setting.Error naming it", tc.setting, err)
		}
	}
	s := validSettings(t)
	s.Testnet, s.BundleSize = true, 10
	if _, err := s.Check(); err != nil {
		t.Errorf("testnet with 10 per bundle: %v", err)
	}
}

// TestOpenErrors: what only opening finds is named by setting too, and
// nothing is left listening.
func TestOpenErrors(t *testing.T) {
	busy := validSettings(t)
	for _, tc := range []struct {
		setting string
		edit    func(*Settings)
	}{
		{"netdb", func(s *Settings) { s.NetDb = "/nonexistent" }},
		{"from-mirror", func(s *Settings) { s.NetDb, s.FromMirror = "", t.TempDir() }}, // no netDb inside
		{"blocklist", func(s *Settings) { s.Blocklist = "/nonexistent" }},
		{"data-dir", func(s *Settings) { s.DataDir = "/dev/null" }},
		{"tls-cert", func(s *Settings) {
			s.TLS = TLSSettings{Mode: "files", CertFile: "/nonexistent", KeyFile: "/nonexistent"}
		}},
		{"listen", func(s *Settings) { s.Listen = "256.0.0.1:1" }},
		{"metrics-listen", func(s *Settings) { s.NetDb, s.MetricsListen = busy.DataDir, "nonsense" }},
	} {
		s := validSettings(t)
		s.NetDb = t.TempDir()
		tc.edit(&s)
		c, err := s.Check()
		if err != nil {
			t.Fatalf("%s: Check: %v", tc.setting, err)
		}
		_, err = Open(t.Context(), c, Options{})
		var se *setting.Error
		if !errors.As(err, &se) || se.Setting != tc.setting {
			t.Errorf("%s: got %v, want a setting.Error naming it", tc.setting, err)
		}
	}
}

// TestOpenMakesPrivateDirs: the data dir is made 0700 (an existing one
// tightened), the netDb of the built-in router too, and the signer key is
// made once.
func TestOpenMakesPrivateDirs(t *testing.T) {
	s := validSettings(t)
	os.Chmod(s.DataDir, 0o755)
	c, err := s.Check()
	if err != nil {
		t.Fatal(err)
	}
	svc, err := Open(t.Context(), c, Options{}) // no Router: the built-in router is not built
	if err != nil {
		t.Fatal(err)
	}
	svc.closeListeners()
	for _, d := range []string{s.DataDir, c.NetDbDir} {
		if fi, err := os.Stat(d); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: %v %v, want a 0700 directory", d, fi, err)
		}
	}
	if !svc.SignerCreated() || svc.Signer().ID != "you@mail.i2p" {
		t.Errorf("signer: created %v, %v", svc.SignerCreated(), svc.Signer().ID)
	}
	c, _ = s.Check()
	again, err := Open(t.Context(), c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	again.closeListeners()
	if again.SignerCreated() || !reflect.DeepEqual(again.Signer().Key.Public(), svc.Signer().Key.Public()) {
		t.Error("second Open made a new signer key")
	}
}

func TestDefaultDataDir(t *testing.T) {
	got := DefaultDataDir()
	if os.Geteuid() == 0 && got != "/var/lib/i2pseed" || filepath.Base(got) != "i2pseed" && got != ".i2pseed" {
		t.Errorf("got %q, want /var/lib/i2pseed for root, else an i2pseed directory", got)
	}
}

func TestYggdrasilSetting(t *testing.T) {
	for _, bad := range []string{"127.0.0.1:8080", "[2001:db8::1]:8080", "[201:abcd::1]:0", "201:abcd::1", "[fc00::1]:80"} {
		s := validSettings(t)
		s.YggdrasilListen = []string{bad}
		_, err := s.Check()
		var se *setting.Error
		if !errors.As(err, &se) || se.Setting != "yggdrasil-listen" {
			t.Errorf("%s: %v, want a setting.Error naming yggdrasil-listen", bad, err)
		}
	}
	s := validSettings(t)
	s.YggdrasilListen = []string{"[201:abcd::1]:8080", "[300:1::2]:80"}
	if c, err := s.Check(); err != nil || len(c.Yggdrasil) != 2 {
		t.Errorf("Yggdrasil node and subnet addresses: %v, %v", c, err)
	}
}
