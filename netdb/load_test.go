package netdb

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestLoadRouterInfos(t *testing.T) {
	ctx := context.Background()
	ris, err := Synth(5, SynthConfig{Now: synthNow, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var want []Hash
	for i, ri := range ris {
		path, err := Write(dir, ri)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 { // a bad signature: left out
			b := bytes.Clone(ri.Bytes())
			b[len(b)-1] ^= 1
			os.WriteFile(path, b, 0o644)
			continue
		}
		want = append(want, ri.Hash())
	}
	slices.SortFunc(want, func(a, b Hash) int { return bytes.Compare(a[:], b[:]) })
	got, err := LoadRouterInfos(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	var hashes []Hash
	for _, ri := range got {
		hashes = append(hashes, ri.Hash())
	}
	if !slices.Equal(hashes, want) {
		t.Errorf("directory: got %v, want %v (the verified ones, by hash)", hashes, want)
	}

	file := filepath.Join(t.TempDir(), "router.info")
	os.WriteFile(file, ris[1].Bytes(), 0o644)
	if got, err := LoadRouterInfos(ctx, file); err != nil || len(got) != 1 || got[0].Hash() != ris[1].Hash() {
		t.Errorf("one file: %v, %v", got, err)
	}
	os.WriteFile(file, ris[1].Bytes()[:100], 0o644)
	if _, err := LoadRouterInfos(ctx, file); err == nil {
		t.Error("a truncated RouterInfo file loaded")
	}
	if got, err := LoadRouterInfos(ctx, t.TempDir()); err != nil || len(got) != 0 {
		t.Errorf("empty directory: %v, %v; want none and no error", got, err)
	}
	if _, err := LoadRouterInfos(ctx, filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Error("a missing path loaded")
	}
}

// TestPublishedAt: a RouterInfo's published time, zero for bytes that do
// not parse.
func TestPublishedAt(t *testing.T) {
	ris, err := Synth(1, SynthConfig{Now: synthNow, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := PublishedAt(ris[0].Bytes()), ris[0].PublishedTime(); !got.Equal(want) || got.IsZero() {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := PublishedAt([]byte("not a RouterInfo")); !got.IsZero() {
		t.Errorf("garbage: got %v, want the zero time", got)
	}
}
