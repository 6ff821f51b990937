package netdb

import (
	"context"
	"net/netip"
	"strings"
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

// TestReportWriteText: a line per field, tallies most frequent first
// (ties by name), "none" for an empty one.
func TestReportWriteText(t *testing.T) {
	r := &Report{
		Dir: "/var/lib/i2pd/netDb", ScanSeconds: 0.123, Files: 12, RouterInfos: 10, Eligible: 6, Floodfills: 2,
		Skipped: map[string]int{}, Rejected: map[string]int{"too-old": 3, "caps": 1},
		Caps: map[string]int{"R": 10, "f": 2, "L": 2}, Versions: map[string]int{"0.9.66": 10},
		Transports: map[string]int{"NTCP2/ipv4": 10, "SSU2/ipv4": 9},
		Publish:    PublishCounts{NTCP2: 10, SSU2: 9, SSU2Only: 1},
		Age:        []AgeBucket{{"<1h", 4}, {"1-6h", 6}, {"future", 0}},
	}
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := `directory    /var/lib/i2pd/netDb
scanned      12 files in 0.12s
routerinfos  10
eligible     6 (2 floodfill)
skipped      none
rejected     too-old 3, caps 1
caps         R 10, L 2, f 2
versions     0.9.66 10
transports   NTCP2/ipv4 10, SSU2/ipv4 9
publish      NTCP2 10, SSU2 9, SSU2 only 1
age          <1h 4, 1-6h 6, future 0
`
	if got := b.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestPublishCounts: a router publishes a transport when it has an
// address of it with a host and a usable key; SSU2 only when NTCP2 has
// none such.
func TestPublishCounts(t *testing.T) {
	host := netip.MustParseAddr("198.51.100.7")
	tests := []struct {
		name  string
		addrs []Addr
		want  PublishCounts
	}{
		{"both", []Addr{{Transport: "NTCP2", Host: host}, {Transport: "SSU2", Host: host}}, PublishCounts{1, 1, 0}},
		{"NTCP2 only", []Addr{{Transport: "NTCP2", Host: host}, {Transport: "SSU2"}}, PublishCounts{1, 0, 0}},
		{"SSU2 only", []Addr{{Transport: "NTCP2"}, {Transport: "SSU2", Host: host}}, PublishCounts{0, 1, 1}},
		{"SSU2, NTCP2 with a bad key", []Addr{{Transport: "NTCP2", Host: host, BadKey: true}, {Transport: "SSU2", Host: host}}, PublishCounts{0, 1, 1}},
		{"SSU2 introducers only", []Addr{{Transport: "SSU2", Introducers: true}}, PublishCounts{}},
		{"none", nil, PublishCounts{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c PublishCounts
			c.add(tt.addrs)
			if c != tt.want {
				t.Errorf("got %+v, want %+v", c, tt.want)
			}
		})
	}
}
