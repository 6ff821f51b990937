package ssu2

import (
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/internal/i2pdtest"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/router/i2np"
	"github.com/i2pseed/i2pseed/router/transport"
	"github.com/i2pseed/i2pseed/testnet"
)

// javaNetID is the test network Java runs on (never 2: see java-i2p's
// README).
const javaNetID = 7

// startJava runs Java I2P with SSU2 published on host:port (NTCP2 too,
// which testnet's headless config always enables) and returns its SSU2
// peer once its router.info has one. Java may publish its first
// RouterInfo before the address is in it; a second start publishes it at
// once, as testnet.InitJava does for NTCP2.
func startJava(t *testing.T, ns *i2pdtest.NetNS, host string, port int) (*testnet.Process, Peer) {
	t.Helper()
	jars := i2pdtest.RequireJava(t)
	opts := testnet.JavaOptions{Jars: jars, Dir: t.TempDir(), NetNS: ns.NetNS, Host: host, Port: port + 1,
		I2CPPort: port + 2, NetID: javaNetID, Config: map[string]string{
			"i2np.udp.enable": "true", "i2np.udp.host": host, "i2np.udp.bindInterface": host,
			"i2np.udp.port": strconv.Itoa(port), "i2np.udp.internalPort": strconv.Itoa(port),
			"i2np.udp.ipv6": "disable", "i2np.udp.autoip": "false", "i2np.udp.fixedHost": "true",
		}}
	for start := 1; start <= 2; start++ {
		p, err := testnet.StartJava(opts)
		if err != nil {
			t.Fatal(err)
		}
		if peer, ok := waitSSU2(filepath.Join(opts.Dir, "router.info"), 60*time.Second); ok {
			t.Cleanup(p.Stop)
			return p, peer
		}
		p.Stop()
		if start == 2 {
			b, _ := os.ReadFile(p.LogFile)
			t.Fatalf("Java published no SSU2 address in two starts; log:\n%s", tail(string(b)))
		}
	}
	return nil, Peer{}
}

// waitSSU2 polls a router.info until it has a published SSU2 address.
func waitSSU2(path string, d time.Duration) (Peer, bool) {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		if ri, err := netdb.ParseRouterInfo(b); err == nil {
			if peer, ok := PeerFromRouterInfo(ri); ok {
				return peer, true
			}
		}
	}
	return Peer{}, false
}

// TestHandshakeJava: Java I2P 2.7 answers our TokenRequest with a Retry
// and our SessionRequest with a SessionCreated, takes our
// SessionConfirmed and ACKs it in a Data packet, and answers our
// Termination, as i2pd does.
func TestHandshakeJava(t *testing.T) {
	ns := i2pdtest.NewNetNS(t)
	javaAddr := "198.18.0.40"
	ns.AddAddr(t, javaAddr)
	p, peer := startJava(t, ns, javaAddr, 18840)
	logOf := func() string { b, _ := os.ReadFile(p.LogFile); return tail(string(b)) }
	conn := &recordingConn{PacketConn: listenUDP(t, ns)}
	rr := &recordingRand{}
	now := time.Now()
	cfg := &Config{NetID: javaNetID, Rand: rr, Now: func() time.Time { return now }}
	rand.Read(cfg.Static[:])
	rand.Read(cfg.IntroKey[:])
	c, err := NewClientHandshake(cfg, peer)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Zero()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var r Retry
	for attempt := 1; ; attempt++ { // Java may not listen yet when it publishes
		if r, err = c.RequestToken(ctx, conn); err == nil || !errors.Is(err, ErrNoRetry) || attempt == 3 {
			break
		}
	}
	if err != nil {
		t.Fatalf("token from Java: %v\nlog:\n%s", err, logOf())
	}
	t.Logf("Java's Retry: token %x, sees us at %v", r.Token, r.Addr)
	sc, err := c.RequestSession(ctx, conn)
	if err != nil {
		t.Fatalf("SessionCreated from Java: %v\nlog:\n%s", err, logOf())
	}
	t.Logf("Java's SessionCreated: sees us at %v, new token %+v", sc.Addr, sc.NewToken)
	ourRI := ourRouterInfo(t, &cfg.Static, &cfg.IntroKey, javaNetID)
	keys, h, payload, err := c.Confirm(ctx, conn, ourRI)
	if err != nil {
		t.Fatalf("SessionConfirmed: %v\nlog:\n%s", err, logOf())
	}
	defer keys.Zero()
	blocks := checkFirstData(t, h, payload)
	t.Logf("Java's first Data packet %d: %v", h.PacketNumber, blockTypes(blocks))
	terminate(t, conn, peer.Addr, keys, h.PacketNumber, logOf)
	t.Run("wrong intro key unanswered", func(t *testing.T) {
		wrong := peer
		wrong.IntroKey[0] ^= 1
		_, err := Probe(ctx, listenUDP(t, ns), &Config{NetID: javaNetID}, wrong)
		if !errors.Is(err, ErrNoRetry) {
			t.Fatalf("probe with a wrong intro key: %v, want ErrNoRetry", err)
		}
	})
	if *update {
		writeRecording(t, "session-java-2.7.0.json", recording{
			Impl: "Java I2P 2.7.0", IntroKey: peer.IntroKey, Static: peer.Static, NetID: javaNetID,
			Now: now.Unix(), Rand: rr.b, Sent: conn.sent, Received: conn.received,
			OurStatic: cfg.Static, OurIntroKey: cfg.IntroKey, OurRouterInfo: ourRI,
		})
	}
}

