package netdb

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestStore: Put stores a verified RouterInfo atomically, newer wins; the
// store sees files others write; Load and rescans read a file's RouterInfo
// again only when the file changed; Expire removes old ones; floodfills
// stay parsed.
func TestStore(t *testing.T) {
	ctx := context.Background()
	ris, err := Synth(30, SynthConfig{Now: synthNow, MaxAge: time.Hour, Seed: 21})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	s, err := OpenStore(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	checkPutsParseNothing(t, s, ris[:20])

	// Another writer: the next rescan reads just those files.
	entries := checkRescanReadsOthers(t, s, dir, ris[20:])

	// A file changed behind the store's back is checked again by Load.
	e := entries[0]
	b, _ := os.ReadFile(e.Path)
	b[len(b)-1] ^= 1
	os.WriteFile(e.Path, b, 0o644)
	if _, err := s.Load(e); err == nil {
		t.Error("Load of a tampered file succeeded")
	}

	// Floodfills are kept parsed.
	checkFloodfillsKept(t, s, entries, entries[0])

	// Expire: everything published before the cutoff, and the tampered one.
	checkExpire(t, s, dir, entries, synthNow.Add(-30*time.Minute))
}

// checkPutsParseNothing puts ris, signed and fresh, into the empty store s:
// each is new once, and neither Put nor a rescan nor Load parses or
// verifies any of them again.
func checkPutsParseNothing(t *testing.T, s *Store, ris []*RouterInfo) {
	t.Helper()
	ctx := context.Background()
	before := ReadCounts()
	for _, ri := range ris {
		if ok, err := s.Put(ri); !ok || err != nil {
			t.Fatalf("Put: %v, %v", ok, err)
		}
	}
	if ok, _ := s.Put(ris[0]); ok {
		t.Error("Put of the same RouterInfo again reported it new")
	}
	entries, err := s.Entries(ctx)
	if err != nil || len(entries) != len(ris) {
		t.Fatalf("Entries: %d, %v; want %d", len(entries), err, len(ris))
	}
	for _, e := range entries {
		if _, err := s.Load(e); err != nil {
			t.Fatal(err)
		}
	}
	if d := ReadCounts(); d != before {
		t.Errorf("Put, rescan and Load of %d signed RouterInfos parsed %d and verified %d; want 0 and 0",
			len(ris), d.Parses-before.Parses, d.Verifications-before.Verifications)
	}
}

// checkRescanReadsOthers writes others into dir behind the store's back
// and checks that the next rescan finds them, parsing and verifying just
// those; it returns the entries that rescan listed.
func checkRescanReadsOthers(t *testing.T, s *Store, dir string, others []*RouterInfo) []*Entry {
	t.Helper()
	for _, ri := range others {
		if _, err := Write(dir, ri); err != nil {
			t.Fatal(err)
		}
	}
	before := ReadCounts()
	entries, _ := s.Entries(context.Background())
	if len(entries) != 30 {
		t.Fatalf("after %d written by another: %d entries, want 30", len(others), len(entries))
	}
	n := uint64(len(others))
	if d := ReadCounts(); d.Parses-before.Parses != n || d.Verifications-before.Verifications != n {
		t.Errorf("rescan parsed %d and verified %d; want %d and %d", d.Parses-before.Parses, d.Verifications-before.Verifications, n, n)
	}
	return entries
}

// checkFloodfillsKept: the store keeps parsed every floodfill among
// entries whose signature checked out, but for the tampered one.
func checkFloodfillsKept(t *testing.T, s *Store, entries []*Entry, tampered *Entry) {
	t.Helper()
	ff := 0
	for _, e := range entries {
		if e.Floodfill() && e.SigOK && e != tampered {
			ff++
		}
	}
	if got := len(s.Floodfills(LiveNetID)); got < ff || got == 0 {
		t.Errorf("Floodfills: %d, want at least %d", got, ff)
	}
}

// checkExpire expires from s, holding entries in dir, what was published
// before cutoff: some go, the store and the folder hold the rest, and none
// left was published before cutoff.
func checkExpire(t *testing.T, s *Store, dir string, entries []*Entry, cutoff time.Time) {
	t.Helper()
	n, err := s.Expire(context.Background(), cutoff)
	if err != nil || n == 0 {
		t.Fatalf("Expire: %d, %v", n, err)
	}
	if s.Len() != 30-n {
		t.Errorf("after expiring %d: %d left, want %d", n, s.Len(), 30-n)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "r?", "routerInfo-*.dat"))
	if len(left) != 30-n {
		t.Errorf("%d files left, want %d", len(left), 30-n)
	}
	for _, e := range entries {
		if s.Has(e.Hash) && e.Published().Before(cutoff) {
			t.Errorf("%v published %v not expired", e.Hash, e.Published())
		}
	}
}

