package main

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/certs"
	"github.com/i2pseed/i2pseed/internal/i2pdtest"
	"github.com/i2pseed/i2pseed/su3"
)

// The i2pd interop tests run the Debian package i2pd 2.45.1 as a real reseed
// client: --reseed.file with --reseed.verify=true and a certificates
// directory holding only our signer certificate. i2pd runs in a new network
// namespace (no interfaces up, so it cannot reach any network), with
// libfaketime: the live bundle's RouterInfos were published in March 2026, and
// i2pd discards a reseed whose RouterInfos are mostly over 270 hours old.
//
// What i2pd 2.45.1 logs (libi2pd/Reseed.cpp, NetDb.cpp):
//   NetDb: RouterInfo added: <hash>        a RouterInfo parsed and its signature verified
//   Reseed: SU3 signature verification failed / Reseed: SU3 verification failed
//   Reseed: Certificate for <signer> not loaded
//   Reseed: Failed to reseed from <file>    nothing usable
//   Daemon: Starting Transports             reseed finished (it runs first)

// liveBundleTime starts i2pd's clock a day after the live bundle was signed.
const liveBundleTime = "@2026-03-02 12:00:00"

// cli runs the i2pseed CLI in-process and fails the test on a nonzero exit.
func cli(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(args, &out, &errb); code != 0 {
		t.Fatalf("i2pseed %s: exit %d: %s", strings.Join(args, " "), code, errb.String())
	}
	return out.String()
}

type i2pdResult struct {
	log   string
	added int
}

var addedRE = regexp.MustCompile(`NetDb: RouterInfo added: `)

// reseedWithI2PD runs i2pd on su3File with certDir as its certificates
// directory until its reseed step is over, and returns its log.
func reseedWithI2PD(t *testing.T, i2pd, su3File, certDir string) i2pdResult {
	t.Helper()
	res := i2pdtest.Run(t, i2pd, i2pdtest.Options{
		FakeTime: liveBundleTime,
		Args:     []string{"--certsdir=" + certDir, "--reseed.file=" + su3File, "--reseed.verify=true"},
	})
	return i2pdResult{log: res.Log, added: len(addedRE.FindAllString(res.Log, -1))}
}

