package su3_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"strings"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/su3"
)

// liveEntries returns the RouterInfos of the live bundle.
func liveBundleEntries(t testing.TB) []su3.Entry {
	t.Helper()
	_, entries, err := verifyBytes(readLive(t), embeddedReseed(t, liveNow))
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

func name(i int) string {
	var h [32]byte
	binary.BigEndian.PutUint32(h[:], uint32(i))
	return su3.EntryName(h)
}

type zipFile struct {
	name   string
	data   []byte
	method uint16
	// claim, if set, is the uncompressed size written in the headers.
	claim uint64
	flags uint16
}

// makeZip builds a zip with full control over headers, for hostile inputs.
func makeZip(t testing.TB, files []zipFile) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		comp := f.data
		if f.method == zip.Deflate {
			var c bytes.Buffer
			fw, _ := flate.NewWriter(&c, flate.BestSpeed)
			fw.Write(f.data)
			fw.Close()
			comp = c.Bytes()
		}
		size := uint64(len(f.data))
		if f.claim != 0 {
			size = f.claim
		}
		w, err := zw.CreateRaw(&zip.FileHeader{Name: f.name, Method: f.method, Flags: f.flags,
			CRC32: crc32.ChecksumIEEE(f.data), CompressedSize64: uint64(len(comp)), UncompressedSize64: size})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(comp)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadBundleRejects(t *testing.T) {
	ri := []byte("a RouterInfo")
	many := func(n int) []zipFile {
		fs := make([]zipFile, n)
		for i := range fs {
			fs[i] = zipFile{name: name(i), data: ri}
		}
		return fs
	}
	tests := []struct {
		name  string
		files []zipFile
		raw   []byte
	}{
		{name: "parent path", files: []zipFile{{name: "../" + name(0), data: ri}}},
		{name: "dot-dot in name", files: []zipFile{{name: "routerInfo-" + strings.Repeat(".", 44) + ".dat", data: ri}}},
		{name: "absolute path", files: []zipFile{{name: "/" + name(0), data: ri}}},
		{name: "directory entry", files: []zipFile{{name: "netDb/", data: nil}}},
		{name: "file in directory", files: []zipFile{{name: "r/" + name(0), data: ri}}},
		{name: "wrong prefix", files: []zipFile{{name: "routerinfo-" + name(0)[11:], data: ri}}},
		{name: "hash not base64", files: []zipFile{{name: "routerInfo-" + strings.Repeat("+", 43) + "=.dat", data: ri}}},
		{name: "hash too short", files: []zipFile{{name: "routerInfo-AAAA.dat", data: ri}}},
		{name: "duplicate", files: []zipFile{{name: name(1), data: ri}, {name: name(1), data: ri}}},
		{name: "251 entries", files: many(251)},
		{name: "10000 entries", files: many(10000)},
		{name: "entry over 64 KiB", files: []zipFile{{name: name(0), data: make([]byte, 64<<10+1), method: zip.Deflate}}},
		{name: "zip bomb under-declared size", files: []zipFile{{name: name(0), data: make([]byte, 10<<20), method: zip.Deflate, claim: 1000}}},
		{name: "bzip2 method", files: []zipFile{{name: name(0), data: ri, method: 12}}},
		{name: "encrypted", files: []zipFile{{name: name(0), data: ri, flags: 1}}},
		{name: "empty entry", files: []zipFile{{name: name(0), data: nil}}},
		{name: "no entries", files: []zipFile{}},
		{name: "not a zip", raw: []byte("this is not a zip file at all, just text")},
		{name: "crc mismatch", raw: func() []byte {
			z := makeZip(t, []zipFile{{name: name(0), data: []byte("RouterInfo!")}})
			i := bytes.Index(z, []byte("RouterInfo!"))
			z[i] = 'X'
			return z
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			z := tt.raw
			if z == nil {
				z = makeZip(t, tt.files)
			}
			entries, err := su3.ReadBundle(bytes.NewReader(z), int64(len(z)), nil)
			if !errors.Is(err, su3.ErrBundle) {
				t.Errorf("got %d entries, error %v; want ErrBundle", len(entries), err)
			}
		})
	}
}

// TestReadBundleTotalLimit: many entries each under the per-entry limit
// still stop at the total.
func TestReadBundleTotalLimit(t *testing.T) {
	files := make([]zipFile, 10)
	for i := range files {
		files[i] = zipFile{name: name(i), data: bytes.Repeat([]byte{byte(i)}, 1000), method: zip.Deflate}
	}
	z := makeZip(t, files)
	lim := su3.BundleLimits{MaxEntries: 250, MaxEntrySize: 64 << 10, MaxTotalSize: 5500}
	if _, err := su3.ReadBundle(bytes.NewReader(z), int64(len(z)), &lim); !errors.Is(err, su3.ErrBundle) {
		t.Errorf("10 x 1000 bytes with a 5500-byte total: got %v, want ErrBundle", err)
	}
	lim.MaxTotalSize = 10000
	if got, err := su3.ReadBundle(bytes.NewReader(z), int64(len(z)), &lim); err != nil || len(got) != 10 {
		t.Errorf("10 x 1000 bytes with a 10000-byte total: got %d entries, %v", len(got), err)
	}
}

// TestWriteBundleI2PDSafe checks the properties i2pd's streaming reader
// needs in every local header: deflate, no data-descriptor flag, and the
// real CRC and sizes.
func TestWriteBundleI2PDSafe(t *testing.T) {
	entries := liveBundleEntries(t)
	var buf bytes.Buffer
	mod := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	if err := su3.WriteBundle(&buf, entries, mod); err != nil {
		t.Fatal(err)
	}
	z := buf.Bytes()
	if n := checkLocalHeaders(t, z); n != len(entries) {
		t.Errorf("walked %d local headers, want %d", n, len(entries))
	}
	if bytes.Contains(z, []byte("PK\x07\x08")) {
		t.Error("bundle contains a data-descriptor signature")
	}
	got, err := su3.ReadBundle(bytes.NewReader(z), int64(len(z)), nil)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string][]byte{}
	for _, e := range entries {
		byName[e.Name] = e.Data
	}
	for _, e := range got {
		if !bytes.Equal(byName[e.Name], e.Data) {
			t.Errorf("entry %s changed in the round trip", e.Name)
		}
	}
	// Deterministic: same entries (in another order) and time, same bytes.
	rev := make([]su3.Entry, len(entries))
	for i, e := range entries {
		rev[len(entries)-1-i] = e
	}
	var again bytes.Buffer
	su3.WriteBundle(&again, rev, mod)
	if !bytes.Equal(z, again.Bytes()) {
		t.Error("same entries and time gave different bytes")
	}
}

