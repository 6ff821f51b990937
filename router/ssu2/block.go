package ssu2

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/i2pseed/i2pseed/router/i2np"
	"github.com/i2pseed/i2pseed/router/transport"
)

// BlockType is the type byte of a payload block.
type BlockType uint8

// Block types. Every block is type (1) | size (2, big endian) | data; the
// layout of each block's data:
const (
	BlockDateTime          BlockType = 0   // seconds since the epoch (4)
	BlockOptions           BlockType = 1   // padding and delay parameters (12+)
	BlockRouterInfo        BlockType = 2   // flags (1) | frag (1) | RouterInfo, gzipped if flags&2
	BlockI2NP              BlockType = 3   // type (1) | msg ID (4) | expiration (4, seconds) | body
	BlockFirstFragment     BlockType = 4   // as I2NP, the body cut short
	BlockFollowOnFragment  BlockType = 5   // frag num (7 bits) | last (1 bit) | msg ID (4) | data
	BlockTermination       BlockType = 6   // valid packets received (8) | reason (1) | more
	BlockRelayRequest      BlockType = 7   // relaying: not used by a dialling Alice
	BlockRelayResponse     BlockType = 8   //
	BlockRelayIntro        BlockType = 9   //
	BlockPeerTest          BlockType = 10  //
	BlockNextNonce         BlockType = 11  // unused
	BlockACK               BlockType = 12  // ack through (4) | acnt (1) | (nacks (1) | acks (1))*
	BlockAddress           BlockType = 13  // port (2) | IPv4 (4) or IPv6 (16)
	BlockIntroKey          BlockType = 14  // unused
	BlockRelayTagRequest   BlockType = 15  // empty
	BlockRelayTag          BlockType = 16  // relay tag (4)
	BlockNewToken          BlockType = 17  // expires (4, seconds) | token (8)
	BlockPathChallenge     BlockType = 18  // data to echo
	BlockPathResponse      BlockType = 19  // the echoed data
	BlockFirstPacketNumber BlockType = 20  // unused
	BlockCongestion        BlockType = 21  // flags (1)
	BlockPadding           BlockType = 254 // random bytes; the last block
)

var blockNames = map[BlockType]string{
	BlockDateTime: "DateTime", BlockOptions: "Options", BlockRouterInfo: "RouterInfo", BlockI2NP: "I2NP",
	BlockFirstFragment: "FirstFragment", BlockFollowOnFragment: "FollowOnFragment", BlockTermination: "Termination",
	BlockRelayRequest: "RelayRequest", BlockRelayResponse: "RelayResponse", BlockRelayIntro: "RelayIntro",
	BlockPeerTest: "PeerTest", BlockNextNonce: "NextNonce", BlockACK: "ACK", BlockAddress: "Address",
	BlockIntroKey: "IntroKey", BlockRelayTagRequest: "RelayTagRequest", BlockRelayTag: "RelayTag",
	BlockNewToken: "NewToken", BlockPathChallenge: "PathChallenge", BlockPathResponse: "PathResponse",
	BlockFirstPacketNumber: "FirstPacketNumber", BlockCongestion: "Congestion", BlockPadding: "Padding",
}

func (t BlockType) String() string {
	if s, ok := blockNames[t]; ok {
		return s
	}
	return fmt.Sprintf("BlockType(%d)", uint8(t))
}

const blockHeaderLen = 3

// A Block is one payload block; Data aliases the payload it was parsed
// from.
type Block struct {
	Type BlockType
	Data []byte
}

// AppendBlock appends one block. It panics if data is over 65535 bytes,
// which no UDP packet holds.
func AppendBlock(b []byte, t BlockType, data []byte) []byte {
	if len(data) > 0xffff {
		panic("ssu2: block over 65535 bytes")
	}
	b = append(b, byte(t))
	b = binary.BigEndian.AppendUint16(b, uint16(len(data)))
	return append(b, data...)
}

// ParseBlocks splits a decrypted payload into its blocks. Every block must
// fit, and Padding may only be last; unknown types are returned for the
// caller to skip, as the spec asks.
func ParseBlocks(p []byte) ([]Block, error) {
	var blocks []Block
	for len(p) > 0 {
		if len(p) < blockHeaderLen {
			return nil, fmt.Errorf("%w: %d trailing bytes", ErrBlock, len(p))
		}
		t, n := BlockType(p[0]), int(binary.BigEndian.Uint16(p[1:3]))
		if len(p)-blockHeaderLen < n {
			return nil, fmt.Errorf("%w: %v of %d bytes in %d", ErrBlock, t, n, len(p)-blockHeaderLen)
		}
		if len(blocks) > 0 && blocks[len(blocks)-1].Type == BlockPadding {
			return nil, fmt.Errorf("%w: %v after Padding", ErrBlock, t)
		}
		blocks = append(blocks, Block{Type: t, Data: p[blockHeaderLen : blockHeaderLen+n]})
		p = p[blockHeaderLen+n:]
	}
	return blocks, nil
}

