package router

import (
	"context"
	"slices"
	"time"

	"github.com/i2pseed/i2pseed/netdb"
)

// refreshEvery is how long a RouterInfo looked up again waits before it
// may be asked for once more.
const refreshEvery = time.Hour

// refresher lists the stored RouterInfos that grow old, the oldest first,
// so harvests look them up again: every router republishes its
// RouterInfo (a new published time) while it runs, and a floodfill that
// holds the newer one returns it. A long-running server's bundles thus
// stay inside the policy's age without a restart.
type refresher struct {
	queue []netdb.Hash
	asked map[netdb.Hash]time.Time
}

// rebuild lists the entries published longer than after ago and not asked
// for within refreshEvery; r.mu is held.
func (f *refresher) rebuild(entries []*netdb.Entry, self netdb.Hash, now time.Time, after time.Duration) {
	if f.asked == nil {
		f.asked = map[netdb.Hash]time.Time{}
	}
	for h, at := range f.asked {
		if now.Sub(at) > refreshEvery {
			delete(f.asked, h)
		}
	}
	var stale []*netdb.Entry
	for _, e := range entries {
		if e.Hash != self && now.Sub(e.Published()) > after && f.asked[e.Hash].IsZero() {
			stale = append(stale, e)
		}
	}
	slices.SortFunc(stale, func(a, b *netdb.Entry) int { return a.Published().Compare(b.Published()) })
	f.queue = f.queue[:0]
	for _, e := range stale {
		f.queue = append(f.queue, e.Hash)
	}
}

// next is the next hash to look up again; r.mu is held.
func (f *refresher) next(now time.Time) (netdb.Hash, bool) {
	if len(f.queue) == 0 {
		return netdb.Hash{}, false
	}
	h := f.queue[0]
	f.queue = f.queue[1:]
	f.asked[h] = now
	return h, true
}

// refreshQueue rebuilds the refresher's list from the store.
func (r *Router) refreshQueue(ctx context.Context) error {
	entries, err := r.cfg.Store.Entries(ctx)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refresh.rebuild(entries, r.Hash(), r.cfg.Now(), r.cfg.RefreshAfter)
	return nil
}

// nextRefresh gives a harvest the next RouterInfo to look up again.
func (r *Router) nextRefresh() (netdb.Hash, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.refresh.next(r.cfg.Now())
}
