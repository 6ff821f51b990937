package testnet

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// ErrNoTor is a host without tor and tor-gencert (apt-get install tor).
var ErrNoTor = errors.New("testnet: needs tor and tor-gencert (apt-get install tor)")

// A TorNetwork is a private Tor network inside a namespace, built as
// chutney's hs-v3 networks are: directory authorities (keys made by
// tor-gencert, named by DirAuthority lines, which replace the public
// authorities), relays that are guards, HSDirs, intro and rendezvous
// points, a client with a SocksPort and a tor with a ControlPort for an
// onion service; every tor with TestingTorNetwork 1 and short voting
// intervals, on its own 198.18.1.x address on the namespace's lo. The
// namespace has no route out: no tor here can reach the Tor network.
type TorNetwork struct {
	NS  *NetNS
	Dir string
	// Socks is the client's SocksPort, Control the ControlPort of the
	// tor that publishes onion services (cookie authentication; its
	// cookie file is named by PROTOCOLINFO).
	Socks, Control string
	// Client and Service are those two tors, for their logs.
	Client, Service *Process
	procs           []*Process
}

// TorConfig says what to build.
type TorConfig struct {
	Dir         string // every tor's DataDirectory and torrc below it
	Authorities int    // 0 means 3
	Relays      int    // besides the authorities, which relay too; 0 means 4
}

// torAddr is the address of the nth tor of a kind: authorities
// 198.18.1.1-, relays 198.18.1.11-, the client .20 and the service .21.
func torAddr(base, n int) string { return fmt.Sprintf("198.18.1.%d", base+n) }

const (
	torORPort   = 5000
	torDirPort  = 7000
	torSocks    = 9050
	torControl  = 9051
	torAuthBase = 1
	torRelay    = 11
	torClient   = 20
	torService  = 21
)

// StartTorNetwork builds and starts a private Tor network in ns. It
// returns once every tor runs; WaitBootstrapped waits for the client and
// the service tor to have a consensus and circuits.
func StartTorNetwork(ctx context.Context, ns *NetNS, c TorConfig) (_ *TorNetwork, err error) {
	for _, p := range []string{"tor", "tor-gencert"} {
		if _, err := exec.LookPath(p); err != nil {
			return nil, ErrNoTor
		}
	}
	if c.Authorities == 0 {
		c.Authorities = 3
	}
	if c.Relays == 0 {
		c.Relays = 4
	}
	n := &TorNetwork{NS: ns, Dir: c.Dir,
		Socks:   fmt.Sprintf("%s:%d", torAddr(torClient, 0), torSocks),
		Control: fmt.Sprintf("%s:%d", torAddr(torService, 0), torControl)}
	defer func() {
		if err != nil {
			n.Stop()
		}
	}()
	var dirAuths []string
	for i := range c.Authorities {
		line, err := n.authorityKeys(ctx, i)
		if err != nil {
			return nil, err
		}
		dirAuths = append(dirAuths, line)
	}
	var nodes []torNode
	for i := range c.Authorities {
		nodes = append(nodes, torNode{name: fmt.Sprintf("auth%d", i), addr: torAddr(torAuthBase, i), authority: true, relay: true})
	}
	for i := range c.Relays {
		nodes = append(nodes, torNode{name: fmt.Sprintf("relay%d", i), addr: torAddr(torRelay, i), relay: true})
	}
	nodes = append(nodes, torNode{name: "client", addr: torAddr(torClient, 0), socks: true},
		torNode{name: "service", addr: torAddr(torService, 0), control: true})
	for _, nd := range nodes {
		p, err := n.start(nd, dirAuths)
		if err != nil {
			return nil, err
		}
		switch nd.name {
		case "client":
			n.Client = p
		case "service":
			n.Service = p
		}
	}
	return n, nil
}

// A torNode is one tor of the network.
type torNode struct {
	name, addr                       string
	authority, relay, socks, control bool
}

