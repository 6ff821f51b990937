package su3_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/i2pseed/i2pseed/certs"
	"github.com/i2pseed/i2pseed/su3"
)

// countingReaderAt counts the bytes read through it.
type countingReaderAt struct {
	r io.ReaderAt
	n atomic.Int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n.Add(int64(n))
	return n, err
}

const bigContent = 16 << 20

// bigFile writes a news su3 of bigContent pseudo-random bytes, streamed,
// signed with Ed25519, and returns its path and a keyring trusting it.
func bigFile(t *testing.T) (string, staticKeyring) {
	t.Helper()
	key := keyFor(t, su3.EdDSA_SHA512_Ed25519)
	path := filepath.Join(t.TempDir(), "news.su3")
	h := su3.Header{ContentType: su3.ContentNews, FileType: su3.FileXMLGz, Version: "1772363593", ContentLength: bigContent}
	if err := su3.WriteFile(path, h, pseudoRandom(bigContent), &su3.Signer{ID: "news@mail.i2p", Key: key}); err != nil {
		t.Fatal(err)
	}
	return path, staticKeyring{"news@mail.i2p": {key.Public()}}
}

func pseudoRandom(n int64) io.Reader {
	return io.LimitReader(rand.NewChaCha8([32]byte{1}), n)
}

// open opens path for reading through a counter.
func open(t *testing.T, path string) (*su3.Reader, *countingReaderAt) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	c := &countingReaderAt{r: f}
	r, err := su3.NewReader(c, fi.Size())
	if err != nil {
		t.Fatal(err)
	}
	return r, c
}

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestDescribeReadsOnce: Describe reads every byte of a verified file once,
// only the header when the signer is unknown, and holds little of it.
func TestDescribeReadsOnce(t *testing.T) {
	path, kr := bigFile(t)
	r, c := open(t, path)
	headerRead := c.n.Load()
	if headerRead != r.ContentOffset() {
		t.Errorf("NewReader read %d bytes, want the %d of the header", headerRead, r.ContentOffset())
	}
	var info su3.Info
	if n := allocated(func() { info = r.Describe(kr, nil) }); n > 1<<20 {
		t.Errorf("Describe of a %d-byte file allocated %d bytes", r.Size(), n)
	}
	if !info.Verified() || info.Key == nil || info.Entries != 0 || info.Certificates != nil {
		t.Fatalf("Describe = %+v, want verified, no entries, no certificates", info)
	}
	if got, want := c.n.Load(), headerRead+r.Size()-r.ContentOffset(); got != want {
		t.Errorf("read %d bytes in all, want %d (header, then content and signature once)", got, want)
	}

	r, c = open(t, path)
	info = r.Describe(staticKeyring{}, nil)
	if info.Verified() || info.Key != nil {
		t.Errorf("unknown signer: verified %v, key %v", info.Verified(), info.Key)
	}
	if c.n.Load() != r.ContentOffset() {
		t.Errorf("unknown signer: read %d bytes, want only the %d of the header", c.n.Load(), r.ContentOffset())
	}
}

// TestDescribeLive: a reseed bundle is verified with its zip, and the
// signer's certificate is reported whether or not it is valid.
func TestDescribeLive(t *testing.T) {
	r, c := open(t, liveFile)
	info := r.Describe(embeddedReseed(t, liveNow), nil)
	if !info.Verified() || info.Entries != 77 || info.SignerID != liveSigner {
		t.Fatalf("Describe = verified %v (%v), %d entries, signer %q; want verified, 77, %q", info.Verified(), info.Err, info.Entries, info.SignerID, liveSigner)
	}
	if len(info.Certificates) != 1 || info.Certificates[0].NotAfter.Year() != 2030 {
		t.Errorf("certificates %v, want the one expiring in 2030", info.Certificates)
	}
	if max := r.Size() + r.ContentLength + r.ContentOffset(); c.n.Load() > max {
		t.Errorf("read %d bytes, want at most %d (file once, then the zip)", c.n.Load(), max)
	}

	r, _ = open(t, liveFile)
	info = r.Describe(embeddedReseed(t, time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)), nil)
	if !errors.Is(info.Err, certs.ErrExpired) || info.Key != nil || info.Entries != 0 {
		t.Errorf("expired: err %v, key %v, %d entries; want ErrExpired, none, 0", info.Err, info.Key, info.Entries)
	}
	if len(info.Certificates) != 1 {
		t.Errorf("expired: %d certificates, want the expired one", len(info.Certificates))
	}
}

