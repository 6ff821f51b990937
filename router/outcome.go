package router

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/i2pseed/i2pseed/router/ntcp2"
)

// Outcome classifies how a handshake or a session ended. Floodfills are
// backed off by it, and metrics count it.
type Outcome uint8

const (
	OutcomeOK          Outcome = iota // handshake done / session ran its course
	OutcomeDial                       // TCP connect failed (refused, unreachable)
	OutcomeNoReply                    // closed or reset before message 2 (often: wrong netId, our IP blocked, wrong key)
	OutcomeTimeout                    // no answer in time
	OutcomeDecrypt                    // a message did not authenticate (wrong static key, router hash or IV)
	OutcomeClockSkew                  // peer's clock is over a minute off ours
	OutcomeSilentClose                // data phase: closed without a Termination block
	OutcomeTerminated                 // data phase: the peer sent a Termination block
	OutcomeCanceled                   // we stopped
	OutcomeOther                      // anything else (malformed frames, write errors)
	numOutcomes
)

func (o Outcome) String() string {
	if o >= numOutcomes {
		return fmt.Sprintf("Outcome(%d)", uint8(o))
	}
	return [...]string{"ok", "dial", "eof_before_message_2", "timeout", "decrypt", "clock_skew",
		"silent_close", "terminated", "canceled", "other"}[o]
}

// TerminatedError is a session the peer ended with a Termination block.
type TerminatedError struct {
	Reason byte // NTCP2 termination reason, e.g. 2 idle, 9 timeout
}

func (e *TerminatedError) Error() string {
	return fmt.Sprintf("router: peer terminated the session (reason %d)", e.Reason)
}

// classifyHandshake says why dialing or a handshake failed.
func classifyHandshake(err error) Outcome {
	var op *net.OpError
	switch {
	case err == nil:
		return OutcomeOK
	case errors.Is(err, context.Canceled):
		return OutcomeCanceled
	case isTimeout(err):
		return OutcomeTimeout
	case errors.Is(err, ntcp2.ErrDecrypt):
		return OutcomeDecrypt
	case errors.Is(err, ntcp2.ErrClockSkew):
		return OutcomeClockSkew
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET):
		return OutcomeNoReply
	case errors.As(err, &op) && op.Op == "dial":
		return OutcomeDial
	}
	return OutcomeOther
}

// classifySession says why an established session ended.
func classifySession(err error) Outcome {
	var te *TerminatedError
	switch {
	case err == nil:
		return OutcomeOK
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return OutcomeCanceled
	case errors.As(err, &te):
		return OutcomeTerminated
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET):
		return OutcomeSilentClose
	case isTimeout(err):
		return OutcomeTimeout
	case errors.Is(err, ntcp2.ErrFrame):
		return OutcomeDecrypt
	}
	return OutcomeOther
}

func isTimeout(err error) bool {
	var ne interface{ Timeout() bool }
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}
