package reseed

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/internal/i2pdtest"
	"github.com/i2pseed/i2pseed/internal/sam"
	"github.com/i2pseed/i2pseed/internal/setting"
)

// zeroHop are I2CP options for a session that needs no other router: it
// is ready at once, in a namespace without a network.
var zeroHop = []sam.Arg{{Key: "inbound.length", Value: "0"}, {Key: "outbound.length", Value: "0"}}

// closedPort is a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestI2PSAMSetting(t *testing.T) {
	for _, bad := range []string{"7656", "127.0.0.1", ":7656", "127.0.0.1:0"} {
		s := validSettings(t)
		s.I2PSAM = bad
		_, err := s.Check()
		var se *setting.Error
		if !errors.As(err, &se) || se.Setting != "i2p-sam" {
			t.Errorf("%s: %v, want a setting.Error naming i2p-sam", bad, err)
		}
	}
	s := validSettings(t)
	s.I2PSAM = "127.0.0.1:7656"
	if c, err := s.Check(); err != nil || c.I2PSAM != "127.0.0.1:7656" {
		t.Errorf("127.0.0.1:7656: %v, %v", c, err)
	}
}

// TestI2PNoBridge: serve with --i2p-sam where no router listens fails at
// Open, naming the setting and saying how to turn SAM on.
func TestI2PNoBridge(t *testing.T) {
	s := validSettings(t)
	s.NetDb, s.BundleSize, s.MinEligible = synthNetDb(t, 60), 50, 50
	s.I2PSAM = closedPort(t)
	c, err := s.Check()
	if err != nil {
		t.Fatal(err)
	}
	svc, err := Open(t.Context(), c, Options{})
	if err == nil {
		svc.closeListeners()
		t.Fatal("Open succeeded without a SAM bridge")
	}
	var se *setting.Error
	if !errors.As(err, &se) || se.Setting != "i2p-sam" || se.Value != s.I2PSAM {
		t.Fatalf("Open: %v, want a setting.Error naming i2p-sam %s", err, s.I2PSAM)
	}
	for _, want := range []string{"no SAM bridge answered", "sam.enabled=true", "connection refused"} {
		if !strings.Contains(se.Msg, want) {
			t.Errorf("message %q lacks %q", se.Msg, want)
		}
	}
	if _, err := os.Stat(filepath.Join(s.DataDir, I2PKeyFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a key file without a session: %v", err)
	}
}

// TestI2PKeyKept runs a real i2pd's SAM bridge (zero-hop sessions, in a
// namespace without network): the first Listen makes the destination and
// keeps its key 0600; the next publishes the same .b32.i2p address; a
// broken key file is refused (naming data-dir) and left as it was.
func TestI2PKeyKept(t *testing.T) {
	i2pd := i2pdtest.Require(t)
	ns := i2pdtest.NewNetNS(t)
	p := i2pdtest.Start(t, i2pd, i2pdtest.Options{NetNS: ns, Args: []string{"--sam.enabled=true",
		"--sam.address=" + ns.Addr, "--reseed.file=/nonexistent/none.su3"}})
	started := time.Now()
	bridge := net.JoinHostPort(ns.Addr, "7656")
	dial := func(ctx context.Context, _, addr string) (net.Conn, error) { return ns.Dial(addr) }
	waitFor(t, "i2pd's SAM bridge", func() bool {
		c, err := ns.Dial(bridge)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	t.Logf("SAM bridge up after %v", time.Since(started).Round(time.Millisecond))
	keyFile := filepath.Join(t.TempDir(), "data", I2PKeyFile)
	ch := &I2PChannel{SAM: bridge, KeyFile: keyFile, Dial: dial, Options: zeroHop}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	ln, err := ch.Listen(ctx)
	if err != nil {
		t.Fatalf("Listen: %v\n%s", err, p.Log())
	}
	first := ln.Addr()
	ln.Close()
	t.Logf("session made after %v", time.Since(started).Round(time.Millisecond))
	if first.Network() != "i2p" || !strings.HasSuffix(first.String(), ".b32.i2p") || len(first.String()) != 60 {
		t.Errorf("Addr %s %q, want i2p and a .b32.i2p address", first.Network(), first)
	}
	fi, err := os.Stat(keyFile)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v; want mode 0600", fi, err)
	}
	kept, _ := os.ReadFile(keyFile)
	k, err := sam.ParsePrivateKey(string(kept))
	if err != nil || k.Destination().B32() != first.String() {
		t.Errorf("kept key (%v) is not the destination's %s", err, first)
	}
	ln, err = ch.Listen(ctx)
	if err != nil {
		t.Fatalf("Listen again: %v", err)
	}
	if ln.Addr().String() != first.String() {
		t.Errorf("second Listen published %s, want the kept %s", ln.Addr(), first)
	}
	ln.Close()
	broken := append([]byte("x"), kept...)
	os.WriteFile(keyFile, broken, 0o600)
	_, err = ch.Listen(ctx)
	var se *setting.Error
	if !errors.As(err, &se) || se.Setting != "data-dir" {
		t.Errorf("Listen with a broken key: %v, want a setting.Error naming data-dir", err)
	}
	if b, _ := os.ReadFile(keyFile); string(b) != string(broken) {
		t.Errorf("the broken key file was replaced")
	}
}
