package netdb

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"
)

var (
	benchOnce sync.Once
	benchDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// benchNetDb writes a synthetic 20,000-router netDb once per test binary.
func benchNetDb(b *testing.B) string {
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "netdb-bench-")
		if err != nil {
			b.Fatal(err)
		}
		ris, err := Synth(20000, SynthConfig{Now: synthNow, Seed: 20000})
		if err != nil {
			b.Fatal(err)
		}
		for _, ri := range ris {
			if _, err := Write(dir, ri); err != nil {
				b.Fatal(err)
			}
		}
		benchDir = dir
	})
	if benchDir == "" {
		b.Fatal("no benchmark netDb")
	}
	return benchDir
}

// BenchmarkScan20k: read, parse and verify 20,000 RouterInfos (warm cache).
func BenchmarkScan20k(b *testing.B) {
	dir := benchNetDb(b)
	for b.Loop() {
		idx, err := Scan(context.Background(), dir, nil)
		if err != nil || len(idx.Entries) != 20000 {
			b.Fatalf("scan: %d entries, %v", len(idx.Entries), err)
		}
	}
}

// BenchmarkRescan20k: a rescan of 20,000 unchanged files.
func BenchmarkRescan20k(b *testing.B) {
	dir := benchNetDb(b)
	prev, err := Scan(context.Background(), dir, nil)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		idx, err := Scan(context.Background(), dir, prev)
		if err != nil || idx.Read != 0 {
			b.Fatalf("rescan read %d, %v", idx.Read, err)
		}
	}
}

// BenchmarkParseVerify: one RouterInfo, parse + verify + summarize.
func BenchmarkParseVerify(b *testing.B) {
	ris, _ := Synth(1, SynthConfig{Now: synthNow})
	raw := ris[0].Bytes()
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		ri, err := ParseRouterInfo(raw)
		if err != nil {
			b.Fatal(err)
		}
		if e := Summarize(ri); !e.SigOK {
			b.Fatal("bad signature")
		}
	}
}

// BenchmarkParse: parsing alone.
func BenchmarkParse(b *testing.B) {
	ris, _ := Synth(1, SynthConfig{Now: synthNow})
	raw := ris[0].Bytes()
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseRouterInfo(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSelect20k: the selection policy over 20,000 entries.
func BenchmarkSelect20k(b *testing.B) {
	idx, err := Scan(context.Background(), benchNetDb(b), nil)
	if err != nil {
		b.Fatal(err)
	}
	entries := make([]*Entry, 0, len(idx.Entries))
	for _, e := range idx.Entries {
		entries = append(entries, e)
	}
	p := DefaultPolicy()
	p.Now = func() time.Time { return synthNow }
	b.ReportAllocs()
	for b.Loop() {
		p.Select(entries)
	}
}
