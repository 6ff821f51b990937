// Package atomicfile writes files so that readers see either the old or the
// new content, never a partial write: data goes to a temporary file in the
// same directory, is synced, then renamed over the target.
package atomicfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteFile atomically replaces name with data, created with mode perm.
func WriteFile(name string, data []byte, perm os.FileMode) error {
	return Write(name, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// Write atomically replaces name with what fill writes, created with mode
// perm. If fill fails, name is left untouched and the temporary file removed.
func Write(name string, perm os.FileMode, fill func(io.Writer) error) error {
	tmp, err := writeTemp(name, perm, fill)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, name); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("rename to %s: %w", name, err)
	}
	return nil
}

// Create makes name with what fill writes, mode perm, but never replaces
// it: the whole content is linked into place, and if name exists already
// (made meanwhile by another process too) the error matches fs.ErrExist
// and name is left as it is. For keys: load or create, never replace.
func Create(name string, perm os.FileMode, fill func(io.Writer) error) error {
	tmp, err := writeTemp(name, perm, fill)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, name); err != nil {
		return fmt.Errorf("link to %s: %w", name, err)
	}
	return nil
}

// writeTemp writes what fill writes to a synced temporary file, mode perm,
// beside name and returns its path; on failure it leaves no file.
func writeTemp(name string, perm os.FileMode, fill func(io.Writer) error) (_ string, err error) {
	dir := filepath.Dir(name)
	f, err := os.CreateTemp(dir, "."+filepath.Base(name)+".tmp-*")
	if err != nil {
		return "", fmt.Errorf("create temporary file: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	// CreateTemp makes the file 0600; set the final mode before any data is
	// written so a secret is never readable by others, even briefly.
	if err := f.Chmod(perm); err != nil {
		return "", fmt.Errorf("chmod %s: %w", f.Name(), err)
	}
	if err := fill(f); err != nil {
		return "", err
	}
	if err := f.Sync(); err != nil {
		return "", fmt.Errorf("sync %s: %w", f.Name(), err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("close %s: %w", f.Name(), err)
	}
	return f.Name(), nil
}
