package ntcp2

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/router/i2np"
	"github.com/i2pseed/i2pseed/router/transport"
)

// HandshakeTimeout bounds a whole handshake (i2pd: 25 s outbound, 10 s inbound).
const HandshakeTimeout = 15 * time.Second

// A Session is an established NTCP2 connection; it is a transport.Conn.
type Session struct {
	conn    net.Conn
	r       *FrameReader
	keys    Keys
	pending []transport.Received // received, not yet returned by Receive

	wmu sync.Mutex
	w   *FrameWriter

	// PeerRouterInfo is the RouterInfo Alice sent in message 3 (on Bob's
	// side), validated; nil on Alice's side.
	PeerRouterInfo *netdb.RouterInfo

	stop func() bool // ends the context.AfterFunc that interrupts (Transport)
	// interrupted is set when the context of the Transport's Dial or
	// Accept ended: Receive returns ErrInterrupted from then on.
	interrupted atomic.Bool
	// ended is set when the peer sent a Termination: Close then only
	// closes, as the peer expects.
	ended bool
	// padding is Config.Padding: nil pads data frames at random.
	padding func(max int) int
}

// Client runs Alice's handshake on conn to peer, presenting routerInfo
// (ours, signed, with an NTCP2 address whose s is cfg.Static's public key).
func Client(conn net.Conn, cfg *Config, peer Peer, routerInfo []byte) (*Session, error) {
	conn.SetDeadline(time.Now().Add(HandshakeTimeout))
	defer conn.SetDeadline(time.Time{})
	payload := AppendBlock(nil, BlockRouterInfo, append([]byte{0}, routerInfo...))
	if pad := cfg.padding(0, sendPadding3Max); pad > 0 {
		payload = AppendBlock(payload, BlockPadding, make([]byte, pad))
	}
	hs := NewClientHandshake(cfg, peer, len(payload))
	msg1, err := hs.SessionRequest()
	if err != nil {
		return nil, err
	}
	if _, err := conn.Write(msg1); err != nil {
		return nil, fmt.Errorf("%w: write message 1: %w", ErrHandshake, err)
	}
	if err := hs.ReadSessionCreated(conn); err != nil {
		return nil, err
	}
	msg3, keys, err := hs.SessionConfirmed(payload)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Write(msg3); err != nil {
		return nil, fmt.Errorf("%w: write message 3: %w", ErrHandshake, err)
	}
	return newSession(conn, keys, cfg.Padding), nil
}

// Server runs Bob's handshake on an accepted conn. It accepts Alice only
// if message 3 starts with a RouterInfo block holding a validly signed
// RouterInfo of our network whose NTCP2 address carries the static key she
// used.
func Server(conn net.Conn, cfg *Config, routerHash [32]byte, iv [16]byte) (*Session, error) {
	conn.SetDeadline(time.Now().Add(HandshakeTimeout))
	defer conn.SetDeadline(time.Time{})
	hs := NewServerHandshake(cfg, routerHash, iv)
	if err := hs.ReadSessionRequest(conn); err != nil {
		return nil, err
	}
	msg2, err := hs.SessionCreated()
	if err != nil {
		return nil, err
	}
	if _, err := conn.Write(msg2); err != nil {
		return nil, fmt.Errorf("%w: write message 2: %w", ErrHandshake, err)
	}
	payload, keys, err := hs.ReadSessionConfirmed(conn)
	if err != nil {
		return nil, err
	}
	ri, err := checkAliceRouterInfo(payload, keys.PeerStatic, cfg.NetID)
	if err != nil {
		keys.zero()
		return nil, err
	}
	s := newSession(conn, keys, cfg.Padding)
	s.PeerRouterInfo = ri
	return s, nil
}

func checkAliceRouterInfo(payload []byte, static PublicKey, netID netdb.NetID) (*netdb.RouterInfo, error) {
	blocks, err := ParseBlocks(payload)
	if err != nil || len(blocks) == 0 || blocks[0].Type != BlockRouterInfo || len(blocks[0].Data) < 2 {
		return nil, fmt.Errorf("%w: message 3 does not start with a RouterInfo block", ErrHandshake)
	}
	ri, err := netdb.ParseRouterInfo(blocks[0].Data[1:])
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrHandshake, err)
	}
	if err := ri.Verify(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrHandshake, err)
	}
	if !netID.Matches(ri.Option("netId")) {
		return nil, fmt.Errorf("%w: RouterInfo of netId %q", ErrHandshake, ri.Option("netId"))
	}
	for i := range ri.Addresses {
		if a, err := ri.Addresses[i].ParseNTCP2(); err == nil && static.Equal(PublicKey(a.Static)) {
			return ri, nil
		}
	}
	return nil, fmt.Errorf("%w: no NTCP2 address with the static key used", ErrHandshake)
}

func newSession(conn net.Conn, keys Keys, padding func(max int) int) *Session {
	return &Session{conn: conn, keys: keys, r: NewFrameReader(conn, &keys), w: NewFrameWriter(conn, &keys), padding: padding}
}

// PeerStatic is the other side's NTCP2 static key.
func (s *Session) PeerStatic() PublicKey { return s.keys.PeerStatic }

// SendBlocks sends one frame of blocks, ending with a Padding block of
// random length; safe for concurrent use. frame must hold no Padding.
func (s *Session) SendBlocks(frame []byte) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return s.w.WriteFrame(appendPadding(frame, s.padding))
}

