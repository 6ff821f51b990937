package su3_test

import (
	"bytes"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/certs"
	"github.com/i2pseed/i2pseed/su3"
)

const (
	liveFile    = "testdata/live-diva.su3"
	liveSigner  = "reseed@diva.exchange"
	liveEntries = 77
)

// liveNow is a moment inside the diva.exchange certificate's validity
// (2020-06-09 to 2030-06-09), so the test does not depend on the clock.
var liveNow = time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)

func readLive(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(liveFile)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func embeddedReseed(t testing.TB, now time.Time) *certs.Keyring {
	t.Helper()
	kr, err := certs.Embedded(certs.PurposeReseed)
	if err != nil {
		t.Fatal(err)
	}
	kr.Now = func() time.Time { return now }
	return kr
}

// verifyBytes parses, verifies and reads the bundle of an in-memory su3.
func verifyBytes(b []byte, kr su3.Keyring) (*su3.Reader, []su3.Entry, error) {
	r, err := su3.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, nil, err
	}
	entries, err := r.VerifyBundle(kr, nil)
	return r, entries, err
}

func TestLiveBundle(t *testing.T) {
	b := readLive(t)
	r, entries, err := verifyBytes(b, embeddedReseed(t, liveNow))
	if err != nil {
		t.Fatalf("live bundle: %v", err)
	}
	h := r.Header
	if h.SignerID != liveSigner || h.SigType != su3.RSA_SHA512_4096 || h.FileType != su3.FileZip || h.ContentType != su3.ContentReseed {
		t.Errorf("header = %+v, want signer %s, RSA-SHA512-4096, zip, reseed", h, liveSigner)
	}
	if h.Version != "1772363593" {
		t.Errorf("version = %q, want 1772363593", h.Version)
	}
	if at, ok := h.SignedAt(); !ok || !at.Equal(time.Unix(1772363593, 0)) {
		t.Errorf("SignedAt = %v, %v; want 2026-03-01T11:13:13Z", at, ok)
	}
	if len(entries) != liveEntries {
		t.Errorf("got %d RouterInfos, want %d", len(entries), liveEntries)
	}
	for _, e := range entries {
		if _, err := su3.ParseEntryName(e.Name); err != nil {
			t.Error(err)
		}
	}
	// Header round trip: the encoder reproduces the live header exactly.
	enc, err := h.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(enc, b[:len(enc)]) {
		t.Errorf("re-encoded header differs from the live file's")
	}
}

func TestLiveBundleRejected(t *testing.T) {
	b := readLive(t)
	other, err := certs.GenerateSigner(liveSigner, liveNow, nil)
	if err != nil {
		t.Fatal(err)
	}
	impostor := certs.NewKeyring()
	impostor.Add(other.Cert)
	tests := []struct {
		name string
		data []byte
		kr   su3.Keyring
		want error
	}{
		{"truncated by one", b[:len(b)-1], embeddedReseed(t, liveNow), su3.ErrTruncated},
		{"header only", b[:40], embeddedReseed(t, liveNow), su3.ErrTruncated},
		{"appended byte", append(bytes.Clone(b), 0), embeddedReseed(t, liveNow), su3.ErrTrailingData},
		{"expired certificate", b, embeddedReseed(t, time.Date(2030, 6, 10, 0, 0, 0, 0, time.UTC)), certs.ErrExpired},
		{"certificate not yet valid", b, embeddedReseed(t, time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC)), certs.ErrNotYetValid},
		{"other certificate for the signer", b, impostor, su3.ErrSignature},
		{"unknown signer", b, certs.NewKeyring(), certs.ErrUnknownSigner},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := verifyBytes(tt.data, tt.kr)
			if !errors.Is(err, tt.want) {
				t.Errorf("got error %v, want %v", err, tt.want)
			}
		})
	}
}

// next visits every byte of the header, version and signer ID, and then
// every step-th byte.
func next(i, step int) int {
	if i < 80 {
		return i + 1
	}
	return i + step
}

// TestLiveEveryByteFlipped flips each byte of the live file in turn: no
// variant may verify, and each must fail with one of the package's errors.
func TestLiveEveryByteFlipped(t *testing.T) {
	b := readLive(t)
	kr := embeddedReseed(t, liveNow)
	step := 1
	if testing.Short() || raceEnabled {
		step = 61 // a prime stride still hits header, content and signature
	}
	counts := map[string]int{}
	mut := bytes.Clone(b)
	for i := 0; i < len(b); i = next(i, step) {
		mut[i] ^= 0xff
		_, _, err := verifyBytes(mut, kr)
		mut[i] = b[i]
		switch {
		case err == nil:
			t.Fatalf("byte %d flipped: file still verifies", i)
		case errors.Is(err, su3.ErrSignature):
			counts["signature"]++
		case errors.Is(err, su3.ErrFormat):
			counts["format"]++
		case errors.Is(err, certs.ErrUnknownSigner):
			counts["unknown signer"]++
		case errors.Is(err, su3.ErrKeyMismatch):
			counts["key mismatch"]++
		case errors.Is(err, su3.ErrBundle): // the file or content type byte: no reseed zip
			counts["not a bundle"]++
		default:
			t.Fatalf("byte %d flipped: unexpected error %v", i, err)
		}
	}
	t.Logf("rejections by kind: %v", counts)
}
