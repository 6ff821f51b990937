package su3

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/i2pseed/i2pseed/internal/atomicfile"
)

// A WriteError is Extract failing to write, as opposed to the file failing
// verification.
type WriteError struct{ Err error }

func (e *WriteError) Error() string { return "su3: extract: " + e.Err.Error() }
func (e *WriteError) Unwrap() error { return e.Err }

// Extract verifies r and writes its content into the directory dir,
// created if missing: a reseed bundle (ContentReseed), verified and read
// as VerifyBundle does within lim, as one file per RouterInfo named after
// its entry; any other content as the one file dir/name. Nothing is
// written, and dir is not created, unless the file verifies. Each file is
// written atomically with mode 0644. Content other than a bundle is
// streamed, never held in memory, and hashed again as it is copied: a file
// that changed after it verified is refused (ErrSignature), not written.
// Extract returns the paths written and how many content bytes they hold.
//
// Errors: those of Verify or VerifyBundle; a *WriteError for a failure to
// create dir or write into it.
func (r *Reader) Extract(kr Keyring, dir, name string, lim *BundleLimits) ([]string, int64, error) {
	if r.ContentType == ContentReseed {
		entries, err := r.VerifyBundle(kr, lim)
		if err != nil {
			return nil, 0, err
		}
		return writeEntries(dir, entries)
	}
	if name == "" || filepath.Base(name) != name {
		return nil, 0, fmt.Errorf("su3: extract: %q is not a file name", name)
	}
	_, digest, err := r.verify(kr)
	if err != nil {
		return nil, 0, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, 0, &WriteError{Err: err}
	}
	p := filepath.Join(dir, name)
	if err := writeFile(p, func(w io.Writer) error { return r.copyVerified(w, digest) }); err != nil {
		return nil, 0, err
	}
	return []string{p}, r.ContentLength, nil
}

// copyVerified copies the content to w and checks that the signed bytes
// still hash to digest.
func (r *Reader) copyVerified(w io.Writer, digest []byte) error {
	got, err := r.copyContent(w)
	if err != nil {
		return err
	}
	if !bytes.Equal(got, digest) {
		return fmt.Errorf("%w: the file changed after it verified", ErrSignature)
	}
	return nil
}

// writeEntries writes each entry atomically as dir/<its name>.
func writeEntries(dir string, entries []Entry) ([]string, int64, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, 0, &WriteError{Err: err}
	}
	paths := make([]string, 0, len(entries))
	var n int64
	for _, e := range entries {
		p := filepath.Join(dir, e.Name)
		if err := atomicfile.WriteFile(p, e.Data, 0o644); err != nil {
			return paths, n, &WriteError{Err: err}
		}
		paths = append(paths, p)
		n += int64(len(e.Data))
	}
	return paths, n, nil
}

// writeFile writes path atomically with what fill writes. Errors of fill
// are returned as they are, any other as a *WriteError.
func writeFile(path string, fill func(io.Writer) error) error {
	var fillErr error
	err := atomicfile.Write(path, 0o644, func(w io.Writer) error {
		fillErr = fill(w)
		return fillErr
	})
	if err != nil && err != fillErr {
		return &WriteError{Err: err}
	}
	return err
}
