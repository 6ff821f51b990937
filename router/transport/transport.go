// Package transport is the seam between the router and its transports,
// as wireguard-go's conn.Bind is between its device and the network: the
// router is given its transports, dials and accepts sessions through
// them, publishes the address each contributes, and sees only Conns,
// whatever carries them. NTCP2 (package ntcp2) implements it; SSU2 would
// be another package doing the same; package transporttest is one in
// memory, for tests.
package transport

import (
	"context"
	"fmt"
	"time"

	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/router/i2np"
)

// A Transport opens sessions of one kind with the routers that publish an
// address for it, and accepts those peers open. It owns what it listens
// and dials with (its listener, its dialer) and the keys it uses; the
// router keeps its long-term keys (router.Identity) and hands them over.
type Transport interface {
	// Name is the transport style published in RouterAddresses, e.g. NTCP2.
	Name() string
	// Address is the RouterAddress this transport contributes to our
	// RouterInfo: published (with a host and port peers dial) when it
	// accepts sessions, else unpublished.
	Address() netdb.RouterAddress
	// CanDial reports whether ri publishes an address this transport can
	// open a session to.
	CanDial(ri *netdb.RouterInfo) bool
	// Dial opens a session with ri, presenting ours in the handshake.
	// Handshake failures wrap the sentinels of errors.go; a failure to
	// reach the address at all is a *net.OpError with Op "dial". Ending
	// ctx closes the connection during the handshake and interrupts
	// Receive after it (Close still says goodbye).
	Dial(ctx context.Context, ri, ours *netdb.RouterInfo) (Conn, error)
	// Accept waits for the next peer to connect and returns its session,
	// not yet established, so that the caller runs handshakes
	// concurrently and may refuse some. A transport that accepts nothing
	// returns ErrNoListener at once; after Close, Accept returns an error
	// that matches net.ErrClosed.
	Accept() (Inbound, error)
	// Close stops accepting (closes the listener); sessions already open
	// stay open.
	Close() error
}

// An Inbound is a connection a peer opened, before the handshake.
type Inbound interface {
	// Handshake runs the responder's side of the handshake and returns
	// the session and the peer's RouterInfo, as the handshake carried it
	// and verified (signature, network, the key the peer used). Failures
	// wrap the sentinels of errors.go. Ending ctx closes the connection
	// during the handshake and interrupts Receive after it.
	Handshake(ctx context.Context) (Conn, *netdb.RouterInfo, error)
	// Refuse closes the connection without a handshake.
	Refuse()
	// Remote names the peer's end, for logs.
	Remote() string
}

// A Conn is an established session with one peer.
type Conn interface {
	// SendI2NP sends one I2NP message; safe for concurrent use.
	SendI2NP(m i2np.Message) error
	// Receive returns the next thing the peer sent, waiting until
	// deadline (then an error whose Timeout() is true). A session the
	// peer ended returns a *Terminated error.
	Receive(deadline time.Time) (Received, error)
	// Close tells the peer why (a termination reason) and closes.
	Close(reason Reason) error
}

// Received is one thing a peer sent: an I2NP message, or a RouterInfo it
// pushed outside I2NP (NTCP2's RouterInfo block).
type Received struct {
	Message    *i2np.Message
	RouterInfo []byte // encoded; nil for a message
}

// Reason is why a session ended (the NTCP2 and SSU2 termination codes).
type Reason uint8

const (
	ReasonNormal   Reason = 0  // normal close or unspecified
	ReasonIdle     Reason = 2  // idle timeout
	ReasonShutdown Reason = 3  // router shutdown
	ReasonAEAD     Reason = 4  // data phase AEAD failure
	ReasonSkew     Reason = 7  // clock skew
	ReasonPayload  Reason = 10 // payload format error
	ReasonBanned   Reason = 17
)

func (r Reason) String() string {
	switch r {
	case ReasonNormal:
		return "normal"
	case ReasonIdle:
		return "idle"
	case ReasonShutdown:
		return "shutdown"
	case ReasonAEAD:
		return "aead"
	case ReasonSkew:
		return "clock skew"
	case ReasonPayload:
		return "payload"
	case ReasonBanned:
		return "banned"
	}
	return fmt.Sprintf("reason %d", uint8(r))
}

// Benign reports whether the reason is an ordinary one (normal close,
// idle, shutdown and the codes below them), not one that says something
// is wrong with us (banned, clock skew, bad frames or payload).
func (r Reason) Benign() bool { return r <= ReasonShutdown }

// Terminated is a session the peer ended, with its reason.
type Terminated struct{ Reason Reason }

func (e *Terminated) Error() string {
	return fmt.Sprintf("transport: peer terminated the session (%v)", e.Reason)
}
