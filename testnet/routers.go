package testnet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/su3"
)

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
	// SyncStart makes the i2pd routers of a network without Java listen at
	// once (startBarrier), so none is hidden by a dial that came too early.
	SyncStart bool
	// Yggdrasil: the first Yggdrasil i2pd routers also publish an NTCP2
	// address on the Yggdrasil mesh (see YggdrasilRouterAddr).
	Yggdrasil int `json:",omitempty"`
	// SSU2: every router also publishes SSU2 on its host and port (UDP):
	// i2pd's ssu2.published, Java's i2np.udp.
	SSU2 bool `json:",omitempty"`
	// Args, if set, are extra options of i2pd router i (e.g. its SAM
	// bridge or HTTP proxy turned on), given from its second start on.
	Args func(i int) []string `json:"-"`
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
	hosts, err := routerHosts(ns, cfg)
	if err != nil {
		return nil, err
	}
	routers, err := firstStarts(ctx, hosts, cfg)
	if err != nil {
		return nil, err
	}
	if err := initialBundle(cfg, routers); err != nil {
		return nil, err
	}
	reseed := filepath.Join(cfg.Dir, "initial.su3")
	if cfg.SyncStart && cfg.Routers > 1 && cfg.Java == 0 {
		b, err := newStartBarrier(ns, reseed, cfg.Routers)
		if err != nil {
			return nil, err
		}
		defer b.Close()
		reseed = b.url
	}
	for i, r := range routers {
		p, err := startRouter(hosts[i], ns, cfg, i, routers, reseed)
		if err != nil {
			return routers[:i], err
		}
		r.Process, r.PID = p, p.PID()
	}
	return routers, waitListening(ctx, routers)
}

// routerHosts puts each router's address on ns, or for a Java router
// (which cannot bind its outgoing connections) on a host of its own, and
// returns the namespace each runs in.
func routerHosts(ns *NetNS, cfg RoutersConfig) ([]*NetNS, error) {
	hosts := make([]*NetNS, cfg.Routers+cfg.Java)
	for i := range hosts {
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
		} else if err := addYggdrasil(ns, cfg, i); err != nil {
			return nil, err
		}
	}
	return hosts, nil
}

// firstStarts runs firstStart of every router at once.
func firstStarts(ctx context.Context, hosts []*NetNS, cfg RoutersConfig) ([]*Router, error) {
	routers := make([]*Router, len(hosts))
	errs := make([]error, len(hosts))
	var wg sync.WaitGroup
	for i := range hosts {
		wg.Go(func() { routers[i], errs[i] = firstStart(ctx, hosts[i], cfg, i) })
	}
	wg.Wait()
	return routers, errors.Join(errs...)
}

// initialBundle makes the certificates directory trusting cfg's signer
// and the bundle of every router's RouterInfo that reseeds the i2pd ones.
func initialBundle(cfg RoutersConfig, routers []*Router) error {
	if err := CertsDir(filepath.Join(cfg.Dir, "certs"), cfg.SignerCert); err != nil {
		return err
	}
	ris := make([]*netdb.RouterInfo, len(routers))
	for i, r := range routers {
		ris[i] = r.RouterInfo
	}
	return writeBundle(filepath.Join(cfg.Dir, "initial.su3"), ris, cfg.Signer)
}

// startRouter starts router i of routers, which has made its identity:
// a Java one in host, knowing every router; an i2pd one in ns, reseeded
// from the initial bundle.
func startRouter(host, ns *NetNS, cfg RoutersConfig, i int, routers []*Router, reseed string) (*Process, error) {
	r := routers[i]
	if r.Impl == ImplJava {
		return startJavaRouter(host, cfg, i, routers)
	}
	return startI2PDRouter(ns, cfg, i, r.Dir, reseed, cfg.Detach)
}

// waitListening waits (at most a minute each) until every router listens.
func waitListening(ctx context.Context, routers []*Router) error {
	errs := make([]error, len(routers))
	var wg sync.WaitGroup
	for i, r := range routers {
		wg.Go(func() {
			wctx, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			errs[i] = r.Process.WaitFor(wctx, listening(r.Impl))
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// listening is what a router logs once its NTCP2 transport listens.
func listening(impl string) string {
	if impl == ImplJava {
		return javaListening
	}
	return transportsUp
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

// StopRouters stops k running routers that are not floodfills, taking
// i2pd and Java ones in turn (the last of each first), so that a liveness
// test has routers that are gone; StartStopped brings them back.
func (st *State) StopRouters(k int) ([]RouterState, error) {
	pick := st.pickStop(k)
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

// pickStop picks up to k running routers that are not floodfills, i2pd
// and Java in turn, the last of each first.
func (st *State) pickStop(k int) []int {
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
	return pick
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
	var started []RouterState
	for i := range st.Routers {
		if !st.Routers[i].Stopped {
			continue
		}
		if err := st.restart(ctx, i); err != nil {
			return started, errors.Join(err, st.save())
		}
		started = append(started, st.Routers[i])
	}
	return started, st.save()
}

// restart starts stopped router i again and waits (at most a minute)
// until it listens.
func (st *State) restart(ctx context.Context, i int) error {
	ns := &NetNS{Name: st.NetNS, Addr: "198.18.0.1"}
	r := &st.Routers[i]
	var p *Process
	var err error
	if r.Impl == ImplJava {
		host, _, _ := routerAddr(i)
		p, err = StartJava(javaOptions(ns.hostOf(host), st.Config, i, r.Dir))
	} else {
		p, err = startI2PDRouter(ns, st.Config, i, r.Dir, filepath.Join(st.Config.Dir, "initial.su3"), true)
	}
	if err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	err = p.WaitFor(wctx, listening(r.Impl))
	cancel()
	r.PID, r.Stopped = p.PID(), false
	if err != nil {
		return fmt.Errorf("testnet: router %d: %w", i, err)
	}
	return nil
}

func readRouterInfo(path string) (*netdb.RouterInfo, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return netdb.ParseRouterInfo(b)
}
