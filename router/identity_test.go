package router

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/router/ssu2"
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
	if a.Hash() != b.Hash() || ntcp2Keys(t, a) != ntcp2Keys(t, b) {
		t.Fatal("identity changed across a restart")
	}
	for _, pub := range []netip.AddrPort{{}, netip.MustParseAddrPort("198.18.0.5:12345")} {
		checkOurRouterInfo(t, b, pub)
	}
	os.WriteFile(filepath.Join(dir, KeysFile), []byte("{"), 0o600)
	if _, err := LoadOrCreateIdentity(dir); err == nil {
		t.Error("a damaged keys file was accepted (or silently replaced)")
	}
}

// checkOurRouterInfo checks the RouterInfo id signs with its NTCP2
// address published at pub (invalid: unpublished).
func checkOurRouterInfo(t *testing.T, id *Identity, pub netip.AddrPort) {
	t.Helper()
	ri, err := id.RouterInfo(time.Now(), 2, ntcp2Address(t, id, pub))
	if err != nil {
		t.Fatal(err)
	}
	if err := ri.Verify(); err != nil || ri.Hash() != id.Hash() {
		t.Errorf("RouterInfo for %v: verify %v, hash match %v", pub, err, ri.Hash() == id.Hash())
	}
	wantCaps := "KUG"
	if pub.IsValid() {
		wantCaps = "KRG"
	}
	if caps := ri.Option("caps"); caps != wantCaps {
		t.Errorf("RouterInfo for %v: caps %q, want %q (no tunnels: K and G)", pub, caps, wantCaps)
	}
	if r := ri.CheckAddresses(); r != netdb.OK {
		t.Errorf("RouterInfo for %v: addresses %v", pub, r)
	}
	if len(ri.Bytes()) > 3072 {
		t.Errorf("RouterInfo of %d bytes", len(ri.Bytes()))
	}
}

// TestIdentityFile: a keys file written before the identity kept keys per
// transport (testdata/router.keys.json, made by the router of commit
// 4783f19) loads as the same router, with the same NTCP2 keys, gains
// SSU2's keys once and is not written again.
func TestIdentityFile(t *testing.T) {
	orig, err := os.ReadFile("testdata/router.keys.json")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, KeysFile)
	if err := os.WriteFile(path, orig, 0o600); err != nil {
		t.Fatal(err)
	}
	id, err := LoadOrCreateIdentity(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := id.Hash().String(), "TVaQFJ~syQ-V16zw-dOj3Efh0ZMi9SxDm6PtLR0pX8w="; got != want {
		t.Errorf("hash %s, want %s", got, want)
	}
	addr := ntcp2Address(t, id, netip.MustParseAddrPort("198.18.0.5:12345"))[0]
	for key, want := range map[string]string{"s": "zD0stcZn1A~2T0N~8~ei-fZfUtSU~AinUiso8PgTEXM=", "i": "M43MztLVx42ZlqZ4cX8jSw=="} {
		if got, _ := addr.Options.Get(key); got != want {
			t.Errorf("NTCP2 %s = %s, want %s", key, got, want)
		}
	}
	// The file is written once more, with SSU2's keys (added since) and
	// its old fields as they were; then no more.
	keptFields(t, path, orig, id)
	// Keys for a transport the file has none of are made and kept.
	defer func(kinds []transportKind) { transportKinds = kinds }(transportKinds)
	transportKinds = append(transportKinds[:len(transportKinds):len(transportKinds)], transportKind{name: "XTP", keySize: 64})
	id2, err := LoadOrCreateIdentity(dir)
	if err != nil {
		t.Fatal(err)
	}
	id3, err := LoadOrCreateIdentity(dir)
	if err != nil {
		t.Fatal(err)
	}
	if k := id2.TransportKeys("XTP"); len(k) != 64 || !bytes.Equal(k, id3.TransportKeys("XTP")) || id3.Hash() != id.Hash() ||
		!bytes.Equal(id3.TransportKeys("NTCP2"), id.TransportKeys("NTCP2")) {
		t.Errorf("new transport's keys %x, then %x; identity kept %v", k, id3.TransportKeys("XTP"), id3.Hash() == id.Hash())
	}
}

// keptFields checks the keys file at path keeps every field of orig as it
// was, and id SSU2's keys, and that loading it again writes it no more.
func keptFields(t *testing.T, path string, orig []byte, id *Identity) {
	t.Helper()
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var was, now map[string]any
	if err := errors.Join(json.Unmarshal(orig, &was), json.Unmarshal(after, &now)); err != nil {
		t.Fatal(err)
	}
	for k, v := range was {
		if !reflect.DeepEqual(now[k], v) {
			t.Errorf("%s: %v, was %v", k, now[k], v)
		}
	}
	if k := id.TransportKeys("SSU2"); len(k) != ssu2.KeySize {
		t.Errorf("SSU2 keys of %d bytes, want %d", len(k), ssu2.KeySize)
	}
	if _, err := LoadOrCreateIdentity(filepath.Dir(path)); err != nil {
		t.Fatal(err)
	}
	if again, err := os.ReadFile(path); err != nil || !bytes.Equal(again, after) {
		t.Errorf("the keys file was written again (%v)", err)
	}
}