// checkLocalHeaders walks the local headers at the start of the zip z,
// each followed by its data, checking each is i2pd-safe: deflate, no
// data-descriptor flag, a real CRC and sizes. It returns how many it
// walked.
func checkLocalHeaders(t *testing.T, z []byte) int {
	t.Helper()
	n := 0
	for off := 0; off+30 <= len(z) && string(z[off:off+4]) == "PK\x03\x04"; n++ {
		flags := binary.LittleEndian.Uint16(z[off+6:])
		method := binary.LittleEndian.Uint16(z[off+8:])
		crc := binary.LittleEndian.Uint32(z[off+14:])
		csize := binary.LittleEndian.Uint32(z[off+18:])
		usize := binary.LittleEndian.Uint32(z[off+22:])
		nameLen := int(binary.LittleEndian.Uint16(z[off+26:]))
		extraLen := int(binary.LittleEndian.Uint16(z[off+28:]))
		name := string(z[off+30 : off+30+nameLen])
		if flags&0x8 != 0 || method != zip.Deflate || crc == 0 || csize == 0 || usize == 0 {
			t.Fatalf("local header of %s: flags %#x method %d crc %#x sizes %d/%d; want deflate, no descriptor, real CRC and sizes",
				name, flags, method, crc, csize, usize)
		}
		off += 30 + nameLen + extraLen + int(csize)
	}
	return n
}

func TestWriteBundleRejects(t *testing.T) {
	ok := su3.Entry{Name: name(0), Data: []byte("x")}
	for _, tt := range []struct {
		name    string
		entries []su3.Entry
	}{
		{"none", nil},
		{"bad name", []su3.Entry{{Name: "../x", Data: []byte("x")}}},
		{"duplicate", []su3.Entry{ok, ok}},
		{"empty data", []su3.Entry{{Name: name(1)}}},
		{"251 entries", func() []su3.Entry {
			es := make([]su3.Entry, 251)
			for i := range es {
				es[i] = su3.Entry{Name: name(i), Data: []byte("x")}
			}
			return es
		}()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := su3.WriteBundle(&bytes.Buffer{}, tt.entries, time.Now()); !errors.Is(err, su3.ErrBundle) {
				t.Errorf("got %v, want ErrBundle", err)
			}
		})
	}
}

func TestEntryName(t *testing.T) {
	var h [32]byte
	for i := range h {
		h[i] = byte(i * 7)
	}
	n := su3.EntryName(h)
	got, err := su3.ParseEntryName(n)
	if err != nil || got != h {
		t.Errorf("ParseEntryName(%q) = %x, %v; want %x", n, got, err, h)
	}
	if len(n) != len("routerInfo-")+44+len(".dat") {
		t.Errorf("name %q has the wrong length", n)
	}
	// Non-canonical base64 (nonzero padding bits) is not a valid name.
	// Non-canonical base64 (nonzero padding bits in the 43rd character)
	// names no hash.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-~"
	last := strings.IndexByte(alphabet, n[len(n)-6])
	bad := n[:len(n)-6] + string(alphabet[last|1]) + "=.dat"
	if _, err := su3.ParseEntryName(bad); !errors.Is(err, su3.ErrBundle) {
		t.Errorf("ParseEntryName(%q) = %v, want ErrBundle", bad, err)
	}
}

