// Package i2np encodes and decodes the I2NP messages the harvesting router
// exchanges over NTCP2 (short 9-byte header), each both ways: ParseX
// decodes a body, AppendBinary encodes it.
//
// Spec: I2P I2NP (https://geti2p.net/spec/i2np), API 0.9.66; facts in the
// project's shared spec, ntcp2-router.md §4.
//
// Protocol flow (direct, over one NTCP2 session, no tunnels):
//
//	Alice (us)                                    Bob (floodfill)
//	DatabaseLookup(key, from=us, flags)   ->
//	                                      <-   DatabaseStore(RouterInfo)    found
//	                                      <-   DatabaseSearchReply(closer)  not found
//	DatabaseStore(our RI, token, gw=us)   ->
//	                                      <-   DeliveryStatus(token)
//
// Decoders check exact lengths, reject trailing bytes and wrap ErrFormat;
// encoders refuse what the decoders would refuse. Every encoding is
// canonical (encode(decode(x)) == x) except a DatabaseStore's, whose
// RouterInfo is gzipped anew.
package i2np

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Type is an I2NP message type (the short header's first byte).
type Type uint8

const (
	// key (32) | store type (1) | reply token (4) | [token != 0: reply
	// tunnel (4) | reply gateway (32)] | RouterInfo: size (2) | gzip(RI)
	TypeDatabaseStore Type = 1
	// key (32) | from (32) | flags (1) | [flags&1: reply tunnel (4)] |
	// excluded count (2, <= 512) | excluded (32 each) | [flags&0x12:
	// reply key (32) | tag count (1, 1-32) | tags (32 or 8 each)]
	TypeDatabaseLookup Type = 2
	// key (32) | count (1) | peer hashes (32 each) | from (32)
	TypeDatabaseSearchReply Type = 3
	// message ID (4) | timestamp (8, Unix milliseconds)
	TypeDeliveryStatus Type = 10
)

// Types whose bodies this package does not decode: a peer sends them to
// build and use tunnels through us; String names them.
const (
	TypeGarlic                   Type = 11 // length (4) | encrypted cloves
	TypeTunnelData               Type = 18 // tunnel ID (4) | encrypted data (1024)
	TypeTunnelGateway            Type = 19 // tunnel ID (4) | length (2) | I2NP message
	TypeData                     Type = 20 // length (4) | data
	TypeTunnelBuild              Type = 21 // 8 records (528 each)
	TypeTunnelBuildReply         Type = 22 // 8 records (528 each)
	TypeVariableTunnelBuild      Type = 23 // count (1) | records (528 each)
	TypeVariableTunnelBuildReply Type = 24 // count (1) | records (528 each)
	TypeShortTunnelBuild         Type = 25 // count (1) | records (218 each)
	TypeOutboundTunnelBuildReply Type = 26 // count (1) | records (218 each)
)

func (t Type) String() string {
	switch t {
	case TypeDatabaseStore:
		return "DatabaseStore"
	case TypeDatabaseLookup:
		return "DatabaseLookup"
	case TypeDatabaseSearchReply:
		return "DatabaseSearchReply"
	case TypeDeliveryStatus:
		return "DeliveryStatus"
	case TypeGarlic:
		return "Garlic"
	case TypeTunnelData:
		return "TunnelData"
	case TypeTunnelGateway:
		return "TunnelGateway"
	case TypeData:
		return "Data"
	case TypeTunnelBuild:
		return "TunnelBuild"
	case TypeTunnelBuildReply:
		return "TunnelBuildReply"
	case TypeVariableTunnelBuild:
		return "VariableTunnelBuild"
	case TypeVariableTunnelBuildReply:
		return "VariableTunnelBuildReply"
	case TypeShortTunnelBuild:
		return "ShortTunnelBuild"
	case TypeOutboundTunnelBuildReply:
		return "OutboundTunnelBuildReply"
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// ErrFormat is wrapped by every decoding error.
var ErrFormat = errors.New("i2np: malformed message")

// ShortHeaderLen is the size of the NTCP2 short header.
const ShortHeaderLen = 9

// Message is an I2NP message with the NTCP2 short header:
//
//	type (1) | message ID (4) | expiration (4, Unix seconds) | body
//
// The body's length is the NTCP2 block's.
type Message struct {
	Type       Type
	ID         uint32
	Expiration time.Time // second precision
	Body       []byte
}

// ParseShort parses an I2NP block's data; Body aliases b.
func ParseShort(b []byte) (Message, error) {
	if len(b) < ShortHeaderLen {
		return Message{}, fmt.Errorf("%w: %d-byte header", ErrFormat, len(b))
	}
	return Message{
		Type:       Type(b[0]),
		ID:         binary.BigEndian.Uint32(b[1:5]),
		Expiration: time.Unix(int64(binary.BigEndian.Uint32(b[5:9])), 0),
		Body:       b[ShortHeaderLen:],
	}, nil
}

// AppendShort encodes m with the short header. An expiration outside
// 1970-2106 wraps, as it does on the wire.
func (m Message) AppendShort(b []byte) []byte {
	b = append(b, byte(m.Type))
	b = binary.BigEndian.AppendUint32(b, m.ID)
	b = binary.BigEndian.AppendUint32(b, uint32(m.Expiration.Unix()))
	return append(b, m.Body...)
}
