package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/i2pseed/i2pseed/reseed/client"
)

// TestMirrorAndExport: mirror our server, export a zip and a re-signed su3,
// and bootstrap offline from each.
func TestMirrorAndExport(t *testing.T) {
	url, ca, certDir := reseedFixture(t)
	dir := t.TempDir()
	mirror := filepath.Join(dir, "mirror")
	keys := filepath.Join(dir, "keys")
	cli(t, "keygen", "--signer", "mirror@mail.i2p", "--out", keys)
	out := cli(t, "mirror", "--out", mirror, "--urls", url, "--ca", ca, "--certs", certDir,
		"--export", filepath.Join(dir, "carry.su3"), "--key", filepath.Join(keys, "mirror_at_mail.i2p.key"), "--signer", "mirror@mail.i2p")
	if !strings.Contains(out, "mirrored 1 bundles, 75 RouterInfos") || !strings.Contains(out, "exported 75 RouterInfos") {
		t.Fatalf("mirror: %s", out)
	}
	b, err := os.ReadFile(filepath.Join(mirror, client.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	var manifest []client.MirrorEntry
	if err := json.Unmarshal(b, &manifest); err != nil || len(manifest) != 1 {
		t.Fatalf("manifest: %v, %s", err, b)
	}
	m := manifest[0]
	if m.Signer != "test@mail.i2p" || m.RouterInfos != 75 || len(m.SHA256) != 64 {
		t.Errorf("manifest entry %+v", m)
	}
	if _, err := os.Stat(filepath.Join(mirror, m.File)); err != nil {
		t.Errorf("mirrored su3: %v", err)
	}
	// The re-signed export verifies with the mirror operator's certificate.
	out = cli(t, "bootstrap", "--netdb", filepath.Join(dir, "nd1"), "--file", filepath.Join(dir, "carry.su3"), "--certs", keys)
	if !strings.Contains(out, "wrote 75 RouterInfos") {
		t.Errorf("bootstrap from the exported su3: %s", out)
	}
	// A zip export needs no signer.
	cli(t, "mirror", "--out", mirror, "--urls", url, "--ca", ca, "--certs", certDir, "--export", filepath.Join(dir, "carry.zip"))
	out = cli(t, "bootstrap", "--netdb", filepath.Join(dir, "nd2"), "--file", filepath.Join(dir, "carry.zip"))
	if !strings.Contains(out, "wrote 75 RouterInfos") {
		t.Errorf("bootstrap from the exported zip: %s", out)
	}
}
