package ssu2

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/internal/i2pbase64"
	"github.com/i2pseed/i2pseed/internal/i2pdtest"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/router/i2np"
	"github.com/i2pseed/i2pseed/router/transport"
)

var update = flag.Bool("update", false, "record the transcripts in testdata against the real routers")

// startI2PD runs one i2pd in a new namespace with only SSU2, published on
// port, and returns its SSU2 peer.
func startI2PD(t *testing.T, port string) (*i2pdtest.NetNS, *i2pdtest.Process, Peer) {
	t.Helper()
	i2pd := i2pdtest.Require(t)
	ns := i2pdtest.NewNetNS(t)
	p := i2pdtest.Start(t, i2pd, i2pdtest.Options{NetNS: ns, LogLevel: "debug", Args: []string{
		"--host=" + ns.Addr, "--port=" + port, "--ntcp2.enabled=false", "--ssu2.enabled=true",
		"--ssu2.published=true", "--floodfill", "--reseed.file=/nonexistent/none.su3"}})
	p.WaitFor(t, "Daemon: Transports started")
	riBytes, err := os.ReadFile(filepath.Join(p.DataDir, "router.info"))
	if err != nil {
		t.Fatal(err)
	}
	ri, err := netdb.ParseRouterInfo(riBytes)
	if err != nil {
		t.Fatal(err)
	}
	peer, ok := PeerFromRouterInfo(ri)
	if !ok {
		t.Fatalf("no published SSU2 address in i2pd's RouterInfo: %+v", ri.Addresses)
	}
	return ns, p, peer
}

