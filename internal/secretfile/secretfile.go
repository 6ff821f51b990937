// Package secretfile reads the files that hold secrets: the su3 signer
// key, the TLS key and the server secret that assigns bundles to clients.
// It refuses a file that group or others can read (the secret may already
// be out) and one cut shorter than its content needs (a full disk, a bad
// copy), so that neither is used, or silently replaced, without a word.
package secretfile

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// Sentinel errors, matched with errors.Is.
var (
	ErrExposed = errors.New("readable by group or others")
	ErrShort   = errors.New("shorter than it must be")
)

// Read reads the secret file path: it must be readable by this user, by
// no group or other user, and at least min bytes long. Errors name the
// file and what to do.
func Read(path string, min int) ([]byte, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrPermission) {
		return nil, fmt.Errorf("%s: %w: make this user its owner (chown), mode 0600", path, err)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := checkMode(path, fi); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(b) < min {
		return nil, fmt.Errorf("%s: %w: %d bytes, want at least %d (truncated? restore it from a backup)", path, ErrShort, len(b), min)
	}
	return b, nil
}

// CheckMode refuses path if group or others can read it. For files whose
// content is checked first (a PEM key: a certificate given by mistake is
// named as such, not as exposed).
func CheckMode(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	return checkMode(path, fi)
}

func checkMode(path string, fi os.FileInfo) error {
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("%s: %w (mode %#o): chmod 600 %s, and replace the secret if others may have read it", path, ErrExposed, perm, path)
	}
	return nil
}
