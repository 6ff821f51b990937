package ssu2

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"github.com/i2pseed/i2pseed/router/transport"
)

// ErrNoToken is wrapped when Bob's Retry carries no token: he refuses the
// session, usually with a Termination block saying why (then the error
// also wraps a *transport.Terminated).
var ErrNoToken = errors.New("ssu2: Retry without a token")

// ClientHandshake is Alice's side of one session: the token exchange,
// then the handshake proper. Each packet has a Create (ours) or Consume
// (Bob's) step, called in order.
type ClientHandshake struct {
	cfg  *Config
	peer Peer
	src  ConnID // ours: the destination of Bob's packets
	dst  ConnID // Bob's, which we choose
	tok  Token
	noise
}

// NewClientHandshake prepares Alice's side with Bob, drawing both
// connection IDs.
func NewClientHandshake(cfg *Config, peer Peer) (*ClientHandshake, error) {
	c := &ClientHandshake{cfg: cfg, peer: peer}
	if err := cfg.read(c.src[:]); err != nil {
		return nil, err
	}
	if err := cfg.read(c.dst[:]); err != nil {
		return nil, err
	}
	return c, nil
}

// ConnIDs are the connection IDs of the session: ours (src) and Bob's.
func (c *ClientHandshake) ConnIDs() (src, dst ConnID) { return c.src, c.dst }

// Padding limits of a TokenRequest's Padding block (its packet is then
// 66-89 bytes: i2pd's are 64-73).
const (
	tokenRequestMinPad = 8
	tokenRequestMaxPad = 31
)

// randomPad draws a padding length in [min, max].
func (c *ClientHandshake) randomPad(min, max int) (int, error) {
	var b [1]byte
	if err := c.cfg.read(b[:]); err != nil {
		return 0, err
	}
	return min + int(b[0])%(max-min+1), nil
}

// CreateTokenRequest builds a TokenRequest: a long header with a random
// packet number and no token, then DateTime and Padding blocks, sealed
// with Bob's intro key, the packet number as nonce and the header as
// associated data; the header is masked with the intro key.
func (c *ClientHandshake) CreateTokenRequest() ([]byte, error) {
	h := LongHeader{DestConnID: c.dst, Type: TypeTokenRequest, Version: Version, NetID: uint8(c.cfg.NetID), SrcConnID: c.src}
	var pn [4]byte
	if err := c.cfg.read(pn[:]); err != nil {
		return nil, err
	}
	h.PacketNumber = binary.BigEndian.Uint32(pn[:])
	pad, err := c.randomPad(tokenRequestMinPad, tokenRequestMaxPad)
	if err != nil {
		return nil, err
	}
	padding := make([]byte, pad)
	if err := c.cfg.read(padding); err != nil {
		return nil, err
	}
	payload := AppendDateTime(nil, uint32(c.cfg.now().Unix()))
	payload = AppendBlock(payload, BlockPadding, padding)
	pkt, _ := h.AppendBinary(make([]byte, 0, LongHeaderLen+len(payload)+16))
	pkt = append(pkt, seal(&c.peer.IntroKey, uint64(h.PacketNumber), payload, pkt[:LongHeaderLen])...)
	if err := MaskLongHeader(pkt, &c.peer.IntroKey, &c.peer.IntroKey); err != nil {
		return nil, err
	}
	return pkt, nil
}

// Retry is what Bob's Retry says.
type Retry struct {
	Header      LongHeader
	Token       Token          // zero when Bob refuses
	Time        uint32         // Bob's clock (DateTime), seconds
	Addr        netip.AddrPort // where Bob sees us (Address); invalid if absent
	Termination *Termination   // why Bob refuses; nil if he does not
}