// TestExtractStreams: other content is copied in place, never held.
func TestExtractStreams(t *testing.T) {
	path, kr := bigFile(t)
	r, _ := open(t, path)
	dir := filepath.Join(t.TempDir(), "out", "news")
	var paths []string
	var n int64
	var err error
	if a := allocated(func() { paths, n, err = r.Extract(kr, dir, "news.xml.gz", nil) }); a > 1<<20 {
		t.Errorf("Extract of %d bytes allocated %d bytes", bigContent, a)
	}
	if err != nil || len(paths) != 1 || n != bigContent || paths[0] != filepath.Join(dir, "news.xml.gz") {
		t.Fatalf("Extract = %v, %d, %v", paths, n, err)
	}
	f, err := os.Open(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if !sameStream(f, pseudoRandom(bigContent)) {
		t.Error("extracted content differs from what was signed")
	}
}

func sameStream(a, b io.Reader) bool {
	ha, hb := sha256.New(), sha256.New()
	_, ea := io.Copy(ha, a)
	_, eb := io.Copy(hb, b)
	return ea == nil && eb == nil && bytes.Equal(ha.Sum(nil), hb.Sum(nil))
}

func TestExtractBundle(t *testing.T) {
	r, _ := open(t, liveFile)
	dir := filepath.Join(t.TempDir(), "ris")
	paths, n, err := r.Extract(embeddedReseed(t, liveNow), dir, "unused", nil)
	if err != nil || len(paths) != 77 {
		t.Fatalf("Extract = %d paths, %v; want 77", len(paths), err)
	}
	var total int64
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := su3.ParseEntryName(filepath.Base(p)); err != nil {
			t.Error(err)
		}
		total += int64(len(b))
	}
	if total != n {
		t.Errorf("files hold %d bytes, Extract says %d", total, n)
	}
}

