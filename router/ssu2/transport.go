package ssu2

import (
	"context"
	"fmt"
	"net"
	"net/netip"

	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/router/transport"
)

// RouterKeys are a router's long-term SSU2 keys: the static key whose
// public half is its address's "s", and the intro key it publishes as
// "i".
type RouterKeys struct {
	Static   PrivateKey
	IntroKey Key
}

// KeySize is the length of RouterKeys' binary form: the static private
// key, then the intro key. Any KeySize random bytes are keys.
const KeySize = 2 * KeyLen

// MarshalBinary is the keys' binary form (KeySize bytes), as the router's
// identity keeps them.
func (k RouterKeys) MarshalBinary() ([]byte, error) {
	b := append(make([]byte, 0, KeySize), k.Static[:]...)
	return append(b, k.IntroKey[:]...), nil
}

// UnmarshalBinary reads MarshalBinary's form.
func (k *RouterKeys) UnmarshalBinary(b []byte) error {
	if len(b) != KeySize {
		return fmt.Errorf("ssu2: router keys of %d bytes, want %d", len(b), KeySize)
	}
	k.Static, k.IntroKey = PrivateKey(b[:KeyLen]), Key(b[KeyLen:])
	return nil
}

// Address is our SSU2 address, unpublished (we only dial): caps 4 (IPv4
// outbound), our intro key i and static key s, v=2. Bob masks the headers
// of his Data packets with i and checks s against the key we use in
// SessionConfirmed. Cost 14, as our NTCP2 address.
func (k *RouterKeys) Address() netdb.RouterAddress {
	i, _ := k.IntroKey.MarshalText()
	return netdb.RouterAddress{Cost: 14, Transport: "SSU2", Options: netdb.Mapping{
		{Key: "caps", Value: "4"}, {Key: "i", Value: string(i)},
		{Key: "s", Value: k.Static.Public().String()}, {Key: "v", Value: "2"}}}
}

// TransportConfig configures a Transport.
type TransportConfig struct {
	Keys  RouterKeys  // our long-term SSU2 keys
	NetID netdb.NetID // required
	// ListenUDP opens the UDP socket of one session to peer; nil means
	// net.ListenUDP on an unspecified address of peer's family and any
	// port.
	ListenUDP func(ctx context.Context, peer netip.AddrPort) (net.PacketConn, error)
}

// Transport is SSU2 for one router that only dials: each session has a
// socket of its own. It is a transport.Transport.
type Transport struct {
	cfg TransportConfig
}

var _ transport.Transport = (*Transport)(nil)

// NewTransport returns the transport cfg describes.
func NewTransport(cfg TransportConfig) *Transport {
	if cfg.ListenUDP == nil {
		cfg.ListenUDP = listenAny
	}
	return &Transport{cfg: cfg}
}

func listenAny(ctx context.Context, peer netip.AddrPort) (net.PacketConn, error) {
	network, addr := "udp4", "0.0.0.0:0"
	if peer.Addr().Is6() {
		network, addr = "udp6", "[::]:0"
	}
	return new(net.ListenConfig).ListenPacket(ctx, network, addr)
}

// Name is "SSU2".
func (t *Transport) Name() string { return "SSU2" }

// Address is our unpublished SSU2 address (RouterKeys.Address).
func (t *Transport) Address() netdb.RouterAddress { return t.cfg.Keys.Address() }

// CanDial reports whether ri publishes an SSU2 address we can dial
// (PeerFromRouterInfo).
func (t *Transport) CanDial(ri *netdb.RouterInfo) bool {
	_, ok := PeerFromRouterInfo(ri)
	return ok
}

type addrError struct{}

func (addrError) Error() string { return "ssu2: the router publishes no SSU2 address" }

var errNoAddress error = addrError{}

// Dial opens a socket and runs Alice's handshake with ri's SSU2 address
// (PeerFromRouterInfo), presenting ours. Ending ctx ends the handshake
// and, after it, interrupts the Session's Receive (ErrInterrupted); Close
// still says goodbye.
func (t *Transport) Dial(ctx context.Context, ri, ours *netdb.RouterInfo) (transport.Conn, error) {
	peer, ok := PeerFromRouterInfo(ri)
	if !ok {
		return nil, &net.OpError{Op: "dial", Net: "udp", Err: errNoAddress}
	}
	conn, err := t.cfg.ListenUDP(ctx, peer.Addr)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: "udp", Err: err}
	}
	cfg := &Config{NetID: t.cfg.NetID, Static: t.cfg.Keys.Static, IntroKey: t.cfg.Keys.IntroKey}
	s, err := Dial(ctx, conn, cfg, peer, ours.Bytes())
	if err != nil {
		conn.Close()
		return nil, err
	}
	if ctx.Err() != nil { // ctx ended as the handshake completed
		s.Close(transport.ReasonShutdown)
		return nil, ctx.Err()
	}
	s.stopCtx = context.AfterFunc(ctx, s.interrupt)
	return s, nil
}

// Accept returns transport.ErrNoListener: this transport only dials.
func (t *Transport) Accept() (transport.Inbound, error) { return nil, transport.ErrNoListener }

// Close has nothing to close: sessions own their sockets.
func (t *Transport) Close() error { return nil }