// authorityKeys makes the ith authority's v3 keys and relay identity
// and returns its DirAuthority line.
func (n *TorNetwork) authorityKeys(ctx context.Context, i int) (string, error) {
	name, addr := fmt.Sprintf("auth%d", i), torAddr(torAuthBase, i)
	dir := filepath.Join(n.Dir, name)
	keys := filepath.Join(dir, "keys")
	if err := os.MkdirAll(keys, 0o700); err != nil {
		return "", err
	}
	if err := n.NS.AddAddr(addr); err != nil && !alreadyAssigned(err) {
		return "", err
	}
	gencert := exec.CommandContext(ctx, "tor-gencert", "--create-identity-key", "--passphrase-fd", "0", "-m", "12",
		"-a", fmt.Sprintf("%s:%d", addr, torDirPort),
		"-i", filepath.Join(keys, "authority_identity_key"), "-s", filepath.Join(keys, "authority_signing_key"),
		"-c", filepath.Join(keys, "authority_certificate"))
	gencert.Stdin = strings.NewReader("\n")
	if out, err := gencert.CombinedOutput(); err != nil {
		return "", fmt.Errorf("testnet: tor-gencert: %v: %s", err, out)
	}
	cert, err := os.ReadFile(filepath.Join(keys, "authority_certificate"))
	if err != nil {
		return "", err
	}
	v3ident := certField(string(cert), "fingerprint")
	list := n.NS.Command("tor", "--list-fingerprint", "--DataDirectory", dir, "--Nickname", name,
		"--ORPort", "1", "--DirAuthority", "x 127.0.0.1:1 "+strings.Repeat("F", 40), "--Log", "err stderr")
	if out, err := list.CombinedOutput(); err != nil {
		return "", fmt.Errorf("testnet: tor --list-fingerprint: %v: %s", err, out)
	}
	fp, err := os.ReadFile(filepath.Join(dir, "fingerprint"))
	if err != nil {
		return "", err
	}
	f := strings.Fields(string(fp))
	if v3ident == "" || len(f) != 2 {
		return "", fmt.Errorf("testnet: %s: no v3 identity or fingerprint", name)
	}
	return fmt.Sprintf("%s orport=%d no-v2 v3ident=%s %s:%d %s", name, torORPort, v3ident, addr, torDirPort, f[1]), nil
}

