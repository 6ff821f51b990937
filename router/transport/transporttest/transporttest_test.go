package transporttest

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/router/i2np"
	"github.com/i2pseed/i2pseed/router/transport"
)

// routerInfo is an (unsigned) RouterInfo of a synthetic identity with
// t's address.
func routerInfo(t *testing.T, seed uint64, addrs ...netdb.RouterAddress) *netdb.RouterInfo {
	t.Helper()
	ris, err := netdb.Synth(1, netdb.SynthConfig{Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	return &netdb.RouterInfo{Identity: ris[0].Identity, Addresses: addrs}
}

func TestSession(t *testing.T) {
	n := NewNetwork()
	bobRI := routerInfo(t, 1)
	aliceRI := routerInfo(t, 2)
	bob := n.Transport(bobRI.Hash(), true)
	alice := n.Transport(aliceRI.Hash(), false)
	bobRI.Addresses = []netdb.RouterAddress{bob.Address()}
	aliceRI.Addresses = []netdb.RouterAddress{alice.Address()}
	if !alice.CanDial(bobRI) || bob.CanDial(aliceRI) {
		t.Fatal("CanDial: want only the listening router dialable")
	}
	if _, err := alice.Accept(); !errors.Is(err, transport.ErrNoListener) {
		t.Errorf("Accept without listening: %v", err)
	}
	ctx := context.Background()
	a, b := connect(t, alice, bob, aliceRI, bobRI)
	if err := a.SendI2NP(i2np.Message{Type: i2np.TypeDatabaseLookup, ID: 7, Body: []byte{1}}); err != nil {
		t.Fatal(err)
	}
	if r, err := b.Receive(time.Now().Add(time.Second)); err != nil || r.Message == nil || r.Message.ID != 7 {
		t.Fatalf("Receive: %+v, %v", r, err)
	}
	checkEnds(t, a, b)
	if alice.Dials() != 1 {
		t.Errorf("%d dials, want 1", alice.Dials())
	}
	bob.Close()
	if _, err := bob.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Close: %v", err)
	}
	var op *net.OpError
	if _, err := alice.Dial(ctx, bobRI, aliceRI); !errors.As(err, &op) || op.Op != "dial" {
		t.Errorf("dial to a closed transport: %v, want a dial *net.OpError", err)
	}
}

// connect dials bob from alice and returns both ends.
func connect(t *testing.T, alice, bob *Transport, aliceRI, bobRI *netdb.RouterInfo) (transport.Conn, transport.Conn) {
	t.Helper()
	a, err := alice.Dial(context.Background(), bobRI, aliceRI)
	if err != nil {
		t.Fatal(err)
	}
	in, err := bob.Accept()
	if err != nil {
		t.Fatal(err)
	}
	b, peer, err := in.Handshake(context.Background())
	if err != nil || peer != aliceRI {
		t.Fatalf("handshake: %v, peer %v", err, peer)
	}
	return a, b
}

// checkEnds: b's Receive times out, then, after a's Close, returns the
// reason; b can send no more.
func checkEnds(t *testing.T, a, b transport.Conn) {
	t.Helper()
	var ne net.Error
	if _, err := b.Receive(time.Now().Add(10 * time.Millisecond)); !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("Receive past its deadline: %v, want a timeout", err)
	}
	a.Close(transport.ReasonIdle)
	var te *transport.Terminated
	if _, err := b.Receive(time.Now().Add(time.Second)); !errors.As(err, &te) || te.Reason != transport.ReasonIdle {
		t.Errorf("after the peer's Close: %v, want Terminated (idle)", err)
	}
	if err := b.SendI2NP(i2np.Message{}); !errors.Is(err, net.ErrClosed) {
		t.Errorf("send after the peer closed: %v", err)
	}
}

// TestInterrupt: ending the Dial's context interrupts Receive.
func TestInterrupt(t *testing.T) {
	n := NewNetwork()
	bobRI := routerInfo(t, 1)
	bob := n.Transport(bobRI.Hash(), true)
	bobRI.Addresses = []netdb.RouterAddress{bob.Address()}
	go func() {
		if in, err := bob.Accept(); err == nil {
			in.Handshake(context.Background())
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := n.Transport(netdb.Hash{9}, false).Dial(ctx, bobRI, routerInfo(t, 2))
	if err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(20*time.Millisecond, cancel)
	if _, err := a.Receive(time.Now().Add(5 * time.Second)); !errors.Is(err, context.Canceled) {
		t.Errorf("Receive after ctx ended: %v", err)
	}
}
