package torctl

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseReply: whatever parses re-encodes to the same bytes, and no
// strict prefix of a reply parses. Seeded with tor's recorded replies.
func FuzzParseReply(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.txt")
	if len(files) == 0 {
		f.Fatal("no seeds")
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseReply(b)
		if err != nil {
			return
		}
		if got := r.AppendText(nil); !bytes.Equal(got, b) {
			t.Fatalf("round trip:\ngot  %q\nwant %q", got, b)
		}
		for i := range len(b) {
			if _, err := ParseReply(b[:i]); err == nil {
				t.Fatalf("the prefix %q parses", b[:i])
			}
		}
		for _, l := range r.Lines {
			ParseKeywords(l.Text)
		}
	})
}
