package ntcp2

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/internal/i2pdtest"
	"github.com/i2pseed/i2pseed/internal/reseedtest"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/su3"
	"github.com/i2pseed/i2pseed/testnet"
)

// The sessions -update records, one transcript each, with i2pd 2.58
// (beside the module, ../shared/i2pd-2.58), Debian's i2pd 2.45.1
// (.ci/install-i2pd.sh installs it without starting its daemon) and Java
// I2P 2.7.0 (../shared/java-i2p, or $JAVA_I2P): first our Alice dialling
// each, then each dialling our Bob. Every peer runs in a network namespace
// of its own, as in the interop tests; recording needs root.
var transcriptPeers = []struct {
	name   string
	record func(t *testing.T) *transcript
}{
	{"i2pd-2.58", func(t *testing.T) *transcript { return recordI2PD(t, sharedI2PD, false) }},
	{"i2pd-2.45.1", func(t *testing.T) *transcript { return recordI2PD(t, debianI2PD, false) }},
	{"java-i2p-2.7.0", func(t *testing.T) *transcript { return recordJava(t) }},
	{"i2pd-2.58-inbound", func(t *testing.T) *transcript { return recordI2PD(t, sharedI2PD, true) }},
	{"i2pd-2.45.1-inbound", func(t *testing.T) *transcript { return recordI2PD(t, debianI2PD, true) }},
	{"java-i2p-2.7.0-inbound", func(t *testing.T) *transcript { return recordJavaInbound(t) }},
}

var (
	sharedI2PD = filepath.Join("..", "..", "..", "shared", "i2pd-2.58", "i2pd")
	debianI2PD = "/usr/sbin/i2pd"
)

// needRecording fails the test (-update asked for a recording) when what
// the peers need is missing.
func needRecording(t *testing.T, files ...string) {
	t.Helper()
	var missing []string
	if os.Geteuid() != 0 {
		missing = append(missing, "root (network namespaces)")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		missing = append(missing, "unshare")
	}
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("cannot record: missing %s (.ci/install-i2pd.sh installs i2pd and libfaketime)", strings.Join(missing, ", "))
	}
}

// newTranscript starts a transcript for our side with a fresh seed and
// static key.
func newTranscript(side string, netID int) *transcript {
	tr := &transcript{
		Comment: "An NTCP2 session of ours with a real router, recorded by " +
			"go test ./router/ntcp2 -run Transcripts -update; format: README.md beside this file.",
		Side: side, NetID: netID, Now: time.Now().Unix(), Seed: make([]byte, 32), Static: make([]byte, 32),
	}
	rand.Read(tr.Seed)
	rand.Read(tr.Static)
	return tr
}

// recordI2PD records a session with the i2pd binary bin on netId 2: as
// Alice with i2pd a floodfill (2.48+ answers lookups only as one), or as
// Bob with i2pd reseeded with nothing but our RouterInfo. i2pd now and
// then leaves one of Alice's messages unanswered: such a session is
// recorded again, with a fresh i2pd, up to three times.
func recordI2PD(t *testing.T, bin string, inbound bool) *transcript {
	needRecording(t, bin)
	if testnet.LibFaketime() == "" {
		t.Fatal("cannot record: missing libfaketime (.ci/install-i2pd.sh)")
	}
	abs, err := filepath.Abs(bin)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(abs, "--version").Output()
	if err != nil {
		t.Fatalf("%s --version: %v", abs, err)
	}
	version, _, _ := strings.Cut(string(out), "\n") // "i2pd version 2.58.0 (0.9.67)"
	t.Setenv("I2PD", abs)
	for attempt := 1; inbound; attempt++ {
		tr, answered := recordI2PDInbound(t, abs)
		tr.Peer = version
		if answered || attempt == 2 || strings.Contains(version, " 2.45.") {
			return tr
		}
		t.Logf("attempt %d: i2pd sent nothing our Bob answers; again, with a fresh i2pd", attempt)
	}
	for attempt := 1; ; attempt++ {
		ns, p, _, addr := startI2PD(t, "18711")
		peerRI, err := os.ReadFile(filepath.Join(p.DataDir, "router.info"))
		if err != nil {
			t.Fatal(err)
		}
		conn, err := ns.Dial(addr)
		if err != nil {
			t.Fatal(err)
		}
		tr, complete := recordOutbound(t, conn, 2, peerRI, 20*time.Second)
		tr.Peer = version
		auditPeer(t, p.Dir, ns.Addr, tr)
		if t.Failed() {
			t.Fatalf("i2pd's log:\n%s", tail(p.Log()))
		}
		if complete || attempt == 3 {
			return tr
		}
		t.Logf("attempt %d: i2pd left a message unanswered; again, with a fresh i2pd; its log:\n%s", attempt, tail(p.Log()))
		p.Stop()
	}
}

