package router

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/i2pseed/i2pseed/router/transport"
)

// Outcome classifies how a handshake or a session ended. Floodfills are
// backed off by it, and metrics count it.
type Outcome uint8

const (
	OutcomeOK          Outcome = iota // handshake done / session ran its course
	OutcomeDial                       // TCP connect failed (refused, unreachable)
	OutcomeNoMessage2                 // outbound: no message 2 came, closed or held (wrong netId, our IP blocked, wrong key; i2pd 2.57+ holds a rejected message 1 open 10-42 s)
	OutcomeTimeout                    // no answer in time
	OutcomeDecrypt                    // a message did not authenticate (wrong static key, router hash or IV)
	OutcomeClockSkew                  // peer's clock is over a minute off ours
	OutcomeSilentClose                // data phase: closed without a Termination block
	OutcomeTerminated                 // data phase: the peer sent a Termination block
	OutcomeCanceled                   // we stopped
	OutcomeOther                      // anything else (malformed frames, write errors)
	OutcomeNoMessage1                 // inbound: the peer sent no message 1 (a probe, or gave up)
	OutcomeNoMessage3                 // inbound: no message 3 came after our message 2 (Alice refused it)
	OutcomeUnanswered                 // data phase: the floodfill stopped answering lookups
	numOutcomes
)

func (o Outcome) String() string {
	if o >= numOutcomes {
		return fmt.Sprintf("Outcome(%d)", uint8(o))
	}
	return [...]string{"ok", "dial", "no_message_2", "timeout", "decrypt", "clock_skew",
		"silent_close", "terminated", "canceled", "other", "no_message_1", "no_message_3", "unanswered"}[o]
}

// classifyHandshake says why dialing or a handshake failed.
func classifyHandshake(err error) Outcome {
	var op *net.OpError
	switch {
	case err == nil:
		return OutcomeOK
	case errors.Is(err, context.Canceled):
		return OutcomeCanceled
	case errors.Is(err, transport.ErrNoMessage1):
		return OutcomeNoMessage1
	case errors.Is(err, transport.ErrNoMessage2):
		return OutcomeNoMessage2
	case errors.Is(err, transport.ErrNoMessage3):
		return OutcomeNoMessage3
	case errors.Is(err, transport.ErrDecrypt):
		return OutcomeDecrypt
	case errors.Is(err, transport.ErrClockSkew):
		return OutcomeClockSkew
	case errors.As(err, &op) && op.Op == "dial":
		return OutcomeDial
	case isTimeout(err):
		return OutcomeTimeout
	}
	return OutcomeOther
}

// classifySession says why an established session ended.
func classifySession(err error) Outcome {
	var te *transport.Terminated
	switch {
	case err == nil:
		return OutcomeOK
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return OutcomeCanceled
	case errors.As(err, &te):
		return OutcomeTerminated
	case errors.Is(err, ErrUnanswered):
		return OutcomeUnanswered
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET):
		return OutcomeSilentClose
	case isTimeout(err):
		return OutcomeTimeout
	case errors.Is(err, transport.ErrFrame):
		return OutcomeDecrypt
	}
	return OutcomeOther
}

func isTimeout(err error) bool {
	var ne interface{ Timeout() bool }
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}
