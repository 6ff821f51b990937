package netdb

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// A Report describes a netDb directory for an operator: what its files
// hold, what the policy would hand out and why not the rest, by caps,
// version, transport and age (i2pseed netdb stats and check).
type Report struct {
	Dir         string         `json:"dir"`
	ScanSeconds float64        `json:"scan_seconds"`
	Files       int            `json:"files"`
	RouterInfos int            `json:"routerinfos"`
	Skipped     map[string]int `json:"skipped"`
	Eligible    int            `json:"eligible"`
	Floodfills  int            `json:"eligible_floodfills"`
	Rejected    map[string]int `json:"rejected"`
	Caps        map[string]int `json:"caps"`
	Versions    map[string]int `json:"versions"`
	Transports  map[string]int `json:"transports"`
	Publish     PublishCounts  `json:"publish"`
	Age         []AgeBucket    `json:"age"`
}

// PublishCounts count the routers that publish an address of each
// transport that peers dial directly (a host, a usable key), and those
// whose only such address is SSU2 (the built-in router reaches them over
// SSU2 alone).
type PublishCounts struct {
	NTCP2    int `json:"ntcp2"`
	SSU2     int `json:"ssu2"`
	SSU2Only int `json:"ssu2_only"`
}

// add counts one router's addresses.
func (c *PublishCounts) add(addrs []Addr) {
	var ntcp2, ssu2 bool
	for _, ad := range addrs {
		dialable := ad.Host.IsValid() && !ad.BadKey
		ntcp2 = ntcp2 || dialable && ad.Transport == "NTCP2"
		ssu2 = ssu2 || dialable && ad.Transport == "SSU2"
	}
	c.NTCP2 += b2i(ntcp2)
	c.SSU2 += b2i(ssu2)
	c.SSU2Only += b2i(ssu2 && !ntcp2)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// An AgeBucket counts RouterInfos by age.
type AgeBucket struct {
	Label string `json:"label"`
	Count int    `json:"count"`
}

var ageLimits = []struct {
	label string
	max   time.Duration
}{{"<1h", time.Hour}, {"1-6h", 6 * time.Hour}, {"6-12h", 12 * time.Hour}, {"12-24h", 24 * time.Hour}, {"24-48h", 48 * time.Hour}, {"2-7d", 7 * 24 * time.Hour}, {">7d", 1 << 62}}

// Stats scans dir and reports on it under policy p.
func Stats(ctx context.Context, dir string, p Policy) (*Report, error) {
	start := time.Now()
	idx, err := Scan(ctx, dir, nil)
	if err != nil {
		return nil, err
	}
	r := newReport(dir, time.Since(start), idx)
	entries := make([]*Entry, 0, len(idx.Entries))
	for _, e := range idx.Entries {
		entries = append(entries, e)
	}
	r.addSelection(p.Select(entries), idx)
	now := p.now()
	for _, e := range entries {
		r.addEntry(e)
		r.addAge(now.Sub(e.Published()), p.MaxFuture)
	}
	return r, nil
}

// newReport starts the report on a scan of dir that took took: file counts,
// skipped files, empty tallies and the age buckets.
func newReport(dir string, took time.Duration, idx *Index) *Report {
	r := &Report{
		Dir: dir, ScanSeconds: took.Seconds(), RouterInfos: len(idx.Entries),
		Skipped: map[string]int{}, Rejected: map[string]int{}, Caps: map[string]int{},
		Versions: map[string]int{}, Transports: map[string]int{},
	}
	r.Files = idx.Read + idx.Reused
	for s, n := range idx.Skipped {
		if n > 0 {
			r.Skipped[Skip(s).String()] = n
		}
	}
	r.Age = make([]AgeBucket, len(ageLimits)+1)
	for i, l := range ageLimits {
		r.Age[i].Label = l.label
	}
	r.Age[len(ageLimits)].Label = "future"
	return r
}

// addSelection counts what the policy picked and why it refused the rest;
// files skipped for their name count as RejectName.
func (r *Report) addSelection(sel Selection, idx *Index) {
	r.Eligible = len(sel.Eligible)
	for _, e := range sel.Eligible {
		if e.Floodfill() {
			r.Floodfills++
		}
	}
	for reason, n := range sel.Rejected {
		r.Rejected[reason.String()] = n
	}
	if n := idx.Skipped[SkipName]; n > 0 {
		r.Rejected[RejectName.String()] = n
	}
}

// addEntry counts e's caps, version, addresses and the transports it
// publishes.
func (r *Report) addEntry(e *Entry) {
	for _, c := range e.Caps {
		r.Caps[string(c)]++
	}
	r.Versions[e.Version]++
	for _, ad := range e.Addrs {
		r.Transports[ad.Transport+"/"+addrFamily(ad)]++
	}
	r.Publish.add(e.Addrs)
}

// addrFamily names what an address offers: introducers, ipv4, ipv6 or no-host.
func addrFamily(ad Addr) string {
	switch {
	case ad.Introducers:
		return "introducers"
	case ad.Host.Is4():
		return "ipv4"
	case ad.Host.Is6():
		return "ipv6"
	}
	return "no-host"
}

// addAge counts a RouterInfo of the given age in its bucket, or as future
// when it is published more than maxFuture ahead.
func (r *Report) addAge(age, maxFuture time.Duration) {
	if age < -maxFuture {
		r.Age[len(ageLimits)].Count++
		return
	}
	for i, l := range ageLimits {
		if age < l.max {
			r.Age[i].Count++
			return
		}
	}
}

// WriteText writes the report as i2pseed netdb stats shows it: a line per
// field, each tally most frequent first ("caps  R 40, f 12, ...").
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "directory\t%s\n", r.Dir)
	fmt.Fprintf(tw, "scanned\t%d files in %.2fs\n", r.Files, r.ScanSeconds)
	fmt.Fprintf(tw, "routerinfos\t%d\n", r.RouterInfos)
	fmt.Fprintf(tw, "eligible\t%d (%d floodfill)\n", r.Eligible, r.Floodfills)
	writeCounts(tw, "skipped", r.Skipped)
	writeCounts(tw, "rejected", r.Rejected)
	writeCounts(tw, "caps", r.Caps)
	writeCounts(tw, "versions", r.Versions)
	writeCounts(tw, "transports", r.Transports)
	fmt.Fprintf(tw, "publish\tNTCP2 %d, SSU2 %d, SSU2 only %d\n", r.Publish.NTCP2, r.Publish.SSU2, r.Publish.SSU2Only)
	var ages []string
	for _, b := range r.Age {
		ages = append(ages, fmt.Sprintf("%s %d", b.Label, b.Count))
	}
	fmt.Fprintf(tw, "age\t%s\n", strings.Join(ages, ", "))
	return tw.Flush()
}

// writeCounts writes a tally's line: "label<TAB>key n, key n" by count
// then key, or "none".
func writeCounts(w io.Writer, label string, m map[string]int) {
	if len(m) == 0 {
		fmt.Fprintf(w, "%s\tnone\n", label)
		return
	}
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			return m[b] - m[a]
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	fmt.Fprintf(w, "%s\t%s\n", label, strings.Join(parts, ", "))
}
