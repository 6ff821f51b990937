package testnet

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/i2pseed/i2pseed/certs"
	"github.com/i2pseed/i2pseed/internal/cliflag"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/su3"
)

// The i2pseed binary runs as the network's reseed server (`i2pseed serve`
// with its built-in router, Up), as a snapshot server without a router
// (StartSnapshotServer) and as a fresh router (`i2pseed router`, Race).

// serveArgs are the `i2pseed serve` flags every server of the network
// has: netId, test signer and data, listening on addr, bundles of
// bundleSize RouterInfos from a pool of minEligible or more, a generous
// per-client rate.
func serveArgs(netID, dataDir, addr string, bundleSize, minEligible int) *cliflag.Args[cliflag.Serve] {
	return cliflag.New[cliflag.Serve]().On(cliflag.ServeTestnet).Set(cliflag.ServeNetID, netID).
		Set(cliflag.ServeSigner, signerID).Set(cliflag.ServeDataDir, dataDir).
		Set(cliflag.ServeListen, fmt.Sprintf("%s:%d", addr, ServerPort)).Set(cliflag.ServeHost, addr).
		SetInt(cliflag.ServeBundleSize, bundleSize).SetInt(cliflag.ServeMinEligible, minEligible).
		Set(cliflag.ServeMinVersion, "0.9.50"). // Debian's i2pd 2.45.1 is 0.9.57
		Set(cliflag.ServeBurstPerClient, "50").Set(cliflag.ServeRatePerClient, "5")
}

