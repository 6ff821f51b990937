package reseed

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/internal/reseedtest"
	"github.com/i2pseed/i2pseed/netdb"
)

// memSource is a Source over RouterInfos in memory.
type memSource struct {
	entries []*netdb.Entry
	data    map[netdb.Hash][]byte
}

func newMemSource(ris ...[]*netdb.RouterInfo) *memSource {
	s := &memSource{data: map[netdb.Hash][]byte{}}
	for _, batch := range ris {
		for _, ri := range batch {
			s.entries = append(s.entries, netdb.Summarize(ri))
			s.data[ri.Hash()] = ri.Bytes()
		}
	}
	return s
}

func (s *memSource) Entries(context.Context) ([]*netdb.Entry, error) { return s.entries, nil }

func (s *memSource) Load(e *netdb.Entry) ([]byte, error) {
	if b, ok := s.data[e.Hash]; ok {
		return b, nil
	}
	return nil, fmt.Errorf("no RouterInfo %s", e.Hash)
}

func synthOrFatal(t testing.TB, n int, cfg netdb.SynthConfig) []*netdb.RouterInfo {
	t.Helper()
	ris, err := netdb.Synth(n, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return ris
}

// bundleStats reads one signed bundle back and counts what BuildPool
// promises: floodfills, the largest family and IPv4 /16, routers with a
// bad family signature, and entries not dated their published time.
type bundleStats struct {
	routers, floodfills, maxFamily, maxSubnet, badFamily, misdated int
}

func readBundleStats(t *testing.T, bundle []byte) bundleStats {
	t.Helper()
	_, kr := reseedtest.Signer(t)
	entries := reseedtest.VerifyBundle(t, bundle, kr)
	var st bundleStats
	fams, nets := map[string]int{}, map[netip.Prefix]int{}
	for _, e := range entries {
		ri, err := netdb.ParseRouterInfo(e.Data)
		if err != nil {
			t.Fatal(err)
		}
		s := netdb.Summarize(ri)
		st.routers++
		if s.Floodfill() {
			st.floodfills++
		}
		if s.BadFamily {
			st.badFamily++
		}
		if s.Family != "" {
			fams[s.Family]++
			st.maxFamily = max(st.maxFamily, fams[s.Family])
		}
		seen := map[netip.Prefix]bool{}
		for _, a := range s.Addrs {
			if k, err := a.Host.Prefix(16); err == nil && a.Host.Is4() && !seen[k] {
				seen[k] = true
				nets[k]++
				st.maxSubnet = max(st.maxSubnet, nets[k])
			}
		}
		if !e.Modified.Equal(ri.PublishedTime().Truncate(time.Second)) {
			st.misdated++
			if st.misdated == 1 {
				t.Logf("%s dated %v, published %v", e.Name, e.Modified, ri.PublishedTime())
			}
		}
	}
	return st
}

// TestBuildPoolDiversity: from a netDb where 150 routers share one /16
// (127.0/16) and families of 80 and 40 routers are eligible, with a
// family of 20 whose signatures are bad, every bundle holds 75 RouterInfos
// with at least 5 floodfills, at most 3 of one family and 3 of one /16,
// none of the bad family, each dated its published time.
func TestBuildPoolDiversity(t *testing.T) {
	public := synthOrFatal(t, 500, netdb.SynthConfig{Now: reseedtest.Now, Seed: 31, MaxAge: 20 * time.Hour,
		Families: []netdb.SynthFamily{{Name: "crowd", Members: 80}, {Name: "forged", Members: 20, BadSig: true}}})
	local := synthOrFatal(t, 150, netdb.SynthConfig{Now: reseedtest.Now, Seed: 32, MaxAge: 20 * time.Hour, Private: true,
		Families: []netdb.SynthFamily{{Name: "Local", Members: 40, NoKey: true}}})
	cfg := poolConfig(t)
	cfg.Policy = netdb.TestnetPolicy(netdb.LiveNetID) // takes 127.0.0.x
	cfg.Bundles = 10
	pool, err := BuildPool(context.Background(), newMemSource(public, local), cfg, reseedtest.Now)
	if err != nil {
		t.Fatal(err)
	}
	if pool.Rejected[netdb.RejectFamily] != 20 {
		t.Errorf("rejected %v, want the 20 forged family members as %v", pool.Rejected, netdb.RejectFamily)
	}
	// The caps must matter: the eligible set is crowded.
	policy := cfg.Policy
	policy.Now = func() time.Time { return reseedtest.Now }
	needCaps(t, policy.Select(newMemSource(public, local).entries))
	if len(pool.Bundles) != 10 {
		t.Fatalf("%d bundles, want 10", len(pool.Bundles))
	}
	for i, b := range pool.Bundles {
		st := readBundleStats(t, b)
		if st.routers != 75 || st.floodfills < 5 || st.maxFamily > 3 || st.maxSubnet > 3 || st.badFamily != 0 || st.misdated != 0 {
			t.Errorf("bundle %d: %+v; want 75 routers, >= 5 floodfills, <= 3 of a family and of a /16, no bad family, none misdated", i, st)
		}
	}
}

// needCaps stops the test unless sel's eligible routers crowd: 20 of the
// family crowd, 10 of local and 50 on 127.0/16 at least.
func needCaps(t *testing.T, sel netdb.Selection) {
	t.Helper()
	crowd, loopback := map[string]int{}, 0
	for _, e := range sel.Eligible {
		crowd[e.Family]++
		if e.Addrs[0].Host.Is4() && e.Addrs[0].Host.As4()[0] == 127 {
			loopback++
		}
	}
	if crowd["crowd"] < 20 || crowd["local"] < 10 || loopback < 50 {
		t.Fatalf("eligible: %d crowd, %d local, %d on 127.0/16; the test needs more", crowd["crowd"], crowd["local"], loopback)
	}
}

// TestBuildPoolTestnet: a test network all on one /16 still gets full
// bundles (the /16 cap gives way) with at least 5 floodfills, within the
// family cap, dated right.
func TestBuildPoolTestnet(t *testing.T) {
	ris := synthOrFatal(t, 250, netdb.SynthConfig{Now: reseedtest.Now, Seed: 33, MaxAge: 20 * time.Hour, Private: true, NetID: 7,
		Families: []netdb.SynthFamily{{Name: "tf", Members: 30}}})
	cfg := poolConfig(t)
	cfg.Policy = netdb.TestnetPolicy(7)
	cfg.Bundles = 4
	src := newMemSource(ris)
	pool, err := BuildPool(context.Background(), src, cfg, reseedtest.Now)
	if err != nil {
		t.Fatal(err)
	}
	ff := 0
	policy := cfg.Policy
	policy.Now = func() time.Time { return reseedtest.Now }
	for _, e := range policy.Select(src.entries).Eligible {
		if e.Floodfill() {
			ff++
		}
	}
	if ff < 5 || pool.Eligible <= 75 {
		t.Fatalf("%d eligible, %d floodfills; the test needs more than 75 and 5", pool.Eligible, ff)
	}
	want := 75
	for i, b := range pool.Bundles {
		st := readBundleStats(t, b)
		if st.routers != want || st.floodfills < 5 || st.maxFamily > 3 || st.maxSubnet != want || st.misdated != 0 {
			t.Errorf("bundle %d: %+v; want %d routers (all on one /16), >= 5 floodfills, <= 3 of the family, none misdated", i, st, want)
		}
	}
}
