package testnet

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/i2pseed/i2pseed/netdb"
)

// LivenessResult is what Liveness measured.
type LivenessResult struct {
	Stopped []RouterState
	// Gone is how long after the routers stopped the server's bundles
	// first held none of them.
	Gone time.Duration
	// Bundle and BundleLive: the RouterInfos of that bundle, and how many
	// of them are routers that run.
	Bundle, BundleLive int
	// Snapshot and SnapshotLive: the same for what the server's netDb
	// would give without liveness (the selection policy alone).
	Snapshot, SnapshotLive int
}

// Liveness stops k routers that are not floodfills (k <= 0: a third of
// those that run, at least one), then fetches a bundle from the server
// every few seconds until one holds none of them (or timeout), and counts
// the routers that run in it and in the selection the same netDb gives
// without liveness. The routers stay stopped (StartStopped brings them
// back).
func (st *State) Liveness(ctx context.Context, k int, timeout time.Duration) (*LivenessResult, error) {
	if k <= 0 {
		k = max(1, st.NonFloodfills()/3)
	}
	stopped, err := st.StopRouters(k)
	if err != nil {
		return nil, err
	}
	res := &LivenessResult{Stopped: stopped}
	live := st.running()
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := st.waitBundlesLive(ctx, res, live); err != nil {
		return res, fmt.Errorf("testnet: liveness: bundles still hold stopped routers after %v (last: %d of %d live)", timeout, res.BundleLive, res.Bundle)
	}
	res.Gone = time.Since(start)
	return res, st.snapshotLive(ctx, res, live)
}

// running are the hashes of the network's running routers.
func (st *State) running() map[netdb.Hash]bool {
	live := map[netdb.Hash]bool{}
	for _, r := range st.Routers {
		var h netdb.Hash
		if h.UnmarshalText([]byte(r.Hash)) == nil && !r.Stopped {
			live[h] = true
		}
	}
	return live
}

// waitBundlesLive fetches a bundle every 3 s, counting its routers in
// res.Bundle and res.BundleLive, until every one is live or ctx ends.
func (st *State) waitBundlesLive(ctx context.Context, res *LivenessResult, live map[netdb.Hash]bool) error {
	for {
		if ris, err := st.fetchBundle(ctx, &st.Server); err == nil {
			res.Bundle, res.BundleLive = len(ris), 0
			for _, ri := range ris {
				if live[ri.Hash()] {
					res.BundleLive++
				}
			}
			if res.BundleLive == res.Bundle {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(3 * time.Second):
		}
	}
}

// snapshotLive counts in res.Snapshot and res.SnapshotLive the routers
// the server's netDb gives by the selection policy alone, and the live
// ones among them.
func (st *State) snapshotLive(ctx context.Context, res *LivenessResult, live map[netdb.Hash]bool) error {
	idx, err := netdb.Scan(ctx, filepath.Join(st.Server.DataDir, "netDb"), nil)
	if err != nil {
		return err
	}
	policy := netdb.TestnetPolicy(st.netID())
	policy.MinVersion = "0.9.50" // as the server's
	var entries []*netdb.Entry
	for _, e := range idx.Entries {
		entries = append(entries, e)
	}
	sel := policy.Select(entries)
	res.Snapshot = len(sel.Eligible)
	for _, e := range sel.Eligible {
		if live[e.Hash] {
			res.SnapshotLive++
		}
	}
	return nil
}
