package ntcp2

import (
	"context"
	"net"
	"time"

	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/router/transport"
)

// Transport is NTCP2 for one router: it dials routers that publish an
// NTCP2 address and accepts those that connect. It is a
// transport.Transport.
type Transport struct {
	Keys  RouterKeys
	NetID netdb.NetID
	// DialTCP connects to an address; nil means a net.Dialer's.
	DialTCP func(ctx context.Context, addr string) (net.Conn, error)
}

var _ transport.Transport = (*Transport)(nil)

func (t *Transport) config() *Config { return &Config{NetID: t.NetID, Static: t.Keys.Static} }

// Name is "NTCP2".
func (t *Transport) Name() string { return "NTCP2" }

// CanDial reports whether ri publishes an NTCP2 address with host, port,
// s and i.
func (t *Transport) CanDial(ri *netdb.RouterInfo) bool {
	_, _, ok := PeerFromRouterInfo(ri)
	return ok
}

// Dial connects to ri's NTCP2 address and runs Alice's handshake,
// presenting ours. Ending ctx closes the connection during the handshake
// and interrupts the Session's Receive after it.
func (t *Transport) Dial(ctx context.Context, ri, ours *netdb.RouterInfo) (transport.Conn, error) {
	bob, addr, ok := PeerFromRouterInfo(ri)
	if !ok {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errNoAddress}
	}
	dial := t.DialTCP
	if dial == nil {
		var d net.Dialer
		dial = func(ctx context.Context, addr string) (net.Conn, error) { return d.DialContext(ctx, "tcp", addr) }
	}
	conn, err := dial(ctx, addr)
	if err != nil {
		return nil, err
	}
	return establish(ctx, conn, EstablishLinger, func() (*Session, error) { return Client(conn, t.config(), bob, ours.Bytes()) })
}

// Accept runs Bob's handshake on a connection our listener accepted;
// the Session's PeerRouterInfo is Alice's. Ending ctx closes it during
// the handshake and interrupts the Session's Receive after it.
func (t *Transport) Accept(ctx context.Context, conn net.Conn, self netdb.Hash) (*Session, error) {
	return establish(ctx, conn, 0, func() (*Session, error) { return Server(conn, t.config(), self, t.Keys.IV) })
}

// establish runs hs on conn, which ctx ending closes during the
// handshake; once the Session is established, ctx ending interrupts its
// Receive instead, so that Close still says goodbye (reason shutdown, or
// whatever the caller gives). A failed handshake closes conn, after waiting up
// to linger for the peer to close it first: as Alice we never end a
// connection that has carried no I2NP message while the peer still holds
// it (Java I2P blocks the IP of such connections; see Session.Close).
func establish(ctx context.Context, conn net.Conn, linger time.Duration, hs func() (*Session, error)) (*Session, error) {
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	sess, err := hs()
	if err != nil {
		if stop() && linger > 0 {
			awaitPeerClose(conn, linger)
		}
		conn.Close()
		return nil, err
	}
	if !stop() { // ctx ended as the handshake completed
		conn.Close()
		return nil, ctx.Err()
	}
	sess.stop = context.AfterFunc(ctx, sess.interrupt)
	return sess, nil
}

type addrError struct{}

func (addrError) Error() string { return "ntcp2: the router publishes no NTCP2 address" }

var errNoAddress error = addrError{}