// recordI2PDInbound: i2pd, reseeded with nothing but our RouterInfo, a
// floodfill's (as TestInboundFromI2PD, which has a plain router's), dials
// our Bob to publish its RouterInfo. Our caps G keep 2.58 from building
// tunnels through us first; 2.45.1 does not know G, and builds them
// before it publishes. It reports whether our Bob answered anything.
func recordI2PDInbound(t *testing.T, bin string) (*transcript, bool) {
	ns, ourAddr, ln := bobListener(t)
	defer ln.Close()
	tr := newTranscript(sideBob, 2)
	var iv [16]byte
	rand.Read(iv[:])
	ri := routerInfoOf(t, [32]byte(tr.Static), iv, ourAddr, 18712, 2, "XfRG") // a floodfill's: i2pd publishes to it; G: builds no tunnels through it
	tr.RouterInfo = ri.Bytes()
	bundle := filepath.Join(t.TempDir(), "bundle.su3")
	writeReseedBundle(t, bundle, ri)
	accepted := acceptAll(ln)
	p := i2pdtest.Start(t, bin, i2pdtest.Options{NetNS: ns, LogLevel: "debug", Args: []string{
		"--host=" + ns.Addr, "--port=18713", "--ntcp2.enabled=true", "--ntcp2.published=true", "--ssu2.enabled=false",
		"--certsdir=" + i2pdtest.CertsDir(t, "../../su3/testdata/test-signer.crt"), "--reseed.file=" + bundle, "--reseed.verify=true",
		"--exploratory.inbound.length=0", "--exploratory.outbound.length=0"}}) // no tunnel builds through us
	var conn net.Conn
	select {
	case conn = <-accepted:
	case <-time.After(60 * time.Second):
		t.Fatalf("i2pd never connected to us; log:\n%s", tail(p.Log()))
	}
	answered := recordInbound(t, conn, tr, 10*time.Second)
	auditPeer(t, p.Dir, ourAddr, tr)
	if t.Failed() {
		t.Logf("i2pd's log:\n%s", tail(p.Log()))
	}
	p.Stop()
	return tr, answered
}

// bobListener is a namespace with our Bob's address, 198.18.0.2, on its
// lo and a listener there for the peer to dial.
func bobListener(t *testing.T) (*i2pdtest.NetNS, string, net.Listener) {
	t.Helper()
	ns := i2pdtest.NewNetNS(t)
	ourAddr := "198.18.0.2"
	ns.AddAddr(t, ourAddr)
	ln, err := ns.Listen(net.JoinHostPort(ourAddr, "18712"))
	if err != nil {
		t.Fatal(err)
	}
	return ns, ourAddr, ln
}

