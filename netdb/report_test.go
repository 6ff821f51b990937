package netdb

import (
	"context"
	"testing"
	"time"
)

// TestStats: a synthetic netDb's report adds up.
func TestStats(t *testing.T) {
	dir := t.TempDir()
	ris, err := Synth(60, SynthConfig{Now: synthNow, Seed: 12})
	if err != nil {
		t.Fatal(err)
	}
	for _, ri := range ris {
		if _, err := Write(dir, ri); err != nil {
			t.Fatal(err)
		}
	}
	p := DefaultPolicy()
	p.Now = func() time.Time { return synthNow }
	r, err := Stats(context.Background(), dir, p)
	if err != nil {
		t.Fatal(err)
	}
	rejected := 0
	for _, n := range r.Rejected {
		rejected += n
	}
	aged := 0
	for _, b := range r.Age {
		aged += b.Count
	}
	if r.RouterInfos != 60 || r.Files != 60 || r.Eligible+rejected != 60 || aged != 60 || r.Eligible == 0 {
		t.Errorf("report: %d RouterInfos in %d files, %d eligible + %d rejected, %d by age; want 60 each way", r.RouterInfos, r.Files, r.Eligible, rejected, aged)
	}
}