// TestExtractRefuses: nothing is written, and no directory made, for a
// file that does not verify; write failures are WriteErrors.
func TestExtractRefuses(t *testing.T) {
	tmp := t.TempDir()
	r, _ := open(t, liveFile)
	dir := filepath.Join(tmp, "never")
	if _, _, err := r.Extract(certs.NewKeyring(), dir, "x", nil); !errors.Is(err, certs.ErrUnknownSigner) {
		t.Errorf("unknown signer: %v", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s exists after a failed verification", dir)
	}
	file := filepath.Join(tmp, "file")
	os.WriteFile(file, nil, 0o644)
	var we *su3.WriteError
	if _, _, err := r.Extract(embeddedReseed(t, liveNow), file, "x", nil); !errors.As(err, &we) {
		t.Errorf("--out is a file: %v, want a WriteError", err)
	}
	news, kr := smallNews(t)
	r, _ = su3.NewReader(bytes.NewReader(news), int64(len(news)))
	for _, name := range []string{"", "../x", "a/b"} {
		if _, _, err := r.Extract(kr, tmp, name, nil); err == nil || errors.As(err, &we) {
			t.Errorf("name %q: %v, want a refusal", name, err)
		}
	}
}

func smallNews(t *testing.T) ([]byte, staticKeyring) {
	key := keyFor(t, su3.EdDSA_SHA512_Ed25519)
	b, err := su3.Sign(su3.Header{ContentType: su3.ContentNews, FileType: su3.FileXMLGz, Version: "1"}, []byte("<feed/>"), &su3.Signer{ID: "n", Key: key})
	if err != nil {
		t.Fatal(err)
	}
	return b, staticKeyring{"n": {key.Public()}}
}

// changingReaderAt serves other content once the signature has been read,
// as a file rewritten between verification and copy would.
type changingReaderAt struct {
	b      []byte
	sigOff int64
	done   bool
}

func (c *changingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n := copy(p, c.b[off:])
	if off >= c.sigOff {
		c.done = true
	} else if c.done {
		for i := range p[:n] {
			p[i] ^= 0xff
		}
	}
	return n, nil
}

func TestExtractRefusesChangedFile(t *testing.T) {
	news, kr := smallNews(t)
	r, _ := su3.NewReader(bytes.NewReader(news), int64(len(news)))
	cr := &changingReaderAt{b: news, sigOff: r.SignedLength()}
	r, _ = su3.NewReader(cr, int64(len(news)))
	dir := t.TempDir()
	if _, _, err := r.Extract(kr, dir, "news.xml.gz", nil); !errors.Is(err, su3.ErrSignature) {
		t.Fatalf("changed after verifying: %v, want ErrSignature", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("%d files left in %s, want none", len(ents), dir)
	}
}

func TestOpenReader(t *testing.T) {
	rc, err := su3.OpenReader(liveFile)
	if err != nil {
		t.Fatal(err)
	}
	if rc.SignerID != liveSigner || rc.Size() != int64(len(readLive(t))) {
		t.Errorf("header %+v", rc.Header)
	}
	if err := rc.Close(); err != nil {
		t.Error(err)
	}
	short := filepath.Join(t.TempDir(), "short.su3")
	os.WriteFile(short, readLive(t)[:1000], 0o644)
	for _, tt := range []struct {
		name string
		want error
	}{
		{"testdata/missing.su3", fs.ErrNotExist},
		{short, su3.ErrTruncated},
		{"testdata", nil},
	} {
		_, err := su3.OpenReader(tt.name)
		if err == nil || !strings.Contains(err.Error(), tt.name) || tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("OpenReader(%q) = %v, want an error naming it (%v)", tt.name, err, tt.want)
		}
	}
}

func TestReadEntryDir(t *testing.T) {
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	date := func(b []byte) time.Time { return day.Add(time.Duration(len(b)) * time.Second) }
	fsys := fstest.MapFS{
		name(1):                              {Data: []byte("a")},
		"r" + name(2)[11:12] + "/" + name(2): {Data: []byte("bb")},
		"other.txt":                          {Data: []byte("ignored")},
	}
	entries, err := su3.ReadEntryDir(fsys, date)
	if err != nil || len(entries) != 2 {
		t.Fatalf("ReadEntryDir = %d entries, %v; want 2", len(entries), err)
	}
	if entries[0].Name != name(1) || entries[1].Name != name(2) || !entries[1].Modified.Equal(day.Add(2*time.Second)) {
		t.Errorf("entries %v, %v", entries[0], entries[1])
	}
	if _, err := su3.ReadEntryDir(fstest.MapFS{"routerInfo-x.dat": {}}, nil); !errors.Is(err, su3.ErrBundle) {
		t.Errorf("bad name: %v, want ErrBundle", err)
	}
	if _, err := su3.ReadEntryDir(fstest.MapFS{}, nil); err == nil {
		t.Error("empty directory: no error")
	}
}

// TestWriteFileAtomic: content shorter than its header says fails the
// write and leaves no file.
func TestWriteFileAtomic(t *testing.T) {
	path := filepath.Join(t.TempDir(), "short.su3")
	h := su3.Header{ContentType: su3.ContentNews, FileType: su3.FileXMLGz, Version: "1772363593", ContentLength: 100}
	err := su3.WriteFile(path, h, strings.NewReader("too short"), &su3.Signer{ID: "n", Key: keyFor(t, su3.EdDSA_SHA512_Ed25519)})
	if _, statErr := os.Stat(path); err == nil || !os.IsNotExist(statErr) {
		t.Errorf("WriteFile = %v, file %v; want an error and no file", err, statErr)
	}
}
