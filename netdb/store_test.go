package netdb

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var synthNow = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func TestSynthRoundTrip(t *testing.T) {
	ris, err := Synth(50, SynthConfig{Now: synthNow, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Synth(50, SynthConfig{Now: synthNow, Seed: 1})
	for i, ri := range ris {
		parsed, err := ParseRouterInfo(ri.Bytes())
		if err != nil {
			t.Fatalf("synth %d does not parse: %v", i, err)
		}
		if err := parsed.Verify(); err != nil {
			t.Fatalf("synth %d does not verify: %v", i, err)
		}
		out, _ := parsed.AppendBinary(nil)
		if !bytes.Equal(out, ri.Bytes()) {
			t.Fatalf("synth %d does not round-trip", i)
		}
		if !bytes.Equal(ri.Bytes(), again[i].Bytes()) {
			t.Fatalf("synth %d differs between runs with the same seed", i)
		}
		if parsed.Identity.SigType != SigEdDSA_SHA512 || parsed.Identity.CryptoType != CryptoX25519 {
			t.Fatalf("synth %d: %v/%v", i, parsed.Identity.SigType, parsed.Identity.CryptoType)
		}
	}
}

func writeSynth(t testing.TB, dir string, n int) {
	t.Helper()
	ris, err := Synth(n, SynthConfig{Now: synthNow, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	for _, ri := range ris {
		if _, err := Write(dir, ri); err != nil {
			t.Fatal(err)
		}
	}
}

func TestScanAndRescan(t *testing.T) {
	dir := t.TempDir()
	netDb := filepath.Join(dir, "netDb")
	writeSynth(t, netDb, 40)
	// Java/i2pd layout below dir/netDb, and mtime = published.
	idx, err := Scan(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkFirstScan(t, idx)
	// Bad files: garbage, a misnamed valid RouterInfo, an unreadable one.
	var any *Entry
	for _, e := range idx.Entries {
		any = e
		break
	}
	addBadFiles(netDb, any)

	idx2, err := Scan(context.Background(), dir, idx)
	if err != nil {
		t.Fatal(err)
	}
	if idx2.Read != 3 || idx2.Reused != 39 {
		t.Errorf("rescan read %d, reused %d; want 3 (2 new, 1 changed) and 39", idx2.Read, idx2.Reused)
	}
	if idx2.Skipped[SkipName] != 1 || idx2.Skipped[SkipMalformed] != 1 {
		t.Errorf("skipped %v; want 1 name, 1 malformed", idx2.Skipped)
	}
	if e := idx2.Entries[any.Hash]; e == nil || e.SigOK {
		t.Errorf("tampered RouterInfo: entry %+v, want one with SigOK false", e)
	}
	// Nothing changed: nothing is read.
	idx3, _ := Scan(context.Background(), dir, idx2)
	if idx3.Read != 0 || len(idx3.Entries) != 40 {
		t.Errorf("unchanged rescan read %d files, has %d entries; want 0, 40", idx3.Read, len(idx3.Entries))
	}
}

// checkFirstScan: the scan of writeSynth's 40 read and kept them all,
// each signed and with its file's mtime its published time.
func checkFirstScan(t *testing.T, idx *Index) {
	t.Helper()
	if len(idx.Entries) != 40 || idx.Read != 40 {
		t.Fatalf("scan: %d entries, %d read; want 40, 40", len(idx.Entries), idx.Read)
	}
	for _, e := range idx.Entries {
		fi, _ := os.Stat(e.Path)
		if !fi.ModTime().Equal(e.Published()) {
			t.Errorf("%s: mtime %v, published %v", e.Path, fi.ModTime(), e.Published())
		}
		if !e.SigOK {
			t.Errorf("%s: signature not ok", e.Path)
		}
	}
}

// addBadFiles spoils netDb: a copy of victim's file under another
// router's name, a garbage RouterInfo file, a file that is no RouterInfo,
// and victim's own file with its signature changed.
func addBadFiles(netDb string, victim *Entry) {
	valid, _ := os.ReadFile(victim.Path)
	os.MkdirAll(filepath.Join(netDb, "rA"), 0o755)
	os.WriteFile(filepath.Join(netDb, "rA", "routerInfo-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=.dat"), valid, 0o644)
	os.WriteFile(filepath.Join(netDb, "routerInfo-garbage.dat"), []byte("garbage"), 0o644)
	os.WriteFile(filepath.Join(netDb, "README"), []byte("ignored"), 0o644)
	tampered := bytes.Clone(valid)
	tampered[len(tampered)-1] ^= 1
	os.WriteFile(victim.Path, tampered, 0o644)
}

func TestScanFlat(t *testing.T) {
	dir := t.TempDir()
	ris, _ := Synth(3, SynthConfig{Now: synthNow})
	for _, ri := range ris {
		os.WriteFile(filepath.Join(dir, ri.Hash().FileName()), ri.Bytes(), 0o644)
	}
	idx, err := Scan(context.Background(), dir, nil)
	if err != nil || len(idx.Entries) != 3 {
		t.Fatalf("flat scan: %d entries, %v", len(idx.Entries), err)
	}
	if _, err := Scan(context.Background(), filepath.Join(dir, "missing"), nil); err == nil {
		t.Error("scan of a missing directory succeeded")
	}
}
