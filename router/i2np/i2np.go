// Package i2np encodes and decodes the I2NP messages the harvesting router
// exchanges over NTCP2 (short 9-byte header).
//
// Spec: I2P I2NP (https://geti2p.net/spec/i2np), API 0.9.66; facts in the
// project's shared spec, ntcp2-router.md §4.
//
//	short header: type (1) | message ID (4) | expiration (4, Unix seconds)
//	DatabaseStore (1): key (32) | type (1) | reply token (4) |
//	    [token != 0: reply tunnel (4) | reply gateway (32)] |
//	    RouterInfo: size (2) | gzip(RouterInfo)
package i2np

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// Type is an I2NP message type.
type Type uint8

const (
	TypeDatabaseStore       Type = 1
	TypeDatabaseLookup      Type = 2
	TypeDatabaseSearchReply Type = 3
	TypeDeliveryStatus      Type = 10
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
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// ErrFormat is wrapped by every decoding error.
var ErrFormat = errors.New("i2np: malformed message")

// maxRouterInfo bounds a decompressed RouterInfo (i2pd refuses > 3072).
const maxRouterInfo = 64 << 10

// Message is an I2NP message with the NTCP2 short header.
type Message struct {
	Type       Type
	ID         uint32
	Expiration time.Time
	Body       []byte
}

// ParseShort parses an I2NP block's data.
func ParseShort(b []byte) (Message, error) {
	if len(b) < 9 {
		return Message{}, fmt.Errorf("%w: %d-byte header", ErrFormat, len(b))
	}
	return Message{
		Type:       Type(b[0]),
		ID:         binary.BigEndian.Uint32(b[1:5]),
		Expiration: time.Unix(int64(binary.BigEndian.Uint32(b[5:9])), 0),
		Body:       b[9:],
	}, nil
}

// AppendShort encodes m with the short header.
func (m Message) AppendShort(b []byte) []byte {
	b = append(b, byte(m.Type))
	b = binary.BigEndian.AppendUint32(b, m.ID)
	b = binary.BigEndian.AppendUint32(b, uint32(m.Expiration.Unix()))
	return append(b, m.Body...)
}

// DatabaseStore is a stored RouterInfo (LeaseSet stores are not decoded).
type DatabaseStore struct {
	Key        [32]byte
	StoreType  uint8 // 0 RouterInfo
	ReplyToken uint32
	// With a ReplyToken: where the DeliveryStatus goes. Tunnel 0 means
	// straight to the router ReplyGateway.
	ReplyTunnel  uint32
	ReplyGateway [32]byte
	RouterInfo   []byte // decompressed
}

// AppendBinary encodes the store body, gzipping the RouterInfo.
func (ds *DatabaseStore) AppendBinary(b []byte) ([]byte, error) {
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(ds.RouterInfo)
	zw.Close()
	if z.Len() > 0xFFFF {
		return b, fmt.Errorf("i2np: compressed RouterInfo of %d bytes", z.Len())
	}
	b = append(b, ds.Key[:]...)
	b = append(b, ds.StoreType)
	b = binary.BigEndian.AppendUint32(b, ds.ReplyToken)
	if ds.ReplyToken != 0 {
		b = binary.BigEndian.AppendUint32(b, ds.ReplyTunnel)
		b = append(b, ds.ReplyGateway[:]...)
	}
	b = binary.BigEndian.AppendUint16(b, uint16(z.Len()))
	return append(b, z.Bytes()...), nil
}

// ParseDatabaseStore decodes a DatabaseStore body carrying a RouterInfo.
func ParseDatabaseStore(b []byte) (*DatabaseStore, error) {
	if len(b) < 37 {
		return nil, fmt.Errorf("%w: DatabaseStore of %d bytes", ErrFormat, len(b))
	}
	ds := &DatabaseStore{Key: [32]byte(b[:32]), StoreType: b[32], ReplyToken: binary.BigEndian.Uint32(b[33:37])}
	b = b[37:]
	if ds.ReplyToken != 0 {
		if len(b) < 36 {
			return nil, fmt.Errorf("%w: truncated reply tunnel", ErrFormat)
		}
		ds.ReplyTunnel = binary.BigEndian.Uint32(b)
		ds.ReplyGateway = [32]byte(b[4:36])
		b = b[36:]
	}
	if ds.StoreType != 0 {
		return nil, fmt.Errorf("%w: store type %d is not a RouterInfo", ErrFormat, ds.StoreType)
	}
	if len(b) < 2 || len(b)-2 != int(binary.BigEndian.Uint16(b)) {
		return nil, fmt.Errorf("%w: RouterInfo size does not match", ErrFormat)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b[2:]))
	if err != nil {
		return nil, fmt.Errorf("%w: gzip: %w", ErrFormat, err)
	}
	ri, err := io.ReadAll(io.LimitReader(zr, maxRouterInfo+1))
	if err != nil || len(ri) > maxRouterInfo {
		return nil, fmt.Errorf("%w: gzip body: %v", ErrFormat, err)
	}
	ds.RouterInfo = ri
	return ds, nil
}

