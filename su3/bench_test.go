package su3_test

import (
	"bytes"
	"testing"

	"github.com/i2pseed/i2pseed/su3"
)

// benchBundle is a ~68 KB reseed zip: the live file's RouterInfos.
func benchBundle(b *testing.B) []byte {
	var buf bytes.Buffer
	if err := su3.WriteBundle(&buf, liveBundleEntries(b), liveNow); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkSignBundle signs a reseed bundle with RSA-4096 (type 6).
func BenchmarkSignBundle(b *testing.B) {
	content := benchBundle(b)
	key, err := testRSA4096(b)
	if err != nil {
		b.Fatal(err)
	}
	s := &su3.Signer{ID: "test@mail.i2p", Key: key}
	h := su3.Header{ContentType: su3.ContentReseed, Version: "1700000000"}
	b.SetBytes(int64(len(content)))
	for b.Loop() {
		if _, err := su3.Sign(h, content, s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyBundle parses and verifies a signed bundle (no unzip).
func BenchmarkVerifyBundle(b *testing.B) {
	key, err := testRSA4096(b)
	if err != nil {
		b.Fatal(err)
	}
	file, err := su3.Sign(su3.Header{ContentType: su3.ContentReseed, Version: "1700000000"}, benchBundle(b), &su3.Signer{ID: "test@mail.i2p", Key: key})
	if err != nil {
		b.Fatal(err)
	}
	kr := fuzzKeyring(b)
	b.SetBytes(int64(len(file)))
	for b.Loop() {
		r, err := su3.NewReader(bytes.NewReader(file), int64(len(file)))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := r.Verify(kr); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadBundle unzips and checks the 77 live RouterInfos.
func BenchmarkReadBundle(b *testing.B) {
	z := benchBundle(b)
	b.SetBytes(int64(len(z)))
	for b.Loop() {
		if _, err := su3.ReadBundle(bytes.NewReader(z), int64(len(z)), nil); err != nil {
			b.Fatal(err)
		}
	}
}
