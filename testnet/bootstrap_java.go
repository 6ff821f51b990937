package testnet

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/i2pseed/i2pseed/netdb"
)

// BootstrapJava starts a fresh Java I2P router in the namespace whose only
// reseed server is ours (over HTTPS, trusting our TLS certificate and
// signer, nothing else), waits until its reseed is over, stops it and
// reports. jars is the directory of its router.jar and i2p.jar.
func (st *State) BootstrapJava(ctx context.Context, jars string) (*BootstrapResult, error) {
	return st.BootstrapJavaFrom(ctx, jars, BootstrapOptions{})
}

// BootstrapJavaFrom is BootstrapJava with options.
func (st *State) BootstrapJavaFrom(ctx context.Context, jars string, opts BootstrapOptions) (*BootstrapResult, error) {
	srv := cmpOrServer(opts.Server, &st.Server)
	ns, err := OpenNetNS(st.NetNS)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(st.Dir, "client-java-")
	if err != nil {
		return nil, err
	}
	if err := trustServer(dir, srv); err != nil {
		return nil, err
	}
	host, err := ns.NewHost(javaClientAddr)
	if err != nil {
		return nil, err
	}
	defer host.Delete()
	start := time.Now()
	config := map[string]string{"router.reseedDisable": "false", "i2p.reseedURL": srv.URL, "router.reseedSSLRequired": "true"}
	res := &BootstrapResult{}
	if opts.Preload {
		if res.Added, err = st.preload(ctx, srv, filepath.Join(dir, "netDb")); err != nil {
			return nil, err
		}
		res.Took = time.Since(start)
		config = nil // reseed stays off, as StartJava sets it
	}
	p, err := StartJava(JavaOptions{Jars: jars, Dir: dir, NetNS: host, Host: javaClientAddr, Port: 18998, I2CPPort: 17998,
		NetID: st.netID(), Config: config})
	if err != nil {
		return nil, err
	}
	defer p.Stop()
	j := &javaClient{p: p, wrapperLog: filepath.Join(dir, "wrapper.log"), start: start}
	if !opts.Preload {
		if failed, err := j.waitReseed(ctx, res); err != nil {
			return failed, err
		}
	}
	if opts.Tunnels > 0 && res.Added > 0 {
		res.Tunnels = waitTunnels(ctx, p, ImplJava, start, opts.Tunnels)
	}
	j.report(res)
	return res, nil
}

// trustServer puts srv's signer and TLS certificates where a Java router
// in dir trusts them: below its base directory, reseed signers by file
// name (signer ID, @ as _at_), TLS certificates all.
func trustServer(dir string, srv *ServerState) error {
	for src, dst := range map[string]string{
		srv.SignerCert: filepath.Join(dir, "certificates", "reseed", filepath.Base(srv.SignerCert)),
		srv.TLSCert:    filepath.Join(dir, "certificates", "ssl", "testnet-server.crt"),
	} {
		if err := copyFile(src, dst); err != nil {
			return fmt.Errorf("testnet: %w", err)
		}
	}
	return nil
}

// copyFile copies src to dst, making dst's directory.
func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}

// preload fetches a bundle from srv as a router would and writes its
// RouterInfos into the netDb directory netDb; it returns how many.
func (st *State) preload(ctx context.Context, srv *ServerState, netDb string) (int, error) {
	ris, err := st.fetchBundle(ctx, srv)
	if err != nil {
		return 0, err
	}
	for _, ri := range ris {
		if _, err := netdb.Write(netDb, ri); err != nil {
			return 0, err
		}
	}
	return len(ris), nil
}

// A javaClient is a fresh Java router started at start: p, whose
// System.out (its reseed reports) goes to wrapperLog.
type javaClient struct {
	p          *Process
	wrapperLog string
	start      time.Time
}

// output is what the router wrote to System.out and its own output.
func (j *javaClient) output() string {
	b, _ := os.ReadFile(j.wrapperLog)
	return string(b) + j.p.Output()
}

// waitReseed waits until the router reports its reseed, done or failed,
// and sets res.Added and res.Took. If ctx ends or the router exits first,
// it returns the error and a result holding the router's output.
func (j *javaClient) waitReseed(ctx context.Context, res *BootstrapResult) (*BootstrapResult, error) {
	for {
		out := j.output()
		if n, ok := javaReseeded(out); ok {
			res.Added, res.Took = n, time.Since(j.start)
			return nil, nil
		}
		if strings.Contains(out, "Reseed failed") || strings.Contains(out, "No valid reseed URLs") {
			res.Took = time.Since(j.start)
			return nil, nil
		}
		select {
		case <-ctx.Done():
			return &BootstrapResult{Log: j.p.Log() + "\n" + out}, fmt.Errorf("testnet: Java did not reseed: %w", ctx.Err())
		case <-j.p.exited:
			return &BootstrapResult{Log: out}, fmt.Errorf("testnet: java exited (%v)", j.p.err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// report sets res's reseed failures and log from the router's output.
func (j *javaClient) report(res *BootstrapResult) {
	out := j.output()
	for _, line := range strings.Split(out, "\n") {
		if javaReseedFailure(line) {
			res.Failures = append(res.Failures, line)
		}
	}
	res.Log = out + "\n" + j.p.Log()
}

// javaReseedFailure reports whether a line of Java's output says a
// reseed failed or had errors ("only N routers" is no failure in a small
// network).
func javaReseedFailure(line string) bool {
	return strings.Contains(line, "Reseed failed") || strings.Contains(line, "No valid reseed URLs") ||
		strings.Contains(line, "Reseed got") && !strings.HasSuffix(strings.TrimSpace(line), " with 0 errors")
}

// javaReseeded reads "Reseed got N router infos" from Java's output.
func javaReseeded(out string) (int, bool) {
	_, rest, ok := strings.Cut(out, "Reseed got ")
	if !ok {
		return 0, false
	}
	f := strings.Fields(rest)
	if len(f) == 0 {
		return 0, false
	}
	n, err := strconv.Atoi(f[0])
	return n, err == nil
}