// ConsumeRetry reads Bob's answer to our TokenRequest: header masked and
// payload sealed with his intro key, for our connection IDs and network.
// A Retry that authenticates but carries no token is returned with an
// error wrapping ErrNoToken; one whose clock is too far off, with an error
// wrapping ErrClockSkew. On success the token is kept for SessionRequest.
// pkt is not modified.
func (c *ClientHandshake) ConsumeRetry(pkt []byte) (Retry, error) {
	h, err := c.openLongHeader(pkt, TypeRetry)
	if err != nil {
		return Retry{}, err
	}
	payload, err := open(&c.peer.IntroKey, uint64(h.PacketNumber), pkt[LongHeaderLen:], headerBytes(&h))
	if err != nil {
		return Retry{}, fmt.Errorf("ssu2: Retry: %w", err)
	}
	r := Retry{Header: h, Token: h.Token}
	if err := r.readPayload(payload); err != nil {
		return r, fmt.Errorf("ssu2: Retry: %w", err)
	}
	if r.Token.IsZero() {
		if r.Termination != nil {
			return r, fmt.Errorf("%w: %w", ErrNoToken, &transport.Terminated{Reason: r.Termination.Reason})
		}
		return r, ErrNoToken
	}
	if err := checkSkew(r.Time, c.cfg.now()); err != nil {
		return r, fmt.Errorf("ssu2: Retry: %w", err)
	}
	c.tok = r.Token
	return r, nil
}

func headerBytes(h *LongHeader) []byte {
	b, _ := h.AppendBinary(make([]byte, 0, LongHeaderLen))
	return b
}

// openLongHeader unmasks a copy of pkt's long header with Bob's intro key
// and checks it is a packet of type want for this session and network.
func (c *ClientHandshake) openLongHeader(pkt []byte, want PacketType) (LongHeader, error) {
	if len(pkt) < MinLongPacketLen {
		return LongHeader{}, fmt.Errorf("%w: %d-byte packet", ErrHeader, len(pkt))
	}
	b := append([]byte(nil), pkt[:LongHeaderLen]...)
	b = append(b, pkt[len(pkt)-sampleLen:]...) // the masks' seed, after the header
	if err := MaskLongHeader(b, &c.peer.IntroKey, &c.peer.IntroKey); err != nil {
		return LongHeader{}, err
	}
	return c.checkLongHeader(b[:LongHeaderLen], want)
}

// checkLongHeader parses an unmasked long header and checks it is a
// packet of type want for this session and network.
func (c *ClientHandshake) checkLongHeader(b []byte, want PacketType) (LongHeader, error) {
	h, err := ParseLongHeader(b)
	switch {
	case err != nil && h.Type == want:
		return h, err
	case h.Type != want:
		return h, fmt.Errorf("%w: %v, want %v", ErrPacket, h.Type, want)
	case h.DestConnID != c.src || h.SrcConnID != c.dst:
		return h, fmt.Errorf("%w: %v for another session", ErrPacket, want)
	case h.NetID != uint8(c.cfg.NetID):
		return h, fmt.Errorf("%w: %v for network %d, want %d", ErrPacket, want, h.NetID, c.cfg.NetID)
	}
	return h, nil
}

// readPayload reads a Retry's blocks: DateTime (required), Address,
// Termination; others are skipped.
func (r *Retry) readPayload(p []byte) error { return readHandshakePayload(p, r.readBlock) }

// readHandshakePayload parses a handshake packet's payload and hands each
// block to read: no type twice but Padding, and a DateTime required.
func readHandshakePayload(p []byte, read func(Block) error) error {
	blocks, err := ParseBlocks(p)
	if err != nil {
		return err
	}
	seen := map[BlockType]bool{}
	for _, b := range blocks {
		if seen[b.Type] && b.Type != BlockPadding {
			return fmt.Errorf("%w: two %v blocks", ErrBlock, b.Type)
		}
		seen[b.Type] = true
		if err := read(b); err != nil {
			return err
		}
	}
	if !seen[BlockDateTime] {
		return fmt.Errorf("%w: no DateTime", ErrBlock)
	}
	return nil
}

func (r *Retry) readBlock(b Block) error {
	var err error
	switch b.Type {
	case BlockDateTime:
		r.Time, err = ParseDateTime(b.Data)
	case BlockAddress:
		r.Addr, err = ParseAddress(b.Data)
	case BlockTermination:
		var t Termination
		t, err = ParseTermination(b.Data)
		r.Termination = &t
	}
	return err
}