// writeReseedBundle writes an su3 reseed bundle holding only ri, signed
// with the test signer (su3/testdata).
func writeReseedBundle(t *testing.T, path string, ri *netdb.RouterInfo) {
	t.Helper()
	var z bytes.Buffer
	if err := su3.WriteBundle(&z, []su3.Entry{{Name: ri.Hash().FileName(), Data: ri.Bytes()}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	key := reseedtest.SignerKey(t)
	bundle, err := su3.Sign(su3.Header{ContentType: su3.ContentReseed, Version: fmt.Sprint(time.Now().Unix())}, z.Bytes(), &su3.Signer{ID: "test@mail.i2p", Key: key})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, bundle, 0o644); err != nil {
		t.Fatal(err)
	}
}

// acceptAll hands over the connections ln accepts until it is closed.
func acceptAll(ln net.Listener) <-chan net.Conn {
	accepted := make(chan net.Conn, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	return accepted
}

// javaOptions are a Java I2P router's in a host namespace of its own
// below ns (from Java's directory under jars), on netId 7.
func javaOptions(t *testing.T, ns *i2pdtest.NetNS, floodfill bool) testnet.JavaOptions {
	jars := os.Getenv("JAVA_I2P")
	if jars == "" {
		jars = filepath.Join("..", "..", "..", "shared", "java-i2p")
	}
	jars, err := filepath.Abs(jars) // Java runs in its own directory
	if err != nil {
		t.Fatal(err)
	}
	needRecording(t, filepath.Join(jars, "router.jar"))
	if _, err := exec.LookPath("java"); err != nil {
		t.Fatal("cannot record: missing java")
	}
	javaAddr := "198.18.0.30"
	host, err := ns.NewHost(javaAddr)
	if err != nil {
		t.Fatal(err)
	}
	return testnet.JavaOptions{Jars: jars, Dir: t.TempDir(), NetNS: host, Host: javaAddr, Port: 18730, I2CPPort: 17730,
		NetID: 7, Floodfill: floodfill}
}

// initJava runs Java once alone, so that its next start publishes its
// NTCP2 address at once (testnet.InitJava).
func initJava(t *testing.T, opts testnet.JavaOptions) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := testnet.InitJava(ctx, opts); err != nil {
		t.Fatal(err)
	}
}

func javaPeer(t *testing.T, ri []byte) string {
	return "Java I2P 2.7.0 (router.version " + mustParseRI(t, ri).Option("router.version") + ")"
}

// recordJava records our Alice with Java I2P, a floodfill whose netDb is
// empty: it learns us from message 3.
func recordJava(t *testing.T) *transcript {
	ns := i2pdtest.NewNetNS(t)
	opts := javaOptions(t, ns, true)
	initJava(t, opts)
	p, err := testnet.StartJava(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	started := time.Now()
	addr := net.JoinHostPort(opts.Host, fmt.Sprint(opts.Port))
	var conn net.Conn
	for conn == nil {
		// Java drops every lookup but those for its own hash in the first
		// 2 minutes of its netDb, which starts a while after the process
		// (docs/research-blocking-rules.md, J8): we dial well after.
		if time.Since(started) > 160*time.Second {
			if conn, err = ns.Dial(addr); err != nil && time.Since(started) > 4*time.Minute {
				t.Fatalf("Java does not listen on %s: %v; log:\n%s", addr, err, tail(p.Log()))
			}
		}
		if conn == nil {
			time.Sleep(time.Second)
		}
	}
	peerRI, err := os.ReadFile(filepath.Join(opts.Dir, "router.info"))
	if err != nil {
		t.Fatal(err)
	}
	tr, complete := recordOutbound(t, conn, int(opts.NetID), peerRI, 30*time.Second)
	if !complete {
		t.Logf("Java left a message unanswered; its log:\n%s", tail(p.Log()))
	}
	tr.Peer = javaPeer(t, peerRI)
	auditPeer(t, p.Dir, ns.Addr, tr)
	if t.Failed() {
		t.Logf("Java's log:\n%s", tail(p.Log()))
	}
	return tr
}

// recordJavaInbound: Java I2P, whose netDb holds nothing but our
// RouterInfo, a floodfill's, dials our Bob to publish its own (as
// TestInboundFromJava, whose notes on Java's start apply).
func recordJavaInbound(t *testing.T) *transcript {
	ns, ourAddr, ln := bobListener(t)
	defer ln.Close()
	opts := javaOptions(t, ns, false)
	tr := newTranscript(sideBob, int(opts.NetID))
	var iv [16]byte
	rand.Read(iv[:])
	ri := routerInfoOf(t, [32]byte(tr.Static), iv, ourAddr, 18712, int(opts.NetID), "XfR")
	tr.RouterInfo = ri.Bytes()
	initJava(t, opts)
	if _, err := netdb.Write(filepath.Join(opts.Dir, "netDb"), ri); err != nil {
		t.Fatal(err)
	}
	accepted := acceptAll(ln)
	var p *testnet.Process
	var err error
	var conn net.Conn
	for attempt := 1; conn == nil; attempt++ {
		if p, err = testnet.StartJava(opts); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Stop)
		select {
		case conn = <-accepted:
		case <-time.After(150 * time.Second):
			if attempt == 2 {
				t.Fatalf("Java never connected to us; log:\n%s", tail(p.Log()))
			}
			t.Logf("Java never connected to us (start %d); once more", attempt)
			p.Stop()
		}
	}
	recordInbound(t, conn, tr, 10*time.Second)
	tr.Peer = javaPeer(t, tr.PeerRouterInfo)
	auditPeer(t, p.Dir, ourAddr, tr)
	if t.Failed() {
		t.Logf("Java's log:\n%s", tail(p.Log()))
	}
	return tr
}

func mustParseRI(t *testing.T, b []byte) *netdb.RouterInfo {
	t.Helper()
	ri, err := netdb.ParseRouterInfo(b)
	if err != nil {
		t.Fatal(err)
	}
	return ri
}

// auditPeer fails the test if the peer's log holds anything against us
// (testnet.Rules): the peers are to be left happy.
func auditPeer(t *testing.T, logDir, ourAddr string, tr *transcript) {
	t.Helper()
	ours := mustParseRI(t, tr.RouterInfo)
	a, err := testnet.AuditLogs(logDir, testnet.Ours{Addrs: []string{ourAddr}, Hashes: []netdb.Hash{ours.Hash()}})
	if err != nil {
		t.Error(err)
	} else if err := a.Err(); err != nil {
		t.Error(err)
	}
}

// recordConn keeps every write, every byte read, and how many had been
// read at each write.
type recordConn struct {
	net.Conn
	writes      [][]byte
	readAtWrite []int
	read        bytes.Buffer
}

func (c *recordConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.read.Write(b[:n])
	return n, err
}

func (c *recordConn) Write(b []byte) (int, error) {
	c.writes = append(c.writes, bytes.Clone(b))
	c.readAtWrite = append(c.readAtWrite, c.read.Len())
	return c.Conn.Write(b)
}

// recordOutbound plays our Alice on conn to a real Bob, with a fresh
// RouterInfo of network netID: she reads Bob's frames until he has
// answered her three messages (or wait passes), then closes. It returns
// the transcript and whether Bob answered all three.
func recordOutbound(t *testing.T, conn net.Conn, netID int, peerRI []byte, wait time.Duration) (*transcript, bool) {
	t.Helper()
	defer conn.Close()
	tr := newTranscript(sideAlice, netID)
	tr.PeerRouterInfo = peerRI
	tr.RouterInfo = routerInfoOf(t, [32]byte(tr.Static), [16]byte{}, "", 0, netID, "").Bytes()
	p, err := newPlayer(tr)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recordConn{Conn: conn}
	var lookup, explore, store bool
	keys, n, err := p.play(rec, func(n int) bool {
		if n == 0 {
			rec.SetReadDeadline(time.Now().Add(wait))
		}
		return !(lookup && explore && store)
	}, func(blocks []Block) { p.answered(blocks, &lookup, &explore, &store) })
	if keys == (Keys{}) {
		t.Fatal(err)
	}
	if err != nil {
		t.Logf("%v", err) // Bob's silence until the deadline
	}
	t.Logf("answers before closing: RouterInfo lookup %v, exploration %v, store %v", lookup, explore, store)
	msg2 := rec.read.Bytes()[:rec.readAtWrite[1]] // read before message 3
	tr.FramesRead = n
	tr.Alice = rec.writes
	tr.Bob = append([][]byte{msg2}, peerFrames(t, rec.read.Bytes()[len(msg2):], keys)...)
	return tr, lookup && explore && store
}

// recordInbound plays our Bob on conn, which a real Alice dialled to tr's
// RouterInfo: he reads her first frame (or waits for it until wait
// passes), answers the lookups and stores in it, and closes. It reports
// whether he answered anything.
func recordInbound(t *testing.T, conn net.Conn, tr *transcript, wait time.Duration) bool {
	t.Helper()
	defer conn.Close()
	tr.Now = time.Now().Unix() // the peer took its time to dial
	p, err := newPlayer(tr)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recordConn{Conn: conn}
	handshake := 0
	keys, n, err := p.play(rec, func(n int) bool {
		if n == 0 {
			handshake = rec.read.Len()
			rec.SetReadDeadline(time.Now().Add(wait))
		}
		return n == 0
	}, func([]Block) {})
	if keys == (Keys{}) {
		t.Fatal(err)
	}
	t.Logf("%d frames read: %v", n, err)
	msg1 := rec.read.Bytes()[:rec.readAtWrite[0]] // read before message 2
	tr.FramesRead = n
	tr.Bob = rec.writes
	tr.Alice = append([][]byte{msg1, rec.read.Bytes()[len(msg1):handshake]}, peerFrames(t, rec.read.Bytes()[handshake:], keys)...)
	return p.replies > 0
}

// peerFrames cuts the peer's data phase into frames.
func peerFrames(t *testing.T, b []byte, keys Keys) [][]byte {
	t.Helper()
	frames, rest := splitFrames(b, keys.SipRecv)
	if len(rest) > 0 {
		t.Errorf("the peer's stream ends in %d bytes of an incomplete frame", len(rest))
	}
	return frames
}