// TestWriteBundleEntryTimes: each entry is dated its Modified time (else
// WriteBundle's), in the MS-DOS fields (UTC, 2-second steps, clamped to
// 1980) and an extended timestamp (seconds) of the local and central
// headers, and reading the bundle back gives those times.
func TestWriteBundleEntryTimes(t *testing.T) {
	fallback := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	times := []time.Time{
		time.Date(2026, 3, 1, 11, 11, 17, 900e6, time.UTC),                 // odd second, milliseconds
		time.Date(2026, 2, 28, 23, 59, 58, 0, time.FixedZone("CET", 3600)), // not UTC
		{}, // zero: the fallback
		time.Date(1975, 6, 1, 0, 0, 0, 0, time.UTC), // before MS-DOS time
	}
	var entries []su3.Entry
	for i, mt := range times {
		entries = append(entries, su3.Entry{Name: name(i), Data: []byte{byte(i), 1, 2, 3}, Modified: mt})
	}
	var buf bytes.Buffer
	if err := su3.WriteBundle(&buf, entries, fallback); err != nil {
		t.Fatal(err)
	}
	z := buf.Bytes()
	zr, err := zip.NewReader(bytes.NewReader(z), int64(len(z)))
	if err != nil {
		t.Fatal(err)
	}
	want := func(i int) time.Time {
		if times[i].IsZero() {
			return fallback
		}
		return times[i].UTC()
	}
	for i, f := range zr.File { // sorted by name: name(i) sorts as i
		checkEntryTime(t, z, i, f, want(i))
	}
	got, err := su3.ReadBundle(bytes.NewReader(z), int64(len(z)), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range got {
		if !e.Modified.Equal(want(i).Truncate(time.Second)) {
			t.Errorf("ReadBundle entry %d: Modified %v, want %v", i, e.Modified, want(i).Truncate(time.Second))
		}
	}
	// Dates are part of the bytes: another fallback, other bytes; the
	// same, the same bytes.
	var again, other bytes.Buffer
	su3.WriteBundle(&again, entries, fallback)
	su3.WriteBundle(&other, entries, fallback.Add(time.Hour))
	if !bytes.Equal(z, again.Bytes()) || bytes.Equal(z, other.Bytes()) {
		t.Error("entry dates do not determine the bytes")
	}
}

// checkEntryTime: entry i of the zip z, f, is dated w in its MS-DOS
// fields (2-second steps, clamped to 1980) and its extended timestamp,
// which the local header carries too, and zip reads it as w.
func checkEntryTime(t *testing.T, z []byte, i int, f *zip.File, w time.Time) {
	t.Helper()
	dos := w.Truncate(2 * time.Second)
	if w.Year() < 1980 {
		dos = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	gotDOS := time.Date(int(f.ModifiedDate>>9)+1980, time.Month(f.ModifiedDate>>5&15), int(f.ModifiedDate&31),
		int(f.ModifiedTime>>11), int(f.ModifiedTime>>5&63), int(f.ModifiedTime&31)*2, 0, time.UTC)
	if !gotDOS.Equal(dos) {
		t.Errorf("entry %d: MS-DOS time %v, want %v", i, gotDOS, dos)
	}
	ext := extendedTime(t, f.Extra)
	if ext != uint32(w.Unix()) {
		t.Errorf("entry %d: extended timestamp %d, want %d (%v)", i, ext, w.Unix(), w)
	}
	if !f.Modified.Equal(w.Truncate(time.Second)) {
		t.Errorf("entry %d: zip reads Modified %v, want %v", i, f.Modified, w.Truncate(time.Second))
	}
	// The local header carries the same extra field.
	off, _ := f.DataOffset()
	extra := z[off-int64(len(f.Extra)) : off]
	if !bytes.Equal(extra, f.Extra) || binary.LittleEndian.Uint16(z[off-int64(len(f.Extra))-int64(len(f.Name))-2:]) != uint16(len(f.Extra)) {
		t.Errorf("entry %d: local header's extra field %x, central %x", i, extra, f.Extra)
	}
}

// extendedTime returns the modification time of the Info-ZIP extended
// timestamp in a zip extra field.
func extendedTime(t *testing.T, extra []byte) uint32 {
	t.Helper()
	for len(extra) >= 4 {
		id, size := binary.LittleEndian.Uint16(extra), int(binary.LittleEndian.Uint16(extra[2:]))
		if len(extra) < 4+size {
			break
		}
		if id == 0x5455 && size >= 5 && extra[4]&1 != 0 {
			return binary.LittleEndian.Uint32(extra[5:])
		}
		extra = extra[4+size:]
	}
	t.Errorf("no extended timestamp in extra field %x", extra)
	return 0
}