func wantLen(t BlockType, b []byte, n int) error {
	if len(b) != n {
		return fmt.Errorf("%w: %v of %d bytes, want %d", ErrBlock, t, len(b), n)
	}
	return nil
}

// ParseDateTime reads a DateTime block's seconds since the epoch.
func ParseDateTime(b []byte) (uint32, error) {
	if err := wantLen(BlockDateTime, b, 4); err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint32(b), nil
}

// AppendDateTime appends a DateTime block.
func AppendDateTime(b []byte, secs uint32) []byte {
	return AppendBlock(b, BlockDateTime, binary.BigEndian.AppendUint32(nil, secs))
}

// ParseAddress reads an Address block: the address the peer sees us at.
func ParseAddress(b []byte) (netip.AddrPort, error) {
	if len(b) != 6 && len(b) != 18 {
		return netip.AddrPort{}, fmt.Errorf("%w: Address of %d bytes, want 6 or 18", ErrBlock, len(b))
	}
	ip, _ := netip.AddrFromSlice(b[2:])
	return netip.AddrPortFrom(ip, binary.BigEndian.Uint16(b)), nil
}

// AppendAddress appends an Address block for ap (IPv4 in 4 bytes).
func AppendAddress(b []byte, ap netip.AddrPort) []byte {
	d := binary.BigEndian.AppendUint16(nil, ap.Port())
	if ap.Addr().Is4() || ap.Addr().Is4In6() {
		a := ap.Addr().Unmap().As4()
		d = append(d, a[:]...)
	} else {
		a := ap.Addr().As16()
		d = append(d, a[:]...)
	}
	return AppendBlock(b, BlockAddress, d)
}

// Termination is a Termination block's content.
type Termination struct {
	ValidPackets uint64 // packets received and authenticated
	Reason       transport.Reason
	Extra        []byte // additional data, aliased
}

// ParseTermination reads a Termination block.
func ParseTermination(b []byte) (Termination, error) {
	if len(b) < 9 {
		return Termination{}, fmt.Errorf("%w: Termination of %d bytes, want 9 or more", ErrBlock, len(b))
	}
	return Termination{ValidPackets: binary.BigEndian.Uint64(b), Reason: transport.Reason(b[8]), Extra: b[9:]}, nil
}

// AppendTermination appends a Termination block.
func AppendTermination(b []byte, t Termination) []byte {
	d := binary.BigEndian.AppendUint64(nil, t.ValidPackets)
	d = append(d, byte(t.Reason))
	return AppendBlock(b, BlockTermination, append(d, t.Extra...))
}

// NewToken is a NewToken block's content: a token for the next session.
type NewToken struct {
	Expires uint32 // seconds since the epoch
	Token   Token
}

// ParseNewToken reads a NewToken block.
func ParseNewToken(b []byte) (NewToken, error) {
	if err := wantLen(BlockNewToken, b, 12); err != nil {
		return NewToken{}, err
	}
	return NewToken{Expires: binary.BigEndian.Uint32(b), Token: Token(b[4:])}, nil
}

// RouterInfoBlock is a RouterInfo block's content.
type RouterInfoBlock struct {
	Flood      bool   // flag 0x01: the receiver should flood it
	Gzip       bool   // flag 0x02: RouterInfo is gzipped
	RouterInfo []byte // aliased, as sent (compressed if Gzip)
}

// RouterInfo block flags.
const (
	riFlagFlood = 0x01
	riFlagGzip  = 0x02
)

// ParseRouterInfoBlock reads a RouterInfo block; fragmented RouterInfos
// (frag other than 0x01: fragment 0 of 1) are refused, as no router sends
// them.
func ParseRouterInfoBlock(b []byte) (RouterInfoBlock, error) {
	switch {
	case len(b) < 3:
		return RouterInfoBlock{}, fmt.Errorf("%w: RouterInfo of %d bytes", ErrBlock, len(b))
	case b[1] != 0x01:
		return RouterInfoBlock{}, fmt.Errorf("%w: RouterInfo fragment %#02x, want 0x01", ErrBlock, b[1])
	case b[0]&^(riFlagFlood|riFlagGzip) != 0:
		return RouterInfoBlock{}, fmt.Errorf("%w: RouterInfo flags %#02x", ErrBlock, b[0])
	}
	return RouterInfoBlock{Flood: b[0]&riFlagFlood != 0, Gzip: b[0]&riFlagGzip != 0, RouterInfo: b[2:]}, nil
}

