package ssu2

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/i2pseed/i2pseed/router/i2np"
	"github.com/i2pseed/i2pseed/router/transport"
)

// Data phase timing and limits, as the implementations expect them: i2pd
// resends a packet not ACKed within about 150 ms and ends the session
// after 5 resends, so we ACK every packet that asks for one at once (and
// with every packet we send); ours we resend with new packet numbers.
const (
	tick        = 50 * time.Millisecond // the session's clock for resends
	initialRTO  = 540 * time.Millisecond
	maxRTO      = 2500 * time.Millisecond
	maxResends  = 5
	maxRanges   = 32  // ACK ranges per block, as i2pd sends
	inboxLen    = 256 // received messages waiting for Receive; more are dropped
	maxInflated = 65536
)

// ErrNoACK ends a session whose packet went unacknowledged after
// maxResends resends; it matches transport.ErrFrame.
var ErrNoACK = transport.KindError("ssu2: packet never acknowledged", transport.ErrFrame)

// A Session is an established SSU2 session, Alice's side; it is a
// transport.Conn. It owns its UDP socket: one goroutine reads it,
// ACKs, resends and reassembles.
type Session struct {
	conn net.PacketConn
	peer netip.AddrPort
	keys *SessionKeys

	mu      sync.Mutex
	sendPN  uint32
	unacked map[uint32]*sentPacket
	recv    Received
	reasm   Reassembler
	err     error // why the session ended; nil while it runs

	inbox   chan transport.Received
	done    chan struct{} // closed when the session ends
	stop    sync.Once
	rtoBase time.Duration // initialRTO; shorter in tests

	interrupted   chan struct{} // closed when the Transport's Dial context ends
	interruptOnce sync.Once
	stopCtx       func() bool // ends the context.AfterFunc that interrupts
}

type sentPacket struct {
	blocks []byte
	sent   time.Time
	tries  int
}

var _ transport.Conn = (*Session)(nil)

// Dial runs Alice's whole handshake with peer over conn and returns the
// session, which then owns conn (on failure it stays the caller's):
// TokenRequest, SessionRequest and SessionConfirmed with routerInfo
// (ours, whose SSU2 address has cfg's static and intro keys), each resent
// until answered. Ending ctx ends the handshake.
func Dial(ctx context.Context, conn net.PacketConn, cfg *Config, peer Peer, routerInfo []byte) (*Session, error) {
	c, err := NewClientHandshake(cfg, peer)
	if err != nil {
		return nil, err
	}
	defer c.Zero()
	if _, err := c.RequestToken(ctx, conn); err != nil {
		return nil, err
	}
	if _, err := c.RequestSession(ctx, conn); err != nil {
		return nil, err
	}
	keys, h, payload, err := c.Confirm(ctx, conn, routerInfo)
	if err != nil {
		return nil, err
	}
	s := newSession(conn, peer.Addr, keys)
	s.mu.Lock()
	s.handle(h, payload, time.Now())
	s.mu.Unlock()
	go s.loop()
	return s, nil
}

// newSession is the data phase with keys, our next packet number 1
// (SessionConfirmed was 0); the caller starts loop.
func newSession(conn net.PacketConn, peer netip.AddrPort, keys *SessionKeys) *Session {
	return &Session{conn: conn, peer: peer, keys: keys, sendPN: 1, unacked: map[uint32]*sentPacket{},
		inbox: make(chan transport.Received, inboxLen), done: make(chan struct{}), rtoBase: initialRTO,
		interrupted: make(chan struct{})}
}

// ErrInterrupted is returned by Receive once the context the session was
// dialled under has ended; the session is still open for Close.
var ErrInterrupted = fmt.Errorf("ssu2: session interrupted: %w", context.Canceled)

// interrupt makes Receive return ErrInterrupted.
func (s *Session) interrupt() { s.interruptOnce.Do(func() { close(s.interrupted) }) }

