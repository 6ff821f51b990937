package transport

import "errors"

// Handshake and session failures by kind, the same for every transport (a
// Noise handshake of three messages, then authenticated frames). A
// transport's own errors match them with errors.Is; the router names its
// outcomes after them.
var (
	ErrNoMessage1 = errors.New("transport: no message 1")      // responder: the request never came whole
	ErrNoMessage2 = errors.New("transport: no message 2")      // initiator: no reply to our request
	ErrNoMessage3 = errors.New("transport: no message 3")      // responder: our reply was not confirmed
	ErrDecrypt    = errors.New("transport: decryption failed") // a handshake message did not authenticate
	ErrClockSkew  = errors.New("transport: clock skew")        // the peer's clock is too far off
	ErrFrame      = errors.New("transport: bad frame")         // a data-phase frame did not authenticate or parse
)

// ErrNoListener is what Accept returns at once from a transport that
// accepts no sessions (outbound only).
var ErrNoListener = errors.New("transport: accepts no sessions")

// KindError is an error with its own text that matches one of the kinds
// above with errors.Is, so a transport's sentinels can keep their names.
func KindError(text string, kind error) error { return &kindError{text, kind} }

type kindError struct {
	text string
	kind error
}

func (e *kindError) Error() string        { return e.text }
func (e *kindError) Is(target error) bool { return target == e.kind }
