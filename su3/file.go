package su3

import (
	"fmt"
	"io"
	"os"

	"github.com/i2pseed/i2pseed/internal/atomicfile"
)

// A ReadCloser is a Reader of a file that OpenReader opened; Close closes
// the file.
type ReadCloser struct {
	Reader
	f *os.File
}

// WriteFile writes an SU3 file into name as Write does, atomically (mode
// 0644): a write that fails leaves name as it was.
func WriteFile(name string, h Header, content io.Reader, s *Signer) error {
	return atomicfile.Write(name, 0o644, func(w io.Writer) error { return Write(w, h, content, s) })
}

// OpenReader opens the SU3 file name and parses its header as NewReader
// does, reading nothing else: the content and signature are read in place,
// when they are verified. Errors name the file.
func OpenReader(name string) (*ReadCloser, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s: not a regular file", name)
	}
	r, err := NewReader(f, fi.Size())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &ReadCloser{Reader: *r, f: f}, nil
}

// Close closes the file.
func (rc *ReadCloser) Close() error { return rc.f.Close() }