// loop reads Bob's packets and keeps time for ACKs and resends until the
// session ends.
func (s *Session) loop() {
	buf := make([]byte, maxPacketLen)
	for {
		s.conn.SetReadDeadline(time.Now().Add(tick))
		n, from, err := s.conn.ReadFrom(buf)
		now := time.Now()
		s.mu.Lock()
		switch {
		case err != nil && !isTimeout(err):
			s.end(fmt.Errorf("ssu2: reading: %w", err))
		case err == nil && sameAddr(from, s.peer):
			if h, payload, err := OpenData(&s.keys.Recv, buf[:n]); err == nil {
				s.handle(h, payload, now)
			}
		}
		if s.err == nil {
			s.resend(now)
		}
		ended := s.err != nil
		s.mu.Unlock()
		if ended {
			return
		}
	}
}

// handle takes one Data packet of Bob's. Called with s.mu held.
func (s *Session) handle(h ShortHeader, payload []byte, now time.Time) {
	blocks, err := ParseBlocks(payload)
	if err != nil {
		s.terminate(transport.ReasonPayload, fmt.Errorf("%w: %w", transport.ErrFrame, err))
		return
	}
	if !s.recv.Add(h.PacketNumber) {
		s.send(nil, false, now) // a duplicate: our ACK was lost
		return
	}
	eliciting := false
	for _, b := range blocks {
		if b.Type != BlockACK && b.Type != BlockPadding && b.Type != BlockTermination {
			eliciting = true
		}
		if err := s.block(b, now); err != nil {
			s.terminate(transport.ReasonPayload, fmt.Errorf("%w: %w", transport.ErrFrame, err))
			return
		}
		if s.err != nil {
			return
		}
	}
	if eliciting {
		s.send(nil, false, now) // an ACK at once
	}
}

// block takes one block of Bob's.
func (s *Session) block(b Block, now time.Time) error {
	switch b.Type {
	case BlockACK:
		a, err := ParseACK(b.Data)
		if err != nil {
			return err
		}
		for pn := range s.unacked {
			if a.Acked(pn) {
				delete(s.unacked, pn)
			}
		}
	case BlockI2NP:
		m, err := ParseI2NP(b.Data)
		if err != nil {
			return err
		}
		m.Body = bytes.Clone(m.Body)
		s.deliver(transport.Received{Message: &m})
	case BlockFirstFragment, BlockFollowOnFragment:
		return s.fragment(b, now)
	case BlockRouterInfo:
		return s.routerInfo(b.Data)
	case BlockTermination:
		t, err := ParseTermination(b.Data)
		if err != nil {
			return err
		}
		if t.Reason != reasonTerminationReceived {
			s.sendTermination(reasonTerminationReceived, now)
		}
		s.end(&transport.Terminated{Reason: t.Reason})
	}
	return nil
}

// reasonTerminationReceived is the Termination reason that acknowledges
// the peer's Termination.
const reasonTerminationReceived transport.Reason = 1

func (s *Session) fragment(b Block, now time.Time) error {
	var m i2np.Message
	var ok bool
	var err error
	if b.Type == BlockFirstFragment {
		m, ok, err = s.reasm.First(b.Data, now)
	} else {
		m, ok, err = s.reasm.FollowOn(b.Data, now)
	}
	if ok {
		s.deliver(transport.Received{Message: &m})
	}
	return err
}

func (s *Session) routerInfo(data []byte) error {
	rb, err := ParseRouterInfoBlock(data)
	if err != nil {
		return err
	}
	ri := bytes.Clone(rb.RouterInfo)
	if rb.Gzip {
		zr, err := gzip.NewReader(bytes.NewReader(rb.RouterInfo))
		if err != nil {
			return fmt.Errorf("%w: RouterInfo: %w", ErrBlock, err)
		}
		if ri, err = io.ReadAll(io.LimitReader(zr, maxInflated)); err != nil {
			return fmt.Errorf("%w: RouterInfo: %w", ErrBlock, err)
		}
	}
	s.deliver(transport.Received{RouterInfo: ri})
	return nil
}

// deliver queues r for Receive, dropping it if Receive lags far behind.
func (s *Session) deliver(r transport.Received) {
	select {
	case s.inbox <- r:
	default:
	}
}

// rto is how long a packet sent tries+1 times waits for its ACK.
func (s *Session) rto(tries int) time.Duration {
	return min(s.rtoBase<<tries, maxRTO)
}

