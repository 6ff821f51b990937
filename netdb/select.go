package netdb

import (
	"bytes"
	"cmp"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Reason says why a RouterInfo may not go into a reseed bundle.
type Reason uint8

const (
	OK                Reason = iota
	RejectSignature          // signature does not verify
	RejectName               // file name does not match the router hash
	RejectNetID              // netId option is not the network's
	RejectVersion            // router.version missing or below the minimum
	RejectIdentity           // not an Ed25519 + X25519 identity
	RejectSize               // encoded RouterInfo larger than MaxSize
	RejectCaps               // caps lack R, or have U, H, D, E or G
	RejectAddress            // no NTCP2/SSU2 address with a public IPv4 host and port
	RejectIntroducers        // reachable only through introducers
	RejectTooOld             // published longer than MaxAge ago
	RejectFuture             // published in the future
	RejectDuplicateIP        // another router on the same IPv4 address or IPv6 /64 was newer
	RejectStaticKey          // its reachable addresses' static key s is no X25519 public key (or v is not 2)
	RejectMalformed          // does not parse as a RouterInfo (a bundle's entry)
	RejectUnreachable        // the latest handshake to its published address failed (Policy.Liveness)
	RejectUnprobed           // no handshake to it completed within LiveWithin (Policy.Liveness)
	RejectFamily             // its family signature is malformed or does not verify (VerifyFamily)
	numReasons
)

var reasonNames = [numReasons]string{"ok", "signature", "name", "netid", "version", "identity", "size", "caps", "address", "introducers", "too-old", "future", "duplicate-ip", "static-key", "malformed", "unreachable", "unprobed", "family"}

func (r Reason) String() string {
	if r < numReasons {
		return reasonNames[r]
	}
	return "Reason(" + strconv.Itoa(int(r)) + ")"
}

// MarshalText is the reason's name, so maps by Reason read well in JSON.
func (r Reason) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// Policy decides which RouterInfos are good enough to hand to new routers
// (shared spec, reseed-protocol.md §5). The zero value is not useful; start
// from DefaultPolicy or TestnetPolicy.
type Policy struct {
	NetID      NetID
	MinVersion string        // lowest router.version accepted, e.g. "0.9.59"
	MaxSize    int           // bytes
	MaxAge     time.Duration // since published
	MaxFuture  time.Duration // clock skew tolerated
	// AllowPrivate accepts private, loopback and benchmarking (198.18.0.0/15)
	// addresses: for test networks only.
	AllowPrivate bool
	// Mesh also admits routers reachable only over the Yggdrasil mesh
	// (Entry.Yggdrasil), for bundles served to clients on the mesh;
	// otherwise a router needs a reachable IPv4 address.
	Mesh bool
	// AllowUntested drops the demand for the R (reachable) cap and accepts
	// D (moderate congestion): routers of an isolated test network never
	// get their reachability tested, and Java I2P there publishes D for
	// want of peers. U, H, E and G are still refused.
	AllowUntested bool
	// Liveness, if set, admits only routers whose published address a
	// probe reached within LiveWithin (default an hour): others are
	// RejectUnreachable (the latest probe failed) or RejectUnprobed.
	Liveness   *Liveness
	LiveWithin time.Duration
	Now        func() time.Time // nil means time.Now
}

// DefaultPolicy is the policy for the public network.
func DefaultPolicy() Policy {
	return Policy{NetID: LiveNetID, MinVersion: "0.9.59", MaxSize: 3072, MaxAge: 24 * time.Hour, MaxFuture: 2 * time.Minute}
}

// benchmarking is 198.18.0.0/15 (RFC 2544), where test networks run:
// i2pd 2.45.1 refuses loopback and RFC 1918 peers but not these.
var benchmarking = netip.MustParsePrefix("198.18.0.0/15")

// TestnetPolicy is DefaultPolicy for a private test network with netID:
// private addresses and routers without the R cap are accepted.
func TestnetPolicy(netID NetID) Policy {
	p := DefaultPolicy()
	p.NetID, p.AllowPrivate, p.AllowUntested = netID, true, true
	return p
}

func (p *Policy) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// Check applies every per-router rule to e and returns the first one it
// breaks, or OK. The one-router-per-address rule needs the whole set: see
// Select.
func (p *Policy) Check(e *Entry) Reason {
	return p.check(e, p.now())
}

func (p *Policy) check(e *Entry, now time.Time) Reason {
	if r := p.checkRouter(e); r != OK {
		return r
	}
	if r := p.checkPublished(e, now); r != OK {
		return r
	}
	if r := p.checkAddress(e); r != OK {
		return r
	}
	return p.liveness(e, now)
}

// checkRouter applies the rules on what the RouterInfo says of itself:
// signature, netId, family, version, identity types, size and caps.
func (p *Policy) checkRouter(e *Entry) Reason {
	switch {
	case !e.SigOK:
		return RejectSignature
	case !p.NetID.Matches(e.NetID):
		return RejectNetID
	case e.BadFamily:
		return RejectFamily
	case CompareVersions(e.Version, p.MinVersion) < 0:
		return RejectVersion
	case e.SigType != SigEdDSA_SHA512 || e.CryptoType != CryptoX25519:
		return RejectIdentity
	case e.Size > p.MaxSize:
		return RejectSize
	case !p.capsOK(e.Caps):
		return RejectCaps
	}
	return OK
}

// capsOK reports whether caps are those of a router the policy hands out:
// reachable (R) unless AllowUntested, not D, and no U, H, E or G.
func (p *Policy) capsOK(caps string) bool {
	if !p.AllowUntested && (!strings.Contains(caps, "R") || strings.Contains(caps, "D")) {
		return false
	}
	return !strings.ContainsAny(caps, "UHEG")
}

// checkPublished applies the rules on the published time: not after
// MaxFuture from now, not more than MaxAge ago.
func (p *Policy) checkPublished(e *Entry, now time.Time) Reason {
	pub := e.Published()
	switch {
	case pub.After(now.Add(p.MaxFuture)):
		return RejectFuture
	case now.Sub(pub) > p.MaxAge:
		return RejectTooOld
	}
	return OK
}

// checkAddress requires a reachable IPv4 address (or, with Mesh, one on
// the Yggdrasil mesh) and otherwise says why there is none: a bad static
// key, introducers only, or no usable host.
func (p *Policy) checkAddress(e *Entry) Reason {
	if _, ok := p.reachableIPv4(e); ok || p.Mesh && e.Yggdrasil() {
		return OK
	}
	switch {
	case slices.ContainsFunc(e.Addrs, func(a Addr) bool { return a.BadKey && p.reachableHost(a) }):
		return RejectStaticKey
	case slices.ContainsFunc(e.Addrs, func(a Addr) bool { return a.Introducers }):
		return RejectIntroducers
	}
	return RejectAddress
}

// reachableIPv4 returns the first NTCP2 or SSU2 address with a usable IPv4
// host, a port, a valid static key and no introducers.
func (p *Policy) reachableIPv4(e *Entry) (netip.Addr, bool) {
	for _, a := range e.Addrs {
		if !a.BadKey && p.reachableHost(a) {
			return a.Host, true
		}
	}
	return netip.Addr{}, false
}

// reachableHost reports whether a has an IPv4 host the policy accepts, a
// port and no introducers.
func (p *Policy) reachableHost(a Addr) bool {
	if a.Introducers || a.Port == 0 || !a.Host.Is4() {
		return false
	}
	return IsPublic(a.Host) || p.AllowPrivate && (a.Host.IsPrivate() || a.Host.IsLoopback() || benchmarking.Contains(a.Host))
}

// CheckReceived applies the rules a router applies before it stores a
// RouterInfo it received (over NTCP2, or in a reseed bundle under the
// file name name, if not empty): a valid signature, the name of its hash,
// the policy's netId, a family signature that is not refuted
// (VerifyFamily: Java and i2pd drop such routers), published neither after MaxFuture from now nor more
// than MaxAge ago, and an address peers can use (i2pd 2.58 drops others).
// The rules that pick what a server hands out (caps, version, public
// addresses, size) are Check's.
func (p *Policy) CheckReceived(ri *RouterInfo, name string) Reason {
	now := p.now()
	switch {
	case ri.Verify() != nil:
		return RejectSignature
	case name != "" && ri.Hash().FileName() != name:
		return RejectName
	case !p.NetID.Matches(ri.Option("netId")):
		return RejectNetID
	case ri.VerifyFamily() != nil:
		return RejectFamily
	case ri.PublishedTime().After(now.Add(p.MaxFuture)):
		return RejectFuture
	case now.Sub(ri.PublishedTime()) > p.MaxAge:
		return RejectTooOld
	}
	return ri.CheckAddresses()
}

// Selection is the outcome of Select.
type Selection struct {
	Eligible []*Entry
	Rejected map[Reason]int
}

// Select applies the policy to entries: every per-router rule, then at most
// one router per IPv4 address and per IPv6 /64 (the most recently published
// wins). Eligible is sorted by router hash.
func (p *Policy) Select(entries []*Entry) Selection {
	now := p.now()
	sel := Selection{Rejected: map[Reason]int{}}
	var ok []*Entry
	for _, e := range entries {
		if r := p.check(e, now); r != OK {
			sel.Rejected[r]++
			continue
		}
		ok = append(ok, e)
	}
	// Newest first, so the first router seen on an address keeps it.
	slices.SortFunc(ok, func(a, b *Entry) int {
		return cmp.Or(cmp.Compare(b.PublishedMs, a.PublishedMs), bytes.Compare(a.Hash[:], b.Hash[:]))
	})
	seen := map[netip.Prefix]bool{}
	for _, e := range ok {
		keys := p.addressKeys(e)
		if slices.ContainsFunc(keys, func(k netip.Prefix) bool { return seen[k] }) {
			sel.Rejected[RejectDuplicateIP]++
			continue
		}
		for _, k := range keys {
			seen[k] = true
		}
		sel.Eligible = append(sel.Eligible, e)
	}
	slices.SortFunc(sel.Eligible, byHash)
	return sel
}

func byHash(a, b *Entry) int { return bytes.Compare(a.Hash[:], b.Hash[:]) }

// addressKeys are the IPv4 /32s and IPv6 /64s a router publishes.
func (p *Policy) addressKeys(e *Entry) []netip.Prefix {
	var keys []netip.Prefix
	for _, a := range e.Addrs {
		if !a.Host.IsValid() {
			continue
		}
		bits := 32
		if a.Host.Is6() {
			bits = 64
		}
		k, _ := a.Host.Prefix(bits)
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// IsPublic reports whether addr is a globally routable unicast address: not
// private, loopback, link-local, CGNAT, documentation, benchmarking or
// otherwise reserved.
func IsPublic(addr netip.Addr) bool {
	addr = addr.Unmap()
	if !addr.IsGlobalUnicast() || addr.IsPrivate() {
		return false
	}
	for _, p := range reservedPrefixes {
		if p.Contains(addr) {
			return false
		}
	}
	return true
}

var reservedPrefixes = func() []netip.Prefix {
	var ps []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "198.18.0.0/15",
		"198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4", "2001:db8::/32", "64:ff9b::/96", "100::/64",
	} {
		ps = append(ps, netip.MustParsePrefix(s))
	}
	return ps
}()

// CompareVersions compares dotted router versions numerically ("0.9.9" <
// "0.9.10"); a malformed version sorts before every valid one.
func CompareVersions(a, b string) int {
	pa, oka := parseVersion(a)
	pb, okb := parseVersion(b)
	switch {
	case !oka || !okb:
		return cmp.Compare(boolInt(oka), boolInt(okb))
	}
	return slices.Compare(pa, pb)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func parseVersion(v string) ([]int, bool) {
	parts := strings.Split(v, ".")
	if len(parts) < 2 || len(parts) > 4 {
		return nil, false
	}
	out := make([]int, len(parts))
	for i, s := range parts {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return nil, false
		}
		out[i] = n
	}
	return out, true
}

// BundleQuota shapes one bundle: its mix of floodfills, and how many
// routers of one family or one IPv4 /16 it carries.
type BundleQuota struct {
	// MinFloodfills is how many floodfills a bundle carries when the
	// eligible set has them (a new router needs some to look up others).
	MinFloodfills int
	// MaxFloodfillShare caps floodfills at this fraction of the bundle, so
	// newcomers do not all pile onto the floodfills.
	MaxFloodfillShare float64
	// MaxPerFamily and MaxPerSubnet cap the routers of one family
	// (Entry.Family) and of one IPv4 /16 (any of the NTCP2 and SSU2 hosts
	// a router publishes) in a bundle, so that no operator or hosting
	// network makes up much of a newcomer's first view of the network.
	// Zero means no cap. The caps never shrink a bundle or its floodfill
	// quota: only when the eligible set has too few other routers (or
	// floodfills) to fill it, as on a small test network all on one /16,
	// does Pick exceed them, first the /16 cap, then the family cap.
	MaxPerFamily, MaxPerSubnet int
}

// DefaultBundleQuota: at least 5 floodfills, at most half the bundle, at
// most 3 routers of one family and 3 of one IPv4 /16 (in a bundle of 75,
// 4% each).
var DefaultBundleQuota = BundleQuota{MinFloodfills: 5, MaxFloodfillShare: 0.5, MaxPerFamily: 3, MaxPerSubnet: 3}

// Pick chooses up to n of the eligible entries for one bundle: floodfills
// in proportion to the eligible set, but at least q.MinFloodfills and at
// most q.MaxFloodfillShare of n, the rest non-floodfills, within the family
// and /16 caps where the eligible set allows (see BundleQuota). The number
// picked does not depend on the caps. The same eligible set and seed give
// the same pick; the result is sorted by hash.
func (q BundleQuota) Pick(eligible []*Entry, n int, seed uint64) []*Entry {
	var ff, other []*Entry
	for _, e := range eligible {
		if e.Floodfill() {
			ff = append(ff, e)
		} else {
			other = append(other, e)
		}
	}
	rng := rand.New(rand.NewPCG(seed, seed>>1|1))
	rng.Shuffle(len(ff), func(i, j int) { ff[i], ff[j] = ff[j], ff[i] })
	rng.Shuffle(len(other), func(i, j int) { other[i], other[j] = other[j], other[i] })
	wantFF := 0
	if len(eligible) > 0 {
		wantFF = n * len(ff) / len(eligible)
	}
	wantFF = min(max(wantFF, q.MinFloodfills), int(float64(n)*q.MaxFloodfillShare), len(ff))
	wantFF = max(wantFF, min(n-len(other), int(float64(n)*q.MaxFloodfillShare), len(ff)))
	wantOther := min(n-wantFF, len(other))

	d := diversity{q: q, families: map[string]int{}, subnets: map[netip.Prefix]int{}}
	ffPick := make([]*Entry, 0, wantFF)
	otherPick := make([]*Entry, 0, wantOther)
	// Pass 0 keeps both caps, pass 1 only the family cap, pass 2 none; each
	// pass walks what earlier passes left, in shuffled order.
	for pass := range 3 {
		ff, ffPick = d.fill(ff, ffPick, wantFF, pass)
		other, otherPick = d.fill(other, otherPick, wantOther, pass)
	}
	pick := append(ffPick, otherPick...)
	slices.SortFunc(pick, byHash)
	return pick
}

// diversity counts a bundle's routers by family and IPv4 /16.
type diversity struct {
	q        BundleQuota
	families map[string]int
	subnets  map[netip.Prefix]int
}

// fill moves candidates into pick, in order, until pick holds want, taking
// only those within the caps pass keeps; it returns the candidates left
// (in cands' array, in order).
func (d *diversity) fill(cands, pick []*Entry, want, pass int) (left, picked []*Entry) {
	left = cands[:0]
	for i, e := range cands {
		if len(pick) >= want {
			return append(left, cands[i:]...), pick
		}
		if !d.fits(e, pass) {
			left = append(left, e)
			continue
		}
		pick = append(pick, e)
		if e.Family != "" {
			d.families[e.Family]++
		}
		for _, k := range subnets(e) {
			d.subnets[k]++
		}
	}
	return left, pick
}

func (d *diversity) fits(e *Entry, pass int) bool {
	if pass < 2 && d.q.MaxPerFamily > 0 && e.Family != "" && d.families[e.Family] >= d.q.MaxPerFamily {
		return false
	}
	if pass < 1 && d.q.MaxPerSubnet > 0 {
		for _, k := range subnets(e) {
			if d.subnets[k] >= d.q.MaxPerSubnet {
				return false
			}
		}
	}
	return true
}

// subnets are the distinct IPv4 /16s of the hosts e publishes.
func subnets(e *Entry) []netip.Prefix {
	var ks []netip.Prefix
	for _, a := range e.Addrs {
		h := a.Host.Unmap()
		if !h.Is4() {
			continue
		}
		k, _ := h.Prefix(16)
		if !slices.Contains(ks, k) {
			ks = append(ks, k)
		}
	}
	return ks
}
