package router

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/router/i2np"
	"github.com/i2pseed/i2pseed/router/ntcp2"
	"github.com/i2pseed/i2pseed/router/transport"
	"github.com/i2pseed/i2pseed/router/transport/transporttest"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// serveFloodfill answers, as floodfill ff, the sessions routers open to
// it on tr until tr is closed: it acknowledges a DatabaseStore that asks,
// answers a lookup of a RouterInfo it holds with a DatabaseStore, and any
// other with a search reply listing every router it holds.
func serveFloodfill(tr transport.Transport, ff netdb.Hash, holds []*netdb.RouterInfo) {
	for {
		in, err := tr.Accept()
		if err != nil {
			return
		}
		go func() {
			conn, _, err := in.Handshake(context.Background())
			if err != nil {
				return
			}
			defer conn.Close(transport.ReasonNormal)
			for {
				r, err := conn.Receive(time.Now().Add(time.Minute))
				if err != nil {
					return
				}
				if r.Message == nil {
					continue
				}
				if m, ok := floodfillAnswer(*r.Message, ff, holds); ok {
					conn.SendI2NP(m)
				}
			}
		}()
	}
}

// floodfillAnswer is serveFloodfill's reply to m.
func floodfillAnswer(m i2np.Message, ff netdb.Hash, holds []*netdb.RouterInfo) (i2np.Message, bool) {
	reply := i2np.Message{ID: m.ID, Expiration: time.Now().Add(time.Minute)}
	switch m.Type {
	case i2np.TypeDatabaseStore:
		ds, err := i2np.ParseDatabaseStore(m.Body)
		if err != nil || ds.ReplyToken == 0 {
			return reply, false
		}
		reply.Type = i2np.TypeDeliveryStatus
		reply.Body, _ = i2np.DeliveryStatus{MsgID: ds.ReplyToken, Timestamp: time.Now()}.AppendBinary(nil)
	case i2np.TypeDatabaseLookup:
		key := m.Body[:32] // then From, flags, no exclusions
		for _, ri := range holds {
			if h := ri.Hash(); bytes.Equal(h[:], key) {
				reply.Type = i2np.TypeDatabaseStore
				reply.Body, _ = (&i2np.DatabaseStore{Key: h, RouterInfo: ri.Bytes()}).AppendBinary(nil)
				return reply, true
			}
		}
		// DatabaseSearchReply: key, count, hashes, from.
		reply.Type = i2np.TypeDatabaseSearchReply
		reply.Body = append(append([]byte(nil), key...), byte(len(holds)))
		for _, ri := range holds {
			h := ri.Hash()
			reply.Body = append(reply.Body, h[:]...)
		}
		reply.Body = append(reply.Body, ff[:]...)
	default:
		return reply, false
	}
	return reply, true
}

// memFloodfill is a floodfill RouterInfo of id whose one reachable
// address is tr's; its NTCP2 address is unpublished (no host: NTCP2 cannot
// dial it, but it makes the RouterInfo one routers store).
func memFloodfill(t *testing.T, id *Identity, tr transport.Transport) *netdb.RouterInfo {
	t.Helper()
	return floodfillOf(t, id, append(ntcp2Address(t, id, netip.AddrPort{}), tr.Address()))
}