// resend sends again, with new packet numbers, what waited too long for
// an ACK; after maxResends the session ends. Called with s.mu held.
func (s *Session) resend(now time.Time) {
	for pn, p := range s.unacked {
		if now.Sub(p.sent) < s.rto(p.tries) {
			continue
		}
		if p.tries >= maxResends {
			s.terminate(transport.ReasonIdle, fmt.Errorf("%w: packet %d, %d resends", ErrNoACK, pn, p.tries))
			return
		}
		delete(s.unacked, pn)
		s.send(p.blocks, true, now)
		if s.err != nil {
			return
		}
		s.unacked[s.sendPN-1].tries = p.tries + 1
	}
}

// send sends one Data packet: blocks, our ACK of what we received, and
// padding up to the minimum; tracked packets wait for Bob's ACK. Called
// with s.mu held.
func (s *Session) send(blocks []byte, track bool, now time.Time) {
	payload := blocks
	if a, ok := s.recv.ACK(maxRanges); ok {
		payload = AppendACK(bytes.Clone(blocks), a)
	}
	if n := len(payload) + blockHeaderLen; n < minDataPayload {
		payload = AppendBlock(payload, BlockPadding, make([]byte, minDataPayload-n))
	}
	pn := s.sendPN
	pkt, err := SealData(&s.keys.Send, pn, 0, payload)
	if err != nil {
		s.end(err)
		return
	}
	s.sendPN++
	if _, err := s.conn.WriteTo(pkt, net.UDPAddrFromAddrPort(s.peer)); err != nil {
		s.end(fmt.Errorf("ssu2: sending: %w", err))
		return
	}
	if track {
		s.unacked[pn] = &sentPacket{blocks: blocks, sent: now}
	}
}

// maxBlocks is the room for blocks in one Data packet, leaving room for
// an ACK block of maxRanges ranges.
const maxBlocks = MaxPacketLen - ShortHeaderLen - 16 - (blockHeaderLen + 5 + 2*maxRanges)

// SendI2NP sends m, in fragments if it does not fit one packet, each
// resent until acknowledged.
func (s *Session) SendI2NP(m i2np.Message) error {
	first, follow, err := SplitI2NP(m, maxBlocks)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	now := time.Now()
	for _, b := range append([][]byte{first}, follow...) {
		s.send(b, true, now)
	}
	return s.err
}

// Receive returns the next I2NP message or RouterInfo Bob sent, waiting
// until deadline (then os.ErrDeadlineExceeded, whose Timeout() is true).
// A session Bob ended returns a *transport.Terminated.
func (s *Session) Receive(deadline time.Time) (transport.Received, error) {
	select {
	case r := <-s.inbox:
		return r, nil
	default:
	}
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case r := <-s.inbox:
		return r, nil
	case <-s.done:
		s.mu.Lock()
		defer s.mu.Unlock()
		return transport.Received{}, s.err
	case <-s.interrupted:
		return transport.Received{}, ErrInterrupted
	case <-t.C:
		return transport.Received{}, errDeadline
	}
}

// Unacked is how many of our packets wait for Bob's ACK.
func (s *Session) Unacked() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.unacked)
}

// Close tells Bob why in a Termination block and closes the socket.
func (s *Session) Close(reason transport.Reason) error {
	if s.stopCtx != nil {
		s.stopCtx()
	}
	s.mu.Lock()
	if s.err == nil {
		s.sendTermination(reason, time.Now())
	}
	s.end(errClosed)
	s.mu.Unlock()
	return s.conn.Close()
}

var errClosed = fmt.Errorf("ssu2: session closed: %w", net.ErrClosed)

// sendTermination sends a Termination block (with our ACK). Called with
// s.mu held.
func (s *Session) sendTermination(reason transport.Reason, now time.Time) {
	t := Termination{ValidPackets: uint64(s.recv.Len()), Reason: reason}
	s.send(AppendTermination(nil, t), false, now)
}

// terminate ends the session for err, telling Bob reason.
func (s *Session) terminate(reason transport.Reason, err error) {
	s.sendTermination(reason, time.Now())
	s.end(err)
}

// end records why the session ended, once. Called with s.mu held.
func (s *Session) end(err error) {
	if s.err != nil {
		return
	}
	s.err = err
	s.stop.Do(func() { close(s.done) })
	s.keys.Zero()
}

// errDeadline is Receive's error when its deadline passes.
var errDeadline = os.ErrDeadlineExceeded