// startServer starts our reseed server and its built-in router, seeded
// with the netDb directory seeds, and waits until it serves.
func (st *State) startServer(ctx context.Context, ns *NetNS, cfg Config, seeds string) error {
	srvDir := filepath.Join(st.Dir, "server")
	st.Server = ServerState{URL: fmt.Sprintf("https://%s:%d/", ServerAddr, ServerPort), TLSCert: filepath.Join(srvDir, "tls", "tls.crt"),
		CertsDir: filepath.Join(st.Dir, "certs"), SignerCert: st.Config.SignerCert, DataDir: srvDir, Log: filepath.Join(srvDir, "server.log")}
	args := serverArgs(cfg, srvDir, seeds)
	logLine(cfg.Log, "starting i2pseed serve with its built-in router on %s", st.Server.URL)
	logFile, err := os.OpenFile(st.Server.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	if st.Server.PID, err = startServe(ns, cfg.Self, args, logFile); err != nil {
		return fmt.Errorf("testnet: start i2pseed serve: %w", err)
	}
	if err := st.save(); err != nil {
		return err
	}
	return waitServing(ctx, st)
}

// serverArgs are the network's server's: data in srvDir, its router
// seeded with the netDb directory seeds, cfg.ServerArgs last. In a network
// without Java its router asks the floodfills from the start (a Java
// floodfill drops every lookup for two minutes; i2pd's answer at once).
func serverArgs(cfg Config, srvDir, seeds string) []string {
	n := cfg.Routers + cfg.Java
	// Every router in every bundle; a stopped router leaves the bundles
	// within minutes.
	args := serveArgs(NetID.String(), srvDir, ServerAddr, 2*n, cmpOr(cfg.MinEligible, n)).
		Set(cliflag.ServeSeed, seeds).Set(cliflag.ServeNTCP2Listen, fmt.Sprintf("%s:%d", ServerAddr, RouterNTCP2)).
		Set(cliflag.ServeRebuild, "1m").Set(cliflag.ServeProbeRecheck, "1m")
	if cfg.Yggdrasil > 0 {
		args.Set(cliflag.ServeYggdrasil, YggdrasilServer)
	}
	if cfg.Java == 0 {
		args.Set(cliflag.ServeWarmup, "0") // i2pd floodfills answer at once
	}
	return append(args.Strings(), cfg.ServerArgs...)
}

// startSnapshotServe starts srv, a server on snapshotAddr that serves the
// netDb directory netDb with no built-in router, and waits until it
// serves.
func (st *State) startSnapshotServe(ctx context.Context, ns *NetNS, self string, srv *ServerState, netDb string) error {
	args := snapshotArgs(st.netID(), srv.DataDir, netDb, len(st.Routers))
	logFile, err := os.Create(srv.Log)
	if err != nil {
		return err
	}
	defer logFile.Close()
	if srv.PID, err = startServe(ns, self, args, logFile); err != nil {
		return fmt.Errorf("testnet: snapshot server: %w", err)
	}
	if err := waitServing(ctx, &State{NetNS: st.NetNS, Server: *srv}); err != nil {
		terminate(srv.PID)
		return err
	}
	return nil
}

// snapshotArgs are a snapshot server's of a network of routers routers:
// data in dataDir, serving the netDb directory netDb.
func snapshotArgs(netID netdb.NetID, dataDir, netDb string, routers int) []string {
	return serveArgs(netID.String(), dataDir, snapshotAddr, 2*routers, 1).Set(cliflag.ServeNetDB, netDb).Strings()
}

// startServe starts `i2pseed serve` (args) in ns, in a session of its
// own, writing to logFile, and returns its PID.
func startServe(ns *NetNS, self string, args []string, logFile *os.File) (int, error) {
	cmd := ns.Command(self, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	go cmd.Wait()
	return cmd.Process.Pid, nil
}

// startOursRouter starts `i2pseed router` in ns with its data in dir, from
// the netDb directory seeds, listening on addr, not probing, with the
// floodfill warm-up unless noWarmup (a network without Java); its output
// goes to log.
func startOursRouter(ns *NetNS, self, dir, seeds string, netID, addr string, noWarmup bool, log io.Writer) (*exec.Cmd, error) {
	cmd := ns.Command(self, oursRouterArgs(dir, seeds, netID, addr, noWarmup)...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return cmd, nil
}

// oursRouterArgs are the `i2pseed router` flags of startOursRouter.
func oursRouterArgs(dir, seeds, netID, addr string, noWarmup bool) []string {
	args := cliflag.New[cliflag.Router]().Set(cliflag.RouterNetDB, filepath.Join(dir, "netDb")).
		Set(cliflag.RouterDataDir, dir).Set(cliflag.RouterSeed, seeds).Set(cliflag.RouterNetID, netID).
		Set(cliflag.RouterNTCP2Listen, addr).Set(cliflag.RouterProbeEvery, "0")
	if noWarmup {
		args.Set(cliflag.RouterWarmup, "0")
	}
	return args.Strings()
}

// testSigner loads or makes the test network's signer in dir, the files
// `i2pseed serve --data-dir` reads.
func testSigner(dir string) (*su3.Signer, error) {
	sk, _, err := certs.LoadOrCreateSigner(dir, signerID, time.Now())
	if err != nil {
		return nil, err
	}
	return &su3.Signer{ID: sk.ID, Key: sk.Key}, nil
}

// HTTPClient reaches the server from inside the namespace.
func (st *State) HTTPClient() *http.Client {
	ns := &NetNS{Name: st.NetNS}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, // a readiness probe only; clients verify
		DialContext:     func(ctx context.Context, _, addr string) (net.Conn, error) { return ns.Dial(addr) },
	}}
}

// waitServing waits (at most 6 minutes: the built-in router waits out the
// floodfills' start-up) until the server has a pool.
func waitServing(ctx context.Context, st *State) error {
	ctx, cancel := context.WithTimeout(ctx, 6*time.Minute)
	defer cancel()
	c := st.HTTPClient()
	for {
		resp, err := c.Get(st.Server.URL + "healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if !alive(st.Server.PID) {
			return fmt.Errorf("testnet: i2pseed serve exited; see %s", st.Server.Log)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("testnet: the server built no pool in time; see %s", st.Server.Log)
		case <-time.After(500 * time.Millisecond):
		}
	}
}
