package testnet

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/i2pseed/i2pseed/internal/atomicfile"
)

// snapshotAddr is where the snapshot server listens (StartSnapshotServer).
const snapshotAddr = "198.18.0.3"

// StartSnapshotServer starts a second reseed server, on 198.18.0.3:8443,
// that serves a copy of the network server's netDb as it is now, with no
// built-in router and so no liveness: what reseed servers that copy a
// netDb snapshot serve. It signs with the same test signer. Stop it with
// the returned function.
func (st *State) StartSnapshotServer(ctx context.Context, self string) (*ServerState, func(), error) {
	ns, err := OpenNetNS(st.NetNS)
	if err != nil {
		return nil, nil, err
	}
	if err := ns.AddAddr(snapshotAddr); err != nil && !alreadyAssigned(err) {
		return nil, nil, err
	}
	dir, err := os.MkdirTemp(st.Dir, "snapshot-")
	if err != nil {
		return nil, nil, err
	}
	for src, dst := range map[string]string{filepath.Join(st.Server.DataDir, "netDb"): filepath.Join(dir, "netDb"),
		filepath.Join(st.Server.DataDir, "keys"): filepath.Join(dir, "data", "keys")} {
		if err := copyTree(src, dst); err != nil {
			return nil, nil, err
		}
	}
	srv := &ServerState{URL: fmt.Sprintf("https://%s:%d/", snapshotAddr, ServerPort), TLSCert: filepath.Join(dir, "data", "tls", "tls.crt"),
		CertsDir: st.Server.CertsDir, SignerCert: st.Server.SignerCert, DataDir: filepath.Join(dir, "data"), Log: filepath.Join(dir, "server.log")}
	if err := st.startSnapshotServe(ctx, ns, self, srv, filepath.Join(dir, "netDb")); err != nil {
		return nil, nil, err
	}
	return srv, func() { terminate(srv.PID) }, nil
}

// A TunnelResult is how soon a fresh router, reseeded from one server,
// had its first exploratory tunnel each way.
type TunnelResult struct {
	Server, Impl string
	Added        int
	Tunnels      time.Duration // zero: not within the limit
}

// Tunnels reseeds a fresh i2pd and a fresh Java router from the network's
// server and from a snapshot server of the same netDb without liveness,
// one after another, and times their first exploratory tunnels (at most
// limit each). Run it while routers are stopped (Liveness).
func (st *State) Tunnels(ctx context.Context, self, i2pd, jars string, limit time.Duration) ([]TunnelResult, error) {
	snap, stop, err := st.StartSnapshotServer(ctx, self)
	if err != nil {
		return nil, err
	}
	defer stop()
	var out []TunnelResult
	for _, s := range []struct {
		name string
		srv  *ServerState
	}{{"liveness", &st.Server}, {"snapshot", snap}} {
		for _, r := range []struct{ impl, bin string }{{ImplI2PD, i2pd}, {ImplJava, jars}} {
			res, err := st.BootstrapImpl(ctx, r.impl, r.bin, BootstrapOptions{Server: s.srv, Tunnels: limit, Preload: r.impl == ImplJava})
			if err != nil {
				return out, fmt.Errorf("testnet: %s from the %s server: %w", r.impl, s.name, err)
			}
			out = append(out, TunnelResult{Server: s.name, Impl: r.impl, Added: res.Added, Tunnels: res.Tunnels})
		}
	}
	return out, nil
}

// copyTree copies the regular files below src to dst.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return atomicfile.WriteFile(target, b, info.Mode().Perm())
	})
}

// i2pd logs each tunnel of its own it built; Java its router state.
const (
	i2pdInbound  = "Tunnel: Inbound tunnel "
	i2pdOutbound = "Tunnel: Outbound tunnel "
	i2pdCreated  = " has been created"
	javaExplOK   = "to EXPL_TUNNELS_READY"
	javaRunning  = "to RUNNING"
)

// tunnelsBuilt reports whether a router's log shows an exploratory tunnel
// each way: i2pd's inbound and outbound "has been created" lines, Java's
// state change to EXPL_TUNNELS_READY (or RUNNING, which follows it).
func tunnelsBuilt(impl, log string) bool {
	if impl == ImplJava {
		return strings.Contains(log, javaExplOK) || strings.Contains(log, javaRunning)
	}
	in, out := false, false
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, i2pdCreated) {
			in = in || strings.Contains(line, i2pdInbound)
			out = out || strings.Contains(line, i2pdOutbound)
		}
	}
	return in && out
}

// waitTunnels polls p's log until tunnelsBuilt or d passes; it returns
// the time since start, or zero.
func waitTunnels(ctx context.Context, p *Process, impl string, start time.Time, d time.Duration) time.Duration {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if tunnelsBuilt(impl, p.Log()) {
			return time.Since(start)
		}
		time.Sleep(500 * time.Millisecond)
	}
	return 0
}
