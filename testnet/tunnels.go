package testnet

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
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
	n := strconv.Itoa(2 * len(st.Routers))
	logFile, err := os.Create(srv.Log)
	if err != nil {
		return nil, nil, err
	}
	defer logFile.Close()
	cmd := ns.Command(self, "serve", "--testnet", "--netid", st.netID().String(), "--signer", signerID, "--data-dir", srv.DataDir,
		"--netdb", filepath.Join(dir, "netDb"), "--listen", fmt.Sprintf("%s:%d", snapshotAddr, ServerPort), "--host", snapshotAddr,
		"--bundle-size", n, "--min-eligible", "1", "--min-version", "0.9.50", "--burst-per-client", "50", "--rate-per-client", "5")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("testnet: snapshot server: %w", err)
	}
	srv.PID = cmd.Process.Pid
	go cmd.Wait()
	stop := func() { terminate(srv.PID) }
	if err := waitServing(ctx, &State{NetNS: st.NetNS, Server: *srv}); err != nil {
		stop()
		return nil, nil, err
	}
	return srv, stop, nil
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
		for _, impl := range []string{ImplI2PD, ImplJava} {
			opts := BootstrapOptions{Server: s.srv, Tunnels: limit, Preload: impl == ImplJava}
			var res *BootstrapResult
			if impl == ImplJava {
				res, err = st.BootstrapJavaFrom(ctx, jars, opts)
			} else {
				res, err = st.BootstrapFrom(ctx, i2pd, opts)
			}
			if err != nil {
				return out, fmt.Errorf("testnet: %s from the %s server: %w", impl, s.name, err)
			}
			out = append(out, TunnelResult{Server: s.name, Impl: impl, Added: res.Added, Tunnels: res.Tunnels})
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

func alreadyAssigned(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "already assigned") || strings.Contains(err.Error(), "File exists"))
}
