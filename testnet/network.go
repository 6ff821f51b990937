package testnet

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/i2pseed/i2pseed/certs"
	"github.com/i2pseed/i2pseed/internal/atomicfile"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/su3"
)

// Addresses inside the namespace.
const (
	ServerAddr     = "198.18.0.2" // our reseed server and router
	ServerPort     = 8443
	RouterNTCP2    = 18899 // our router's inbound NTCP2 port
	firstRouter    = 10    // router i listens on 198.18.0.(10+i):(18800+i)
	firstPort      = 18800
	firstI2CPPort  = 17600 // a Java router's I2CP port, on its own address
	javaListening  = "Starting NTCP transport listening"
	clientAddr     = "198.18.0.200" // fresh i2pd clients (Bootstrap)
	javaClientAddr = "198.18.1.200" // fresh Java clients (BootstrapJava), a host of its own
	stateFile      = "testnet.json"
	signerID       = "testnet@mail.i2p"
	transportsUp   = "Daemon: Transports started"
)

// NetID is the test networks' netId: never 2, the live network's (a
// router of a test network that somehow met a live one would refuse it).
const NetID netdb.NetID = 7

// Config for Up.
type Config struct {
	Dir        string // everything lives here: keys, bundle, data, logs, state
	Routers    int    // i2pd routers
	Floodfills int    // of them floodfills (default 2, at most Routers)
	I2PD       string // i2pd binary
	// Java Java I2P routers join them, JavaFloodfills of them floodfills
	// (default half, rounded up); JavaI2P is the directory of their jars.
	Java, JavaFloodfills int
	JavaI2P              string
	Self                 string // the i2pseed binary, run as the reseed server
	// MinEligible is the fewest eligible RouterInfos the server builds a
	// pool from (default: every router of the network, so the first pool
	// holds them all; fewer lets pools be built while routers are stopped).
	MinEligible int
	// ServerArgs are extra `i2pseed serve` flags.
	ServerArgs []string
	Log        io.Writer // progress lines; nil discards
}

// State is a running network, kept in Dir/testnet.json.
type State struct {
	NetNS   string        `json:"netns"`
	NetID   netdb.NetID   `json:"netid"`
	Dir     string        `json:"dir"`
	Routers []RouterState `json:"routers"`
	Server  ServerState   `json:"server"`
	// How the routers were made, to start them again (StartStopped).
	Config RoutersConfig `json:"config"`
}

// RouterState is one router.
type RouterState struct {
	Impl      string `json:"impl"` // ImplI2PD or ImplJava
	Hash      string `json:"hash"`
	Addr      string `json:"addr"` // NTCP2 host:port
	Floodfill bool   `json:"floodfill"`
	PID       int    `json:"pid"`
	Dir       string `json:"dir"`
	Stopped   bool   `json:"stopped,omitempty"` // by StopRouters
}

// ServerState is our reseed server with its built-in router.
type ServerState struct {
	PID        int    `json:"pid"`
	URL        string `json:"url"`         // https://198.18.0.2:8443/
	TLSCert    string `json:"tls_cert"`    // self-signed, for clients' --ca
	CertsDir   string `json:"certs_dir"`   // i2pd --certsdir trusting our signer
	SignerCert string `json:"signer_cert"` // for --certs
	DataDir    string `json:"data_dir"`
	Log        string `json:"log"`
}

// NetNSName is the namespace of the network kept in dir.
func NetNSName(dir string) string {
	abs, _ := filepath.Abs(dir)
	h := sha256.Sum256([]byte(abs))
	return "i2pseed-" + hex.EncodeToString(h[:4])
}

