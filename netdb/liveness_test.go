package netdb

import (
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestLivenessVerdicts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "liveness.json")
	l, err := OpenLiveness(path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	live, gone, stale, back, never := Hash{1}, Hash{2}, Hash{3}, Hash{4}, Hash{5}
	l.Record(live, now.Add(-10*time.Minute), true, "ok")
	l.Record(gone, now.Add(-5*time.Minute), false, "dial")
	l.Record(stale, now.Add(-2*time.Hour), true, "ok")
	l.Record(back, now.Add(-time.Hour), false, "timeout")
	l.Record(back, now.Add(-time.Minute), true, "ok")
	l = saveAndReopen(t, l, path) // what was saved is what counts
	p := Policy{Liveness: l}
	for h, want := range map[Hash]Reason{live: OK, gone: RejectUnreachable, stale: RejectUnprobed, back: OK, never: RejectUnprobed} {
		if got := p.liveness(&Entry{Hash: h}, now); got != want {
			t.Errorf("router %x: %v, want %v", h[:1], got, want)
		}
	}
	if pr, _ := l.Get(gone); pr.Failures != 1 || pr.Outcome != "dial" || pr.Reachable() {
		t.Errorf("failed probe kept as %+v", pr)
	}
	if live, unreachable := l.Counts(now, time.Hour); live != 2 || unreachable != 1 {
		t.Errorf("Counts = %d live, %d unreachable; want 2, 1", live, unreachable)
	}
	l.Forget(func(h Hash) bool { return h != gone })
	if _, ok := l.Get(gone); ok {
		t.Error("Forget kept a router")
	}
	if (&Policy{}).liveness(&Entry{Hash: never}, now) != OK {
		t.Error("a policy without Liveness rejects by it")
	}
	os.WriteFile(path, []byte("{not json"), 0o600)
	if _, err := OpenLiveness(path); err == nil {
		t.Error("a corrupt liveness file opened")
	}
}

// saveAndReopen saves l to path, checks the file is private, and opens it
// again.
func saveAndReopen(t *testing.T, l *Liveness, path string) *Liveness {
	t.Helper()
	if err := l.Save(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("saved: %v %v, want a 0600 file", fi, err)
	}
	l, err := OpenLiveness(path)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestLivenessOnFailure: every failed attempt, and only those, reaches
// every listener once, after it is recorded, with the lock free (the
// listener calls Get); listeners are safe to add while others record.
func TestLivenessOnFailure(t *testing.T) {
	l, err := OpenLiveness(filepath.Join(t.TempDir(), "liveness.json"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	type call struct {
		h        Hash
		at       time.Time
		failures int
	}
	var (
		mu    sync.Mutex
		got   []call
		calls int
	)
	l.OnFailure(func(h Hash, at time.Time) {
		p, _ := l.Get(h) // would deadlock if called with the lock held
		mu.Lock()
		defer mu.Unlock()
		got = append(got, call{h, at, p.Failures})
	})
	l.Record(Hash{1}, now, true, "ok")
	l.Record(Hash{1}, now.Add(time.Minute), false, "dial")
	l.Record(Hash{2}, now.Add(2*time.Minute), false, "timeout")
	l.Record(Hash{1}, now.Add(3*time.Minute), false, "dial")
	want := []call{{Hash{1}, now.Add(time.Minute), 1}, {Hash{2}, now.Add(2 * time.Minute), 1}, {Hash{1}, now.Add(3 * time.Minute), 2}}
	if !slices.Equal(got, want) {
		t.Errorf("listener got %v, want %v", got, want)
	}

	// Concurrently: 8 goroutines each add a listener and record a failure.
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			l.OnFailure(func(Hash, time.Time) { mu.Lock(); calls++; mu.Unlock() })
			l.Record(Hash{byte(10 + i)}, now, false, "dial")
		})
	}
	wg.Wait()
	if calls < 8 || calls > 8*8 {
		t.Errorf("%d calls of the 8 concurrent listeners for 8 failures, want between 8 and 64", calls)
	}
}