// listenUDP opens a UDP socket on the namespace's address.
func listenUDP(t *testing.T, ns *i2pdtest.NetNS) *net.UDPConn {
	t.Helper()
	var c *net.UDPConn
	err := ns.Do(func() (err error) {
		c, err = net.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP(ns.Addr)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// recordingConn keeps every datagram sent and received.
type recordingConn struct {
	net.PacketConn
	sent, received [][]byte
}

func (r *recordingConn) WriteTo(b []byte, a net.Addr) (int, error) {
	if len(r.sent) == 0 || !bytes.Equal(r.sent[len(r.sent)-1], b) { // resends once
		r.sent = append(r.sent, append([]byte(nil), b...))
	}
	return r.PacketConn.WriteTo(b, a)
}

func (r *recordingConn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, a, err := r.PacketConn.ReadFrom(b)
	if err == nil {
		r.received = append(r.received, append([]byte(nil), b[:n]...))
	}
	return n, a, err
}

// recordingRand keeps the randomness it hands out.
type recordingRand struct{ b []byte }

func (r *recordingRand) Read(p []byte) (int, error) {
	n, err := rand.Read(p)
	r.b = append(r.b, p[:n]...)
	return n, err
}

func i2pdVersion(t *testing.T) string {
	bin := os.Getenv("I2PD")
	if bin == "" {
		bin = "i2pd"
	}
	out, _ := exec.Command(bin, "--version").Output()
	for _, f := range strings.Fields(string(out)) {
		if strings.Count(f, ".") == 2 && f[0] >= '0' && f[0] <= '9' {
			return f
		}
	}
	t.Fatalf("no version in i2pd --version: %q", out)
	return ""
}

// TestProbeI2PD: a TokenRequest to a real i2pd's published SSU2 address,
// keyed with its intro key, is answered with a Retry holding a token;
// one keyed with another intro key is not answered at all. With -update
// it records the exchange into testdata for TestRecordedRetry.
func TestProbeI2PD(t *testing.T) {
	ns, p, peer := startI2PD(t, "18801")
	conn := &recordingConn{PacketConn: listenUDP(t, ns)}
	rr := &recordingRand{}
	now := time.Now()
	cfg := &Config{NetID: 2, Rand: rr, Now: func() time.Time { return now }}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	r, err := Probe(ctx, conn, cfg, peer)
	if err != nil {
		t.Fatalf("probe: %v\nlog:\n%s", err, tail(p.Log()))
	}
	t.Logf("Retry after %v: token %x, Bob sees us at %v, his clock %v", time.Since(start).Round(time.Millisecond), r.Token, r.Addr, time.Unix(int64(r.Time), 0))
	if r.Addr.Addr().String() != ns.Addr || int(r.Addr.Port()) != conn.LocalAddr().(*net.UDPAddr).Port {
		t.Errorf("Address block %v, want our socket %v", r.Addr, conn.LocalAddr())
	}
	if *update {
		writeRecording(t, "retry-i2pd-"+i2pdVersion(t)+".json", recording{
			Impl: "i2pd " + i2pdVersion(t), IntroKey: peer.IntroKey, Static: peer.Static, NetID: 2,
			Now: now.Unix(), Rand: rr.b, Sent: conn.sent, Received: conn.received,
		})
	}

	t.Run("wrong intro key unanswered", func(t *testing.T) {
		wrong := peer
		wrong.IntroKey[0] ^= 1
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := Probe(ctx, listenUDP(t, ns), &Config{NetID: 2}, wrong)
		if !errors.Is(err, ErrNoRetry) {
			t.Fatalf("probe with a wrong intro key: %v, want ErrNoRetry", err)
		}
	})
	if testing.Verbose() {
		t.Log(grep(p.Log(), "SSU2"))
	}
}

func grep(log, s string) string {
	var out []string
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func tail(log string) string {
	lines := strings.Split(log, "\n")
	return strings.Join(lines[max(0, len(lines)-40):], "\n")
}

// TestSessionI2PD: after the token exchange, a real i2pd answers our
// SessionRequest with a SessionCreated that authenticates, which proves
// the handshake hash (header mixed in), the es and ee keys and
// SessionCreated's header key; it takes our SessionConfirmed and sends a
// Data packet that opens with the data phase keys (se, the split, our
// intro key as its k_header_1) and ACKs packet 0; it answers our
// Termination with its own. With -update it records the exchange for
// TestRecordedSession.
func TestSessionI2PD(t *testing.T) {
	ns, p, peer := startI2PD(t, "18802")
	conn := &recordingConn{PacketConn: listenUDP(t, ns)}
	rr := &recordingRand{}
	now := time.Now()
	cfg := &Config{NetID: 2, Rand: rr, Now: func() time.Time { return now }}
	rand.Read(cfg.Static[:])
	rand.Read(cfg.IntroKey[:])
	c, err := NewClientHandshake(cfg, peer)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Zero()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := c.RequestToken(ctx, conn); err != nil {
		t.Fatalf("token: %v\nlog:\n%s", err, tail(p.Log()))
	}
	start := time.Now()
	sc, err := c.RequestSession(ctx, conn)
	if err != nil {
		t.Fatalf("SessionCreated: %v\nlog:\n%s", err, grep(p.Log(), "SSU2"))
	}
	t.Logf("SessionCreated after %v: Bob sees us at %v, new token %+v, relay tag %d",
		time.Since(start).Round(time.Millisecond), sc.Addr, sc.NewToken, sc.RelayTag)
	if sc.Addr.Addr().String() != ns.Addr {
		t.Errorf("Address block %v, want %s", sc.Addr, ns.Addr)
	}
	ourRI := ourRouterInfo(t, &c.cfg.Static, &c.cfg.IntroKey, 2)
	keys, h, payload, err := c.Confirm(ctx, conn, ourRI)
	if err != nil {
		t.Fatalf("SessionConfirmed: %v\nlog:\n%s", err, grep(p.Log(), "SSU2"))
	}
	defer keys.Zero()
	blocks := checkFirstData(t, h, payload)
	t.Logf("i2pd's first Data packet %d: %v", h.PacketNumber, blockTypes(blocks))
	terminate(t, conn, peer.Addr, keys, h.PacketNumber, p.Log)
	if *update {
		writeRecording(t, "session-i2pd-"+i2pdVersion(t)+".json", recording{
			Impl: "i2pd " + i2pdVersion(t), IntroKey: peer.IntroKey, Static: peer.Static, NetID: 2,
			Now: now.Unix(), Rand: rr.b, Sent: conn.sent, Received: conn.received,
			OurStatic: c.cfg.Static, OurIntroKey: c.cfg.IntroKey, OurRouterInfo: ourRI,
		})
	}
	t.Run("wrong static key unanswered", func(t *testing.T) {
		wrong := peer
		wrong.Static[0] ^= 1
		c, err := NewClientHandshake(&Config{NetID: 2}, wrong)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Zero()
		conn := listenUDP(t, ns)
		if _, err := c.RequestToken(ctx, conn); err != nil {
			t.Fatalf("token: %v", err)
		}
		if _, err := c.RequestSession(ctx, conn); !errors.Is(err, ErrNoSessionCreated) {
			t.Fatalf("SessionRequest to a wrong static key: %v, want ErrNoSessionCreated", err)
		}
		p.WaitFor(t, "SessionRequest AEAD verification failed")
	})
	if testing.Verbose() {
		t.Log(grep(p.Log(), "SSU2"))
	}
}

// TestDialI2PD: a Session with a real i2pd, our RouterInfo too big for
// one packet but gzipped: it pushes its RouterInfo in a DatabaseStore, answers our DatabaseLookup for it, ACKs every packet of
// a message we send in fragments, and takes our Termination.
func TestDialI2PD(t *testing.T) {
	ns, p, peer := startI2PD(t, "18803")
	cfg := &Config{NetID: 2}
	rand.Read(cfg.Static[:])
	rand.Read(cfg.IntroKey[:])
	ourRI := ourRouterInfo(t, &cfg.Static, &cfg.IntroKey, 2, bigOptions()...) // gzipped in SessionConfirmed
	if len(ourRI) <= MaxPacketLen {
		t.Fatalf("a %d-byte RouterInfo fits one packet: the test would not gzip it", len(ourRI))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	s, err := Dial(ctx, listenUDP(t, ns), cfg, peer, ourRI)
	if err != nil {
		t.Fatalf("dial: %v\nlog:\n%s", err, grep(p.Log(), "SSU2"))
	}
	t.Logf("dialled in %v", time.Since(start).Round(time.Millisecond))
	defer s.Close(transport.ReasonNormal)
	checkPushedRouterInfo(t, s, peer, "pushed")

	lookupPeer(t, s, peer, ourRI)
	p.WaitFor(t, "DatabaseLookup for "+i2pbase64.EncodeToString(peer.RouterHash[:])) // i2pd logs from another thread: maybe after it answered

	big := make([]byte, 3000)
	rand.Read(big)
	if err := s.SendI2NP(i2np.Message{Type: i2np.TypeData, ID: 8, Expiration: time.Now().Add(time.Minute), Body: big}); err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(10 * time.Second); s.Unacked() > 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("%d packets unacknowledged\nlog:\n%s", s.Unacked(), grep(p.Log(), "SSU2"))
		}
	}
	p.WaitFor(t, "SSU2: Follow-on fragment")
}

// checkPushedRouterInfo reads messages until a DatabaseStore of peer's
// RouterInfo.
func checkPushedRouterInfo(t *testing.T, s *Session, peer Peer, what string) {
	t.Helper()
	for {
		r, err := s.Receive(time.Now().Add(10 * time.Second))
		if err != nil {
			t.Fatalf("waiting for the %s RouterInfo: %v", what, err)
		}
		if r.Message == nil || r.Message.Type != i2np.TypeDatabaseStore {
			continue
		}
		ds, err := i2np.ParseDatabaseStore(r.Message.Body)
		if err != nil {
			t.Fatal(err)
		}
		if ds.Key != peer.RouterHash {
			continue
		}
		t.Logf("%s RouterInfo: a DatabaseStore of %d bytes", what, len(r.Message.Body))
		return
	}
}

// TestTransportI2PD: the Transport dials i2pd from its RouterInfo (its
// socket in the namespace), the session carries i2pd's DatabaseStore,
// and ending the dial's context interrupts Receive while Close still
// ends the session.
func TestTransportI2PD(t *testing.T) {
	ns, p, _ := startI2PD(t, "18804")
	riBytes, err := os.ReadFile(filepath.Join(p.DataDir, "router.info"))
	if err != nil {
		t.Fatal(err)
	}
	bob, err := netdb.ParseRouterInfo(riBytes)
	if err != nil {
		t.Fatal(err)
	}
	var keys RouterKeys
	rand.Read(keys.Static[:])
	rand.Read(keys.IntroKey[:])
	ours, err := netdb.ParseRouterInfo(ourRouterInfo(t, &keys.Static, &keys.IntroKey, 2))
	if err != nil {
		t.Fatal(err)
	}
	tr := NewTransport(TransportConfig{Keys: keys, NetID: 2, ListenUDP: func(context.Context, netip.AddrPort) (net.PacketConn, error) {
		return listenUDP(t, ns), nil
	}})
	if !tr.CanDial(bob) {
		t.Fatal("CanDial: false for i2pd's RouterInfo")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, err := tr.Dial(ctx, bob, ours)
	if err != nil {
		t.Fatalf("dial: %v\nlog:\n%s", err, grep(p.Log(), "SSU2"))
	}
	checkPushedRouterInfo(t, c.(*Session), Peer{RouterHash: bob.Hash()}, "pushed")
	cancel()
	if _, err := c.Receive(time.Now().Add(10 * time.Second)); !errors.Is(err, ErrInterrupted) || !errors.Is(err, context.Canceled) {
		t.Fatalf("Receive after the context ended: %v, want ErrInterrupted", err)
	}
	if err := c.Close(transport.ReasonShutdown); err != nil {
		t.Fatal(err)
	}
	p.WaitFor(t, "SSU2: Termination reason=3")
}

// randomOptions are RouterInfo options of n random base64 characters in
// all, which gzip does not shrink much.
func randomOptions(n int) []netdb.KV {
	var kv []netdb.KV
	for i := 0; n > 0; i++ {
		b := make([]byte, min(n, 200)*3/4)
		rand.Read(b)
		kv = append(kv, netdb.KV{Key: fmt.Sprintf("zz.rnd.%d", i), Value: i2pbase64.EncodeToString(b)})
		n -= 200
	}
	return kv
}

// TestSessionConfirmedFragmentsI2PD: our RouterInfo too big for one
// packet even gzipped goes in two SessionConfirmed packets; i2pd puts
// them together, takes it and answers a lookup for itself.
func TestSessionConfirmedFragmentsI2PD(t *testing.T) {
	ns, p, peer := startI2PD(t, "18806")
	cfg := &Config{NetID: 2}
	rand.Read(cfg.Static[:])
	rand.Read(cfg.IntroKey[:])
	ourRI := ourRouterInfo(t, &cfg.Static, &cfg.IntroKey, 2, randomOptions(1800)...)
	if payload, err := sessionConfirmedPayload(ourRI, nil); err != nil || ShortHeaderLen+KeyLen+32+len(payload) <= MaxPacketLen {
		t.Fatalf("a %d-byte RouterInfo of random options: a %d-byte payload, %v; want over one packet", len(ourRI), len(payload), err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := Dial(ctx, listenUDP(t, ns), cfg, peer, ourRI)
	if err != nil {
		t.Fatalf("dial: %v\nlog:\n%s", err, grep(p.Log(), "SSU2"))
	}
	defer s.Close(transport.ReasonNormal)
	checkPushedRouterInfo(t, s, peer, "pushed")
	lookupPeer(t, s, peer, ourRI)
	t.Logf("a %d-byte RouterInfo in two SessionConfirmed packets, taken", len(ourRI))
}

// lookupPeer asks the peer of session s for its own RouterInfo, from the
// router whose RouterInfo is ourRI, and checks it comes.
func lookupPeer(t *testing.T, s *Session, peer Peer, ourRI []byte) {
	t.Helper()
	ri, err := netdb.ParseRouterInfo(ourRI)
	if err != nil {
		t.Fatal(err)
	}
	lookup := i2np.DatabaseLookup{Key: peer.RouterHash, From: ri.Hash(), Flags: i2np.LookupRouterInfo}
	body, err := lookup.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SendI2NP(i2np.Message{Type: i2np.TypeDatabaseLookup, ID: 7, Expiration: time.Now().Add(time.Minute), Body: body}); err != nil {
		t.Fatal(err)
	}
	checkPushedRouterInfo(t, s, peer, "looked up")
}
