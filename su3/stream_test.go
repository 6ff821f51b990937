package su3_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/i2pseed/i2pseed/su3"
)

// liveZip returns the zip content of the live bundle.
func liveZip(t testing.TB) []byte {
	t.Helper()
	b := readLive(t)
	r, err := su3.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	sr, err := r.Verify(embeddedReseed(t, liveNow))
	if err != nil {
		t.Fatal(err)
	}
	z, err := io.ReadAll(sr)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// goZip writes entries with Go's zip.Writer as reseed-tools does: each
// entry through CreateHeader, which always sets the data-descriptor flag.
func goZip(t testing.TB, entries []su3.Entry, method uint16) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.Name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(e.Data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sameEntries(a, b []su3.Entry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || !bytes.Equal(a[i].Data, b[i].Data) {
			return false
		}
	}
	return true
}

// TestReadStreaming: i2pd's way of reading a zip gets the live bundle and
// a deflated Go zip right, and corrupts a stored entry that has a data
// descriptor (it appends the descriptor's signature).
func TestReadStreaming(t *testing.T) {
	live := liveZip(t)
	want, err := su3.ReadBundle(bytes.NewReader(live), int64(len(live)), nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := su3.ReadStreaming(live)
	if err != nil || !sameEntries(got, want) {
		t.Fatalf("live bundle: %d entries, err %v; want the %d ReadBundle reads", len(got), err, len(want))
	}

	deflated := goZip(t, want[:5], zip.Deflate)
	if got, err := su3.ReadStreaming(deflated); err != nil || !sameEntries(got, want[:5]) {
		t.Errorf("deflated with descriptors: %d entries, err %v; want 5 intact", len(got), err)
	}

	stored := goZip(t, want[:5], zip.Store)
	got, err = su3.ReadStreaming(stored)
	if err != nil {
		t.Fatalf("stored with descriptors: %v", err)
	}
	if len(got) != 5 {
		t.Fatalf("stored with descriptors: %d entries, want 5", len(got))
	}
	for i, e := range got {
		if !bytes.Equal(e.Data, append(bytes.Clone(want[i].Data), 'P', 'K', 7, 8)) {
			t.Errorf("stored entry %d: %d bytes, want the RouterInfo (%d) plus the descriptor signature", i, len(e.Data), len(want[i].Data))
		}
	}

	// Stored without a descriptor (CreateRaw with sizes) is read intact.
	plain := makeZip(t, []zipFile{{name: want[0].Name, data: want[0].Data, method: zip.Store}})
	if got, err := su3.ReadStreaming(plain); err != nil || !sameEntries(got, want[:1]) {
		t.Errorf("stored, sizes in the header: %d entries, err %v", len(got), err)
	}
}

func TestReadStreamingRejects(t *testing.T) {
	live := liveZip(t)
	for _, tc := range []struct {
		name string
		zip  []byte
	}{
		{"truncated header", live[:20]},
		{"truncated data", live[:200]},
		{"garbage first", append([]byte("JUNK"), live...)},
		{"bad crc", func() []byte {
			b := makeZip(t, []zipFile{{name: name(1), data: []byte("a RouterInfo"), method: zip.Deflate}})
			b[14] ^= 0xff // the local header's CRC
			return b
		}()},
	} {
		_, err := su3.ReadStreaming(tc.zip)
		if !errors.Is(err, su3.ErrBundle) {
			t.Errorf("%s: err %v, want ErrBundle", tc.name, err)
		}
	}
}

func FuzzReadStreaming(f *testing.F) {
	live := liveZip(f)
	f.Add(live)
	entries, _ := su3.ReadBundle(bytes.NewReader(live), int64(len(live)), nil)
	f.Add(goZip(f, entries[:3], zip.Store))
	f.Add(goZip(f, entries[:3], zip.Deflate))
	f.Fuzz(func(t *testing.T, b []byte) {
		entries, err := su3.ReadStreaming(b)
		if err != nil && !errors.Is(err, su3.ErrBundle) {
			t.Fatalf("error %v does not wrap ErrBundle", err)
		}
		for _, e := range entries {
			if int64(len(e.Data)) > su3.DefaultBundleLimits.MaxEntrySize {
				t.Fatalf("entry of %d bytes past the limit", len(e.Data))
			}
		}
	})
}
