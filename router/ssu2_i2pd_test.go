package router

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/internal/i2pdtest"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/router/i2np"
	"github.com/i2pseed/i2pseed/router/ssu2"
	"github.com/i2pseed/i2pseed/router/transport"
	"github.com/i2pseed/i2pseed/testnet"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// startSSU2OnlyI2PD runs an i2pd floodfill in a new namespace that
// publishes SSU2 and no NTCP2, and returns its RouterInfo.
func startSSU2OnlyI2PD(t *testing.T) (*i2pdtest.NetNS, *i2pdtest.Process, *netdb.RouterInfo) {
	t.Helper()
	i2pd := i2pdtest.Require(t)
	ns := i2pdtest.NewNetNS(t)
	p := i2pdtest.Start(t, i2pd, i2pdtest.Options{NetNS: ns, Args: []string{
		"--host=" + ns.Addr, "--port=18821", "--ntcp2.enabled=false", "--ssu2.enabled=true",
		"--ssu2.published=true", "--floodfill", "--reseed.file=/nonexistent/none.su3"}})
	p.WaitFor(t, "Daemon: Transports started")
	b, err := os.ReadFile(filepath.Join(p.DataDir, "router.info"))
	if err != nil {
		t.Fatal(err)
	}
	ri, err := netdb.ParseRouterInfo(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(ri.NTCP2Addresses()) != 0 {
		t.Fatalf("i2pd publishes NTCP2: %+v", ri.Addresses)
	}
	return ns, p, ri
}

// ssu2Out is id's SSU2 transport on network netID, its sockets in ns on the namespace's
// address, each wrapped by wrap (nil: none). (From a second address on
// the namespace's lo, i2pd 2.45.1 answered no TokenRequest.)
func ssu2Out(t *testing.T, id *Identity, ns *i2pdtest.NetNS, netID netdb.NetID, wrap func(net.PacketConn) net.PacketConn) *ssu2.Transport {
	t.Helper()
	var keys ssu2.RouterKeys
	if err := keys.UnmarshalBinary(id.TransportKeys("SSU2")); err != nil {
		t.Fatal(err)
	}
	listen := func(context.Context, netip.AddrPort) (net.PacketConn, error) {
		var c net.PacketConn
		err := ns.Do(func() (err error) {
			c, err = net.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP(ns.Addr)})
			return err
		})
		if err == nil && wrap != nil {
			c = wrap(c)
		}
		return c, err
	}
	return ssu2.NewTransport(ssu2.TransportConfig{Keys: keys, NetID: netID, ListenUDP: listen})
}

// lossyConn drops every nth datagram it sends and every nth it receives.
type lossyConn struct {
	net.PacketConn
	n                     int
	mu                    sync.Mutex
	sent, received, drops int
}

func (c *lossyConn) drop(count *int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	*count++
	if *count%c.n == 0 {
		c.drops++
		return true
	}
	return false
}

// counts is how many datagrams were dropped, of how many sent and received
// (the session's goroutine may still be reading).
func (c *lossyConn) counts() (drops, all int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.drops, c.sent + c.received
}

func (c *lossyConn) WriteTo(b []byte, a net.Addr) (int, error) {
	if c.drop(&c.sent) {
		return len(b), nil
	}
	return c.PacketConn.WriteTo(b, a)
}

func (c *lossyConn) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		n, a, err := c.PacketConn.ReadFrom(b)
		if err != nil || !c.drop(&c.received) {
			return n, a, err
		}
	}
}

// countingConn counts the I2NP messages a session received, by type.
type countingConn struct {
	transport.Conn
	mu   sync.Mutex
	got  map[i2np.Type]int
	seen []string
}

// counted is a copy of got (Receive may run on another goroutine).
func (c *countingConn) counted() map[i2np.Type]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.got)
}

