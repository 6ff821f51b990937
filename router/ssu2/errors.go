package ssu2

import (
	"errors"

	"github.com/i2pseed/i2pseed/router/transport"
)

// ErrBlock is wrapped by every payload block parsing error.
var ErrBlock = errors.New("ssu2: bad block")

// ErrPacket is wrapped when a packet parses but is not the one expected:
// another type, connection ID or network.
var ErrPacket = errors.New("ssu2: unexpected packet")

// Handshake failures by kind; each matches its kind in package transport
// with errors.Is. ErrDecrypt: a packet did not authenticate (wrong intro
// key, static key or tampering). ErrClockSkew: the peer's clock is over
// MaxClockSkew off. ErrNoRetry, ErrNoSessionCreated and ErrNoData: no
// valid answer came in time.
var (
	ErrDecrypt          = transport.KindError("ssu2: decryption failed", transport.ErrDecrypt)
	ErrClockSkew        = transport.KindError("ssu2: clock skew", transport.ErrClockSkew)
	ErrNoRetry          = transport.KindError("ssu2: no Retry (answer to TokenRequest)", transport.ErrNoMessage2)
	ErrNoSessionCreated = transport.KindError("ssu2: no SessionCreated (message 2)", transport.ErrNoMessage2)
	ErrNoData           = transport.KindError("ssu2: SessionConfirmed (message 3) not acknowledged", transport.ErrNoMessage3)
)
