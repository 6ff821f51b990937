package sam

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// A Listener accepts the session's incoming streams, one STREAM ACCEPT
// socket at a time. Closing it ends the session.
type Listener struct {
	s      *Session
	ctx    context.Context
	cancel context.CancelFunc
	mu     sync.Mutex
	cur    *ctrl // the socket waiting in STREAM ACCEPT, if any
	closed bool
}

// Listen returns the session's listener; Addr is its .b32.i2p address.
func (s *Session) Listen() *Listener {
	ctx, cancel := context.WithCancel(context.Background())
	return &Listener{s: s, ctx: ctx, cancel: cancel}
}

// A temporaryError is an Accept failure after which accepting again may
// work (an http.Server retries it).
type temporaryError struct{ error }

func (temporaryError) Temporary() bool { return true }
func (temporaryError) Timeout() bool   { return false }
func (e temporaryError) Unwrap() error { return e.error }

// Accept waits for a peer's stream. The Conn's RemoteAddr is the peer's
// destination. A bridge that cannot be reached or has lost the session
// ends the listener (the error is returned); a peer line that does not
// parse is skipped.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		c, err := l.accept()
		if err == nil || !errors.Is(err, ErrReply) {
			return c, err
		}
	}
}

func (l *Listener) accept() (net.Conn, error) {
	c, err := l.s.b.open(l.ctx)
	if err != nil {
		return nil, l.closedOr(err)
	}
	if !l.set(c) {
		c.Close()
		return nil, net.ErrClosed
	}
	defer l.set(nil)
	sctx, cancel := context.WithTimeout(l.ctx, helloTimeout)
	_, err = c.cmd(sctx, "STREAM", "STATUS", "STREAM ACCEPT ID="+l.s.id+" SILENT=false")
	cancel()
	if err != nil {
		c.Close()
		if errors.Is(err, ErrRefused) && !errors.Is(err, errInvalidID) {
			return nil, temporaryError{err}
		}
		return nil, l.closedOr(err)
	}
	line, err := c.line() // blocks until a peer connects or Close
	if err != nil {
		c.Close()
		return nil, l.closedOr(fmt.Errorf("sam: STREAM ACCEPT: %w", err))
	}
	al, err := ParseAcceptLine(line)
	if err != nil {
		c.Close()
		return nil, err
	}
	c.SetDeadline(time.Time{})
	return &Conn{ctrl: c, local: l.s.addr, remote: Addr{al.Destination}}, nil
}

// errInvalidID matches a refusal because the session is gone.
var errInvalidID = &ResultError{Result: ResultInvalidID}

// Is lets errors.Is(err, errInvalidID) match a ResultError by its Result.
func (e *ResultError) Is(target error) bool {
	t, ok := target.(*ResultError)
	return ok && t.Command == "" && t.Result == e.Result
}

// set makes c the pending socket; false once the listener is closed.
func (l *Listener) set(c *ctrl) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cur = c
	return !l.closed
}

// closedOr is net.ErrClosed once the listener is closed, else err.
func (l *Listener) closedOr(err error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return net.ErrClosed
	}
	return err
}

// Close stops accepting and ends the session.
func (l *Listener) Close() error {
	l.mu.Lock()
	l.closed = true
	if l.cur != nil {
		l.cur.Close()
	}
	l.mu.Unlock()
	l.cancel()
	return l.s.Close()
}

// Addr is the session's .b32.i2p address (network "i2p").
func (l *Listener) Addr() net.Addr { return l.s.addr }
