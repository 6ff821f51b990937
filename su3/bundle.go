package su3

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/i2pseed/i2pseed/internal/i2pbase64"
)

// ErrBundle is wrapped by every error about a reseed bundle's zip content
// that is malformed or unsafe (bad names, too many or too large entries).
var ErrBundle = errors.New("su3: bad reseed bundle")

// An Entry is one RouterInfo file of a reseed bundle.
type Entry struct {
	Name string // routerInfo-<44-char I2P base64 router hash>.dat
	Data []byte
	// Modified is the zip entry's time: WriteBundle writes it (zero: its
	// modified argument), ReadBundle returns the header's. Java I2P's
	// bundler dates each entry with the RouterInfo's published time.
	Modified time.Time
}

// BundleLimits bound what ReadBundle accepts.
type BundleLimits struct {
	MaxEntries   int   // files in the zip
	MaxEntrySize int64 // uncompressed bytes per file
	MaxTotalSize int64 // uncompressed bytes in all
}

// DefaultBundleLimits are the strictest limits a real client applies
// (go-i2p's 250 entries) with a per-entry bound far above any RouterInfo.
var DefaultBundleLimits = BundleLimits{MaxEntries: 250, MaxEntrySize: 64 << 10, MaxTotalSize: 4 << 20}

const (
	entryPrefix = "routerInfo-"
	entrySuffix = ".dat"
	hashB64Len  = 44
)

// EntryName returns the bundle file name for a 32-byte router hash.
func EntryName(hash [32]byte) string {
	return entryPrefix + i2pbase64.EncodeToString(hash[:]) + entrySuffix
}

// ParseEntryName returns the router hash named by a bundle file name of the
// form routerInfo-<44-char I2P base64>.dat.
func ParseEntryName(name string) (hash [32]byte, err error) {
	b64, ok := strings.CutPrefix(name, entryPrefix)
	if ok {
		b64, ok = strings.CutSuffix(b64, entrySuffix)
	}
	if !ok || len(b64) != hashB64Len {
		return hash, fmt.Errorf("%w: entry name %q is not routerInfo-<44 chars>.dat", ErrBundle, name)
	}
	raw, err := i2pbase64.DecodeString(b64)
	if err != nil || len(raw) != len(hash) {
		return hash, fmt.Errorf("%w: entry name %q does not hold an I2P base64 hash", ErrBundle, name)
	}
	copy(hash[:], raw)
	return hash, nil
}

// ReadBundle reads the RouterInfo files of a reseed bundle's zip content,
// in archive order. It rejects, wrapping ErrBundle, anything but flat
// routerInfo-<hash>.dat files stored or deflated, duplicates, and content
// beyond lim (nil means DefaultBundleLimits), whatever the zip headers claim.
func ReadBundle(r io.ReaderAt, size int64, lim *BundleLimits) ([]Entry, error) {
	if lim == nil {
		lim = &DefaultBundleLimits
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, fmt.Errorf("%w: %w", ErrBundle, err)
	}
	if len(zr.File) == 0 {
		return nil, fmt.Errorf("%w: no entries", ErrBundle)
	}
	if len(zr.File) > lim.MaxEntries {
		return nil, fmt.Errorf("%w: %d entries, at most %d allowed", ErrBundle, len(zr.File), lim.MaxEntries)
	}
	seen := make(map[string]bool, len(zr.File))
	entries := make([]Entry, 0, len(zr.File))
	var total int64
	for _, f := range zr.File {
		if err := checkEntryHeader(f, lim); err != nil {
			return nil, err
		}
		if seen[f.Name] {
			return nil, fmt.Errorf("%w: duplicate entry %q", ErrBundle, f.Name)
		}
		seen[f.Name] = true
		data, err := readEntry(f, min(lim.MaxEntrySize, lim.MaxTotalSize-total))
		if err != nil {
			return nil, err
		}
		total += int64(len(data))
		entries = append(entries, Entry{Name: f.Name, Data: data, Modified: f.Modified})
	}
	return entries, nil
}

func checkEntryHeader(f *zip.File, lim *BundleLimits) error {
	if _, err := ParseEntryName(f.Name); err != nil {
		return err
	}
	switch {
	case f.Method != zip.Store && f.Method != zip.Deflate:
		return fmt.Errorf("%w: entry %q uses compression method %d (want stored or deflated)", ErrBundle, f.Name, f.Method)
	case f.Flags&0x1 != 0:
		return fmt.Errorf("%w: entry %q is encrypted", ErrBundle, f.Name)
	case f.UncompressedSize64 > uint64(lim.MaxEntrySize):
		return fmt.Errorf("%w: entry %q is %d bytes, at most %d allowed", ErrBundle, f.Name, f.UncompressedSize64, lim.MaxEntrySize)
	}
	return nil
}

