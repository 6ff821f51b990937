package reseed

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/i2pseed/i2pseed/netdb"
)

// A poolState is the pool a Server serves and what it learnt of the
// pool's routers since the pool was built: a bundle that carries a router
// found unreachable since then is stale, held back; when a rebuild then
// fails for want of eligible routers, the whole pool is withdrawn. Once a
// Server stores a poolState it is never changed: a change stores a new one.
type poolState struct {
	pool   *Pool
	stale  []bool // per bundle
	nstale int
	dead   map[netdb.Hash]bool // members found unreachable since the build
	// withdrawn is the error of the rebuild that failed while members were
	// dead; while it is set no bundle is served.
	withdrawn error
}

func newPoolState(p *Pool) *poolState {
	return &poolState{pool: p, stale: make([]bool, len(p.Bundles))}
}

// unreachable returns the state once router h was found unreachable at
// time at, and whether that changed it: only a member not yet known dead,
// found unreachable at or after the build, does.
func (st *poolState) unreachable(h netdb.Hash, at time.Time) (*poolState, bool) {
	bundles := st.pool.Carrying(h)
	if len(bundles) == 0 || st.dead[h] || at.Before(st.pool.Built) {
		return st, false
	}
	next := *st
	next.stale = slices.Clone(st.stale)
	next.dead = maps.Clone(st.dead)
	if next.dead == nil {
		next.dead = map[netdb.Hash]bool{}
	}
	next.dead[h] = true
	for _, i := range bundles {
		if !next.stale[i] {
			next.stale[i] = true
			next.nstale++
		}
	}
	return &next, true
}

// probed returns the state with every member whose latest probe in l
// failed at or after the build marked unreachable, and whether there were
// any. A probe that failed before the build kept its router out of the
// pool (Policy.Liveness); one that fails while the pool is being built
// and stored is caught here.
func (st *poolState) probed(l *netdb.Liveness) (*poolState, bool) {
	changed := false
	for h := range st.pool.members {
		if p, ok := l.Get(h); ok && p.Failures > 0 {
			var c bool
			st, c = st.unreachable(h, p.Last)
			changed = changed || c
		}
	}
	return st, changed
}

// withdraw returns the state withdrawn because a rebuild failed with err.
func (st *poolState) withdraw(err error) *poolState {
	next := *st
	next.withdrawn = err
	return &next
}

// serving reports whether any bundle is served: the pool is not
// withdrawn and not every bundle is stale.
func (st *poolState) serving() bool {
	return st.withdrawn == nil && st.nstale < len(st.pool.Bundles)
}

// pick returns the bundle served to a client whose own bundle is lo+i,
// among the bundles lo to hi (k = hi-lo) its channel is served from: lo+i
// if it is fresh, else the next fresh one after it, lo+(i+1) mod k and on;
// false when none is served.
func (st *poolState) pick(lo, hi, i int) (int, bool) {
	if !st.serving() {
		return 0, false
	}
	k := hi - lo
	for j := range k {
		if b := lo + (i+j)%k; !st.stale[b] {
			return b, true
		}
	}
	return 0, false
}

// heldBack says how many bundles are held back, for a serving pool with
// stale bundles.
func (st *poolState) heldBack() string {
	return fmt.Sprintf("%d of %d bundles held back: routers found unreachable, rebuilding", st.nstale, len(st.pool.Bundles))
}

// withdrawnLine says why nothing is served, for a pool that is not
// serving.
func (st *poolState) withdrawnLine() string {
	why := fmt.Sprintf("in all %d bundles; rebuilding", len(st.pool.Bundles))
	if st.withdrawn != nil {
		why = fmt.Sprintf("rebuild: %v (lower --min-eligible or check the built-in router)", st.withdrawn)
	}
	return fmt.Sprintf("withdrawn: %d of the last pool's routers found unreachable since it was built; %s", len(st.dead), why)
}