// TestDialJava: a Session with Java I2P, our RouterInfo gzipped in
// SessionConfirmed (too big for one packet otherwise): it pushes its RouterInfo in a
// DatabaseStore and ACKs every packet of a message we send in fragments.
// (Java drops direct lookups in its first 2 minutes: none here.)
func TestDialJava(t *testing.T) {
	ns := i2pdtest.NewNetNS(t)
	javaAddr := "198.18.0.41"
	ns.AddAddr(t, javaAddr)
	p, peer := startJava(t, ns, javaAddr, 18850)
	logOf := func() string { b, _ := os.ReadFile(p.LogFile); return tail(string(b)) }
	cfg := &Config{NetID: javaNetID}
	rand.Read(cfg.Static[:])
	rand.Read(cfg.IntroKey[:])
	s := dialJava(t, ns, cfg, peer, ourRouterInfo(t, &cfg.Static, &cfg.IntroKey, javaNetID, bigOptions()...), logOf)
	defer s.Close(transport.ReasonNormal)
	checkPushedRouterInfo(t, s, peer, "pushed")
	big := make([]byte, 3000)
	rand.Read(big)
	if err := s.SendI2NP(i2np.Message{Type: i2np.TypeData, ID: 8, Expiration: time.Now().Add(time.Minute), Body: big}); err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(10 * time.Second); s.Unacked() > 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("%d packets unacknowledged\nlog:\n%s", s.Unacked(), logOf())
		}
	}
}

// TestSessionConfirmedFragmentsJava: our RouterInfo too big for one
// packet even gzipped goes in two SessionConfirmed packets, and Java I2P
// 2.7 takes it (the session comes up and it pushes its RouterInfo), as
// i2pd does (TestSessionConfirmedFragmentsI2PD).
func TestSessionConfirmedFragmentsJava(t *testing.T) {
	ns := i2pdtest.NewNetNS(t)
	javaAddr := "198.18.0.42"
	ns.AddAddr(t, javaAddr)
	p, peer := startJava(t, ns, javaAddr, 18860)
	logOf := func() string { b, _ := os.ReadFile(p.LogFile); return tail(string(b)) }
	cfg := &Config{NetID: javaNetID}
	rand.Read(cfg.Static[:])
	rand.Read(cfg.IntroKey[:])
	ourRI := ourRouterInfo(t, &cfg.Static, &cfg.IntroKey, javaNetID, randomOptions(1800)...)
	if payload, err := sessionConfirmedPayload(ourRI, nil); err != nil || ShortHeaderLen+KeyLen+32+len(payload) <= MaxPacketLen {
		t.Fatalf("a %d-byte RouterInfo of random options: a %d-byte payload, %v; want over one packet", len(ourRI), len(payload), err)
	}
	s := dialJava(t, ns, cfg, peer, ourRI, logOf)
	checkPushedRouterInfo(t, s, peer, "pushed")
	s.Close(transport.ReasonNormal)
	t.Logf("a %d-byte RouterInfo in two SessionConfirmed packets, taken", len(ourRI))
	ri, err := netdb.ParseRouterInfo(ourRI)
	if err != nil {
		t.Fatal(err)
	}
	a, err := testnet.AuditLogs(p.Dir, testnet.Ours{Addrs: []string{ns.Addr}, Hashes: []netdb.Hash{ri.Hash()}})
	if err == nil {
		err = a.Err()
	}
	if err != nil {
		t.Errorf("%v\nlog:\n%s", err, logOf())
	}
}

// dialJava dials Java's SSU2 peer from ns with ourRI, up to three times
// (Java may not listen yet when it publishes), failing t with Java's log.
func dialJava(t *testing.T, ns *i2pdtest.NetNS, cfg *Config, peer Peer, ourRI []byte, logOf func() string) *Session {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for attempt := 1; ; attempt++ {
		start := time.Now()
		s, err := Dial(ctx, listenUDP(t, ns), cfg, peer, ourRI)
		if err == nil {
			t.Logf("dialled in %v (attempt %d)", time.Since(start).Round(time.Millisecond), attempt)
			return s
		}
		if !errors.Is(err, ErrNoRetry) || attempt == 3 {
			t.Fatalf("dial: %v\nlog:\n%s", err, logOf())
		}
	}
}