// Lookup flags (DatabaseLookup flags byte, bits 3-2).
const (
	LookupRouterInfo  byte = 0x08
	LookupExploration byte = 0x0C
)

// DatabaseLookup asks for a key; replies come back over the same session
// when no reply tunnel is given.
type DatabaseLookup struct {
	Key, From [32]byte
	Flags     byte
	Exclude   [][32]byte // at most 512
}

// AppendBinary encodes the lookup body (direct reply, no tunnel).
func (l *DatabaseLookup) AppendBinary(b []byte) ([]byte, error) {
	if len(l.Exclude) > 512 {
		return b, fmt.Errorf("i2np: %d excluded peers, at most 512", len(l.Exclude))
	}
	b = append(b, l.Key[:]...)
	b = append(b, l.From[:]...)
	b = append(b, l.Flags&^0x01) // no reply tunnel
	b = binary.BigEndian.AppendUint16(b, uint16(len(l.Exclude)))
	for _, e := range l.Exclude {
		b = append(b, e[:]...)
	}
	return b, nil
}

// SearchReply lists peers closer to a key than the replying router.
type SearchReply struct {
	Key   [32]byte
	Peers [][32]byte
	From  [32]byte
}

// ParseSearchReply decodes a DatabaseSearchReply body.
func ParseSearchReply(b []byte) (*SearchReply, error) {
	if len(b) < 33 {
		return nil, fmt.Errorf("%w: DatabaseSearchReply of %d bytes", ErrFormat, len(b))
	}
	r := &SearchReply{Key: [32]byte(b[:32])}
	n := int(b[32])
	if len(b) != 33+32*n+32 {
		return nil, fmt.Errorf("%w: DatabaseSearchReply with %d peers is %d bytes", ErrFormat, n, len(b))
	}
	for i := range n {
		r.Peers = append(r.Peers, [32]byte(b[33+32*i:]))
	}
	r.From = [32]byte(b[33+32*n:])
	return r, nil
}

// DeliveryStatus acknowledges a message, e.g. a DatabaseStore with a reply
// token (MsgID is the token).
type DeliveryStatus struct {
	MsgID     uint32
	Timestamp time.Time // millisecond precision
}

// ParseDeliveryStatus decodes a DeliveryStatus body.
func ParseDeliveryStatus(b []byte) (DeliveryStatus, error) {
	if len(b) != 12 {
		return DeliveryStatus{}, fmt.Errorf("%w: DeliveryStatus of %d bytes", ErrFormat, len(b))
	}
	return DeliveryStatus{MsgID: binary.BigEndian.Uint32(b), Timestamp: time.UnixMilli(int64(binary.BigEndian.Uint64(b[4:])))}, nil
}

// AppendBinary encodes the DeliveryStatus body.
func (d DeliveryStatus) AppendBinary(b []byte) ([]byte, error) {
	b = binary.BigEndian.AppendUint32(b, d.MsgID)
	return binary.BigEndian.AppendUint64(b, uint64(d.Timestamp.UnixMilli())), nil
}
