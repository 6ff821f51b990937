package testnet

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"time"

	"github.com/i2pseed/i2pseed/certs"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/su3"
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

// Liveness stops k routers that are not floodfills, then fetches a bundle
// from the server every few seconds until one holds none of them (or
// timeout), and counts the routers that run in it and in the selection
// the same netDb gives without liveness. The routers stay stopped
// (StartStopped brings them back).
func (st *State) Liveness(ctx context.Context, k int, timeout time.Duration) (*LivenessResult, error) {
	stopped, err := st.StopRouters(k)
	if err != nil {
		return nil, err
	}
	res := &LivenessResult{Stopped: stopped}
	live := map[netdb.Hash]bool{}
	for _, r := range st.Routers {
		var h netdb.Hash
		if h.UnmarshalText([]byte(r.Hash)) == nil && !r.Stopped {
			live[h] = true
		}
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		ris, err := st.fetchBundle(ctx, &st.Server)
		if err == nil {
			res.Bundle, res.BundleLive = len(ris), 0
			for _, ri := range ris {
				if live[ri.Hash()] {
					res.BundleLive++
				}
			}
			if res.BundleLive == res.Bundle {
				res.Gone = time.Since(start)
				break
			}
		}
		select {
		case <-ctx.Done():
			return res, fmt.Errorf("testnet: liveness: bundles still hold stopped routers after %v (last: %d of %d live)", timeout, res.BundleLive, res.Bundle)
		case <-time.After(3 * time.Second):
		}
	}
	idx, err := netdb.Scan(ctx, filepath.Join(st.Server.DataDir, "netDb"), nil)
	if err != nil {
		return res, err
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
	return res, nil
}

// fetchBundle downloads a bundle from srv as a router would (its
// User-Agent, its netId), verifies it against the network's signer and
// returns its RouterInfos.
func (st *State) fetchBundle(ctx context.Context, srv *ServerState) ([]*netdb.RouterInfo, error) {
	kr := certs.NewKeyring()
	if _, err := kr.LoadDir(filepath.Join(st.Server.CertsDir, "reseed")); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"i2pseeds.su3?netid="+st.netID().String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", "Wget/1.11.4") // Java I2P's and i2pd's
	resp, err := st.HTTPClient().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("testnet: bundle: %s", resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, err
	}
	r, err := su3.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	entries, err := r.VerifyBundle(kr, nil)
	if err != nil {
		return nil, err
	}
	ris := make([]*netdb.RouterInfo, 0, len(entries))
	for _, e := range entries {
		ri, err := netdb.ParseRouterInfo(e.Data)
		if err != nil {
			return nil, fmt.Errorf("testnet: bundle entry %s: %w", e.Name, err)
		}
		ris = append(ris, ri)
	}
	return ris, nil
}
