package su3

import (
	"fmt"
	"os"
)

// A ReadCloser is a Reader of a file that OpenReader opened; Close closes
// the file.
type ReadCloser struct {
	Reader
	f *os.File
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