// TestStoreNewerWins: of two RouterInfos of one router, the newer stays,
// whatever the order of Puts.
func TestStoreNewerWins(t *testing.T) {
	ctx := context.Background()
	s, err := OpenStore(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	_, at := oneRouter(t)
	older, newer := at(synthNow.Add(-time.Hour)), at(synthNow)
	if ok, err := s.Put(newer); !ok || err != nil {
		t.Fatalf("Put newer: %v, %v", ok, err)
	}
	if ok, err := s.Put(older); ok || err != nil {
		t.Errorf("Put older after newer: %v, %v; want false, nil", ok, err)
	}
	e, _ := s.Entries(ctx)
	if len(e) != 1 || e[0].PublishedMs != newer.Published {
		t.Fatalf("store holds %d entries, want only the newer", len(e))
	}
	b, _ := os.ReadFile(e[0].Path)
	if string(b) != string(newer.Bytes()) {
		t.Error("the file holds the older RouterInfo")
	}
	// A RouterInfo whose signature does not verify is refused.
	bad, _ := ParseRouterInfo(append([]byte(nil), at(synthNow.Add(time.Minute)).Bytes()...))
	raw := bad.Bytes()
	raw[len(raw)-1] ^= 1
	if ok, err := s.Put(bad); ok || err == nil {
		t.Errorf("Put of a forged RouterInfo: %v, %v", ok, err)
	}
}

// TestStoreConcurrent: Puts from many goroutines while rescans run (go
// test -race).
func TestStoreConcurrent(t *testing.T) {
	ctx := context.Background()
	s, err := OpenStore(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ris, _ := Synth(64, SynthConfig{Now: synthNow, Seed: 9})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < len(ris); i += 4 {
				if _, err := s.Put(ris[i]); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Go(func() {
		for range 5 {
			if _, err := s.Entries(ctx); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
	if e, _ := s.Entries(ctx); len(e) != 64 || s.Len() != 64 {
		t.Errorf("%d entries, want 64", len(e))
	}
}

// TestStoreRemovalLosesToPut: an expiry that decided on an old file does
// not delete the newer one Put wrote meanwhile at the same path.
func TestStoreRemovalLosesToPut(t *testing.T) {
	s, err := OpenStore(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	id, at := oneRouter(t)
	if _, err := s.Put(at(synthNow.Add(-72 * time.Hour))); err != nil {
		t.Fatal(err)
	}
	path := filePath(s.dir, id.Hash())
	s.mu.Lock()
	decided := map[string]fileState{path: s.idx.files[path]}
	s.mu.Unlock()
	if ok, err := s.Put(at(synthNow)); !ok || err != nil {
		t.Fatalf("Put newer: %v, %v", ok, err)
	}
	if n, err := s.removeAll(decided); n != 0 || err != nil {
		t.Errorf("removal of the old file removed %d (%v); want 0", n, err)
	}
	if _, err := os.Stat(path); err != nil || !s.Has(id.Hash()) {
		t.Errorf("the newer RouterInfo is gone: %v, in store %v", err, s.Has(id.Hash()))
	}
}

// oneRouter returns a router identity and a function that signs a
// RouterInfo of it published at a given time.
func oneRouter(t *testing.T) (*Identity, func(time.Time) *RouterInfo) {
	t.Helper()
	_, sk, _ := ed25519.GenerateKey(rand.Reader)
	id, err := NewIdentity(sk.Public().(ed25519.PublicKey), [32]byte{9}, [32]byte{1})
	if err != nil {
		t.Fatal(err)
	}
	return id, func(published time.Time) *RouterInfo {
		ri := &RouterInfo{Identity: id, Published: uint64(published.UnixMilli()),
			Options: Mapping{{"caps", "XR"}, {"netId", "2"}, {"router.version", "0.9.66"}}}
		if err := ri.SignEd25519(sk); err != nil {
			t.Fatal(err)
		}
		return ri
	}
}

// TestPrune: RouterInfos published before the cutoff and files that hold
// no RouterInfo under their own name go; the rest stay.
func TestPrune(t *testing.T) {
	dir := t.TempDir()
	ris, err := Synth(20, SynthConfig{Now: synthNow, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	cutoff := synthNow.Add(-12 * time.Hour)
	old := 0
	for _, ri := range ris {
		if _, err := Write(dir, ri); err != nil {
			t.Fatal(err)
		}
		if ri.PublishedTime().Before(cutoff) {
			old++
		}
	}
	bad := filepath.Join(dir, "rA", "routerInfo-"+strings.Repeat("A", 43)+"=.dat")
	if err := os.MkdirAll(filepath.Dir(bad), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("not a RouterInfo"), 0o644); err != nil {
		t.Fatal(err)
	}
	n, err := Prune(context.Background(), dir, cutoff)
	if err != nil || n != old+1 || old == 0 {
		t.Fatalf("Prune = %d, %v; want %d old and 1 malformed", n, err, old)
	}
	if _, err := os.Stat(bad); !os.IsNotExist(err) {
		t.Errorf("malformed file left: %v", err)
	}
	idx, err := Scan(context.Background(), dir, nil)
	if err != nil || len(idx.Entries) != 20-old {
		t.Errorf("after Prune: %d RouterInfos, %v; want %d", len(idx.Entries), err, 20-old)
	}
}