// AppendRouterInfoBlock appends a RouterInfo block, uncompressed, not
// flooded.
func AppendRouterInfoBlock(b []byte, ri []byte) []byte {
	return AppendBlock(b, BlockRouterInfo, append([]byte{0, 0x01}, ri...))
}

// ParseI2NP reads an I2NP block (the message with I2NP's short header,
// as NTCP2 carries it); the Body aliases b.
func ParseI2NP(b []byte) (i2np.Message, error) {
	m, err := i2np.ParseShort(b)
	if err != nil {
		return m, fmt.Errorf("%w: I2NP: %w", ErrBlock, err)
	}
	return m, nil
}

// AppendI2NP appends an I2NP block.
func AppendI2NP(b []byte, m i2np.Message) []byte {
	return AppendBlock(b, BlockI2NP, m.AppendShort(nil))
}

// FirstFragment is a FirstFragment block: an I2NP message's short header
// and the start of its body (Message.Body holds only that start).
type FirstFragment struct{ Message i2np.Message }

// ParseFirstFragment reads a FirstFragment block.
func ParseFirstFragment(b []byte) (FirstFragment, error) {
	m, err := i2np.ParseShort(b)
	if err != nil {
		return FirstFragment{}, fmt.Errorf("%w: FirstFragment: %w", ErrBlock, err)
	}
	return FirstFragment{m}, nil
}

// MaxFragments is the most fragments one I2NP message is cut into (the
// first and 63 follow-ons, as the 7-bit fragment number allows; i2pd
// keeps the same limit).
const MaxFragments = 64

// FollowOn is a FollowOnFragment block.
type FollowOn struct {
	Num   uint8 // 1-63
	Last  bool
	MsgID uint32
	Data  []byte // aliased
}

// ParseFollowOn reads a FollowOnFragment block.
func ParseFollowOn(b []byte) (FollowOn, error) {
	if len(b) < 5 {
		return FollowOn{}, fmt.Errorf("%w: FollowOnFragment of %d bytes, want 5 or more", ErrBlock, len(b))
	}
	f := FollowOn{Num: b[0] >> 1, Last: b[0]&1 != 0, MsgID: binary.BigEndian.Uint32(b[1:5]), Data: b[5:]}
	if f.Num == 0 {
		return FollowOn{}, fmt.Errorf("%w: FollowOnFragment number 0", ErrBlock)
	}
	return f, nil
}

// AppendFollowOn appends a FollowOnFragment block.
func AppendFollowOn(b []byte, f FollowOn) []byte {
	d := []byte{f.Num << 1}
	if f.Last {
		d[0] |= 1
	}
	d = binary.BigEndian.AppendUint32(d, f.MsgID)
	return AppendBlock(b, BlockFollowOnFragment, append(d, f.Data...))
}

// ACK is an ACK block: packets Through, the Count before it, then ranges
// going down, each NACKs packets not received and ACKs received ones.
type ACK struct {
	Through uint32
	Count   uint8
	Ranges  []AckRange
}

// AckRange is one range of an ACK block.
type AckRange struct{ NACKs, ACKs uint8 }

// ParseACK reads an ACK block.
func ParseACK(b []byte) (ACK, error) {
	if len(b) < 5 || (len(b)-5)%2 != 0 {
		return ACK{}, fmt.Errorf("%w: ACK of %d bytes, want 5 and pairs", ErrBlock, len(b))
	}
	a := ACK{Through: binary.BigEndian.Uint32(b), Count: b[4]}
	for r := b[5:]; len(r) > 0; r = r[2:] {
		a.Ranges = append(a.Ranges, AckRange{NACKs: r[0], ACKs: r[1]})
	}
	return a, nil
}

// AppendACK appends an ACK block.
func AppendACK(b []byte, a ACK) []byte {
	d := binary.BigEndian.AppendUint32(nil, a.Through)
	d = append(d, a.Count)
	for _, r := range a.Ranges {
		d = append(d, r.NACKs, r.ACKs)
	}
	return AppendBlock(b, BlockACK, d)
}

// Acked reports whether the ACK acknowledges packet n.
func (a ACK) Acked(n uint32) bool {
	hi := int64(a.Through)
	lo := hi - int64(a.Count)
	if int64(n) >= lo && int64(n) <= hi {
		return true
	}
	for _, r := range a.Ranges {
		hi = lo - 1 - int64(r.NACKs)
		lo = hi - int64(r.ACKs) + 1
		if r.ACKs > 0 && int64(n) >= lo && int64(n) <= hi {
			return true
		}
	}
	return false
}
