package su3

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestOpenContent(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "plain.bin")
	os.WriteFile(file, []byte("hello"), 0o644)
	c, err := OpenContent(file, ContentUnknown, FileZip, time.Now(), nil)
	if err != nil || c.Size() != 5 || c.Entries != 0 {
		t.Fatalf("a file: %v, %v", c, err)
	}
	c.Close()
	if _, err := OpenContent(file, ContentReseed, FileZip, time.Now(), nil); err == nil {
		t.Error("a reseed file that is not a zip was taken")
	}
	if _, err := OpenContent(dir, ContentRouter, FileZip, time.Now(), nil); !errors.Is(err, ErrDirContent) {
		t.Errorf("a directory as router content: %v, want ErrDirContent", err)
	}
	if _, err := OpenContent(filepath.Join(dir, "missing"), ContentReseed, FileZip, time.Now(), nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}
