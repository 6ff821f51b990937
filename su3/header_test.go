package su3_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/i2pseed/i2pseed/su3"
)

// TestHeaderRejects breaks one rule of the header at a time, on an otherwise
// valid signed file, and checks the reader refuses it as malformed.
func TestHeaderRejects(t *testing.T) {
	valid, err := su3.Sign(su3.Header{FileType: su3.FileZip, ContentType: su3.ContentReseed, Version: "1700000000"},
		[]byte("content"), &su3.Signer{ID: "test@mail.i2p", Key: keyFor(t, su3.EdDSA_SHA512_Ed25519)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := su3.NewReader(bytes.NewReader(valid), int64(len(valid))); err != nil {
		t.Fatalf("valid file: %v", err)
	}
	tests := []struct {
		name string
		mut  func(b []byte) []byte
		want error
	}{
		{"magic", func(b []byte) []byte { b[0] = 'i'; return b }, su3.ErrFormat},
		{"byte 6 not NUL", func(b []byte) []byte { b[6] = ' '; return b }, su3.ErrFormat},
		{"format version 1", func(b []byte) []byte { b[7] = 1; return b }, su3.ErrFormat},
		{"unknown sig type 9", func(b []byte) []byte { b[9] = 9; return b }, su3.ErrFormat},
		{"sig length off by one", func(b []byte) []byte { b[11]--; return b }, su3.ErrFormat},
		{"sig type 6 with type 7 length", func(b []byte) []byte { b[9] = 6; return b }, su3.ErrFormat},
		{"reserved byte 12", func(b []byte) []byte { b[12] = 1; return b }, su3.ErrFormat},
		{"version length 15", func(b []byte) []byte { b[13] = 15; return b }, su3.ErrFormat},
		{"reserved byte 14", func(b []byte) []byte { b[14] = 1; return b }, su3.ErrFormat},
		{"signer length 0", func(b []byte) []byte { b[15] = 0; return b }, su3.ErrFormat},
		{"content length 0", func(b []byte) []byte { binary.BigEndian.PutUint64(b[16:], 0); return b }, su3.ErrFormat},
		{"content length huge", func(b []byte) []byte { binary.BigEndian.PutUint64(b[16:], 1<<62); return b }, su3.ErrFormat},
		{"content length one more", func(b []byte) []byte { b[23]++; return b }, su3.ErrTruncated},
		{"content length one less", func(b []byte) []byte { b[23]--; return b }, su3.ErrTrailingData},
		{"reserved byte 24", func(b []byte) []byte { b[24] = 1; return b }, su3.ErrFormat},
		{"reserved byte 26", func(b []byte) []byte { b[26] = 1; return b }, su3.ErrFormat},
		{"reserved byte 28", func(b []byte) []byte { b[28] = 1; return b }, su3.ErrFormat},
		{"reserved byte 39", func(b []byte) []byte { b[39] = 1; return b }, su3.ErrFormat},
		{"byte after version padding", func(b []byte) []byte { b[40+15] = 'x'; return b }, su3.ErrFormat},
		{"version not UTF-8", func(b []byte) []byte { b[40] = 0xff; return b }, su3.ErrFormat},
		{"NUL in signer", func(b []byte) []byte { b[40+16] = 0; return b }, su3.ErrFormat},
		{"shorter than header", func(b []byte) []byte { return b[:39] }, su3.ErrTruncated},
		{"empty", func(b []byte) []byte { return nil }, su3.ErrTruncated},
		{"signature cut", func(b []byte) []byte { return b[:len(b)-1] }, su3.ErrTruncated},
		{"byte appended", func(b []byte) []byte { return append(b, 0) }, su3.ErrTrailingData},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.mut(bytes.Clone(valid))
			_, err := su3.NewReader(bytes.NewReader(b), int64(len(b)))
			if !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestHeaderWriteRejects(t *testing.T) {
	key := keyFor(t, su3.EdDSA_SHA512_Ed25519)
	tests := []struct {
		name string
		h    su3.Header
		id   string
	}{
		{"version too long", su3.Header{Version: string(bytes.Repeat([]byte("9"), 256))}, "a"},
		{"NUL in version", su3.Header{Version: "1\x002"}, "a"},
		{"empty signer", su3.Header{Version: "1"}, ""},
		{"signer too long", su3.Header{Version: "1"}, string(bytes.Repeat([]byte("s"), 256))},
		{"version wider than field", su3.Header{Version: "12345678901234567", VersionLen: 16}, "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := su3.Sign(tt.h, []byte("x"), &su3.Signer{ID: tt.id, Key: key}); err == nil {
				t.Error("Sign succeeded, want an error")
			}
		})
	}
}

func TestWriteContentLength(t *testing.T) {
	s := &su3.Signer{ID: "a", Key: keyFor(t, su3.EdDSA_SHA512_Ed25519)}
	var buf bytes.Buffer
	err := su3.Write(&buf, su3.Header{Version: "1", ContentLength: 10}, bytes.NewReader([]byte("short")), s)
	if err == nil {
		t.Error("Write with 5 of 10 content bytes succeeded, want an error")
	}
}

func TestTypeStrings(t *testing.T) {
	for _, tt := range []struct{ got, want string }{
		{su3.RSA_SHA512_4096.String(), "RSA-SHA512-4096"},
		{su3.SigType(9).String(), "SigType(9)"},
		{su3.FileZip.String(), "zip"},
		{su3.FileType(7).String(), "FileType(7)"},
		{su3.ContentReseed.String(), "reseed"},
		{su3.ContentType(6).String(), "ContentType(6)"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	for i := range 7 {
		ft := su3.FileType(i)
		if got, err := su3.ParseFileType(ft.String()); err != nil || got != ft {
			t.Errorf("ParseFileType(%q) = %v, %v", ft, got, err)
		}
	}
	for i := range 6 {
		ct := su3.ContentType(i)
		if got, err := su3.ParseContentType(ct.String()); err != nil || got != ct {
			t.Errorf("ParseContentType(%q) = %v, %v", ct, got, err)
		}
	}
}

func TestContentFileType(t *testing.T) {
	for ct, want := range map[su3.ContentType]su3.FileType{
		su3.ContentNews: su3.FileXMLGz, su3.ContentBlocklist: su3.FileTxtGz,
		su3.ContentReseed: su3.FileZip, su3.ContentRouter: su3.FileZip, su3.ContentPlugin: su3.FileZip, su3.ContentUnknown: su3.FileZip,
	} {
		if got := ct.FileType(); got != want {
			t.Errorf("%v.FileType() = %v, want %v", ct, got, want)
		}
	}
}

func TestSignedAt(t *testing.T) {
	for v, ok := range map[string]bool{"1772363593": true, "0.9.66": false, "": false, "12345": false, "100000000000": false, "-1772363593": false} {
		if _, got := (&su3.Header{Version: v}).SignedAt(); got != ok {
			t.Errorf("SignedAt(%q) ok = %v, want %v", v, got, ok)
		}
	}
}

// TestVerifyBundleWantsReseedZip: news, or a reseed bundle that is not a
// zip, is not a bundle, whoever signed it.
func TestVerifyBundleWantsReseedZip(t *testing.T) {
	s := &su3.Signer{ID: "a", Key: keyFor(t, su3.EdDSA_SHA512_Ed25519)}
	for _, h := range []su3.Header{{ContentType: su3.ContentNews, FileType: su3.FileXMLGz, Version: "1"}, {ContentType: su3.ContentReseed, FileType: su3.FileTxtGz, Version: "1"}} {
		file, err := su3.Sign(h, []byte("x"), s)
		if err != nil {
			t.Fatal(err)
		}
		r, err := su3.NewReader(bytes.NewReader(file), int64(len(file)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.VerifyBundle(nil, nil); !errors.Is(err, su3.ErrBundle) {
			t.Errorf("%v as %v: %v, want ErrBundle", h.ContentType, h.FileType, err)
		}
	}
}
