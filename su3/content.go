package su3

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// ErrDirContent is returned by OpenContent for a directory when the
// content is not a reseed zip (only bundles are built from directories).
var ErrDirContent = errors.New("su3: only reseed zip content can be built from a directory")

// Content is what Sign or Write signs, opened by OpenContent: a file read
// in place, or a reseed bundle zipped in memory from a directory.
type Content struct {
	*io.SectionReader
	// Entries is how many RouterInfos were zipped from a directory (0
	// for a file).
	Entries int
	f       *os.File
}

// Close closes the file under the content, if any.
func (c *Content) Close() error {
	if c.f != nil {
		return c.f.Close()
	}
	return nil
}

// OpenContent opens path as content of type ct and ft: a file as it is (a
// reseed bundle checked to be a valid zip), or, for a reseed zip, a
// directory of routerInfo-<hash>.dat files (netDb layout, ReadEntryDir)
// zipped as of now, each entry dated by published.
func OpenContent(path string, ct ContentType, ft FileType, now time.Time, published func([]byte) time.Time) (*Content, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return bundleDir(path, ct, ft, now, published)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if ct == ContentReseed {
		if _, err := ReadBundle(f, fi.Size(), nil); err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: not a valid reseed zip: %w", path, err)
		}
	}
	return &Content{SectionReader: io.NewSectionReader(f, 0, fi.Size()), f: f}, nil
}

func bundleDir(dir string, ct ContentType, ft FileType, now time.Time, published func([]byte) time.Time) (*Content, error) {
	if ct != ContentReseed || ft != FileZip {
		return nil, fmt.Errorf("%s: %w", dir, ErrDirContent)
	}
	entries, err := ReadEntryDir(os.DirFS(dir), published)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	var buf bytes.Buffer
	if err := WriteBundle(&buf, entries, now); err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	return &Content{SectionReader: io.NewSectionReader(bytes.NewReader(buf.Bytes()), 0, int64(buf.Len())), Entries: len(entries)}, nil
}
