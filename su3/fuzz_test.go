package su3_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/certs"
	"github.com/i2pseed/i2pseed/su3"
)

// fuzzKeyring trusts the live signer and the test signer.
func fuzzKeyring(t testing.TB) *certs.Keyring {
	kr := embeddedReseed(t, liveNow)
	c, err := certs.LoadCertificate("testdata/test-signer.crt")
	if err != nil {
		t.Fatal(err)
	}
	kr.Add(c)
	return kr
}

func FuzzNewReader(f *testing.F) {
	live := readLive(f)
	f.Add(live)
	f.Add(live[:200])
	key, err := testRSA4096(f)
	if err != nil {
		f.Fatal(err)
	}
	small, err := su3.Sign(su3.Header{ContentType: su3.ContentReseed, Version: "1700000000"},
		makeZip(f, []zipFile{{name: name(1), data: []byte("ri")}}), &su3.Signer{ID: "test@mail.i2p", Key: key})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(small)
	vectors, _ := filepath.Glob("testdata/vectors/*.su3")
	for _, v := range vectors {
		b, err := os.ReadFile(v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	kr := fuzzKeyring(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := su3.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		hdr, err := r.Header.AppendBinary(nil)
		if err != nil {
			t.Fatalf("parsed header does not encode: %v", err)
		}
		if !bytes.HasPrefix(b, hdr) {
			t.Fatalf("header does not round-trip:\n got %x\nwant %x", hdr, b[:len(hdr)])
		}
		if _, err := su3.NewReader(bytes.NewReader(b[:len(b)-1]), int64(len(b)-1)); err == nil {
			t.Fatal("a strict prefix of a valid file parses")
		}
		info := r.Describe(kr, nil)
		var entries []su3.Entry
		if r.ContentType == su3.ContentReseed {
			entries, err = r.VerifyBundle(kr, nil)
		} else {
			_, err = r.Verify(kr)
		}
		if info.Verified() != (err == nil) || info.Entries != len(entries) {
			t.Fatalf("Describe: verified %v (%v), %d entries; Verify: %v, %d entries", info.Verified(), info.Err, info.Entries, err, len(entries))
		}
	})
}

func FuzzReadBundle(f *testing.F) {
	entries := liveBundleEntries(f)
	r, err := su3.NewReader(bytes.NewReader(readLive(f)), int64(len(readLive(f))))
	if err != nil {
		f.Fatal(err)
	}
	content, _ := r.Verify(embeddedReseed(f, liveNow))
	liveZip := make([]byte, content.Size())
	content.ReadAt(liveZip, 0)
	f.Add(liveZip)
	var ours bytes.Buffer
	su3.WriteBundle(&ours, entries[:3], liveNow)
	f.Add(ours.Bytes())
	f.Add(makeZip(f, []zipFile{{name: name(0), data: []byte("ri")}, {name: "../x", data: []byte("y")}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := su3.ReadBundle(bytes.NewReader(b), int64(len(b)), nil)
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := su3.WriteBundle(&out, got, time.Unix(0, 0)); err != nil {
			t.Fatalf("accepted entries do not write: %v", err)
		}
		again, err := su3.ReadBundle(bytes.NewReader(out.Bytes()), int64(out.Len()), nil)
		if err != nil || len(again) != len(got) {
			t.Fatalf("rewritten bundle: %d entries, %v; want %d", len(again), err, len(got))
		}
	})
}
