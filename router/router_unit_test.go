package router

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"slices"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/router/i2np"
	"github.com/i2pseed/i2pseed/router/ntcp2"
	"github.com/i2pseed/i2pseed/router/transport"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// testStore opens the netDb store in dir.
func testStore(t *testing.T, dir string) *netdb.Store {
	t.Helper()
	s, err := netdb.OpenStore(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestClassify(t *testing.T) {
	dialErr := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	for _, c := range []struct {
		err       error
		handshake Outcome
		session   Outcome
	}{
		{nil, OutcomeOK, OutcomeOK},
		{fmt.Errorf("%w: %w: %w", ntcp2.ErrHandshake, ntcp2.ErrNoMessage2, io.EOF), OutcomeNoMessage2, OutcomeSilentClose},
		{fmt.Errorf("%w: %w: %w", ntcp2.ErrHandshake, ntcp2.ErrNoMessage2, io.ErrUnexpectedEOF), OutcomeNoMessage2, OutcomeSilentClose},
		{fmt.Errorf("%w: %w: %w", ntcp2.ErrHandshake, ntcp2.ErrNoMessage2, os.ErrDeadlineExceeded), OutcomeNoMessage2, OutcomeTimeout},
		{fmt.Errorf("%w: %w: %w", ntcp2.ErrHandshake, ntcp2.ErrNoMessage3, io.EOF), OutcomeNoMessage3, OutcomeSilentClose},
		{fmt.Errorf("%w: %w: %w", ntcp2.ErrHandshake, ntcp2.ErrNoMessage1, io.EOF), OutcomeNoMessage1, OutcomeSilentClose},
		{fmt.Errorf("x: %w", syscall.ECONNRESET), OutcomeOther, OutcomeSilentClose},
		{fmt.Errorf("%w: %w: x", ntcp2.ErrHandshake, ntcp2.ErrDecrypt), OutcomeDecrypt, OutcomeOther},
		{fmt.Errorf("%w: %w 2m", ntcp2.ErrHandshake, ntcp2.ErrClockSkew), OutcomeClockSkew, OutcomeOther},
		{os.ErrDeadlineExceeded, OutcomeTimeout, OutcomeTimeout},
		{context.Canceled, OutcomeCanceled, OutcomeCanceled},
		{dialErr, OutcomeDial, OutcomeOther},
		{&transport.Terminated{Reason: transport.Reason(2)}, OutcomeOther, OutcomeTerminated},
		{fmt.Errorf("%w: tag", ntcp2.ErrFrame), OutcomeOther, OutcomeDecrypt},
		{errors.New("odd"), OutcomeOther, OutcomeOther},
	} {
		if got := classifyHandshake(c.err); got != c.handshake {
			t.Errorf("handshake %v: %v, want %v", c.err, got, c.handshake)
		}
		if got := classifySession(c.err); got != c.session {
			t.Errorf("session %v: %v, want %v", c.err, got, c.session)
		}
	}
	if s := Outcome(200).String(); s != "Outcome(200)" {
		t.Error(s)
	}
}

// ntcp2Keys are id's NTCP2 keys.
func ntcp2Keys(t testing.TB, id *Identity) ntcp2.RouterKeys {
	t.Helper()
	var k ntcp2.RouterKeys
	if err := k.UnmarshalBinary(id.TransportKeys("NTCP2")); err != nil {
		t.Fatal(err)
	}
	return k
}

// ntcp2Out is an outbound-only NTCP2 transport for id, dialling with dial
// (nil: the default dialer).
func ntcp2Out(t testing.TB, id *Identity, dial func(context.Context, string) (net.Conn, error)) []transport.Transport {
	t.Helper()
	return []transport.Transport{ntcp2.NewTransport(ntcp2.TransportConfig{Keys: ntcp2Keys(t, id), NetID: 2, Self: id.Hash(), DialTCP: dial})}
}

// ntcp2Address is id's NTCP2 address, published at ap (invalid:
// unpublished).
func ntcp2Address(t testing.TB, id *Identity, ap netip.AddrPort) []netdb.RouterAddress {
	t.Helper()
	k := ntcp2Keys(t, id)
	return []netdb.RouterAddress{k.Address(ap)}
}

// fakeFloodfill is a floodfill RouterInfo whose NTCP2 address is addr.
func fakeFloodfill(t *testing.T, addr *net.TCPAddr) *netdb.RouterInfo {
	t.Helper()
	id, err := LoadOrCreateIdentity(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return floodfillOf(t, id, ntcp2Address(t, id, addr.AddrPort()))
}

// floodfillOf is id's floodfill RouterInfo (caps XfR, netId 2) with addrs.
func floodfillOf(t *testing.T, id *Identity, addrs []netdb.RouterAddress) *netdb.RouterInfo {
	t.Helper()
	ri, err := id.RouterInfo(time.Now(), 2, addrs)
	if err != nil {
		t.Fatal(err)
	}
	ri.Options = netdb.Mapping{{Key: "caps", Value: "XfR"}, {Key: "netId", Value: "2"}, {Key: "router.version", Value: Version}}
	if err := ri.SignEd25519(id.SigningKey); err != nil {
		t.Fatal(err)
	}
	return ri
}

// TestRouterBacksOff: a floodfill that hangs up before message 2 is
// classified, counted and not asked again within the back-off.
func TestRouterBacksOff(t *testing.T) {
	ln, accepted := hangUpAfterMessage1(t)
	ff := fakeFloodfill(t, ln.Addr().(*net.TCPAddr))
	id, _ := LoadOrCreateIdentity(t.TempDir())
	r, err := New(Config{Identity: id, NetID: 2, Store: testStore(t, t.TempDir()), Warmup: -1, Transports: ntcp2Out(t, id, nil),
		Seeds: func(context.Context) ([]*netdb.RouterInfo, error) { return []*netdb.RouterInfo{ff}, nil }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- r.Run(ctx) }()
	for r.Stats().HandshakeFailures == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(2500 * time.Millisecond) // two polls of the scheduler
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	ln.Close()
	if n := accepted.Load(); n != 1 {
		t.Errorf("floodfill contacted %d times, want once (then back off)", n)
	}
	checkBackedOff(t, r, ff.Hash())
}

// hangUpAfterMessage1 listens on 127.0.0.1 as a floodfill that reads
// message 1 and hangs up, counting the connections.
func hangUpAfterMessage1(t *testing.T) (net.Listener, *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var accepted atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			io.ReadFull(c, make([]byte, 64)) // message 1, then hang up
			c.Close()
		}
	}()
	return ln, &accepted
}

// checkBackedOff checks r after one failed handshake with floodfill ff.
func checkBackedOff(t *testing.T, r *Router, ff netdb.Hash) {
	t.Helper()
	if n := testutil.ToFloat64(r.m.handshakes.WithLabelValues("outbound", "no_message_2")); n != 1 {
		t.Errorf("no_message_2 handshakes: %v, want 1", n)
	}
	r.mu.Lock()
	p := r.peers[ff]
	r.mu.Unlock()
	if p == nil || p.failures != 1 || p.last != OutcomeNoMessage2 || time.Until(p.next) < 50*time.Second {
		t.Errorf("peer state %+v, want 1 failure backed off for a minute", p)
	}
	if st := r.Stats(); st.Harvested != 1 || st.Sessions != 0 {
		t.Errorf("stats %+v", st)
	}
	// Status: the floodfill known and stored, no session open; the
	// sessions gauge exists at 0 though no session ever opened.
	if st := r.Status(); st.Floodfills != 1 || st.Stored != 1 || st.Outbound != 0 || st.Inbound != 0 || st.HandshakeFailures != 1 {
		t.Errorf("status %+v, want 1 floodfill, 1 stored, no sessions, 1 failed handshake", st)
	}
	if n := testutil.CollectAndCount(r.m.sessions, "i2pseed_router_sessions"); n != 2 {
		t.Errorf("%d i2pseed_router_sessions series, want outbound and inbound at 0", n)
	}
}

// TestRouterExpires: RouterInfos published longer than MaxAge ago leave
// the store at start; fresh ones stay and are known.
func TestRouterExpires(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	ris, err := netdb.Synth(40, netdb.SynthConfig{Now: now, MaxAge: 96 * time.Hour, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	store := t.TempDir()
	old := writeAll(t, store, ris, now.Add(-48*time.Hour))
	if old == 0 || old == len(ris) {
		t.Fatalf("%d of %d synthetic RouterInfos are old; want a mix", old, len(ris))
	}
	id, _ := LoadOrCreateIdentity(t.TempDir())
	r, err := New(Config{Identity: id, NetID: 2, Store: testStore(t, store), MaxAge: 48 * time.Hour, Now: func() time.Time { return now },
		Transports: ntcp2Out(t, id, nil)})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.expire(context.Background()); err != nil {
		t.Fatal(err)
	}
	idx, err := netdb.Scan(context.Background(), store, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(idx.Entries) != len(ris)-old || r.Stats().Expired != old {
		t.Errorf("store holds %d, expired %d; want %d and %d", len(idx.Entries), r.Stats().Expired, len(ris)-old, old)
	}
	for _, ri := range ris {
		fresh := now.Sub(ri.PublishedTime()) <= 48*time.Hour
		if _, ok := idx.Entries[ri.Hash()]; ok != fresh || r.known(ri.Hash()) != fresh {
			t.Errorf("%s (age %v): in store %v, known %v", ri.Hash(), now.Sub(ri.PublishedTime()), ok, r.known(ri.Hash()))
		}
	}
	checkStoredPeers(t, r, ris, now.Add(-48*time.Hour))
}

// writeAll writes ris into the netDb dir and returns how many were
// published before cutoff.
func writeAll(t *testing.T, dir string, ris []*netdb.RouterInfo, cutoff time.Time) (old int) {
	t.Helper()
	for _, ri := range ris {
		if _, err := netdb.Write(dir, ri); err != nil {
			t.Fatal(err)
		}
		if ri.PublishedTime().Before(cutoff) {
			old++
		}
	}
	return old
}

// checkStoredPeers: a stored RouterInfo (of ris, those published after
// cutoff) offered again is not new; floodfills in the store (with an
// NTCP2 address) became peers without being harvested.
func checkStoredPeers(t *testing.T, r *Router, ris []*netdb.RouterInfo, cutoff time.Time) {
	t.Helper()
	peers := 0
	for _, ri := range ris {
		if ri.PublishedTime().Before(cutoff) {
			continue
		}
		if r.found(ri) {
			t.Errorf("%s, already stored, was taken again", ri.Hash())
		}
		if _, _, ok := ntcp2.PeerFromRouterInfo(ri); ok && ri.Floodfill() {
			peers++
		}
	}
	if peers == 0 || r.floodfills() != peers {
		t.Errorf("%d floodfills known after loading the store, want %d (> 0)", r.floodfills(), peers)
	}
}

// TestRouterResigns: our RouterInfo is signed at start and again each
// Republish interval, keeping the same identity.
func TestRouterResigns(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Now().UnixMilli()) // the fake floodfill is published now: not in the future
	id, _ := LoadOrCreateIdentity(t.TempDir())
	ff := fakeFloodfill(t, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9}) // nothing listens: dial fails, backs off
	r, err := New(Config{Identity: id, NetID: 2, Store: testStore(t, t.TempDir()), Republish: 50 * time.Millisecond, Transports: ntcp2Out(t, id, nil),
		Seeds: func(context.Context) ([]*netdb.RouterInfo, error) { return []*netdb.RouterInfo{ff}, nil },
		Now:   func() time.Time { return time.UnixMilli(clock.Load()) }})
	if err != nil {
		t.Fatal(err)
	}
	first := r.RouterInfo()
	if first.Verify() != nil || first.Hash() != id.Hash() || first.Option("netId") != "2" {
		t.Fatal("bad first RouterInfo")
	}
	clock.Add(30 * 60 * 1000)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- r.Run(ctx) }()
	for r.RouterInfo() == first {
		select {
		case err := <-done:
			t.Fatalf("Run returned early: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	<-done
	next := r.RouterInfo()
	if next.Verify() != nil || next.Hash() != id.Hash() || next.Published != first.Published+30*60*1000 {
		t.Errorf("re-signed RouterInfo: published %d, first %d", next.Published, first.Published)
	}
}

// TestRouterNeedsAFloodfill: with nothing to start from, Run says so.
func TestRouterNeedsAFloodfill(t *testing.T) {
	id, _ := LoadOrCreateIdentity(t.TempDir())
	for name, seeds := range map[string]func(context.Context) ([]*netdb.RouterInfo, error){
		"no seeds":      nil,
		"seeds fail":    func(context.Context) ([]*netdb.RouterInfo, error) { return nil, errors.New("offline") },
		"no floodfills": func(context.Context) ([]*netdb.RouterInfo, error) { return nil, nil },
	} {
		r, err := New(Config{Identity: id, NetID: 2, Store: testStore(t, t.TempDir()), Seeds: seeds, Transports: ntcp2Out(t, id, nil)})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Run(context.Background()); !errors.Is(err, ErrNoFloodfills) {
			t.Errorf("%s: %v, want ErrNoFloodfills", name, err)
		}
	}
}

// TestPick: at most Sessions floodfills are busy at once; never-tried
// ones go first, then the longest waiting; resting ones wait.
func TestPick(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	id, _ := LoadOrCreateIdentity(t.TempDir())
	r, err := New(Config{Identity: id, NetID: 2, Store: testStore(t, t.TempDir()), Sessions: 3, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(b byte, next time.Time, busy bool) *peer {
		p := &peer{next: next, busy: busy, pace: &Pace{}}
		r.peers[netdb.Hash{b}] = p
		return p
	}
	cold := mk(6, time.Time{}, false) // its RouterInfo is too new: it may be starting
	cold.pace.NotBefore = now.Add(time.Minute)
	spent := mk(7, time.Time{}, false) // its lookup budget is used up
	for i := range lookupBudget {
		spent.pace.Sent(now.Add(time.Duration(i-lookupBudget) * time.Second))
	}
	busy := mk(1, time.Time{}, true)
	fresh := mk(2, time.Time{}, false)
	waitedLong := mk(3, now.Add(-time.Hour), false)
	mk(4, now.Add(-time.Minute), false)
	resting := mk(5, now.Add(time.Minute), false)
	probed := mk(8, time.Time{}, false) // a probe (or its inbound session) is open with it
	r.connected[netdb.Hash{8}] = 1
	got := r.pick()
	if len(got) != 2 || got[0] != fresh || got[1] != waitedLong {
		t.Fatalf("picked %d peers, want the never-tried one then the longest waiting (one slot is busy)", len(got))
	}
	if !fresh.busy || !waitedLong.busy || !busy.busy || resting.busy || cold.busy || spent.busy || probed.busy {
		t.Error("busy marks wrong")
	}
	if more := r.pick(); len(more) != 0 {
		t.Errorf("picked %d more with every session slot taken", len(more))
	}
}

func TestBenignTermination(t *testing.T) {
	for reason, want := range map[byte]bool{0: true, 1: true, 2: true, 3: true, 4: false, 7: false, 17: false} {
		if got := benignTermination(fmt.Errorf("x: %w", &transport.Terminated{Reason: transport.Reason(reason)})); got != want {
			t.Errorf("reason %d: benign %v, want %v", reason, got, want)
		}
	}
	if benignTermination(io.EOF) {
		t.Error("EOF is no termination")
	}
}

// TestRefresher: the oldest RouterInfos past the age go first, each once
// an hour; fresh ones and our own never.
func TestRefresher(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	at := func(h netdb.Hash, age time.Duration) *netdb.Entry {
		return &netdb.Entry{Hash: h, PublishedMs: uint64(now.Add(-age).UnixMilli())}
	}
	self := netdb.Hash{9}
	entries := []*netdb.Entry{at(netdb.Hash{1}, 13*time.Hour), at(netdb.Hash{2}, 20*time.Hour), at(netdb.Hash{3}, time.Hour), at(self, 30*time.Hour)}
	var f refresher
	f.rebuild(entries, self, now, 12*time.Hour)
	var got []netdb.Hash
	for h, ok := f.next(now); ok; h, ok = f.next(now) {
		got = append(got, h)
	}
	if want := []netdb.Hash{{2}, {1}}; !slices.Equal(got, want) {
		t.Errorf("refreshed %v, want %v", got, want)
	}
	f.rebuild(entries, self, now.Add(30*time.Minute), 12*time.Hour)
	if h, ok := f.next(now); ok {
		t.Errorf("%v asked again within the hour", h)
	}
	f.rebuild(entries, self, now.Add(61*time.Minute), 12*time.Hour)
	if h, ok := f.next(now); !ok || h != (netdb.Hash{2}) {
		t.Errorf("after an hour: %v %v, want the oldest again", h, ok)
	}
}

// TestInboundUses: what keeps an inbound session open is what we take
// from it; tunnel builds and garlic (i2pd 2.45.1 sends them though our
// caps say G) do not, so such a session ends and the router can be probed.
func TestInboundUses(t *testing.T) {
	msg := func(ty i2np.Type) transport.Received { return transport.Received{Message: &i2np.Message{Type: ty}} }
	for _, tc := range []struct {
		rcv  transport.Received
		want bool
	}{
		{transport.Received{RouterInfo: []byte{1}}, true},
		{msg(i2np.TypeDatabaseStore), true},
		{msg(i2np.TypeDatabaseSearchReply), true},
		{msg(i2np.TypeShortTunnelBuild), false},
		{msg(i2np.TypeVariableTunnelBuild), false},
		{msg(i2np.TypeGarlic), false},
		{msg(i2np.TypeDatabaseLookup), false},
		{msg(i2np.TypeTunnelData), false},
		{transport.Received{}, false},
	} {
		if got := uses(tc.rcv); got != tc.want {
			name := "RouterInfo block"
			if tc.rcv.Message != nil {
				name = tc.rcv.Message.Type.String()
			}
			t.Errorf("uses(%s) = %v, want %v", name, got, tc.want)
		}
	}
}