// SendI2NP sends one I2NP message in its own frame.
func (s *Session) SendI2NP(m i2np.Message) error {
	return s.SendBlocks(AppendBlock(nil, BlockI2NP, m.AppendShort(nil)))
}

// ReadBlocks reads the next frame; not for concurrent use.
func (s *Session) ReadBlocks() ([]Block, error) {
	frame, err := s.r.ReadFrame()
	if err != nil {
		return nil, err
	}
	return ParseBlocks(frame)
}

var _ transport.Conn = (*Session)(nil)

// Receive returns the next I2NP message or pushed RouterInfo, reading
// frames until deadline; not for concurrent use. Malformed I2NP messages,
// DateTime, Options, Padding and unknown blocks are skipped; a
// Termination block returns *transport.Terminated.
func (s *Session) Receive(deadline time.Time) (transport.Received, error) {
	for len(s.pending) == 0 {
		if s.interrupted.Load() {
			return transport.Received{}, ErrInterrupted
		}
		s.conn.SetReadDeadline(deadline)
		if s.interrupted.Load() { // interrupt may have come before our deadline
			return transport.Received{}, ErrInterrupted
		}
		blocks, err := s.ReadBlocks()
		if err != nil && s.interrupted.Load() {
			return transport.Received{}, ErrInterrupted
		}
		if err != nil {
			return transport.Received{}, err
		}
		for _, b := range blocks {
			switch b.Type {
			case BlockTermination:
				reason := transport.ReasonNormal
				if len(b.Data) >= 9 {
					reason = transport.Reason(b.Data[8])
				}
				s.ended = true
				return transport.Received{}, &transport.Terminated{Reason: reason}
			case BlockRouterInfo:
				if len(b.Data) > 1 {
					s.pending = append(s.pending, transport.Received{RouterInfo: b.Data[1:]})
				}
			case BlockI2NP:
				if m, err := i2np.ParseShort(b.Data); err == nil {
					s.pending = append(s.pending, transport.Received{Message: &m})
				}
			}
		}
	}
	r := s.pending[0]
	s.pending = s.pending[1:]
	return r, nil
}

// Close sends a Termination block with reason, waits for the peer to
// close the connection (both Java I2P and i2pd close it when they read a
// Termination), reading and dropping what it still sends, and closes it.
// Waiting matters: Java I2P blocks the IP of an inbound connection that
// ends by EOF or error before Java has read an I2NP message on it, and it
// reads frames on other threads than it sees EOF on, so a close right
// behind the Termination can reach it first (docs/router.md, "Staying
// welcome"). The wait is bounded by CloseLinger (ShutdownLinger when the
// reason is shutdown).
//
// After the peer's own Termination, Close closes at once: the peer waits
// for that.
func (s *Session) Close(reason transport.Reason) error {
	var err error
	if !s.ended {
		data := binary.BigEndian.AppendUint64(nil, s.r.Frames)
		err = s.SendBlocks(AppendBlock(nil, BlockTermination, append(data, byte(reason))))
	}
	s.keys.zero()
	if s.stop != nil {
		s.stop()
	}
	if err == nil && !s.ended {
		linger := CloseLinger
		if reason == transport.ReasonShutdown || s.interrupted.Load() {
			linger = ShutdownLinger
		}
		awaitPeerClose(s.conn, linger)
	}
	return s.conn.Close()
}

// ErrInterrupted is returned by Receive once the context the session was
// established under has ended; the session is still open for Close.
var ErrInterrupted = fmt.Errorf("ntcp2: session interrupted: %w", context.Canceled)

// interrupt makes Receive return ErrInterrupted, waking a read in progress.
func (s *Session) interrupt() {
	s.interrupted.Store(true)
	s.conn.SetReadDeadline(time.Unix(1, 0))
}

// How long a closing side waits for the peer to close first: after our
// Termination (CloseLinger, ShutdownLinger), and after a handshake of ours
// that failed once the connection was open (EstablishLinger, above the 10 s
// in which Java I2P and i2pd give up an unfinished inbound handshake and
// close it themselves).
var (
	CloseLinger     = 10 * time.Second
	ShutdownLinger  = 2 * time.Second
	EstablishLinger = 12 * time.Second
)

// awaitPeerClose reads and drops what the peer sends until it closes the
// connection (EOF or reset) or d passes; it reports whether the peer closed.
// Reading what is left also keeps our close from becoming a reset.
func awaitPeerClose(c net.Conn, d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	return err == nil || !(errors.As(err, &ne) && ne.Timeout())
}

// SetDeadline sets the connection deadline.
func (s *Session) SetDeadline(t time.Time) error { return s.conn.SetDeadline(t) }

// SetReadDeadline sets the deadline for ReadBlocks only.
func (s *Session) SetReadDeadline(t time.Time) error { return s.conn.SetReadDeadline(t) }

// PeerFromRouterInfo reads Bob's published NTCP2 address from his
// RouterInfo: the first that netdb's reading accepts
// (RouterInfo.NTCP2Addresses: a valid static key, version 2, an IP host,
// port and IV), IPv4 before IPv6. ok is false if he publishes none.
func PeerFromRouterInfo(ri *netdb.RouterInfo) (peer Peer, addr string, ok bool) {
	as := ri.NTCP2Addresses()
	if len(as) == 0 {
		return Peer{}, "", false
	}
	a := as[0]
	return Peer{RouterHash: ri.Hash(), Static: PublicKey(a.Static), IV: a.IV}, a.AddrPort().String(), true
}
