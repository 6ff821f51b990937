package testnet

import (
	"context"
	"os"
	"strings"
	"time"

	"github.com/i2pseed/i2pseed/internal/cliflag"
)

// BootstrapResult is what a fresh i2pd took from our server.
type BootstrapResult struct {
	Added    int           // RouterInfos i2pd added from the reseed
	Took     time.Duration // from start to the end of its reseed
	Failures []string      // reseed failure lines of its log
	Log      string
	// Tunnels is when it first had an exploratory tunnel each way
	// (BootstrapOptions.Tunnels; zero if not within it).
	Tunnels time.Duration
}

// Complete reports whether the fresh router took all of the network's
// routers with no reseed failure.
func (r *BootstrapResult) Complete(st *State) bool {
	return r.Added >= len(st.Routers) && len(r.Failures) == 0
}

// BootstrapOptions: which server a fresh router reseeds from, and whether
// it then waits for tunnels.
type BootstrapOptions struct {
	Server *ServerState // nil: the network's
	// Tunnels, if set, keeps the router running until it has built its
	// first exploratory tunnel each way, or this long.
	Tunnels time.Duration
	// Preload (Java only) fetches one bundle from the server as a router
	// would, verifies it, writes its RouterInfos into the fresh router's
	// netDb and starts it with reseed off. Java's own reseed would do the
	// same, but after a reseed that leaves it knowing fewer than 50
	// routers (its minimum) it never declares its netDb ready and builds
	// no tunnel: a test network smaller than that needs this.
	Preload bool
}

// BootstrapImpl is BootstrapFrom (impl ImplI2PD, bin the i2pd binary) or
// BootstrapJavaFrom (ImplJava, bin the directory of the jars).
func (st *State) BootstrapImpl(ctx context.Context, impl, bin string, opts BootstrapOptions) (*BootstrapResult, error) {
	if impl == ImplJava {
		return st.BootstrapJavaFrom(ctx, bin, opts)
	}
	return st.BootstrapFrom(ctx, bin, opts)
}

// Bootstrap starts a fresh i2pd in the namespace whose only reseed server
// is ours (over HTTPS, verifying our signer), waits until its reseed is
// over, stops it and reports.
func (st *State) Bootstrap(ctx context.Context, i2pd string) (*BootstrapResult, error) {
	return st.BootstrapFrom(ctx, i2pd, BootstrapOptions{})
}

// BootstrapFrom is Bootstrap with options.
func (st *State) BootstrapFrom(ctx context.Context, i2pd string, opts BootstrapOptions) (*BootstrapResult, error) {
	srv := cmpOrServer(opts.Server, &st.Server)
	ns, err := OpenNetNS(st.NetNS)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(st.Dir, "client-")
	if err != nil {
		return nil, err
	}
	start := time.Now()
	p, err := StartI2PD(i2pd, Options{NetNS: ns, Dir: dir, Args: append([]string{"--host=" + clientAddr, "--address4=" + clientAddr,
		"--port=18999", "--netid=" + st.netID().String(), "--ntcp2.enabled=true",
		"--certsdir=" + st.Server.CertsDir, "--reseed.urls=" + srv.URL, "--reseed.verify=true"}, ssu2Args(st.Config.SSU2)...)})
	if err != nil {
		return nil, err
	}
	defer p.Stop()
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	err = p.WaitFor(wctx, transportsStarting)
	res := &BootstrapResult{Took: time.Since(start)}
	if err == nil && opts.Tunnels > 0 {
		res.Tunnels = waitTunnels(ctx, p, ImplI2PD, start, opts.Tunnels)
	}
	res.Log = p.Log()
	res.Added, res.Failures = i2pdReseeded(res.Log)
	return res, err
}

// i2pdReseeded reads from an i2pd log how many RouterInfos it added and
// its reseed failure lines.
func i2pdReseeded(log string) (added int, failures []string) {
	for _, line := range strings.Split(log, "\n") {
		switch {
		case strings.Contains(line, "NetDb: RouterInfo added"):
			added++
		case strings.Contains(line, "Reseed:") && (strings.Contains(line, "fail") || strings.Contains(line, "error")):
			failures = append(failures, line)
		}
	}
	return added, failures
}

func cmpOrServer(s, def *ServerState) *ServerState {
	if s != nil {
		return s
	}
	return def
}

// BootstrapArgs is the `i2pseed bootstrap` command line (without the
// binary) that reseeds from the network's server into the netDb
// directory netDb, from inside the namespace, asking for every router
// and floodfill of the network.
func (st *State) BootstrapArgs(netDb string) []string {
	return cliflag.New[cliflag.Bootstrap]().Set(cliflag.BootstrapNetID, st.NetID.String()).
		Set(cliflag.BootstrapURLs, st.Server.URL).Set(cliflag.BootstrapCA, st.Server.TLSCert).
		Set(cliflag.BootstrapCerts, st.Server.CertsDir+"/reseed").SetInt(cliflag.BootstrapMinServers, 1).
		SetInt(cliflag.BootstrapMinRouters, len(st.Routers)).SetInt(cliflag.BootstrapMinFloodfills, st.Floodfills()).
		Set(cliflag.BootstrapNetDB, netDb).Strings()
}
