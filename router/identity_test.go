package router

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/netdb"
)

func TestIdentityPersists(t *testing.T) {
	dir := t.TempDir()
	a, err := LoadOrCreateIdentity(dir)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, KeysFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("keys file: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
	b, err := LoadOrCreateIdentity(dir)
	if err != nil {
		t.Fatal(err)
	}
	if a.Hash() != b.Hash() || a.NTCP2 != b.NTCP2 {
		t.Fatal("identity changed across a restart")
	}
	for _, addr := range []Address{{}, {Host: "198.18.0.5", Port: 12345}} {
		ri, err := b.RouterInfo(time.Now(), 2, addr)
		if err != nil {
			t.Fatal(err)
		}
		if err := ri.Verify(); err != nil || ri.Hash() != a.Hash() {
			t.Errorf("RouterInfo for %+v: verify %v, hash match %v", addr, err, ri.Hash() == a.Hash())
		}
		wantCaps := "KUG"
		if addr.Host != "" {
			wantCaps = "KRG"
		}
		if caps := ri.Option("caps"); caps != wantCaps {
			t.Errorf("RouterInfo for %+v: caps %q, want %q (no tunnels: K and G)", addr, caps, wantCaps)
		}
		if r := ri.CheckAddresses(); r != netdb.OK {
			t.Errorf("RouterInfo for %+v: addresses %v", addr, r)
		}
		if len(ri.Bytes()) > 3072 {
			t.Errorf("RouterInfo of %d bytes", len(ri.Bytes()))
		}
	}
	os.WriteFile(filepath.Join(dir, KeysFile), []byte("{"), 0o600)
	if _, err := LoadOrCreateIdentity(dir); err == nil {
		t.Error("a damaged keys file was accepted (or silently replaced)")
	}
}
