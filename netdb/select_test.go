package netdb

import (
	"errors"
	"net/netip"
	"slices"
	"testing"
	"time"
)

func goodEntry(host string, published time.Time) *Entry {
	return &Entry{
		Hash: Hash{byte(len(host)), host[len(host)-1]}, Size: 900, PublishedMs: uint64(published.UnixMilli()),
		SigOK: true, SigType: SigEdDSA_SHA512, CryptoType: CryptoX25519,
		NetID: "2", Version: "0.9.66", Caps: "XfR",
		Addrs: []Addr{{Transport: "NTCP2", Host: netip.MustParseAddr(host), Port: 12345}},
	}
}

func TestPolicyCheck(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	p := DefaultPolicy()
	p.Now = func() time.Time { return now }
	tests := []struct {
		name string
		mut  func(*Entry)
		want Reason
	}{
		{"good", func(*Entry) {}, OK},
		{"bad signature", func(e *Entry) { e.SigOK = false }, RejectSignature},
		{"netid 3", func(e *Entry) { e.NetID = "3" }, RejectNetID},
		{"no netid", func(e *Entry) { e.NetID = "" }, RejectNetID},
		{"version 0.9.58", func(e *Entry) { e.Version = "0.9.58" }, RejectVersion},
		{"version 0.9.9 is older than 0.9.59", func(e *Entry) { e.Version = "0.9.9" }, RejectVersion},
		{"version 0.10.0", func(e *Entry) { e.Version = "0.10.0" }, OK},
		{"version garbage", func(e *Entry) { e.Version = "x" }, RejectVersion},
		{"DSA identity", func(e *Entry) { e.SigType = SigDSA_SHA1 }, RejectIdentity},
		{"ElGamal identity", func(e *Entry) { e.CryptoType = CryptoElGamal }, RejectIdentity},
		{"3073 bytes", func(e *Entry) { e.Size = 3073 }, RejectSize},
		{"no R", func(e *Entry) { e.Caps = "Xf" }, RejectCaps},
		{"unreachable", func(e *Entry) { e.Caps = "LRU" }, RejectCaps},
		{"hidden", func(e *Entry) { e.Caps = "LRH" }, RejectCaps},
		{"congested D", func(e *Entry) { e.Caps = "LRD" }, RejectCaps},
		{"congested E", func(e *Entry) { e.Caps = "LRE" }, RejectCaps},
		{"congested G", func(e *Entry) { e.Caps = "LRG" }, RejectCaps},
		{"25 hours old", func(e *Entry) { e.PublishedMs = uint64(now.Add(-25 * time.Hour).UnixMilli()) }, RejectTooOld},
		{"5 minutes in the future", func(e *Entry) { e.PublishedMs = uint64(now.Add(5 * time.Minute).UnixMilli()) }, RejectFuture},
		{"1 minute in the future", func(e *Entry) { e.PublishedMs = uint64(now.Add(time.Minute).UnixMilli()) }, OK},
		{"private host", func(e *Entry) { e.Addrs[0].Host = netip.MustParseAddr("192.168.1.2") }, RejectAddress},
		{"loopback host", func(e *Entry) { e.Addrs[0].Host = netip.MustParseAddr("127.0.0.1") }, RejectAddress},
		{"CGNAT host", func(e *Entry) { e.Addrs[0].Host = netip.MustParseAddr("100.64.0.1") }, RejectAddress},
		{"IPv6 only", func(e *Entry) { e.Addrs[0].Host = netip.MustParseAddr("2a01:4f8::1") }, RejectAddress},
		{"no port", func(e *Entry) { e.Addrs[0].Port = 0 }, RejectAddress},
		{"no address", func(e *Entry) { e.Addrs = nil }, RejectAddress},
		{"introducers only", func(e *Entry) { e.Addrs = []Addr{{Transport: "SSU2", Introducers: true}} }, RejectIntroducers},
		{"SSU2 is fine", func(e *Entry) { e.Addrs[0].Transport = "SSU2" }, OK},
		{"bad static key", func(e *Entry) { e.Addrs[0].BadKey = true }, RejectStaticKey},
		{"bad static key, good second address", func(e *Entry) {
			e.Addrs = append(e.Addrs, Addr{Transport: "SSU2", Host: e.Addrs[0].Host, Port: 4})
			e.Addrs[0].BadKey = true
		}, OK},
		{"bad static key on a private host", func(e *Entry) {
			e.Addrs[0].BadKey, e.Addrs[0].Host = true, netip.MustParseAddr("10.1.1.1")
		}, RejectAddress},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := goodEntry("8.8.4.4", now.Add(-time.Hour))
			tt.mut(e)
			if got := p.Check(e); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTestnetPolicy(t *testing.T) {
	now := time.Now()
	p := TestnetPolicy(7)
	e := goodEntry("127.0.0.5", now)
	e.NetID = "7"
	if r := p.Check(e); r != OK {
		t.Errorf("testnet router on loopback: %v, want ok", r)
	}
	e.NetID = "2"
	if r := p.Check(e); r != RejectNetID {
		t.Errorf("netId 2 on testnet 7: %v, want netid", r)
	}
	// An i2pd router of an isolated test network: 198.18.x, caps without R.
	e = goodEntry("198.18.0.10", now)
	e.NetID, e.Caps = "7", "Lf"
	if r := p.Check(e); r != OK {
		t.Errorf("untested testnet router on 198.18.0.10: %v, want ok", r)
	}
	if def := DefaultPolicy(); def.Check(e) == OK {
		t.Error("the public policy took an untested router on 198.18.0.10")
	}
	// A Java router of an isolated test network: moderate congestion (D).
	e.Caps = "LfRD"
	if r := p.Check(e); r != OK {
		t.Errorf("caps LfRD on a testnet: %v, want ok", r)
	}
	for _, caps := range []string{"LU", "LRE", "LRG", "LRH"} {
		e.Caps = caps
		if r := p.Check(e); r != RejectCaps {
			t.Errorf("caps %s on a testnet: %v, want caps", caps, r)
		}
	}
}

func TestSelectOnePerAddress(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	p := DefaultPolicy()
	p.Now = func() time.Time { return now }
	older := goodEntry("8.8.4.4", now.Add(-2*time.Hour))
	newer := goodEntry("8.8.4.4", now.Add(-time.Hour))
	newer.Hash[5] = 1
	v6a := goodEntry("9.9.9.9", now.Add(-time.Hour))
	v6a.Addrs = append(v6a.Addrs, Addr{Transport: "NTCP2", Host: netip.MustParseAddr("2a01:4f8:1:2::1"), Port: 1})
	v6b := goodEntry("9.9.9.10", now.Add(-3*time.Hour))
	v6b.Addrs = append(v6b.Addrs, Addr{Transport: "NTCP2", Host: netip.MustParseAddr("2a01:4f8:1:2::99"), Port: 1})
	other := goodEntry("1.1.1.1", now.Add(-time.Hour))
	bad := goodEntry("1.0.0.1", now)
	bad.SigOK = false
	sel := p.Select([]*Entry{older, newer, v6a, v6b, other, bad})
	if len(sel.Eligible) != 3 {
		t.Fatalf("eligible %d, want 3 (newer, v6a, other)", len(sel.Eligible))
	}
	for _, e := range sel.Eligible {
		if e == older || e == v6b {
			t.Errorf("kept the older router on a shared address")
		}
	}
	if sel.Rejected[RejectDuplicateIP] != 2 || sel.Rejected[RejectSignature] != 1 {
		t.Errorf("rejected %v, want 2 duplicate-ip, 1 signature", sel.Rejected)
	}
}

// TestSelectLive runs the default policy over the live RouterInfos as of the
// day after they were bundled: a real server picked them, so most pass.
func TestSelectLive(t *testing.T) {
	var entries []*Entry
	for _, e := range liveRouterInfos(t) {
		ri, err := ParseRouterInfo(e.Data)
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, Summarize(ri))
	}
	p := DefaultPolicy()
	p.Now = func() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }
	sel := p.Select(entries)
	t.Logf("live: %d eligible, rejected %v", len(sel.Eligible), sel.Rejected)
	if len(sel.Eligible) < 20 {
		t.Errorf("only %d of %d live RouterInfos eligible", len(sel.Eligible), len(entries))
	}
	p.Now = func() time.Time { return time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC) }
	if sel := p.Select(entries); len(sel.Eligible) != 0 || sel.Rejected[RejectTooOld] == 0 {
		t.Errorf("eight months later: %d eligible, %v; want none, too old", len(sel.Eligible), sel.Rejected)
	}
}

