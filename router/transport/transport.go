// Package transport is the seam between the router and its transports:
// what a harvest needs of a session with a peer, whatever carries it.
// NTCP2 (package ntcp2) implements it; SSU2 would too.
package transport

import (
	"fmt"
	"time"

	"github.com/i2pseed/i2pseed/router/i2np"
)

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
