package reseed

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/i2pseed/i2pseed/netdb"
)

// Bundles for the Yggdrasil mesh. A router that reaches only the mesh
// (i2pd with meshnets.yggdrasil=true and no IPv4 or IPv6) can talk to no
// router of an ordinary bundle: it needs routers that publish an address
// on the mesh (netdb.Entry.Yggdrasil). With a yggdrasil channel the pool
// holds K more bundles for its clients, each carrying as many of those
// as it fits, topped up with the rest, so that a mesh-only router gets
// every mesh router there is and a dual-stack one still a full bundle.

// yggdrasilName is the yggdrasil channel's name, whose clients get the
// mesh bundles.
const yggdrasilName = "yggdrasil"

// addMesh adds K bundles for mesh clients to p: the mesh routers of
// meshEligible (selected with Policy.Mesh, so routers on the mesh only are
// among them) topped up with the others of eligible; it counts the mesh
// routers, and adds none when there are none.
func (p *Pool) addMesh(ctx context.Context, src Source, cfg PoolConfig, meshEligible, eligible []*netdb.Entry, k int) error {
	var mesh, rest []*netdb.Entry
	for _, e := range meshEligible {
		if e.Yggdrasil() {
			mesh = append(mesh, e)
		}
	}
	for _, e := range eligible {
		if !e.Yggdrasil() {
			rest = append(rest, e)
		}
	}
	p.MeshRouters = len(mesh)
	if len(mesh) == 0 {
		return nil // mesh clients get the ordinary bundles
	}
	n := cfg.bundleSize()
	first := len(p.Bundles)
	err := p.sign(ctx, src, cfg.Signer, k, func(i int) []*netdb.Entry {
		return meshPick(cfg.Quota, mesh, rest, n, bundleSeed(cfg.Secret, p.Built, first+i))
	})
	p.Mesh = len(p.Bundles) - first
	return err
}

// meshPick chooses n routers for a mesh client's bundle: every mesh router
// when they are n or fewer, topped up with n minus as many of rest
// (q.Pick); q.Pick among them when there are more. Sorted by hash.
func meshPick(q netdb.BundleQuota, mesh, rest []*netdb.Entry, n int, seed uint64) []*netdb.Entry {
	if len(mesh) >= n {
		return q.Pick(mesh, n, seed)
	}
	pick := append(slices.Clone(mesh), q.Pick(rest, n-len(mesh), seed)...)
	slices.SortFunc(pick, func(a, b *netdb.Entry) int { return bytes.Compare(a.Hash[:], b.Hash[:]) })
	return pick
}

// bundleRange is the bundles served to the clients of a channel, lo to
// hi: the mesh bundles to the yggdrasil channel's when the pool has
// them, the others to everyone else.
func (p *Pool) bundleRange(mesh bool) (lo, hi int) {
	k := len(p.Bundles) - p.Mesh
	if mesh && p.Mesh > 0 {
		return k, len(p.Bundles)
	}
	return 0, k
}

// bundleFor is the bundle served to the client key, on the yggdrasil
// channel if mesh: its own among its channel's bundles, or the next fresh
// one when that is held back (poolState.pick); when every mesh bundle is
// held back (they share the mesh routers, so one found unreachable holds
// back them all), an ordinary one until the rebuild.
func (s *Server) bundleFor(st *poolState, key string, mesh bool) (int, bool) {
	p := st.pool
	lo, hi := p.bundleRange(mesh)
	i, ok := st.pick(lo, hi, BundleFor(s.cfg.Secret, p.Built, []byte(key), hi-lo))
	if !ok && lo > 0 {
		lo, hi = p.bundleRange(false)
		i, ok = st.pick(lo, hi, BundleFor(s.cfg.Secret, p.Built, []byte(key), hi-lo))
	}
	return i, ok
}

// builtAttrs are the log attributes of a pool built in took: with mesh
// bundles asked for, how many mesh routers the selection had.
func builtAttrs(p *Pool, mesh bool, took time.Duration) []any {
	a := []any{"bundles", len(p.Bundles), "eligible", p.Eligible, "routerinfos", p.Routers}
	if mesh {
		a = append(a, "mesh_routers", p.MeshRouters, "mesh_bundles", p.Mesh)
	}
	return append(a, "took", took.Round(time.Millisecond))
}

// meshLine is the status page's line on the mesh bundles, empty when the
// server has no yggdrasil channel.
func (s *Server) meshLine(p *Pool) string {
	if !slices.ContainsFunc(s.channelList(), func(c string) bool { return strings.HasPrefix(c, yggdrasilName+" ") }) {
		return ""
	}
	if p.Mesh == 0 {
		return "no eligible router reachable over Yggdrasil: mesh clients get the ordinary bundles"
	}
	return fmt.Sprintf("%d eligible routers reachable over Yggdrasil (of %d), in %d bundles for mesh clients, topped up with others",
		p.MeshRouters, p.Eligible, p.Mesh)
}
