package secretfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	file := func(name string, size int, perm os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, make([]byte, size), perm); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, perm); err != nil { // past the umask
			t.Fatal(err)
		}
		return p
	}
	if b, err := Read(file("ok", 32, 0o600), 32); err != nil || len(b) != 32 {
		t.Errorf("a whole 0600 file: %d bytes, %v", len(b), err)
	}
	if _, err := Read(file("owner-only", 32, 0o400), 32); err != nil {
		t.Errorf("a 0400 file: %v", err)
	}
	for _, tt := range []struct {
		name string
		size int
		perm os.FileMode
		want error
		text string
	}{
		{"short", 3, 0o600, ErrShort, "3 bytes, want at least 32"},
		{"group", 32, 0o640, ErrExposed, "mode 0640): chmod 600"},
		{"others", 32, 0o604, ErrExposed, "mode 0604"},
	} {
		p := file(tt.name, tt.size, tt.perm)
		_, err := Read(p, 32)
		if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), tt.text) {
			t.Errorf("%s: %v; want %v naming %s and %q", tt.name, err, tt.want, p, tt.text)
		}
	}
	if _, err := Read(filepath.Join(dir, "missing"), 1); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing file: %v, want ErrNotExist", err)
	}
}
