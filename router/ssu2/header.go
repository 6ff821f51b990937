package ssu2

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// PacketType is the type byte of an SSU2 header.
type PacketType uint8

// Packet types (header byte 12). Layout of each packet after its header:
const (
	TypeSessionRequest   PacketType = 0  // long header | X (32) | AEAD payload
	TypeSessionCreated   PacketType = 1  // long header | Y (32) | AEAD payload
	TypeSessionConfirmed PacketType = 2  // short header | AEAD(S) (48) | AEAD payload
	TypeData             PacketType = 6  // short header | AEAD payload
	TypePeerTest         PacketType = 7  // long header | AEAD payload
	TypeRetry            PacketType = 9  // long header | AEAD payload
	TypeTokenRequest     PacketType = 10 // long header | AEAD payload
	TypeHolePunch        PacketType = 11 // long header | AEAD payload
)

func (t PacketType) String() string {
	switch t {
	case TypeSessionRequest:
		return "SessionRequest"
	case TypeSessionCreated:
		return "SessionCreated"
	case TypeSessionConfirmed:
		return "SessionConfirmed"
	case TypeData:
		return "Data"
	case TypePeerTest:
		return "PeerTest"
	case TypeRetry:
		return "Retry"
	case TypeTokenRequest:
		return "TokenRequest"
	case TypeHolePunch:
		return "HolePunch"
	}
	return fmt.Sprintf("PacketType(%d)", uint8(t))
}

// Long reports whether packets of type t have a long (32-byte) header.
func (t PacketType) Long() bool {
	return t != TypeSessionConfirmed && t != TypeData
}

// Header sizes and the protocol version, fixed by the spec.
const (
	ShortHeaderLen = 16
	LongHeaderLen  = 32
	Version        = 2
)

// ErrHeader is wrapped by every header parsing error.
var ErrHeader = errors.New("ssu2: bad header")

// A ConnID is a connection ID, chosen at random by the side that receives
// with it. Routers treat it as 8 opaque bytes.
type ConnID [8]byte

// A Token is the token Bob hands out in Retry or NewToken and Alice
// returns in SessionRequest; zero means none.
type Token [8]byte

// IsZero reports whether t is no token.
func (t Token) IsZero() bool { return t == Token{} }

// ShortHeader is the 16-byte header of SessionConfirmed and Data:
//
//	dest conn ID (8) | packet number (4, big endian) | type (1) | flags (3)
type ShortHeader struct {
	DestConnID   ConnID
	PacketNumber uint32
	Type         PacketType
	Flags        [3]byte
}

// AppendBinary appends the 16-byte header.
func (h *ShortHeader) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, h.DestConnID[:]...)
	b = binary.BigEndian.AppendUint32(b, h.PacketNumber)
	b = append(b, byte(h.Type))
	return append(b, h.Flags[:]...), nil
}

// ParseShortHeader reads a short header of exactly ShortHeaderLen bytes,
// unprotected.
func ParseShortHeader(b []byte) (ShortHeader, error) {
	if len(b) != ShortHeaderLen {
		return ShortHeader{}, fmt.Errorf("%w: short header of %d bytes, want %d", ErrHeader, len(b), ShortHeaderLen)
	}
	h := ShortHeader{DestConnID: ConnID(b[:8]), PacketNumber: binary.BigEndian.Uint32(b[8:12]), Type: PacketType(b[12])}
	copy(h.Flags[:], b[13:16])
	if h.Type.Long() {
		return h, fmt.Errorf("%w: %v has a long header", ErrHeader, h.Type)
	}
	return h, nil
}

// LongHeader is the 32-byte header of the other packets:
//
//	dest conn ID (8) | packet number (4) | type (1) | version (1) |
//	netID (1) | flags (1) | source conn ID (8) | token (8)
type LongHeader struct {
	DestConnID   ConnID
	PacketNumber uint32
	Type         PacketType
	Version      uint8
	NetID        uint8
	Flags        uint8
	SrcConnID    ConnID
	Token        Token
}

// AppendBinary appends the 32-byte header.
func (h *LongHeader) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, h.DestConnID[:]...)
	b = binary.BigEndian.AppendUint32(b, h.PacketNumber)
	b = append(b, byte(h.Type), h.Version, h.NetID, h.Flags)
	b = append(b, h.SrcConnID[:]...)
	return append(b, h.Token[:]...), nil
}

// ParseLongHeader reads a long header of exactly LongHeaderLen bytes,
// unprotected. It checks the type has a long header and the version is 2;
// the netID is the caller's to check.
func ParseLongHeader(b []byte) (LongHeader, error) {
	if len(b) != LongHeaderLen {
		return LongHeader{}, fmt.Errorf("%w: long header of %d bytes, want %d", ErrHeader, len(b), LongHeaderLen)
	}
	h := LongHeader{
		DestConnID:   ConnID(b[:8]),
		PacketNumber: binary.BigEndian.Uint32(b[8:12]),
		Type:         PacketType(b[12]),
		Version:      b[13],
		NetID:        b[14],
		Flags:        b[15],
		SrcConnID:    ConnID(b[16:24]),
		Token:        Token(b[24:32]),
	}
	switch {
	case !h.Type.Long():
		return h, fmt.Errorf("%w: %v has a short header", ErrHeader, h.Type)
	case h.Version != Version:
		return h, fmt.Errorf("%w: version %d, want %d", ErrHeader, h.Version, Version)
	}
	return h, nil
}
