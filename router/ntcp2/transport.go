package ntcp2

import (
	"context"
	"net"
	"net/netip"
	"time"

	"github.com/i2pseed/i2pseed/internal/setting"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/router/transport"
)

// TransportConfig configures a Transport.
type TransportConfig struct {
	Keys  RouterKeys  // our long-term NTCP2 keys
	NetID netdb.NetID // required
	Self  netdb.Hash  // our router hash, which peers address in message 1
	// Listener, if set, accepts inbound sessions, and Published is the
	// address we publish for it (ignored without one): peers dial it.
	Listener  net.Listener
	Published netip.AddrPort
	// DialTCP connects to a peer; nil means a net.Dialer with a 25 s
	// timeout (i2pd's) bound to the Listener's IP, or else Published's, so
	// that peers see us come from the address we publish.
	DialTCP func(ctx context.Context, addr string) (net.Conn, error)
}

// Transport is NTCP2 for one router: it dials routers that publish an
// NTCP2 address and, with a listener, accepts those that connect. It is a
// transport.Transport.
type Transport struct {
	cfg  TransportConfig
	dial func(ctx context.Context, addr string) (net.Conn, error)
}

var _ transport.Transport = (*Transport)(nil)

// NewTransport returns the transport cfg describes; it takes over
// cfg.Listener (Close closes it).
func NewTransport(cfg TransportConfig) *Transport {
	if cfg.Listener == nil {
		cfg.Published = netip.AddrPort{}
	}
	t := &Transport{cfg: cfg, dial: cfg.DialTCP}
	if t.dial == nil {
		t.dial = newSourceDialer(cfg.Listener, cfg.Published.Addr()).dial
	}
	return t
}

// Listen opens the transport s describes (checked by Settings.Check):
// with s.Listen, it listens there and publishes its address; without, it
// only dials. cfg gives the rest (its Listener and Published are set
// here). A failure to listen is a *setting.Error naming ntcp2-listen.
func Listen(ctx context.Context, s Settings, cfg TransportConfig) (*Transport, error) {
	pub, err := s.published()
	if err != nil {
		return nil, err
	}
	if !pub.IsValid() {
		cfg.Listener = nil
		return NewTransport(cfg), nil
	}
	ln, err := new(net.ListenConfig).Listen(ctx, "tcp", s.Listen)
	if err != nil {
		return nil, setting.Errorf("ntcp2-listen", s.Listen, "%v", err)
	}
	cfg.Listener, cfg.Published = ln, pub
	return NewTransport(cfg), nil
}

func (t *Transport) config() *Config { return &Config{NetID: t.cfg.NetID, Static: t.cfg.Keys.Static} }

// Name is "NTCP2".
func (t *Transport) Name() string { return "NTCP2" }

// Address is our NTCP2 address: published with the listener's address,
// else unpublished.
func (t *Transport) Address() netdb.RouterAddress { return t.cfg.Keys.Address(t.cfg.Published) }

// CanDial reports whether ri publishes an NTCP2 address we can dial
// (PeerFromRouterInfo).
func (t *Transport) CanDial(ri *netdb.RouterInfo) bool {
	_, _, ok := PeerFromRouterInfo(ri)
	return ok
}

// Dial connects to ri's NTCP2 address (PeerFromRouterInfo) and runs
// Alice's handshake, presenting ours. Ending ctx closes the connection
// during the handshake and interrupts the Session's Receive after it.
func (t *Transport) Dial(ctx context.Context, ri, ours *netdb.RouterInfo) (transport.Conn, error) {
	bob, addr, ok := PeerFromRouterInfo(ri)
	if !ok {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errNoAddress}
	}
	conn, err := t.dial(ctx, addr)
	if err != nil {
		return nil, err
	}
	sess, err := establish(ctx, conn, EstablishLinger, func() (*Session, error) { return Client(conn, t.config(), bob, ours.Bytes()) })
	if err != nil {
		return nil, err
	}
	return sess, nil
}

// Accept waits for a connection to the listener; transport.ErrNoListener
// without one.
func (t *Transport) Accept() (transport.Inbound, error) {
	if t.cfg.Listener == nil {
		return nil, transport.ErrNoListener
	}
	conn, err := t.cfg.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &inbound{t: t, conn: conn}, nil
}

// Close closes the listener, if any.
func (t *Transport) Close() error {
	if t.cfg.Listener == nil {
		return nil
	}
	return t.cfg.Listener.Close()
}

// inbound is a connection the listener accepted.
type inbound struct {
	t    *Transport
	conn net.Conn
}

// Handshake runs Bob's handshake; the RouterInfo is Alice's, from
// message 3.
func (in *inbound) Handshake(ctx context.Context) (transport.Conn, *netdb.RouterInfo, error) {
	t := in.t
	sess, err := establish(ctx, in.conn, 0, func() (*Session, error) { return Server(in.conn, t.config(), t.cfg.Self, t.cfg.Keys.IV) })
	if err != nil {
		return nil, nil, err
	}
	return sess, sess.PeerRouterInfo, nil
}

func (in *inbound) Refuse()        { in.conn.Close() }
func (in *inbound) Remote() string { return in.conn.RemoteAddr().String() }

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