// Up starts a private I2P network: cfg.Routers i2pd routers in a new
// namespace, reseeded from a bundle signed by a test signer, then our
// reseed server with its built-in router harvesting them. It returns once
// the server serves bundles. On error everything started is stopped.
func Up(ctx context.Context, cfg Config) (_ *State, err error) {
	logf := func(format string, args ...any) {
		if cfg.Log != nil {
			fmt.Fprintf(cfg.Log, format+"\n", args...)
		}
	}
	if n := cfg.Routers + cfg.Java; n < 2 || n > 100 || cfg.Routers < 0 || cfg.Java < 0 {
		return nil, fmt.Errorf("testnet: %d i2pd and %d Java routers: want 2-100 in all", cfg.Routers, cfg.Java)
	}
	if cfg.Floodfills <= 0 {
		cfg.Floodfills = 2
	}
	cfg.Floodfills = min(cfg.Floodfills, cfg.Routers)
	if cfg.JavaFloodfills <= 0 {
		cfg.JavaFloodfills = (cfg.Java + 1) / 2
	}
	cfg.JavaFloodfills = min(cfg.JavaFloodfills, cfg.Java)
	if cfg.Floodfills+cfg.JavaFloodfills == 0 {
		return nil, errors.New("testnet: the network needs a floodfill")
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, err
	}
	if _, err := Load(dir); err == nil {
		return nil, fmt.Errorf("testnet: a network is already up in %s (testnet down first)", dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("testnet: %w", err)
	}
	ns, err := CreateNetNS(NetNSName(dir))
	if err != nil {
		return nil, err
	}
	st := &State{NetNS: ns.Name, NetID: NetID, Dir: dir}
	defer func() {
		if err != nil {
			st.stop()
			ns.Delete()
		}
	}()
	for _, a := range []string{ServerAddr, clientAddr, "198.18.0.201"} {
		if err := ns.AddAddr(a); err != nil {
			return nil, err
		}
	}
	logf("starting %d i2pd routers (%d floodfill) and %d Java I2P routers (%d floodfill) in network namespace %s",
		cfg.Routers, cfg.Floodfills, cfg.Java, cfg.JavaFloodfills, ns.Name)
	signer, err := testSigner(filepath.Join(dir, "server", "keys"))
	if err != nil {
		return nil, err
	}
	signerCert := filepath.Join(dir, "server", "keys", certs.CertFileName(signerID))
	st.Config = RoutersConfig{Dir: dir, Routers: cfg.Routers, Floodfills: cfg.Floodfills,
		Java: cfg.Java, JavaFloodfills: cfg.JavaFloodfills, I2PD: cfg.I2PD, JavaI2P: cfg.JavaI2P, NetID: NetID,
		Signer: signer, SignerCert: signerCert, Detach: true}
	routers, err := StartRouters(ctx, ns, st.Config)
	for _, r := range routers {
		st.Routers = append(st.Routers, r.RouterState)
	}
	if err != nil {
		return nil, err
	}

	// Our server and router, seeded with the floodfills.
	seeds := filepath.Join(dir, "seeds")
	os.MkdirAll(seeds, 0o755)
	for _, r := range routers {
		if r.Floodfill {
			if _, err := netdb.Write(seeds, r.RouterInfo); err != nil {
				return nil, err
			}
		}
	}
	srvDir := filepath.Join(dir, "server")
	st.Server = ServerState{URL: fmt.Sprintf("https://%s:%d/", ServerAddr, ServerPort), TLSCert: filepath.Join(srvDir, "tls", "tls.crt"),
		CertsDir: filepath.Join(dir, "certs"), SignerCert: signerCert, DataDir: srvDir, Log: filepath.Join(srvDir, "server.log")}
	n := strconv.Itoa(cmpOr(cfg.MinEligible, cfg.Routers+cfg.Java))
	args := append([]string{"serve", "--testnet", "--netid", NetID.String(), "--signer", signerID, "--data-dir", srvDir,
		"--listen", fmt.Sprintf("%s:%d", ServerAddr, ServerPort), "--host", ServerAddr,
		"--seed", seeds, "--ntcp2-listen", fmt.Sprintf("%s:%d", ServerAddr, RouterNTCP2),
		"--bundle-size", strconv.Itoa(2 * (cfg.Routers + cfg.Java)), "--min-eligible", n, // every router in every bundle
		"--rebuild", "1m", "--probe-recheck", "1m", // a stopped router leaves the bundles within minutes
		"--min-version", "0.9.50", // Debian's i2pd 2.45.1 is 0.9.57
		"--burst-per-client", "50", "--rate-per-client", "5"}, cfg.ServerArgs...)
	logf("starting i2pseed serve with its built-in router on %s", st.Server.URL)
	logFile, err := os.OpenFile(st.Server.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	cmd := ns.Command(cfg.Self, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("testnet: start i2pseed serve: %w", err)
	}
	st.Server.PID = cmd.Process.Pid
	go cmd.Wait()
	if err := st.save(); err != nil {
		return nil, err
	}
	if err := waitServing(ctx, st); err != nil {
		return nil, err
	}
	return st, nil
}

// RoutersConfig configures StartRouters.
type RoutersConfig struct {
	Dir        string // Dir/routers/<i> (data and log), Dir/certs, Dir/initial.su3
	Routers    int    // i2pd routers
	Floodfills int    // the first Floodfills i2pd routers are floodfills
	// Java Java I2P routers follow the i2pd ones, the first JavaFloodfills
	// of them floodfills; JavaI2P is the directory of their jars.
	Java, JavaFloodfills int
	I2PD, JavaI2P        string
	NetID                netdb.NetID // default 2
	// Signer signs the bundle that reseeds the routers; SignerCert is its
	// certificate file, the only one i2pd is given to trust.
	Signer     *su3.Signer `json:"-"`
	SignerCert string
	Detach     bool // start them in sessions of their own (Options.Detach)
}

// Implementations of the routers of a test network.
const (
	ImplI2PD = "i2pd"
	ImplJava = "java"
)

// A Router is one started router of the network.
type Router struct {
	RouterState
	RouterInfo *netdb.RouterInfo
	Process    *Process
}

// routerAddr is router i's address (198.18.0.(10+i)), NTCP2 port and, for
// Java, I2CP port.
func routerAddr(i int) (host string, ntcp2, i2cp int) {
	return fmt.Sprintf("198.18.0.%d", firstRouter+i), firstPort + i, firstI2CPPort + i
}

// StartRouters starts cfg.Routers i2pd and cfg.Java Java I2P routers in
// ns, router i on 198.18.0.(10+i):(18800+i), i2pd ones first, and returns
// once each listens. Each is first run alone to make its identity; then
// all learn every RouterInfo (i2pd from a bundle signed by cfg.Signer,
// Java from its netDb directory), so they know one another. On error the
// routers started so far are returned, still running, for the caller to
// stop.
func StartRouters(ctx context.Context, ns *NetNS, cfg RoutersConfig) ([]*Router, error) {
	if cfg.NetID == 0 {
		cfg.NetID = netdb.LiveNetID
	}
	n := cfg.Routers + cfg.Java
	routers := make([]*Router, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	hosts := make([]*NetNS, n) // Java routers cannot bind their outgoing connections: each gets a host
	for i := range n {
		addr, _, _ := routerAddr(i)
		hosts[i] = ns
		if i >= cfg.Routers {
			h, err := ns.NewHost(addr)
			if err != nil {
				return nil, err
			}
			hosts[i] = h
		} else if err := ns.AddAddr(addr); err != nil {
			return nil, err
		}
		wg.Go(func() { routers[i], errs[i] = firstStart(ctx, hosts[i], cfg, i) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	certsDir := filepath.Join(cfg.Dir, "certs")
	if err := CertsDir(certsDir, cfg.SignerCert); err != nil {
		return nil, err
	}
	ris := make([]*netdb.RouterInfo, len(routers))
	for i, r := range routers {
		ris[i] = r.RouterInfo
	}
	bundlePath := filepath.Join(cfg.Dir, "initial.su3")
	if err := writeBundle(bundlePath, ris, cfg.Signer); err != nil {
		return nil, err
	}
	var started []*Router
	for i, r := range routers {
		var p *Process
		var err error
		if r.Impl == ImplJava {
			p, err = startJavaRouter(hosts[i], cfg, i, routers)
		} else {
			args := append(routerArgs(cfg, i), "--certsdir="+certsDir, "--reseed.file="+bundlePath, "--reseed.verify=true")
			p, err = StartI2PD(cfg.I2PD, Options{NetNS: ns, Dir: r.Dir, DataDir: filepath.Join(r.Dir, "data"), Args: args, Detach: cfg.Detach})
		}
		if err != nil {
			return started, err
		}
		r.Process, r.PID = p, p.PID()
		started = append(started, r)
	}
	for i, r := range routers {
		wg.Go(func() {
			wctx, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			errs[i] = r.Process.WaitFor(wctx, listening(r.Impl))
		})
	}
	wg.Wait()
	return routers, errors.Join(errs...)
}

// listening is what a router logs once its NTCP2 transport listens.
func listening(impl string) string {
	if impl == ImplJava {
		return javaListening
	}
	return transportsUp
}

// routerArgs are i2pd router i's address and role: it publishes and binds
// (also for outgoing connections: --address4) its own address, as i2pd
// 2.46+ bans peers whose connections come from elsewhere.
func routerArgs(cfg RoutersConfig, i int) []string {
	host, port, _ := routerAddr(i)
	a := []string{"--host=" + host, "--address4=" + host, fmt.Sprintf("--port=%d", port), "--netid=" + cfg.NetID.String(),
		"--ntcp2.enabled=true", "--ntcp2.published=true", "--ssu2.enabled=false"}
	if i < cfg.Floodfills {
		a = append(a, "--floodfill")
	}
	return a
}

// javaOptions are Java router i's.
func javaOptions(ns *NetNS, cfg RoutersConfig, i int, dir string) JavaOptions {
	host, port, i2cp := routerAddr(i)
	return JavaOptions{Jars: cfg.JavaI2P, Dir: dir, NetNS: ns, Host: host, Port: port, I2CPPort: i2cp,
		NetID: cfg.NetID, Floodfill: i-cfg.Routers < cfg.JavaFloodfills, Detach: cfg.Detach}
}

// startJavaRouter starts Java router i knowing every router of the
// network: their RouterInfos go into its netDb directory first.
func startJavaRouter(ns *NetNS, cfg RoutersConfig, i int, routers []*Router) (*Process, error) {
	dir := routers[i].Dir
	for _, r := range routers {
		if r != routers[i] {
			if _, err := netdb.Write(filepath.Join(dir, "netDb"), r.RouterInfo); err != nil {
				return nil, err
			}
		}
	}
	return StartJava(javaOptions(ns, cfg, i, dir))
}

// firstStart runs router i once, without a reseed, to make its identity.
func firstStart(ctx context.Context, ns *NetNS, cfg RoutersConfig, i int) (*Router, error) {
	rdir := filepath.Join(cfg.Dir, "routers", strconv.Itoa(i))
	if err := os.MkdirAll(rdir, 0o755); err != nil {
		return nil, err
	}
	host, port, _ := routerAddr(i)
	r := &Router{RouterState: RouterState{Addr: fmt.Sprintf("%s:%d", host, port), Dir: rdir, Impl: ImplI2PD,
		Floodfill: i < cfg.Floodfills}}
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var err error
	if i >= cfg.Routers {
		r.Impl, r.Floodfill = ImplJava, i-cfg.Routers < cfg.JavaFloodfills
		r.RouterInfo, err = InitJava(wctx, javaOptions(ns, cfg, i, rdir))
	} else {
		r.RouterInfo, err = firstStartI2PD(wctx, ns, cfg, i, rdir)
	}
	if err != nil {
		return nil, fmt.Errorf("testnet: router %d (%s): %w", i, r.Impl, err)
	}
	r.Hash = r.RouterInfo.Hash().String()
	return r, nil
}

func firstStartI2PD(ctx context.Context, ns *NetNS, cfg RoutersConfig, i int, rdir string) (*netdb.RouterInfo, error) {
	data := filepath.Join(rdir, "data")
	p, err := StartI2PD(cfg.I2PD, Options{NetNS: ns, Dir: rdir, DataDir: data, Args: append(routerArgs(cfg, i), "--reseed.file=/nonexistent/none.su3")})
	if err != nil {
		return nil, err
	}
	err = p.WaitFor(ctx, "Daemon: Starting Transports")
	p.Stop()
	if err != nil {
		return nil, err
	}
	return readRouterInfo(filepath.Join(data, "router.info"))
}

// firstStartJava runs a Java router until its router.info carries its
// NTCP2 address (it first writes one without).
// InitJava runs a Java router alone until it has written its RouterInfo
// with an NTCP2 address, then stops it; its identity and NTCP2 keys stay
// in opts.Dir for the next start. (On a first start Java may publish its
// RouterInfo before its NTCP2 address is in it, and then not again for a
// long while; a second start publishes the address at once.)
func InitJava(ctx context.Context, opts JavaOptions) (*netdb.RouterInfo, error) {
	p, err := StartJava(opts)
	if err != nil {
		return nil, err
	}
	defer p.Stop()
	for {
		if ri, err := readRouterInfo(filepath.Join(opts.Dir, "router.info")); err == nil {
			if _, _, ok := publishedNTCP2(ri); ok {
				return ri, nil
			}
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("no router.info with an NTCP2 address: %w (log %s)", ctx.Err(), p.LogFile)
		case <-p.exited:
			return nil, fmt.Errorf("java exited (%v): %s", p.err, p.Output())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// publishedNTCP2 returns the host and port of ri's published NTCP2 address.
func publishedNTCP2(ri *netdb.RouterInfo) (host, port string, ok bool) {
	for _, a := range ri.Addresses {
		h, _ := a.Options.Get("host")
		p, _ := a.Options.Get("port")
		if a.Transport == "NTCP2" && h != "" && p != "" {
			return h, p, true
		}
	}
	return "", "", false
}

func readRouterInfo(path string) (*netdb.RouterInfo, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return netdb.ParseRouterInfo(b)
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

func alive(pid int) bool { return pid > 0 && syscall.Kill(pid, 0) == nil }

func (st *State) save() error {
	b, _ := json.MarshalIndent(st, "", "  ")
	return atomicfile.WriteFile(filepath.Join(st.Dir, stateFile), b, 0o644)
}

// Load reads the state of the network kept in dir.
func Load(dir string) (*State, error) {
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if err != nil {
		return nil, fmt.Errorf("testnet: no network in %s: %w", dir, err)
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("testnet: %s: %w", stateFile, err)
	}
	return &st, nil
}

// stop ends the server and the routers (SIGTERM, SIGKILL after 10 s),
// checking each PID still runs what we started.
func (st *State) stop() {
	pids := []int{st.Server.PID}
	for _, r := range st.Routers {
		pids = append(pids, r.PID)
	}
	var wg sync.WaitGroup
	for _, pid := range pids {
		wg.Go(func() { terminate(pid) })
	}
	wg.Wait()
}

// ours reports whether pid runs i2pd, Java I2P or i2pseed.
func ours(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return err == nil && (bytes.Contains(b, []byte("i2pd")) || bytes.Contains(b, []byte("i2pseed")) ||
		bytes.Contains(b, []byte("net.i2p.router.RouterLaunch")))
}

// terminate stops pid if it runs one of ours: SIGTERM, SIGKILL after 10 s.
func terminate(pid int) {
	if !ours(pid) {
		return
	}
	syscall.Kill(pid, syscall.SIGTERM)
	for i := 0; i < 100 && alive(pid); i++ {
		time.Sleep(100 * time.Millisecond)
	}
	if alive(pid) {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// StopRouters stops k running routers that are not floodfills, taking
// i2pd and Java ones in turn (the last of each first), so that a liveness
// test has routers that are gone; StartStopped brings them back.
func (st *State) StopRouters(k int) ([]RouterState, error) {
	var byImpl [2][]int
	for i := len(st.Routers) - 1; i >= 0; i-- {
		if r := st.Routers[i]; !r.Floodfill && !r.Stopped {
			byImpl[boolInt(r.Impl == ImplJava)] = append(byImpl[boolInt(r.Impl == ImplJava)], i)
		}
	}
	var pick []int
	for j := 0; len(pick) < k && (len(byImpl[0]) > 0 || len(byImpl[1]) > 0); j++ {
		if l := &byImpl[j%2]; len(*l) > 0 {
			pick, *l = append(pick, (*l)[0]), (*l)[1:]
		}
	}
	if len(pick) < k {
		return nil, fmt.Errorf("testnet: %d running routers are not floodfills, cannot stop %d", len(pick), k)
	}
	var wg sync.WaitGroup
	var stopped []RouterState
	for _, i := range pick {
		pid := st.Routers[i].PID
		wg.Go(func() { terminate(pid) })
		st.Routers[i].Stopped, st.Routers[i].PID = true, 0
		stopped = append(stopped, st.Routers[i])
	}
	wg.Wait()
	return stopped, st.save()
}

func cmpOrServer(s, def *ServerState) *ServerState {
	if s != nil {
		return s
	}
	return def
}

// writeBundle signs ris as a reseed bundle at path.
func writeBundle(path string, ris []*netdb.RouterInfo, signer *su3.Signer) error {
	var entries []su3.Entry
	for _, ri := range ris {
		entries = append(entries, su3.Entry{Name: ri.Hash().FileName(), Data: ri.Bytes(), Modified: ri.PublishedTime()})
	}
	var z bytes.Buffer
	if err := su3.WriteBundle(&z, entries, time.Now()); err != nil {
		return err
	}
	b, err := su3.Sign(su3.Header{ContentType: su3.ContentReseed, Version: strconv.FormatInt(time.Now().Unix(), 10)}, z.Bytes(), signer)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, b, 0o644)
}

// NonFloodfills counts the running routers that are not floodfills.
func (st *State) NonFloodfills() int {
	n := 0
	for _, r := range st.Routers {
		if !r.Floodfill && !r.Stopped {
			n++
		}
	}
	return n
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// StartStopped starts the routers StopRouters stopped, with their
// identities and data, and returns once each listens.
func (st *State) StartStopped(ctx context.Context) ([]RouterState, error) {
	ns := &NetNS{Name: st.NetNS, Addr: "198.18.0.1"}
	cfg := st.Config
	var started []RouterState
	for i := range st.Routers {
		r := &st.Routers[i]
		if !r.Stopped {
			continue
		}
		var p *Process
		var err error
		if r.Impl == ImplJava {
			host, _, _ := routerAddr(i)
			ip := net.ParseIP(host).To4()
			h := &NetNS{Name: fmt.Sprintf("%s-h%d-%d", ns.Name, ip[2], ip[3]), Addr: host}
			p, err = StartJava(javaOptions(h, cfg, i, r.Dir))
		} else {
			args := append(routerArgs(cfg, i), "--certsdir="+filepath.Join(cfg.Dir, "certs"),
				"--reseed.file="+filepath.Join(cfg.Dir, "initial.su3"), "--reseed.verify=true")
			p, err = StartI2PD(cfg.I2PD, Options{NetNS: ns, Dir: r.Dir, DataDir: filepath.Join(r.Dir, "data"), Args: args, Detach: true})
		}
		if err != nil {
			return started, errors.Join(err, st.save())
		}
		wctx, cancel := context.WithTimeout(ctx, time.Minute)
		err = p.WaitFor(wctx, listening(r.Impl))
		cancel()
		r.PID, r.Stopped = p.PID(), false
		if err != nil {
			return started, errors.Join(fmt.Errorf("testnet: router %d: %w", i, err), st.save())
		}
		started = append(started, *r)
	}
	return started, st.save()
}

// Down stops the network kept in dir and deletes its namespace; the
// directory (logs, keys) stays.
func Down(dir string) error {
	st, err := Load(dir)
	if err != nil {
		return err
	}
	st.stop()
	var errs []error
	if _, err := os.Stat("/var/run/netns/" + st.NetNS); err == nil {
		errs = append(errs, (&NetNS{Name: st.NetNS}).Delete())
	}
	if err := os.Remove(filepath.Join(st.Dir, stateFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

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
	p, err := StartI2PD(i2pd, Options{NetNS: ns, Dir: dir, Args: []string{"--host=" + clientAddr, "--address4=" + clientAddr,
		"--port=18999", "--netid=" + st.netID().String(), "--ntcp2.enabled=true", "--ssu2.enabled=false",
		"--certsdir=" + st.Server.CertsDir, "--reseed.urls=" + srv.URL, "--reseed.verify=true"}})
	if err != nil {
		return nil, err
	}
	defer p.Stop()
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	err = p.WaitFor(wctx, "Daemon: Starting Transports")
	res := &BootstrapResult{Took: time.Since(start)}
	if err == nil && opts.Tunnels > 0 {
		res.Tunnels = waitTunnels(ctx, p, ImplI2PD, start, opts.Tunnels)
	}
	res.Log = p.Log()
	for _, line := range strings.Split(res.Log, "\n") {
		switch {
		case strings.Contains(line, "NetDb: RouterInfo added"):
			res.Added++
		case strings.Contains(line, "Reseed:") && (strings.Contains(line, "fail") || strings.Contains(line, "error")):
			res.Failures = append(res.Failures, line)
		}
	}
	return res, err
}

// netID is the network's netId (2 for a state written before it was kept).
func (st *State) netID() netdb.NetID {
	if st.NetID == 0 {
		return netdb.LiveNetID
	}
	return st.NetID
}

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
	// Java trusts the certificates below its base directory: reseed
	// signers by file name (signer ID, @ as _at_), TLS certificates all.
	for src, dst := range map[string]string{
		srv.SignerCert: filepath.Join(dir, "certificates", "reseed", filepath.Base(srv.SignerCert)),
		srv.TLSCert:    filepath.Join(dir, "certificates", "ssl", "testnet-server.crt"),
	} {
		b, err := os.ReadFile(src)
		if err != nil {
			return nil, fmt.Errorf("testnet: %w", err)
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return nil, fmt.Errorf("testnet: %w", err)
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			return nil, fmt.Errorf("testnet: %w", err)
		}
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
		ris, err := st.fetchBundle(ctx, srv)
		if err != nil {
			return nil, err
		}
		for _, ri := range ris {
			if _, err := netdb.Write(filepath.Join(dir, "netDb"), ri); err != nil {
				return nil, err
			}
		}
		res.Added, res.Took = len(ris), time.Since(start)
		config = nil // reseed stays off, as StartJava sets it
	}
	p, err := StartJava(JavaOptions{Jars: jars, Dir: dir, NetNS: host, Host: javaClientAddr, Port: 18998, I2CPPort: 17998,
		NetID: st.netID(), Config: config})
	if err != nil {
		return nil, err
	}
	defer p.Stop()
	wrapperLog := filepath.Join(dir, "wrapper.log") // Java's System.out: its reseed reports
	output := func() string {
		b, _ := os.ReadFile(wrapperLog)
		return string(b) + p.Output()
	}
	for !opts.Preload {
		out := output()
		if n, ok := javaReseeded(out); ok {
			res.Added, res.Took = n, time.Since(start)
			break
		}
		if strings.Contains(out, "Reseed failed") || strings.Contains(out, "No valid reseed URLs") {
			res.Took = time.Since(start)
			break
		}
		select {
		case <-ctx.Done():
			return &BootstrapResult{Log: p.Log() + "\n" + out}, fmt.Errorf("testnet: Java did not reseed: %w", ctx.Err())
		case <-p.exited:
			return &BootstrapResult{Log: out}, fmt.Errorf("testnet: java exited (%v)", p.err)
		case <-time.After(200 * time.Millisecond):
		}
	}
	if opts.Tunnels > 0 && res.Added > 0 {
		res.Tunnels = waitTunnels(ctx, p, ImplJava, start, opts.Tunnels)
	}
	out := output()
	for _, line := range strings.Split(out, "\n") {
		if javaReseedFailure(line) {
			res.Failures = append(res.Failures, line)
		}
	}
	res.Log = out + "\n" + p.Log()
	return res, nil
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