func (c *countingConn) Receive(deadline time.Time) (transport.Received, error) {
	r, err := c.Conn.Receive(deadline)
	if err == nil && r.Message != nil {
		c.mu.Lock()
		c.got[r.Message.Type]++
		c.mu.Unlock()
	}
	return r, err
}

// TestRouterHarvestsSSU2OnlyI2PD: an i2pd floodfill that publishes only
// SSU2 is dialled over SSU2, with no datagram lost and with every fifth
// lost each way: a DatabaseLookup for it is answered by a DatabaseStore,
// lookups for random keys by DatabaseSearchReplies, our DatabaseStore by
// a DeliveryStatus; the session ends with our Termination. Then a Router
// harvests it and its liveness says SSU2 confirmed it. i2pd's log names
// no ban, block or throttle.
func TestRouterHarvestsSSU2OnlyI2PD(t *testing.T) {
	ns, p, ff := startSSU2OnlyI2PD(t)
	// A router of its own for each part: i2pd answered a lookup sent
	// right after our previous session with it ended over that session.
	ids := []*Identity{newIdentity(t), newIdentity(t), newIdentity(t), newIdentity(t)}
	t.Cleanup(func() { auditI2PDLog(t, p, ns.Addr, ids[0].Hash(), ids[1].Hash(), ids[2].Hash(), ids[3].Hash()) })
	for i, loss := range []int{0, 5} {
		name := "no loss"
		if loss > 0 {
			name = "1 in 5 lost"
		}
		t.Run(name, func(t *testing.T) { ssu2Lookups(t, ns, ids[i], ff, loss) })
	}
	t.Run("router", func(t *testing.T) { ssu2Router(t, ns, ids[2], ff) })
	t.Run("probe", func(t *testing.T) { ssu2Probe(t, ns, ids[3], ff) })
}

// ssu2Probe probes ff, which publishes only SSU2, and checks the liveness
// says SSU2 confirmed it, the peer having ended nothing.
func ssu2Probe(t *testing.T, ns *i2pdtest.NetNS, id *Identity, ff *netdb.RouterInfo) {
	live, store, es := probeFixture(t, ff)
	r, err := New(Config{Identity: id, NetID: 2, Store: store, Liveness: live,
		Transports: []transport.Transport{ssu2Out(t, id, ns, 2, nil)}})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r.probe(context.Background(), es[0])
	took := time.Since(start)
	p, _ := live.Get(ff.Hash())
	if !p.Reachable() || p.Transport != "SSU2" {
		t.Fatalf("liveness after the probe: %+v", p)
	}
	if n := testutil.ToFloat64(r.m.probes.WithLabelValues(OutcomeOK.String(), "SSU2")); n != 1 {
		t.Errorf("%v probes counted ok over SSU2, want 1", n)
	}
	t.Logf("probe over SSU2 in %v (2 s of it reading)", took.Round(time.Millisecond))
}

