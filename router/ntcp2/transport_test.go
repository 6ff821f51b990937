package ntcp2

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/internal/i2pbase64"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/router/transport"
)

// signedRouterInfo is a RouterInfo of network 2 with addrs, of a new
// identity, signed.
func signedRouterInfo(t testing.TB, addrs ...netdb.RouterAddress) *netdb.RouterInfo {
	t.Helper()
	_, sk, _ := ed25519.GenerateKey(rand.Reader)
	var enc, pad [32]byte
	rand.Read(enc[:])
	rand.Read(pad[:])
	id, err := netdb.NewIdentity(sk.Public().(ed25519.PublicKey), PublicKey(enc), pad)
	if err != nil {
		t.Fatal(err)
	}
	ri := &netdb.RouterInfo{Identity: id, Published: uint64(time.Now().UnixMilli()), Addresses: addrs,
		Options: netdb.Mapping{{Key: "caps", Value: "LU"}, {Key: "netId", Value: "2"}, {Key: "router.version", Value: "0.9.65"}}}
	if err := ri.SignEd25519(sk); err != nil {
		t.Fatal(err)
	}
	return ri
}

func newKeys() RouterKeys {
	var k RouterKeys
	rand.Read(k.Static[:])
	rand.Read(k.IV[:])
	return k
}

func TestRouterKeysBinary(t *testing.T) {
	k := newKeys()
	b, err := k.MarshalBinary()
	if err != nil || len(b) != KeySize {
		t.Fatalf("%d bytes, %v", len(b), err)
	}
	var got RouterKeys
	if err := got.UnmarshalBinary(b); err != nil || got != k {
		t.Errorf("round trip: %v", err)
	}
	if err := got.UnmarshalBinary(b[1:]); err == nil {
		t.Error("47 bytes taken for keys")
	}
}

// TestPeerFromRouterInfo: the first address netdb's reading accepts, IPv4
// before IPv6; an address with a bad static key or version is skipped.
func TestPeerFromRouterInfo(t *testing.T) {
	k, bad := newKeys(), newKeys()
	badV := bad.Address(netip.MustParseAddrPort("198.51.100.1:1"))
	badV.Options[4].Value = "1"
	badS := bad.Address(netip.MustParseAddrPort("198.51.100.2:2"))
	badS.Options[3].Value = i2pbase64.EncodeToString(append(make([]byte, 31), 0x80))
	ri := signedRouterInfo(t, k.Address(netip.MustParseAddrPort("[2001:db8::1]:3")), badV, badS,
		k.Address(netip.MustParseAddrPort("198.51.100.4:4")))
	peer, addr, ok := PeerFromRouterInfo(ri)
	if !ok || addr != "198.51.100.4:4" || peer.Static != k.Static.Public() || peer.IV != k.IV || peer.RouterHash != ri.Hash() {
		t.Errorf("got %v %q %v, want the IPv4 address with its keys", peer, addr, ok)
	}
	if _, _, ok := PeerFromRouterInfo(signedRouterInfo(t, k.Address(netip.AddrPort{}), badV, badS)); ok {
		t.Error("a router with no usable published address can be dialled")
	}
}

// TestTransport: one Transport dials another's listener through the seam;
// the accepting side gets the dialler's RouterInfo; the outbound-only one
// accepts nothing; Close ends Accept.
func TestTransport(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	bobKeys, aliceKeys := newKeys(), newKeys()
	pub := ln.Addr().(*net.TCPAddr).AddrPort()
	bobRI := signedRouterInfo(t, bobKeys.Address(pub))
	bob := NewTransport(TransportConfig{Keys: bobKeys, NetID: 2, Self: bobRI.Hash(), Listener: ln, Published: pub})
	defer bob.Close()
	if got, _ := bob.Address().Options.Get("host"); got != "127.0.0.1" {
		t.Errorf("published host %q", got)
	}
	alice := NewTransport(TransportConfig{Keys: aliceKeys, NetID: 2})
	if _, ok := alice.Address().Options.Get("host"); ok {
		t.Error("an outbound-only transport publishes a host")
	}
	aliceRI := signedRouterInfo(t, alice.Address())
	if _, err := alice.Accept(); !errors.Is(err, transport.ErrNoListener) {
		t.Errorf("outbound-only Accept: %v", err)
	}
	type accepted struct {
		conn transport.Conn
		peer *netdb.RouterInfo
		err  error
	}
	done := make(chan accepted, 1)
	go func() {
		in, err := bob.Accept()
		if err != nil {
			done <- accepted{err: err}
			return
		}
		c, peer, err := in.Handshake(context.Background())
		done <- accepted{c, peer, err}
	}()
	if !alice.CanDial(bobRI) || alice.CanDial(aliceRI) {
		t.Fatal("CanDial")
	}
	a, err := alice.Dial(context.Background(), bobRI, aliceRI)
	if err != nil {
		t.Fatal(err)
	}
	got := <-done
	if got.err != nil || got.peer.Hash() != aliceRI.Hash() {
		t.Fatalf("accepted: %v, peer %v", got.err, got.peer)
	}
	go a.Close(transport.ReasonNormal)
	var te *transport.Terminated
	if _, err := got.conn.Receive(time.Now().Add(5 * time.Second)); !errors.As(err, &te) {
		t.Errorf("Bob read %v, want Alice's termination", err)
	}
	got.conn.Close(transport.ReasonNormal)
	bob.Close()
	if _, err := bob.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Close: %v", err)
	}
}