func TestCompareVersions(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{{"0.9.59", "0.9.59", 0}, {"0.9.9", "0.9.59", -1}, {"0.9.66", "0.9.59", 1}, {"1.0", "0.9.99", 1}, {"", "0.9.59", -1}} {
		if got := CompareVersions(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestBundleQuota(t *testing.T) {
	mk := func(nff, nother int) []*Entry {
		var es []*Entry
		for i := range nff + nother {
			e := &Entry{Caps: "XR"}
			e.Hash[0], e.Hash[1] = byte(i), byte(i>>8)
			if i < nff {
				e.Caps = "XfR"
			}
			es = append(es, e)
		}
		return es
	}
	count := func(es []*Entry) (ff int) {
		for _, e := range es {
			if e.Floodfill() {
				ff++
			}
		}
		return ff
	}
	q := DefaultBundleQuota
	tests := []struct {
		name           string
		nff, nother, n int
		wantLen        int
		wantFFMin      int
		wantFFMax      int
	}{
		{"typical netDb", 150, 850, 75, 75, 11, 11},
		{"few floodfills get the minimum", 20, 980, 75, 75, 5, 5},
		{"only 2 floodfills", 2, 200, 75, 75, 2, 2},
		{"floodfill-heavy capped at half", 900, 100, 75, 75, 37, 37},
		{"not enough others: fill up to the cap", 100, 10, 20, 20, 10, 10},
		{"tiny netDb", 3, 4, 75, 4 + 3, 3, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es := mk(tt.nff, tt.nother)
			got := q.Pick(es, tt.n, 42)
			if ff := count(got); len(got) != tt.wantLen || ff < tt.wantFFMin || ff > tt.wantFFMax {
				t.Errorf("got %d entries with %d floodfills; want %d with %d-%d", len(got), ff, tt.wantLen, tt.wantFFMin, tt.wantFFMax)
			}
			again := q.Pick(es, tt.n, 42)
			for i := range got {
				if got[i] != again[i] {
					t.Fatal("same seed, different pick")
				}
			}
		})
	}
	es := mk(150, 850)
	if a, b := q.Pick(es, 75, 1), q.Pick(es, 75, 2); slices.Equal(a, b) {
		t.Error("different seeds gave the same pick")
	}
}

// diverseEntry is an eligible-looking entry with one IPv4 host.
func diverseEntry(i int, ff bool, host netip.Addr, family string) *Entry {
	e := &Entry{Caps: "XR", Family: family, Addrs: []Addr{{Transport: "NTCP2", Host: host, Port: 1}, {Transport: "SSU2", Host: host, Port: 1}}}
	e.Hash[0], e.Hash[1], e.Hash[2] = byte(i), byte(i>>8), byte(i>>16)
	if ff {
		e.Caps = "XfR"
	}
	return e
}

// spread returns a host in /16 number i (1.0/16, 1.1/16, ...).
func spread(i int) netip.Addr { return netip.AddrFrom4([4]byte{byte(1 + i>>8), byte(i), 0, 1}) }

// crowded returns host i of the one /16 93.184.0.0/16.
func crowded(i int) netip.Addr { return netip.AddrFrom4([4]byte{93, 184, byte(i >> 8), byte(i)}) }

// bundleMix counts a pick's floodfills and its largest family and /16.
func bundleMix(pick []*Entry) (ff, maxFamily, maxSubnet int) {
	fams, nets := map[string]int{}, map[netip.Prefix]int{}
	for _, e := range pick {
		if e.Floodfill() {
			ff++
		}
		if e.Family != "" {
			fams[e.Family]++
			maxFamily = max(maxFamily, fams[e.Family])
		}
		k, _ := e.Addrs[0].Host.Prefix(16)
		nets[k]++
		maxSubnet = max(maxSubnet, nets[k])
	}
	return ff, maxFamily, maxSubnet
}

func TestBundleQuotaDiversity(t *testing.T) {
	q := DefaultBundleQuota
	if q.MaxPerFamily != 3 || q.MaxPerSubnet != 3 {
		t.Fatalf("default caps %d per family, %d per /16; the docs say 3 and 3", q.MaxPerFamily, q.MaxPerSubnet)
	}
	uncapped := BundleQuota{MinFloodfills: 5, MaxFloodfillShare: 0.5}

	// A netDb where 400 routers (100 of the 150 floodfills) share one /16
	// and two families hold 150 routers.
	checkCapsHold(t, q, uncapped, crowdedNetDb())

	// A test network: 120 routers on one /16 (20 floodfills, 30 in one
	// family). The /16 cap gives way, the family cap still holds, the
	// bundle is as large and has as many floodfills as without caps.
	var testnet []*Entry
	for i := range 120 {
		fam := ""
		if i%4 == 1 {
			fam = "tf"
		}
		testnet = append(testnet, diverseEntry(i, i%6 == 0, netip.AddrFrom4([4]byte{198, 18, 0, byte(i + 1)}), fam))
	}
	for seed := range uint64(5) {
		checkTestnetPick(t, q, uncapped, testnet, seed)
	}

	// Every router in one family: the family cap gives way too.
	var family []*Entry
	for i := range 60 {
		family = append(family, diverseEntry(i, i < 10, spread(i), "one"))
	}
	if got := q.Pick(family, 50, 7); len(got) != 50 {
		t.Errorf("one family of 60: picked %d, want 50", len(got))
	}

	// The floodfill minimum beats the caps: the only 8 floodfills are of
	// one family on one /16, 500 others are diverse.
	var fewFF []*Entry
	for i := range 508 {
		if i < 8 {
			fewFF = append(fewFF, diverseEntry(i, true, crowded(i), "ffam"))
		} else {
			fewFF = append(fewFF, diverseEntry(i, false, spread(i), ""))
		}
	}
	for seed := range uint64(5) {
		got := q.Pick(fewFF, 75, seed)
		if ff, fam, _ := bundleMix(got); len(got) != 75 || ff != 5 || fam != 5 {
			t.Errorf("8 floodfills in one family, seed %d: %d routers, %d floodfills, %d of the family; want 75, 5, 5", seed, len(got), ff, fam)
		}
	}
}

// crowdedNetDb is a netDb of 1000 where 400 routers (100 of the 150
// floodfills) share one /16 and two families hold 150 routers.
func crowdedNetDb() []*Entry {
	var netDb []*Entry
	for i := range 1000 {
		host, fam := spread(i), ""
		if i < 400 {
			host = crowded(i)
		}
		switch {
		case i%10 == 1:
			fam = "fam-a"
		case i%20 == 2:
			fam = "fam-b"
		}
		netDb = append(netDb, diverseEntry(i, i%4 == 0 && i < 400 || i%12 == 3 && i >= 400, host, fam))
	}
	return netDb
}

// checkCapsHold: for 20 seeds q picks 75 of netDb, as many floodfills as
// uncapped, at most 3 of a family or a /16, the same for the same seed;
// and netDb needs the caps: without them a family or a /16 has more.
func checkCapsHold(t *testing.T, q, uncapped BundleQuota, netDb []*Entry) {
	t.Helper()
	nff := 0
	for _, e := range netDb {
		if e.Floodfill() {
			nff++
		}
	}
	for seed := range uint64(20) {
		got := q.Pick(netDb, 75, seed)
		ff, fam, sub := bundleMix(got)
		wantFF, _, _ := bundleMix(uncapped.Pick(netDb, 75, seed))
		if len(got) != 75 || ff != wantFF || fam > 3 || sub > 3 {
			t.Errorf("seed %d: %d routers, %d floodfills (uncapped %d of %d), %d of one family, %d of one /16; want 75, the same floodfills, <= 3, <= 3",
				seed, len(got), ff, wantFF, nff, fam, sub)
		}
		if again := q.Pick(netDb, 75, seed); !slices.Equal(got, again) {
			t.Fatalf("seed %d: same seed, different pick", seed)
		}
	}
	if _, fam, sub := bundleMix(uncapped.Pick(netDb, 75, 1)); fam <= 3 || sub <= 3 {
		t.Errorf("without caps: %d of one family, %d of one /16; the test netDb should need the caps", fam, sub)
	}
}

// checkTestnetPick: on a test network all on one /16, q's pick with seed
// is 75 routers, at least 5 and as many floodfills as uncapped, 3 of the
// family and all 75 of the /16.
func checkTestnetPick(t *testing.T, q, uncapped BundleQuota, testnet []*Entry, seed uint64) {
	t.Helper()
	got := q.Pick(testnet, 75, seed)
	ff, fam, sub := bundleMix(got)
	wantFF, _, _ := bundleMix(uncapped.Pick(testnet, 75, seed))
	if len(got) != 75 || ff != wantFF || ff < 5 || fam != 3 || sub != 75 {
		t.Errorf("testnet, seed %d: %d routers, %d floodfills (uncapped %d), %d of one family, %d of one /16; want 75, the same >= 5, 3, 75",
			seed, len(got), ff, wantFF, fam, sub)
	}
}

func TestPolicyFor(t *testing.T) {
	p, err := PolicyFor(7, true, "0.9.60")
	if err != nil || p.NetID != 7 || !p.AllowPrivate || p.MinVersion != "0.9.60" || p.MaxSize != DefaultPolicy().MaxSize {
		t.Errorf("testnet policy: %+v, %v", p, err)
	}
	if p, err := PolicyFor(LiveNetID, false, "0.9.59"); err != nil || p.AllowPrivate || p.NetID != LiveNetID {
		t.Errorf("live policy: %+v, %v", p, err)
	}
	if _, err := PolicyFor(LiveNetID, false, "new"); !errors.Is(err, ErrMinVersion) {
		t.Errorf("version \"new\": %v, want ErrMinVersion", err)
	}
}
