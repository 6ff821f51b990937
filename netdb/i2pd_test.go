package netdb_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/certs"
	"github.com/i2pseed/i2pseed/internal/i2pdtest"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/su3"
)

// TestI2PDRouterInfos: the RouterInfos real i2pd routers write about
// themselves parse, verify, re-serialize byte for byte and hash to what
// i2pd calls them.
func TestI2PDRouterInfos(t *testing.T) {
	i2pd := i2pdtest.Require(t)
	for i := range 3 {
		res := i2pdtest.Run(t, i2pd, i2pdtest.Options{Args: []string{"--reseed.file=/nonexistent/none.su3"}})
		b, err := os.ReadFile(filepath.Join(res.DataDir, "router.info"))
		if err != nil {
			t.Fatalf("i2pd %d wrote no router.info: %v", i, err)
		}
		ri, err := netdb.ParseRouterInfo(b)
		if err != nil {
			t.Fatalf("i2pd %d router.info: %v", i, err)
		}
		if err := ri.Verify(); err != nil {
			t.Errorf("i2pd %d router.info: %v", i, err)
		}
		if out, _ := ri.AppendBinary(nil); !bytes.Equal(out, b) {
			t.Errorf("i2pd %d router.info does not re-serialize identically", i)
		}
		t.Logf("i2pd %d: %s, %v/%v, caps %q, %d addresses, %d bytes", i, ri.Hash(), ri.Identity.SigType, ri.Identity.CryptoType, ri.Option("caps"), len(ri.Addresses), len(b))
	}
}

// TestI2PDAcceptsSynthetic: i2pd parses and verifies our synthetic
// RouterInfos, an independent check of the encoder and signer. They are
// fresh, so no fake clock is needed.
func TestI2PDAcceptsSynthetic(t *testing.T) {
	i2pd := i2pdtest.Require(t)
	now := time.Now()
	ris, err := netdb.Synth(120, netdb.SynthConfig{Now: now, Seed: uint64(now.Unix()), MaxAge: 20 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	p := netdb.DefaultPolicy()
	var entries []su3.Entry
	for _, ri := range ris {
		if p.Check(netdb.Summarize(ri)) == netdb.OK {
			entries = append(entries, su3.Entry{Name: ri.Hash().FileName(), Data: ri.Bytes()})
		}
	}
	if len(entries) < 20 {
		t.Fatalf("only %d eligible synthetic RouterInfos", len(entries))
	}
	var zip bytes.Buffer
	if err := su3.WriteBundle(&zip, entries, now); err != nil {
		t.Fatal(err)
	}
	keyPEM, err := os.ReadFile("../su3/testdata/test-signer.key")
	if err != nil {
		t.Fatal(err)
	}
	key, err := certs.ParsePrivateKeyPEM(keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	file, err := su3.Sign(su3.Header{ContentType: su3.ContentReseed, Version: strconv.FormatInt(now.Unix(), 10)}, zip.Bytes(),
		&su3.Signer{ID: "test@mail.i2p", Key: key})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bundle := filepath.Join(dir, "i2pseeds.su3")
	os.WriteFile(bundle, file, 0o644)
	certsDir := i2pdtest.CertsDir(t, "../su3/testdata/test-signer.crt")

	res := i2pdtest.Run(t, i2pd, i2pdtest.Options{Args: []string{
		"--certsdir=" + certsDir, "--reseed.file=" + bundle, "--reseed.verify=true"}})
	added := regexp.MustCompile(`NetDb: RouterInfo added: (\S+)`).FindAllStringSubmatch(res.Log, -1)
	if len(added) != len(entries) {
		t.Fatalf("i2pd added %d of %d synthetic RouterInfos; log:\n%s", len(added), len(entries), res.Log)
	}
	want := map[string]bool{}
	for _, e := range entries {
		want[e.Name] = true
	}
	for _, m := range added {
		if !want["routerInfo-"+m[1]+".dat"] {
			t.Errorf("i2pd added %s, which we did not send (hash disagreement?)", m[1])
		}
	}
	t.Logf("i2pd verified and added all %d synthetic RouterInfos", len(added))
}
