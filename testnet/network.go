package testnet

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/i2pseed/i2pseed/certs"
	"github.com/i2pseed/i2pseed/internal/atomicfile"
	"github.com/i2pseed/i2pseed/netdb"
)

// Addresses inside the namespace.
const (
	ServerAddr     = "198.18.0.2" // our reseed server and router
	ServerPort     = 8443
	RouterNTCP2    = 18899 // our router's inbound NTCP2 port
	firstRouter    = 10    // router i listens on 198.18.0.(10+i):(18800+i)
	firstPort      = 18800
	firstI2CPPort  = 17600          // a Java router's I2CP port, on its own address
	clientAddr     = "198.18.0.200" // fresh i2pd clients (Bootstrap)
	javaClientAddr = "198.18.1.200" // fresh Java clients (BootstrapJava), a host of its own
	stateFile      = "testnet.json"
	signerID       = "testnet@mail.i2p"
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
	// Yggdrasil: the first Yggdrasil i2pd routers also publish an address
	// on the Yggdrasil mesh (YggdrasilRouterAddr), and the server serves
	// its yggdrasil channel on YggdrasilServer, so that its harvest and
	// its mesh bundles have mesh routers. The mesh is simulated: the
	// addresses are on the namespace's lo, no yggdrasil daemon runs.
	Yggdrasil int
	// SSU2: every router publishes SSU2 besides NTCP2, on the same host
	// and port number (UDP); our server's router then dials some over it.
	// Off, they publish NTCP2 only.
	SSU2 bool
	// SyncStart: the i2pd routers of a network without Java start
	// listening at once (RoutersConfig.SyncStart), so that none is left out
	// of the floodfills' replies by a dial that came before it listened.
	SyncStart bool
	Log       io.Writer // progress lines; nil discards
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
	if cfg, err = cfg.withDefaults(); err != nil {
		return nil, err
	}
	dir, err := newNetworkDir(cfg.Dir)
	if err != nil {
		return nil, err
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
	if err := st.up(ctx, ns, cfg); err != nil {
		return nil, err
	}
	return st, nil
}

// withDefaults checks cfg's router counts and fills in its floodfills.
func (cfg Config) withDefaults() (Config, error) {
	if n := cfg.Routers + cfg.Java; n < 2 || n > 100 || cfg.Routers < 0 || cfg.Java < 0 {
		return cfg, fmt.Errorf("testnet: %d i2pd and %d Java routers: want 2-100 in all", cfg.Routers, cfg.Java)
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
		return cfg, errors.New("testnet: the network needs a floodfill")
	}
	return cfg, nil
}

// newNetworkDir makes dir, absolute, for a network; none may be up in it.
func newNetworkDir(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if _, err := Load(dir); err == nil {
		return "", fmt.Errorf("testnet: a network is already up in %s (testnet down first)", dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("testnet: %w", err)
	}
	return dir, nil
}

// up starts the routers in ns, then our server seeded with their
// floodfills.
func (st *State) up(ctx context.Context, ns *NetNS, cfg Config) error {
	for _, a := range []string{ServerAddr, clientAddr, "198.18.0.201"} {
		if err := ns.AddAddr(a); err != nil {
			return err
		}
	}
	if cfg.Yggdrasil > 0 {
		if err := ns.addAddr6(yggdrasilServerAddr); err != nil {
			return err
		}
	}
	logLine(cfg.Log, "starting %d i2pd routers (%d floodfill) and %d Java I2P routers (%d floodfill) in network namespace %s",
		cfg.Routers, cfg.Floodfills, cfg.Java, cfg.JavaFloodfills, ns.Name)
	signer, err := testSigner(filepath.Join(st.Dir, "server", "keys"))
	if err != nil {
		return err
	}
	signerCert := filepath.Join(st.Dir, "server", "keys", certs.CertFileName(signerID))
	st.Config = RoutersConfig{Dir: st.Dir, Routers: cfg.Routers, Floodfills: cfg.Floodfills,
		Java: cfg.Java, JavaFloodfills: cfg.JavaFloodfills, I2PD: cfg.I2PD, JavaI2P: cfg.JavaI2P, NetID: NetID,
		Signer: signer, SignerCert: signerCert, Detach: true, Yggdrasil: min(cfg.Yggdrasil, cfg.Routers), SSU2: cfg.SSU2,
		SyncStart: cfg.SyncStart}
	routers, err := StartRouters(ctx, ns, st.Config)
	for _, r := range routers {
		st.Routers = append(st.Routers, r.RouterState)
	}
	if err != nil {
		return err
	}
	seeds, err := writeSeeds(filepath.Join(st.Dir, "seeds"), routers)
	if err != nil {
		return err
	}
	return st.startServer(ctx, ns, cfg, seeds)
}

// writeSeeds writes the floodfills' RouterInfos into a netDb directory
// dir, our server's --seed.
func writeSeeds(dir string, routers []*Router) (string, error) {
	os.MkdirAll(dir, 0o755)
	for _, r := range routers {
		if r.Floodfill {
			if _, err := netdb.Write(dir, r.RouterInfo); err != nil {
				return "", err
			}
		}
	}
	return dir, nil
}

// netID is the network's netId (2 for a state written before it was kept).
func (st *State) netID() netdb.NetID {
	if st.NetID == 0 {
		return netdb.LiveNetID
	}
	return st.NetID
}

// Floodfills counts the network's floodfills, running or stopped.
func (st *State) Floodfills() int {
	n := 0
	for _, r := range st.Routers {
		if r.Floodfill {
			n++
		}
	}
	return n
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

func alive(pid int) bool { return pid > 0 && syscall.Kill(pid, 0) == nil }

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

func logLine(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format+"\n", args...)
	}
}

func cmpOr(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}
