package reseed

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/netdb"
)

func validSettings(t *testing.T) Settings {
	return Settings{Listen: ":8443", DataDir: t.TempDir(), Signer: "you@mail.i2p", Rebuild: time.Hour,
		BundleSize: 75, MinEligible: 50, NetID: 2, MinVersion: "0.9.59", UserAgents: []string{"any"}, MaxConns: 10}
}

func TestSettingsConfig(t *testing.T) {
	s := validSettings(t)
	os.Chmod(s.DataDir, 0o755) // an existing data dir others may read is tightened
	c, err := s.Config()
	if err != nil {
		t.Fatal(err)
	}
	if !c.BuiltinRouter || c.NetDbDir != filepath.Join(s.DataDir, "netDb") {
		t.Errorf("no netDb given: BuiltinRouter %v, NetDbDir %s; want the router's in the data dir", c.BuiltinRouter, c.NetDbDir)
	}
	for _, d := range []string{s.DataDir, c.NetDbDir} {
		if fi, err := os.Stat(d); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: %v %v, want a 0700 directory", d, fi, err)
		}
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

	mirror := t.TempDir()
	os.Mkdir(filepath.Join(mirror, "netDb"), 0o755)
	s.FromMirror = mirror
	if c, err := s.Config(); err != nil || c.BuiltinRouter || c.NetDbDir != filepath.Join(mirror, "netDb") {
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
		{"netid", func(s *Settings) { s.NetID = 0 }},
		{"netid", func(s *Settings) { s.NetID = 258 }},
		{"netid", func(s *Settings) { s.NetID = -1 }},
		{"netdb", func(s *Settings) { s.NetDb = "/nonexistent" }},
		{"from-mirror", func(s *Settings) { s.NetDb, s.FromMirror = s.DataDir, s.DataDir }},
		{"bundle-size", func(s *Settings) { s.BundleSize = 10 }},
		{"min-version", func(s *Settings) { s.MinVersion = "new" }},
		{"trusted-proxies", func(s *Settings) { s.TrustedProxies = []string{"10.0.0.1"} }},
		{"blocklist", func(s *Settings) { s.Blocklist = "/nonexistent" }},
		{"data-dir", func(s *Settings) { s.DataDir = "/dev/null" }},
	} {
		s := validSettings(t)
		tc.edit(&s)
		_, err := s.Config()
		var se *SettingError
		if !errors.As(err, &se) || se.Setting != tc.setting || !errors.Is(err, ErrSetting) {
			t.Errorf("%s: got %v, want a SettingError naming it", tc.setting, err)
		}
	}
	s := validSettings(t)
	s.Testnet, s.BundleSize = true, 10
	if _, err := s.Config(); err != nil {
		t.Errorf("--testnet with 10 per bundle: %v", err)
	}
}
