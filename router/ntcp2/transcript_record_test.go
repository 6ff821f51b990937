package ntcp2

import (
	"bytes"
	"context"
	"crypto/rand"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/internal/i2pdtest"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/router/transport"
	"github.com/i2pseed/i2pseed/testnet"
)

// The peers -update records, one transcript each: i2pd 2.58 (beside the
// module, ../shared/i2pd-2.58), Debian's i2pd 2.45.1 (.ci/install-i2pd.sh
// installs it without starting its daemon) and Java I2P 2.7.0
// (../shared/java-i2p, or $JAVA_I2P). Each runs in a network namespace of
// its own, as the interop tests do; recording needs root.
var transcriptPeers = []struct {
	name   string
	record func(t *testing.T) *transcript
}{
	{"i2pd-2.58", func(t *testing.T) *transcript {
		return recordI2PD(t, filepath.Join("..", "..", "..", "shared", "i2pd-2.58", "i2pd"))
	}},
	{"i2pd-2.45.1", func(t *testing.T) *transcript { return recordI2PD(t, "/usr/sbin/i2pd") }},
	{"java-i2p-2.7.0", recordJava},
}

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

// recordI2PD records a session with the i2pd binary bin, a floodfill
// (2.48+ answers lookups only as one) on netId 2. i2pd now and then
// leaves a lookup or store unanswered: such a session is recorded again,
// with a fresh i2pd, up to three times.
func recordI2PD(t *testing.T, bin string) *transcript {
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
		tr, complete := recordSession(t, conn, 2, peerRI, 20*time.Second)
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

// recordJava records a session with Java I2P, a floodfill on netId 7,
// whose netDb is empty: it learns us from message 3.
func recordJava(t *testing.T) *transcript {
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
	const netID = 7
	ns := i2pdtest.NewNetNS(t)
	javaAddr := "198.18.0.30"
	var host *testnet.NetNS
	host, err = ns.NewHost(javaAddr)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	opts := testnet.JavaOptions{Jars: jars, Dir: dir, NetNS: host, Host: javaAddr, Port: 18730, I2CPPort: 17730,
		NetID: netID, Floodfill: true}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := testnet.InitJava(ctx, opts); err != nil { // a second start publishes its address at once
		t.Fatal(err)
	}
	p, err := testnet.StartJava(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	started := time.Now()
	addr := net.JoinHostPort(javaAddr, "18730")
	var conn net.Conn
	for conn == nil {
		// Java drops every direct lookup in its first 2 minutes of uptime
		// (shared java-i2p/README.md): we dial once they are past.
		if time.Since(started) > 125*time.Second {
			if conn, err = ns.Dial(addr); err != nil && time.Since(started) > 4*time.Minute {
				t.Fatalf("Java does not listen on %s: %v; log:\n%s", addr, err, tail(p.Log()))
			}
		}
		if conn == nil {
			time.Sleep(time.Second)
		}
	}
	peerRI, err := os.ReadFile(filepath.Join(dir, "router.info"))
	if err != nil {
		t.Fatal(err)
	}
	tr, complete := recordSession(t, conn, netID, peerRI, 30*time.Second)
	if !complete {
		t.Logf("Java left a message unanswered; its log:\n%s", tail(p.Log()))
	}
	tr.Peer = "Java I2P 2.7.0 (router.version " + mustParseRI(t, peerRI).Option("router.version") + ")"
	auditPeer(t, p.Dir, ns.Addr, tr)
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

// recordConn keeps every write and every byte read.
type recordConn struct {
	net.Conn
	writes [][]byte
	read   bytes.Buffer
}

func (c *recordConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.read.Write(b[:n])
	return n, err
}

func (c *recordConn) Write(b []byte) (int, error) {
	c.writes = append(c.writes, bytes.Clone(b))
	return c.Conn.Write(b)
}

// recordSession runs the script as Alice on conn to a real Bob with a
// fresh seed, static key and RouterInfo of network netID: it reads Bob's
// frames until he has answered all three messages (or wait passes), then
// closes, which waits for Bob to close, and returns the transcript and
// whether Bob answered all three.
func recordSession(t *testing.T, conn net.Conn, netID int, peerRI []byte, wait time.Duration) (*transcript, bool) {
	t.Helper()
	tr := &transcript{
		Comment: "An NTCP2 session of our Alice with a real router, recorded by " +
			"go test ./router/ntcp2 -run Transcripts -update; format: README.md beside this file.",
		NetID: netID, Now: time.Now().Unix(), Seed: make([]byte, 32), Static: make([]byte, 32), PeerRouterInfo: peerRI,
	}
	rand.Read(tr.Seed)
	rand.Read(tr.Static)
	tr.RouterInfo = routerInfoOf(t, [32]byte(tr.Static), [16]byte{}, "", 0, netID, "").Bytes()
	s, err := newAliceScript(tr)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recordConn{Conn: conn}
	defer conn.Close()
	sess, keys, err := s.handshake(rec)
	if err != nil {
		t.Fatalf("handshake: %v", err)
	}
	msg2 := bytes.Clone(rec.read.Bytes())
	if err := s.send(sess); err != nil {
		t.Fatal(err)
	}
	sess.SetReadDeadline(time.Now().Add(wait))
	var lookup, explore, store bool
	for !(lookup && explore && store) {
		blocks, err := sess.ReadBlocks()
		if err != nil {
			t.Logf("reading Bob's frames: %v", err)
			break
		}
		tr.FramesRead++
		s.answers(blocks, &lookup, &explore, &store)
		if slices.ContainsFunc(blocks, func(b Block) bool { return b.Type == BlockTermination }) {
			t.Errorf("Bob terminated the session: %q", describe(blocks))
			break
		}
	}
	t.Logf("answers before closing: RouterInfo lookup %v, exploration %v, store %v", lookup, explore, store)
	if err := sess.Close(transport.ReasonNormal); err != nil {
		t.Error(err)
	}
	tr.Alice = rec.writes
	frames, rest := splitFrames(rec.read.Bytes()[len(msg2):], keys.SipRecv)
	if len(rest) > 0 {
		t.Errorf("Bob's stream ends in %d bytes of an incomplete frame", len(rest))
	}
	tr.Bob = append([][]byte{msg2}, frames...)
	return tr, lookup && explore && store
}
