// Package transporttest is an in-memory transport.Transport, as
// wireguard-go's conn/bindtest is an in-memory conn.Bind: the routers of
// one process reach each other through a Network, by router hash, with no
// sockets. A session carries I2NP messages as they are sent; its
// handshake hands each side the other's RouterInfo and checks nothing.
// Its RouterAddresses have the transport style Style.
package transporttest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/router/i2np"
	"github.com/i2pseed/i2pseed/router/transport"
)

// Style is the transport style of the addresses this transport publishes.
const Style = "TEST"

// backlog is how many sessions wait for Accept, as a listener's backlog:
// a Dial beyond it waits.
const backlog = 16

// A Network connects the Transports made from it.
type Network struct {
	mu    sync.Mutex
	nodes map[netdb.Hash]*Transport
}

// NewNetwork returns an empty network.
func NewNetwork() *Network { return &Network{nodes: map[netdb.Hash]*Transport{}} }

// Transport returns router self's transport on n. With listen it accepts
// sessions and publishes an address (option "accepts") that other
// routers' transports dial; without, it only dials.
func (n *Network) Transport(self netdb.Hash, listen bool) *Transport {
	t := &Transport{n: n, self: self, listen: listen, accepts: make(chan *inbound, backlog), done: make(chan struct{})}
	if listen {
		n.mu.Lock()
		n.nodes[self] = t
		n.mu.Unlock()
	}
	return t
}

// Transport is one router's end of a Network; it is a
// transport.Transport.
type Transport struct {
	n       *Network
	self    netdb.Hash
	listen  bool
	accepts chan *inbound
	done    chan struct{}
	once    sync.Once

	mu    sync.Mutex
	dials int
}

var _ transport.Transport = (*Transport)(nil)

// Name is Style.
func (t *Transport) Name() string { return Style }

// Address is a Style address, with "accepts" when t listens.
func (t *Transport) Address() netdb.RouterAddress {
	a := netdb.RouterAddress{Cost: 10, Transport: Style}
	if t.listen {
		a.Options = netdb.Mapping{{Key: "accepts", Value: "1"}}
	}
	return a
}

// CanDial reports whether ri publishes a Style address that accepts
// sessions.
func (t *Transport) CanDial(ri *netdb.RouterInfo) bool {
	return slices.ContainsFunc(ri.Addresses, func(a netdb.RouterAddress) bool {
		_, ok := a.Options.Get("accepts")
		return a.Transport == Style && ok
	})
}

// Dials counts the sessions t opened.
func (t *Transport) Dials() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.dials
}

// errRefused is a dial to a router that is not listening.
var errRefused = errors.New("transporttest: connection refused")

// Dial opens a session with ri's transport on the network, which receives
// ours with it. Ending ctx interrupts Receive.
func (t *Transport) Dial(ctx context.Context, ri, ours *netdb.RouterInfo) (transport.Conn, error) {
	t.n.mu.Lock()
	peer := t.n.nodes[ri.Hash()]
	t.n.mu.Unlock()
	if peer == nil || !t.CanDial(ri) {
		return nil, &net.OpError{Op: "dial", Net: Style, Err: errRefused}
	}
	a, b := pipe()
	select {
	case peer.accepts <- &inbound{conn: b, peer: ours, remote: t.self.String()}:
	case <-peer.done:
		return nil, &net.OpError{Op: "dial", Net: Style, Err: errRefused}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	t.mu.Lock()
	t.dials++
	t.mu.Unlock()
	context.AfterFunc(ctx, a.interrupt)
	return a, nil
}

// Accept waits for a router to dial t.
func (t *Transport) Accept() (transport.Inbound, error) {
	if !t.listen {
		return nil, transport.ErrNoListener
	}
	select {
	case in := <-t.accepts:
		return in, nil
	case <-t.done:
		return nil, fmt.Errorf("transporttest: accept: %w", net.ErrClosed)
	}
}

// Close stops accepting.
func (t *Transport) Close() error {
	t.once.Do(func() {
		close(t.done)
		t.n.mu.Lock()
		if t.n.nodes[t.self] == t {
			delete(t.n.nodes, t.self)
		}
		t.n.mu.Unlock()
	})
	return nil
}

// inbound is a session a router opened, not yet handed over.
type inbound struct {
	conn   *conn
	peer   *netdb.RouterInfo
	remote string
}

func (in *inbound) Handshake(ctx context.Context) (transport.Conn, *netdb.RouterInfo, error) {
	if err := ctx.Err(); err != nil {
		in.Refuse()
		return nil, nil, err
	}
	context.AfterFunc(ctx, in.conn.interrupt)
	return in.conn, in.peer, nil
}

func (in *inbound) Refuse()        { in.conn.end(io.EOF) }
func (in *inbound) Remote() string { return in.remote }

// conn is one end of a session.
type conn struct {
	peer *conn
	wake chan struct{} // signalled when something changes

	mu          sync.Mutex
	inbox       []transport.Received
	peerErr     error // how the peer ended the session
	closed      bool
	interrupted bool
}

func pipe() (*conn, *conn) {
	a, b := &conn{wake: make(chan struct{}, 1)}, &conn{wake: make(chan struct{}, 1)}
	a.peer, b.peer = b, a
	return a, b
}

// update changes c's state under its lock and wakes its Receive.
func (c *conn) update(f func()) {
	c.mu.Lock()
	f()
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *conn) interrupt() { c.update(func() { c.interrupted = true }) }

// end closes c's side and tells the peer's Receive err.
func (c *conn) end(err error) {
	c.update(func() { c.closed = true })
	c.peer.update(func() {
		if c.peer.peerErr == nil {
			c.peer.peerErr = err
		}
	})
}

// ErrClosed is what SendI2NP returns once either side has closed.
var ErrClosed = fmt.Errorf("transporttest: session closed: %w", net.ErrClosed)

func (c *conn) SendI2NP(m i2np.Message) error {
	c.mu.Lock()
	ended := c.closed || c.peerErr != nil
	c.mu.Unlock()
	if ended {
		return ErrClosed
	}
	m.Body = slices.Clone(m.Body)
	c.peer.update(func() { c.peer.inbox = append(c.peer.inbox, transport.Received{Message: &m}) })
	return nil
}

// Receive returns what the peer sent, in order, then how it ended the
// session.
func (c *conn) Receive(deadline time.Time) (transport.Received, error) {
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for {
		if r, ok, err := c.next(); ok {
			return r, err
		}
		select {
		case <-c.wake:
		case <-timer.C:
			return transport.Received{}, os.ErrDeadlineExceeded // as a net.Conn's
		}
	}
}

// next is what Receive returns now, if anything (ok).
func (c *conn) next() (r transport.Received, ok bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.interrupted:
		return r, true, fmt.Errorf("transporttest: session interrupted: %w", context.Canceled)
	case c.closed:
		return r, true, ErrClosed
	case len(c.inbox) > 0:
		r = c.inbox[0]
		c.inbox = c.inbox[1:]
		return r, true, nil
	case c.peerErr != nil:
		return r, true, c.peerErr
	}
	return r, false, nil
}

// Close tells the peer the reason (its Receive returns a
// *transport.Terminated once it has read what came before).
func (c *conn) Close(reason transport.Reason) error {
	c.end(&transport.Terminated{Reason: reason})
	return nil
}