// readEntry decompresses f, reading at most limit bytes whatever its header
// claims (zip bombs), and checks its CRC.
func readEntry(f *zip.File, limit int64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%w: open %q: %w", ErrBundle, f.Name, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%w: read %q: %w", ErrBundle, f.Name, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: entry %q decompresses past the size limit", ErrBundle, f.Name)
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("%w: entry %q is empty", ErrBundle, f.Name)
	}
	return data, nil
}

// WriteBundle writes entries as a reseed bundle zip, sorted by name, every
// entry deflated with its CRC and sizes in the local header and no data
// descriptor: i2pd reads bundles by streaming local headers and mis-reads
// data descriptors. Each entry is dated its Modified time, or modified if
// that is zero, in the MS-DOS fields (UTC, to 2 seconds) and an extended
// timestamp (to the second); with the same entries and time the output is
// byte-identical.
func WriteBundle(w io.Writer, entries []Entry, modified time.Time) error {
	if len(entries) == 0 || len(entries) > DefaultBundleLimits.MaxEntries {
		return fmt.Errorf("%w: %d entries, want 1-%d", ErrBundle, len(entries), DefaultBundleLimits.MaxEntries)
	}
	sorted := slices.Clone(entries)
	slices.SortFunc(sorted, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })
	zw := zip.NewWriter(w)
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.BestCompression)
	for i, e := range sorted {
		if _, err := ParseEntryName(e.Name); err != nil {
			return err
		}
		if i > 0 && sorted[i-1].Name == e.Name {
			return fmt.Errorf("%w: duplicate entry %q", ErrBundle, e.Name)
		}
		if len(e.Data) == 0 || int64(len(e.Data)) > DefaultBundleLimits.MaxEntrySize {
			return fmt.Errorf("%w: entry %q is %d bytes", ErrBundle, e.Name, len(e.Data))
		}
		buf.Reset()
		fw.Reset(&buf)
		fw.Write(e.Data) // writes to a bytes.Buffer cannot fail
		fw.Close()
		fh := &zip.FileHeader{
			Name:               e.Name,
			Method:             zip.Deflate,
			CRC32:              crc32.ChecksumIEEE(e.Data),
			CompressedSize64:   uint64(buf.Len()),
			UncompressedSize64: uint64(len(e.Data)),
		}
		t := e.Modified
		if t.IsZero() {
			t = modified
		}
		setModified(fh, t)
		raw, err := zw.CreateRaw(fh)
		if err != nil {
			return fmt.Errorf("su3: zip %q: %w", e.Name, err)
		}
		if _, err := raw.Write(buf.Bytes()); err != nil {
			return fmt.Errorf("su3: zip %q: %w", e.Name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("su3: zip: %w", err)
	}
	return nil
}

// Zip time limits: MS-DOS dates run from 1980 to 2107, the extended
// timestamp is unsigned Unix seconds.
var (
	minDOSTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)
	maxDOSTime = time.Date(2107, 12, 31, 23, 59, 58, 0, time.UTC)
)

const extTimeID = 0x5455 // Info-ZIP extended timestamp

// setModified dates fh with t, as zip.Writer.CreateHeader would (CreateRaw
// writes only the header fields it is given): MS-DOS date and time in UTC,
// clamped to their range, and an extended timestamp with the modification
// time when t fits it.
func setModified(fh *zip.FileHeader, t time.Time) {
	t = t.UTC()
	fh.Modified = t
	d := t
	if d.Before(minDOSTime) {
		d = minDOSTime
	} else if d.After(maxDOSTime) {
		d = maxDOSTime
	}
	fh.ModifiedDate = uint16(d.Day() + int(d.Month())<<5 + (d.Year()-1980)<<9)
	fh.ModifiedTime = uint16(d.Second()/2 + d.Minute()<<5 + d.Hour()<<11)
	if u := t.Unix(); u >= 0 && u <= math.MaxUint32 {
		var ext [9]byte
		binary.LittleEndian.PutUint16(ext[0:], extTimeID)
		binary.LittleEndian.PutUint16(ext[2:], 5) // flags and one time
		ext[4] = 1                                // modification time only
		binary.LittleEndian.PutUint32(ext[5:], uint32(u))
		fh.Extra = append(fh.Extra, ext[:]...)
	}
}