// certField is the value of a "key value" line of an authority
// certificate.
func certField(cert, key string) string {
	for l := range strings.SplitSeq(cert, "\n") {
		if v, ok := strings.CutPrefix(l, key+" "); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// torrc is nd's configuration.
func (n *TorNetwork) torrc(nd torNode, dir string, dirAuths []string) string {
	var b strings.Builder
	line := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	line("TestingTorNetwork 1")
	line("DataDirectory %s", dir)
	line("Nickname %s", nd.name)
	line("Log notice file %s", filepath.Join(dir, "notice.log"))
	line("SafeLogging 0")
	line("ShutdownWaitLength 0")
	line("AssumeReachable 1")
	line("PathsNeededToBuildCircuits 0.25")
	line("TestingDirAuthVoteExit *")
	line("TestingDirAuthVoteHSDir *")
	line("TestingDirAuthVoteGuard *")
	line("V3AuthNIntervalsValid 2")
	line("Address %s", nd.addr)
	line("OutboundBindAddress %s", nd.addr)
	for _, a := range dirAuths {
		line("DirAuthority %s", a)
	}
	if nd.relay {
		line("ORPort %s:%d", nd.addr, torORPort)
		line("DirPort %s:%d", nd.addr, torDirPort)
		line("ExitRelay 0")
		line("ExitPolicy reject *:*")
		line("ContactInfo %s@test.invalid", nd.name)
	}
	if nd.authority {
		line("AuthoritativeDirectory 1")
		line("V3AuthoritativeDirectory 1")
		line("TestingV3AuthInitialVotingInterval 10")
		line("TestingV3AuthInitialVoteDelay 2")
		line("TestingV3AuthInitialDistDelay 2")
		line("V3AuthVotingInterval 10")
		line("V3AuthVoteDelay 2")
		line("V3AuthDistDelay 2")
	}
	if nd.socks {
		line("SocksPort %s:%d", nd.addr, torSocks)
		line("SocksPolicy accept *")
	} else {
		line("SocksPort 0")
	}
	if nd.control {
		line("ControlPort %s:%d", nd.addr, torControl)
		line("CookieAuthentication 1")
	}
	return b.String()
}

// start writes nd's torrc and starts it.
func (n *TorNetwork) start(nd torNode, dirAuths []string) (*Process, error) {
	dir := filepath.Join(n.Dir, nd.name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if err := n.NS.AddAddr(nd.addr); err != nil && !alreadyAssigned(err) {
		return nil, err
	}
	torrc := filepath.Join(dir, "torrc")
	if err := os.WriteFile(torrc, []byte(n.torrc(nd, dir, dirAuths)), 0o600); err != nil {
		return nil, err
	}
	log := filepath.Join(dir, "notice.log")
	if err := keepLog(log); err != nil {
		return nil, err
	}
	p, err := startProcess(n.NS.Command("tor", "-f", torrc), dir, dir, log, false)
	if err != nil {
		return nil, err
	}
	n.procs = append(n.procs, p)
	return p, nil
}

// WaitBootstrapped waits until the client and the service tor log
// "Bootstrapped 100%".
func (n *TorNetwork) WaitBootstrapped(ctx context.Context) error {
	for _, p := range []*Process{n.Client, n.Service} {
		if err := p.WaitFor(ctx, "Bootstrapped 100%"); err != nil {
			return err
		}
	}
	return nil
}

// Stop stops every tor.
func (n *TorNetwork) Stop() {
	for _, p := range n.procs {
		p.Stop()
	}
}

// StartTorNetworkTimed is StartTorNetwork then WaitBootstrapped, with the
// time bootstrapping took.
func StartTorNetworkTimed(ctx context.Context, ns *NetNS, c TorConfig) (*TorNetwork, time.Duration, error) {
	start := time.Now()
	n, err := StartTorNetwork(ctx, ns, c)
	if err != nil {
		return nil, 0, err
	}
	if err := n.WaitBootstrapped(ctx); err != nil {
		n.Stop()
		return nil, 0, err
	}
	return n, time.Since(start), nil
}

// StartLoneTor starts one tor in ns with DisableNetwork 1 (it makes no
// connection but to its ControlPort, and names a DirAuthority that does
// not exist, never the public ones): enough to authenticate and add
// onion services, which it accepts without publishing them. Cookie
// authentication, and password as HashedControlPassword when not "".
// It returns once the ControlPort listens, at ns.Addr:9051; a
// ControlSocket listens at dir/ctl/control too.
func StartLoneTor(ctx context.Context, ns *NetNS, dir, password string) (*Process, string, error) {
	if _, err := exec.LookPath("tor"); err != nil {
		return nil, "", ErrNoTor
	}
	control := fmt.Sprintf("%s:%d", ns.Addr, torControl)
	torrc := fmt.Sprintf("DataDirectory %s\nDisableNetwork 1\nSocksPort 0\nControlPort %s\nControlSocket %s\nCookieAuthentication 1\n"+
		"Log notice file %s\nDirAuthority none orport=5000 no-v2 v3ident=%s 127.0.0.2:7000 %s\n",
		dir, control, filepath.Join(dir, "ctl", "control"), filepath.Join(dir, "notice.log"), strings.Repeat("0", 40), strings.Repeat("0", 40))
	if password != "" {
		out, err := exec.CommandContext(ctx, "tor", "--quiet", "--hash-password", password).Output()
		if err != nil {
			return nil, "", fmt.Errorf("testnet: tor --hash-password: %w", err)
		}
		torrc += "HashedControlPassword " + strings.TrimSpace(string(out)) + "\n"
	}
	if err := os.MkdirAll(filepath.Join(dir, "ctl"), 0o700); err != nil {
		return nil, "", err
	}
	if err := errors.Join(os.Chmod(dir, 0o700), os.Chmod(filepath.Join(dir, "ctl"), 0o700)); err != nil {
		return nil, "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "torrc"), []byte(torrc), 0o600); err != nil {
		return nil, "", err
	}
	p, err := startProcess(ns.Command("tor", "-f", filepath.Join(dir, "torrc")), dir, dir, filepath.Join(dir, "notice.log"), false)
	if err != nil {
		return nil, "", err
	}
	if err := p.WaitFor(ctx, "Opened Control listener"); err != nil {
		p.Stop()
		return nil, "", err
	}
	return p, control, nil
}

// A JavaReseed is one reseed of a fresh Java I2P router (netId 2).
type JavaReseed struct {
	Jars string // the directory of its router.jar and i2p.jar
	Dir  string // its base directory
	Addr string // its address, on a host of its own linked to the namespace; "" is 198.18.1.200
	// Server is what it reseeds from: URL, SignerCert and TLSCert (both
	// trusted).
	Server *ServerState
	Config map[string]string // router.config entries on top (a reseed proxy, say)
}

// ReseedJava starts the Java router of r in ns, waits until its reseed
// is over, stops the router and reports.
func ReseedJava(ctx context.Context, ns *NetNS, r JavaReseed) (*BootstrapResult, error) {
	if err := trustServer(r.Dir, r.Server); err != nil {
		return nil, err
	}
	addr := cmp.Or(r.Addr, javaClientAddr)
	host, err := ns.NewHost(addr)
	if err != nil {
		return nil, err
	}
	defer host.Delete()
	cfg := map[string]string{"router.reseedDisable": "false", "i2p.reseedURL": r.Server.URL}
	maps.Copy(cfg, r.Config)
	start := time.Now()
	p, err := StartJava(JavaOptions{Jars: r.Jars, Dir: r.Dir, NetNS: host, Host: addr, Port: 18998, I2CPPort: 17998,
		NetID: 2, Config: cfg})
	if err != nil {
		return nil, err
	}
	defer p.Stop()
	j := &javaClient{p: p, wrapperLog: filepath.Join(r.Dir, "wrapper.log"), start: start}
	res := &BootstrapResult{}
	if failed, err := j.waitReseed(ctx, res); err != nil {
		return failed, err
	}
	j.report(res)
	return res, nil
}