// TestI2PDAcceptsOurBundle: a bundle signed with a key from 'i2pseed
// keygen' is verified and loaded by a real i2pd; tampered or untrusted
// ones are refused. The negative cases prove the positive one can fail.
func TestI2PDAcceptsOurBundle(t *testing.T) {
	i2pd := i2pdtest.Require(t)
	dir := t.TempDir()
	live, _ := filepath.Abs("../../su3/testdata/live-diva.su3")
	keys, ris := filepath.Join(dir, "keys"), filepath.Join(dir, "ris")
	const signer = "interop@mail.i2p"
	cli(t, "keygen", "--signer", signer, "--out", keys)
	cli(t, "su3", "extract", live, "--out", ris)
	bundle := filepath.Join(dir, "i2pseeds.su3")
	cli(t, "su3", "sign", "--key", filepath.Join(keys, certs.KeyFileName(signer)), "--signer", signer, ris, bundle)
	ents, _ := os.ReadDir(ris)
	want := len(ents)

	trusted := i2pdtest.CertsDir(t, filepath.Join(keys, certs.CertFileName(signer)))
	untrusted := i2pdtest.CertsDir(t, "")

	t.Run("accepted", func(t *testing.T) {
		start := time.Now()
		res := reseedWithI2PD(t, i2pd, bundle, trusted)
		if res.added != want {
			t.Errorf("i2pd added %d RouterInfos, want %d; log:\n%s", res.added, want, res.log)
		}
		for _, bad := range []string{"verification failed", "Failed to reseed", "Mammoth"} {
			if strings.Contains(res.log, bad) {
				t.Errorf("i2pd log contains %q:\n%s", bad, res.log)
			}
		}
		t.Logf("i2pd verified our RSA-4096 signature and added %d RouterInfos in %v", res.added, time.Since(start).Round(time.Millisecond))
	})

	t.Run("tampered signature", func(t *testing.T) {
		b, _ := os.ReadFile(bundle)
		b[len(b)-1] ^= 1
		bad := filepath.Join(t.TempDir(), "tampered.su3")
		os.WriteFile(bad, b, 0o644)
		res := reseedWithI2PD(t, i2pd, bad, trusted)
		if !strings.Contains(res.log, "Reseed: SU3 signature verification failed") || res.added != 0 {
			t.Errorf("tampered bundle: %d added; want a signature failure and 0; log:\n%s", res.added, res.log)
		}
	})

	t.Run("unknown signer", func(t *testing.T) {
		res := reseedWithI2PD(t, i2pd, bundle, untrusted)
		if !strings.Contains(res.log, "Certificate for "+signer+" not loaded") || res.added != 0 {
			t.Errorf("untrusted signer: %d added; want 'Certificate ... not loaded' and 0; log:\n%s", res.added, res.log)
		}
	})

	// The pitfall our bundle writer avoids: Go's zip.Writer with STORED
	// entries sets the data-descriptor flag, and i2pd's streaming reader
	// then mis-reads the entries (spec §3).
	t.Run("stored entries with data descriptors are mis-read", func(t *testing.T) {
		var zbuf bytes.Buffer
		zw := zip.NewWriter(&zbuf)
		for _, e := range ents {
			data, _ := os.ReadFile(filepath.Join(ris, e.Name()))
			w, _ := zw.CreateHeader(&zip.FileHeader{Name: e.Name(), Method: zip.Store})
			w.Write(data)
		}
		zw.Close()
		key, err := certs.LoadPrivateKey(filepath.Join(keys, certs.KeyFileName(signer)))
		if err != nil {
			t.Fatal(err)
		}
		file, err := su3.Sign(su3.Header{ContentType: su3.ContentReseed, Version: fmt.Sprint(time.Now().Unix())}, zbuf.Bytes(), &su3.Signer{ID: signer, Key: key})
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), "stored.su3")
		os.WriteFile(p, file, 0o644)
		res := reseedWithI2PD(t, i2pd, p, trusted)
		if res.added == want {
			t.Errorf("i2pd read all %d stored entries with data descriptors; the pitfall our writer avoids is gone?", want)
		}
		t.Logf("stored + data descriptor: i2pd added %d of %d RouterInfos", res.added, want)
	})
}

// TestI2PDStartsFromBootstrappedNetDb: `i2pseed bootstrap --file` writes a
// netDb that i2pd loads at start-up.
func TestI2PDStartsFromBootstrappedNetDb(t *testing.T) {
	i2pd := i2pdtest.Require(t)
	live, _ := filepath.Abs("../../su3/testdata/live-diva.su3")
	data := t.TempDir()
	out := cli(t, "bootstrap", "--netdb", filepath.Join(data, "netDb"), "--file", live, "--max-age", "8760h")
	if !strings.Contains(out, "wrote 77 RouterInfos") {
		t.Fatalf("bootstrap: %s", out)
	}
	res := i2pdtest.Run(t, i2pd, i2pdtest.Options{FakeTime: liveBundleTime, DataDir: data,
		Args: []string{"--reseed.file=/nonexistent/none.su3"}})
	m := regexp.MustCompile(`NetDb: (\d+) routers loaded`).FindStringSubmatch(res.Log)
	if m == nil || m[1] != "77" {
		t.Fatalf("i2pd did not load the 77 RouterInfos; log:\n%s", res.Log)
	}
	if strings.Contains(res.Log, "Reseed: Downloading") || strings.Contains(res.Log, "Failed to reseed") {
		t.Errorf("i2pd tried to reseed although its netDb was full; log:\n%s", res.Log)
	}
}