// TestHarvestOverInjectedTransport: a router given NTCP2 and a second
// transport (in memory) harvests a floodfill only the second reaches: it
// publishes both addresses, in order, and takes every router the floodfill
// holds.
func TestHarvestOverInjectedTransport(t *testing.T) {
	network := transporttest.NewNetwork()
	ffID, _ := LoadOrCreateIdentity(t.TempDir())
	ffT := network.Transport(ffID.Hash(), true)
	defer ffT.Close()
	ff := memFloodfill(t, ffID, ffT)
	holds, err := netdb.Synth(12, netdb.SynthConfig{NetID: 2, Now: time.Now(), MaxAge: time.Hour, Seed: 21})
	if err != nil {
		t.Fatal(err)
	}
	go serveFloodfill(ffT, ff.Hash(), holds)

	id, _ := LoadOrCreateIdentity(t.TempDir())
	refuse := func(context.Context, string) (net.Conn, error) { // NTCP2 reaches no one here
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	}
	mem := network.Transport(id.Hash(), false)
	store := testStore(t, t.TempDir())
	r, err := New(Config{Identity: id, NetID: 2, Store: store, Warmup: -1,
		Transports: append(ntcp2Out(t, id, refuse), mem),
		Seeds:      func(context.Context) ([]*netdb.RouterInfo, error) { return []*netdb.RouterInfo{ff}, nil },
		Harvest:    HarvestConfig{Interval: 10 * time.Millisecond, Budget: 1000, Idle: 40}})
	if err != nil {
		t.Fatal(err)
	}
	if as := r.RouterInfo().Addresses; len(as) != 2 || as[0].Transport != "NTCP2" || as[1].Transport != transporttest.Style {
		t.Errorf("our RouterInfo publishes %v, want NTCP2 then %s", as, transporttest.Style)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	all := func() bool {
		for _, ri := range holds {
			if !store.Has(ri.Hash()) {
				return false
			}
		}
		return r.Stats().PublishAcks > 0
	}
	for !all() && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !all() {
		t.Fatalf("after 30 s: stats %+v, store holds %d of %d", r.Stats(), store.Len(), len(holds)+1)
	}
	if mem.Dials() == 0 || r.Stats().Sessions == 0 {
		t.Errorf("%d dials over the second transport, %d sessions", mem.Dials(), r.Stats().Sessions)
	}
}

// TestRouterAcceptsInbound: a router whose NTCP2 transport listens takes
// a session a peer opens to its published address, stores the peer's
// RouterInfo and what it pushes, and counts it.
func TestRouterAcceptsInbound(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	id, _ := LoadOrCreateIdentity(t.TempDir())
	pub := ln.Addr().(*net.TCPAddr).AddrPort()
	bob := ntcp2.NewTransport(ntcp2.TransportConfig{Keys: ntcp2Keys(t, id), NetID: 2, Self: id.Hash(), Listener: ln, Published: pub})
	store := testStore(t, t.TempDir())
	unreachable := fakeFloodfill(t, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9}) // keeps Run going
	r, err := New(Config{Identity: id, NetID: 2, Store: store, Transports: []transport.Transport{bob},
		Seeds: func(context.Context) ([]*netdb.RouterInfo, error) { return []*netdb.RouterInfo{unreachable}, nil }})
	if err != nil {
		t.Fatal(err)
	}
	if caps := r.RouterInfo().Option("caps"); caps != capsPublished {
		t.Errorf("caps %q, want %q", caps, capsPublished)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()

	sess, aliceRI, pushed := pushInbound(ctx, t, r.RouterInfo())
	deadline := time.Now().Add(10 * time.Second)
	stored := func() bool { return store.Has(aliceRI.Hash()) && store.Has(pushed.Hash()) }
	for !stored() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if st := r.Status(); st.Inbound != 1 || !stored() {
		t.Errorf("status %+v; stored Alice and what she pushed: %v", st, stored())
	}
	sess.Close(transport.ReasonNormal)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if listens(pub.String()) {
		t.Error("the listener is still open after Run returned")
	}
}

// pushInbound opens a session, as a new router, to bob and pushes a
// RouterInfo (a DatabaseStore); it returns the session, its RouterInfo and
// the one pushed.
func pushInbound(ctx context.Context, t *testing.T, bob *netdb.RouterInfo) (transport.Conn, *netdb.RouterInfo, *netdb.RouterInfo) {
	t.Helper()
	aliceID, _ := LoadOrCreateIdentity(t.TempDir())
	alice := ntcp2.NewTransport(ntcp2.TransportConfig{Keys: ntcp2Keys(t, aliceID), NetID: 2, Self: aliceID.Hash()})
	aliceRI, err := aliceID.RouterInfo(time.Now(), 2, []netdb.RouterAddress{alice.Address()})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := alice.Dial(ctx, bob, aliceRI)
	if err != nil {
		t.Fatal(err)
	}
	pushed, err := netdb.Synth(1, netdb.SynthConfig{NetID: 2, Now: time.Now(), MaxAge: time.Hour, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	m, err := storeOwn(pushed[0], time.Now())
	if err == nil {
		err = sess.SendI2NP(m)
	}
	if err != nil {
		t.Fatal(err)
	}
	return sess, aliceRI, pushed[0]
}

// TestProbeAfterInbound: no probe dials a router while its inbound
// session is open; when that session ends, the router is probed at once
// if due, not at the probe loop's next turn (here an hour away). Alice
// publishes no address, so the probe fails as "dial" over no transport:
// what matters is that it ran.
func TestProbeAfterInbound(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	id, _ := LoadOrCreateIdentity(t.TempDir())
	bob := ntcp2.NewTransport(ntcp2.TransportConfig{Keys: ntcp2Keys(t, id), NetID: 2, Self: id.Hash(), Listener: ln,
		Published: ln.Addr().(*net.TCPAddr).AddrPort()})
	live, err := netdb.OpenLiveness(filepath.Join(t.TempDir(), "liveness.json"))
	if err != nil {
		t.Fatal(err)
	}
	unreachable := fakeFloodfill(t, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9}) // keeps Run going
	r, err := New(Config{Identity: id, NetID: 2, Store: testStore(t, t.TempDir()), Transports: []transport.Transport{bob},
		Liveness: live, Probe: ProbeConfig{Every: time.Hour, Timeout: 2 * time.Second},
		Seeds: func(context.Context) ([]*netdb.RouterInfo, error) { return []*netdb.RouterInfo{unreachable}, nil }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	defer func() { cancel(); <-done }()

	sess, aliceRI, _ := pushInbound(ctx, t, r.RouterInfo())
	time.Sleep(500 * time.Millisecond)
	if _, ok := live.Get(aliceRI.Hash()); ok {
		t.Fatal("Alice was probed while her inbound session was open")
	}
	sess.Close(transport.ReasonNormal)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if p, ok := live.Get(aliceRI.Hash()); ok {
			if p.Failures != 1 || p.Outcome != OutcomeDial.String() {
				t.Errorf("Alice's probe: %+v, want one failure, dial", p)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Alice was not probed within 10 s of her inbound session's end")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := testutil.ToFloat64(counter(t, r, "i2pseed_router_probes_total", "dial", "none")); n != 1 {
		t.Errorf("metrics count %v probes dial/none, want 1", n)
	}
}