// ssu2Lookups runs one session with ff over SSU2, losing every loss-th
// datagram each way (0: none), and checks the answers.
func ssu2Lookups(t *testing.T, ns *i2pdtest.NetNS, id *Identity, ff *netdb.RouterInfo, loss int) {
	var lossy *lossyConn
	wrap := func(c net.PacketConn) net.PacketConn { return c }
	if loss > 0 {
		wrap = func(c net.PacketConn) net.PacketConn { lossy = &lossyConn{PacketConn: c, n: loss}; return lossy }
	}
	r, err := New(Config{Identity: id, NetID: 2, Store: testStore(t, t.TempDir()), Transports: []transport.Transport{ssu2Out(t, id, ns, 2, wrap)}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := time.Now()
	c, via, err := r.dial(ctx, ff, r.RouterInfo())
	if err != nil || via != "SSU2" {
		t.Fatalf("dial over %q: %v", via, err)
	}
	t.Logf("SSU2 session with i2pd in %v", time.Since(start).Round(time.Millisecond))
	conn := &countingConn{Conn: c, got: map[i2np.Type]int{}}
	if err := lookupOwn(conn, r.Hash(), ff); err != nil {
		conn.Close(transport.ReasonNormal)
		if lossy != nil {
			drops, all := lossy.counts()
			t.Logf("dropped %d of %d datagrams sent and received", drops, all)
		}
		got := conn.counted()
		t.Fatalf("lookup of i2pd's RouterInfo (received %v): %v", got, err)
	}
	acked := false
	err = Harvest(ctx, conn, HarvestConfig{Self: r.Hash(), Publish: r.RouterInfo(), Published: func() { acked = true },
		Interval: 100 * time.Millisecond, Budget: 100, Lookups: 6})
	if cerr := conn.Close(transport.ReasonNormal); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	got := conn.counted()
	if got[i2np.TypeDatabaseStore] == 0 || got[i2np.TypeDatabaseSearchReply] == 0 || !acked {
		t.Errorf("received %v, our store acknowledged %v; want DatabaseStore, DatabaseSearchReply, DeliveryStatus", got, acked)
	}
	if lossy != nil {
		drops, all := lossy.counts()
		t.Logf("dropped %d of %d datagrams sent and received; received %v", drops, all, got)
		if drops == 0 {
			t.Error("nothing was lost")
		}
	}
}

// lookupOwn looks up ff's own RouterInfo and waits (15 s) for the
// DatabaseStore that answers.
func lookupOwn(c transport.Conn, self netdb.Hash, ff *netdb.RouterInfo) error {
	l := i2np.DatabaseLookup{Key: ff.Hash(), From: self, Flags: i2np.LookupRouterInfo}
	body, err := l.AppendBinary(nil)
	if err != nil {
		return err
	}
	if err := c.SendI2NP(i2np.Message{Type: i2np.TypeDatabaseLookup, ID: 77, Expiration: time.Now().Add(time.Minute), Body: body}); err != nil {
		return err
	}
	until := time.Now().Add(15 * time.Second)
	for {
		r, err := c.Receive(until)
		if err != nil {
			return err
		}
		if m := r.Message; m != nil && m.Type == i2np.TypeDatabaseStore {
			if ds, err := i2np.ParseDatabaseStore(m.Body); err == nil && netdb.Hash(ds.Key) == ff.Hash() && verified(ds.RouterInfo, ff.Hash()) != nil {
				return nil
			}
		}
	}
}

// ssu2Router runs a Router seeded with ff until it harvested it over SSU2
// and its liveness says SSU2 confirmed it.
func ssu2Router(t *testing.T, ns *i2pdtest.NetNS, id *Identity, ff *netdb.RouterInfo) {
	live, err := netdb.OpenLiveness(filepath.Join(t.TempDir(), "liveness.json"))
	if err != nil {
		t.Fatal(err)
	}
	refuse := func(context.Context, string) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("no NTCP2 here")}
	}
	store := testStore(t, t.TempDir())
	r, err := New(Config{Identity: id, NetID: 2, Store: store, Warmup: -1, Liveness: live,
		Probe:      ProbeConfig{Every: 200 * time.Millisecond, Timeout: 10 * time.Second},
		Transports: append(ntcp2Out(t, id, refuse), ssu2Out(t, id, ns, 2, nil)),
		Seeds:      func(context.Context) ([]*netdb.RouterInfo, error) { return []*netdb.RouterInfo{ff}, nil },
		Harvest:    HarvestConfig{Interval: 200 * time.Millisecond, Budget: 100, Lookups: 4},
		Logger:     slog.New(slog.NewTextHandler(t.Output(), nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	confirmed := func() bool {
		p, ok := live.Get(ff.Hash())
		return ok && p.Reachable() && p.Transport == "SSU2" && r.Stats().Sessions > 0 && store.Has(ff.Hash())
	}
	for !confirmed() && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	p, _ := live.Get(ff.Hash())
	if !confirmed() {
		t.Fatalf("after 60 s: liveness %+v, stats %+v", p, r.Stats())
	}
	t.Logf("liveness %+v, stats %+v", p, r.Stats())
}

// banWords are what a router's log says when it bans, blocks or
// throttles a peer.
var banWords = regexp.MustCompile(`(?i)\bban(ned|ning|s)?\b|banlist|\bblock(ed|ing|list)|throttl`)

// auditI2PDLog fails t with every line of p's logs that bans, blocks or
// throttles (testnet.AuditLogs's rules, then any line with those words).
func auditI2PDLog(t *testing.T, p *i2pdtest.Process, addr string, ours ...netdb.Hash) {
	t.Helper()
	a, err := testnet.AuditLogs(p.Dir, testnet.Ours{Addrs: []string{addr}, Hashes: ours})
	if err == nil {
		err = a.Err()
	}
	if err != nil {
		t.Error(err)
	}
	for _, line := range strings.Split(p.Log(), "\n") {
		if banWords.MatchString(line) {
			t.Errorf("i2pd: %s", line)
		}
	}
}

// TestRouterAlternatesTransportsI2PD: an i2pd that publishes NTCP2 and
// SSU2 is probed over NTCP2 first (Config order), then over SSU2 (the one
// that did not confirm it last), then NTCP2 again; each probe confirms
// it, and liveness names the transport.
func TestRouterAlternatesTransportsI2PD(t *testing.T) {
	i2pd := i2pdtest.Require(t)
	ns := i2pdtest.NewNetNS(t)
	p := i2pdtest.Start(t, i2pd, i2pdtest.Options{NetNS: ns, Args: []string{
		"--host=" + ns.Addr, "--port=18822", "--ntcp2.enabled=true", "--ntcp2.published=true", "--ssu2.enabled=true",
		"--ssu2.published=true", "--floodfill", "--reseed.file=/nonexistent/none.su3"}})
	p.WaitFor(t, "Daemon: Transports started")
	b, err := os.ReadFile(filepath.Join(p.DataDir, "router.info"))
	if err != nil {
		t.Fatal(err)
	}
	ff, err := netdb.ParseRouterInfo(b)
	if err != nil {
		t.Fatal(err)
	}
	id := newIdentity(t)
	t.Cleanup(func() { auditI2PDLog(t, p, ns.Addr, id.Hash()) })
	live, store, es := probeFixture(t, ff)
	dial := func(ctx context.Context, addr string) (net.Conn, error) { return ns.Dial(addr) }
	r, err := New(Config{Identity: id, NetID: 2, Store: store, Liveness: live,
		Transports: append(ntcp2Out(t, id, dial), ssu2Out(t, id, ns, 2, nil))})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for range 3 {
		r.probe(context.Background(), es[0])
		p, _ := live.Get(ff.Hash())
		if !p.Reachable() {
			t.Fatalf("after probes over %v: %+v", got, p)
		}
		got = append(got, p.Transport)
	}
	if strings.Join(got, " ") != "NTCP2 SSU2 NTCP2" {
		t.Errorf("probes confirmed it over %v, want NTCP2, SSU2, NTCP2", got)
	}
}

// probeFixture is an empty liveness and a store holding only ff, and its
// entry, for a probe of ff.
func probeFixture(t *testing.T, ff *netdb.RouterInfo) (*netdb.Liveness, *netdb.Store, []*netdb.Entry) {
	t.Helper()
	live, err := netdb.OpenLiveness(filepath.Join(t.TempDir(), "liveness.json"))
	if err != nil {
		t.Fatal(err)
	}
	store := testStore(t, t.TempDir())
	if _, err := store.Put(ff); err != nil {
		t.Fatal(err)
	}
	es, err := store.Entries(context.Background())
	if err != nil || len(es) != 1 {
		t.Fatalf("store: %d entries, %v", len(es), err)
	}
	return live, store, es
}
