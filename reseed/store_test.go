package reseed

import (
	"context"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/internal/reseedtest"
	"github.com/i2pseed/i2pseed/netdb"
)

// TestParsedOncePerRouterInfo: a RouterInfo that arrives (parsed and its
// signature checked once, as the router's harvest does), is put in the
// store and then served, in two pool builds, is parsed and checked once
// in all: the store, its rescans and the bundles reuse what it knows.
func TestParsedOncePerRouterInfo(t *testing.T) {
	ris, err := netdb.Synth(300, netdb.SynthConfig{Now: reseedtest.Now, MaxAge: 12 * time.Hour, Seed: 77})
	if err != nil {
		t.Fatal(err)
	}
	var received [][]byte
	for _, ri := range ris {
		received = append(received, append([]byte(nil), ri.Bytes()...))
	}
	store := reseedtest.Store(t, t.TempDir())
	before := netdb.ReadCounts()
	for _, b := range received {
		ri, err := netdb.ParseRouterInfo(b)
		if err != nil || ri.Verify() != nil {
			t.Fatal("a synthetic RouterInfo did not verify")
		}
		if _, err := store.Put(ri); err != nil {
			t.Fatal(err)
		}
	}
	cfg := poolConfig(t)
	var served int
	for i := range 2 {
		pool, err := BuildPool(context.Background(), store, cfg, reseedtest.Now.Add(time.Duration(i)*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		served = pool.Eligible
	}
	got := netdb.ReadCounts()
	parses, verifications := got.Parses-before.Parses, got.Verifications-before.Verifications
	t.Logf("%d RouterInfos received, %d eligible and served: %d parses, %d signature checks",
		len(received), served, parses, verifications)
	if served == 0 {
		t.Fatal("nothing served")
	}
	if parses != uint64(len(received)) || verifications != uint64(len(received)) {
		t.Errorf("%d parses and %d signature checks for %d RouterInfos; want one each", parses, verifications, len(received))
	}
}
