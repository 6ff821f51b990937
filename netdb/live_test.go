package netdb

import (
	"bytes"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/certs"
	"github.com/i2pseed/i2pseed/su3"
)

// liveRouterInfos returns the 77 RouterInfos of the live reseed bundle and
// the i2pd sample, keyed by file name.
func liveRouterInfos(t testing.TB) []su3.Entry {
	t.Helper()
	b, err := os.ReadFile("../su3/testdata/live-diva.su3")
	if err != nil {
		t.Fatal(err)
	}
	r, err := su3.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	kr, err := certs.Embedded(certs.PurposeReseed)
	if err != nil {
		t.Fatal(err)
	}
	kr.Now = func() time.Time { return time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC) }
	c, err := r.Verify(kr)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := su3.ReadBundle(c, c.Size(), nil)
	if err != nil {
		t.Fatal(err)
	}
	sample, err := os.ReadFile("testdata/routerInfo-i2pd-sample.dat")
	if err != nil {
		t.Fatal(err)
	}
	return append(entries, su3.Entry{Name: "i2pd-sample", Data: sample})
}

func TestLiveRouterInfos(t *testing.T) {
	entries := liveRouterInfos(t)
	if len(entries) != 78 {
		t.Fatalf("got %d RouterInfos, want 77 + 1", len(entries))
	}
	for _, e := range entries {
		ri, err := ParseRouterInfo(e.Data)
		if err != nil {
			t.Errorf("%s: %v", e.Name, err)
			continue
		}
		if err := ri.Verify(); err != nil {
			t.Errorf("%s: %v", e.Name, err)
		}
		out, err := ri.AppendBinary(nil)
		if err != nil || !bytes.Equal(out, e.Data) {
			t.Errorf("%s: re-serialization differs (err %v)", e.Name, err)
		}
		if e.Name != "i2pd-sample" && ri.Hash().FileName() != e.Name {
			t.Errorf("%s: hash %s does not match the file name", e.Name, ri.Hash())
		}
		if ri.Identity.SigType != SigEdDSA_SHA512 || ri.Identity.CryptoType != CryptoX25519 {
			t.Logf("%s: %v/%v", e.Name, ri.Identity.SigType, ri.Identity.CryptoType)
		}
	}
}

// TestLiveBitFlips flips every bit of the i2pd sample and every byte of the
// live RouterInfos (every 7th under -short): nothing may still parse and
// verify.
func TestLiveBitFlips(t *testing.T) {
	entries := liveRouterInfos(t)
	flips := 0
	try := func(name string, b []byte) {
		flips++
		ri, err := ParseRouterInfo(b)
		if err == nil {
			err = ri.Verify()
		}
		if err == nil {
			t.Fatalf("%s: a flipped bit still parses and verifies", name)
		}
		if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrSignature) && !errors.Is(err, ErrUnsupported) {
			t.Fatalf("%s: unexpected error %v", name, err)
		}
	}
	for _, e := range entries {
		b := bytes.Clone(e.Data)
		if e.Name == "i2pd-sample" {
			for i := range len(b) * 8 {
				b[i/8] ^= 1 << (i % 8)
				try(e.Name, b)
				b[i/8] ^= 1 << (i % 8)
			}
			continue
		}
		step := 1
		if testing.Short() {
			step = 7
		}
		for i := 0; i < len(b); i += step {
			b[i] ^= 0x10
			try(e.Name, b)
			b[i] ^= 0x10
		}
	}
	t.Logf("%d flipped variants rejected", flips)
}
