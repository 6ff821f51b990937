package i2np

import (
	"bytes"
	"compress/gzip"
	"encoding"
	"encoding/binary"
	"fmt"
	"io"
	"time"
)

var (
	_ encoding.BinaryAppender = (*DatabaseStore)(nil)
	_ encoding.BinaryAppender = (*DatabaseLookup)(nil)
	_ encoding.BinaryAppender = (*SearchReply)(nil)
	_ encoding.BinaryAppender = DeliveryStatus{}
)

// Sizes and limits of the message bodies.
const (
	hashLen         = 32
	storeFixedLen   = hashLen + 1 + 4   // key | type | reply token
	storeReplyLen   = 4 + hashLen       // reply tunnel | reply gateway
	lookupFixedLen  = 2*hashLen + 1 + 2 // key | from | flags | excluded count
	maxExcluded     = 512
	maxReplyTags    = 32
	elGamalTagLen   = 32
	ratchetTagLen   = 8
	deliveryLen     = 4 + 8
	maxSearchPeers  = 255
	maxRouterInfo   = 64 << 10 // a decompressed RouterInfo (i2pd refuses > 3072)
	maxCompressedRI = 0xFFFF   // its 2-byte size field
)

// DatabaseStore is a stored RouterInfo (LeaseSet stores, store types
// other than 0, are refused).
type DatabaseStore struct {
	Key        [32]byte
	StoreType  uint8 // 0 RouterInfo
	ReplyToken uint32
	// With a ReplyToken: where the DeliveryStatus goes. Tunnel 0 means
	// straight to the router ReplyGateway. Without one, they are not sent.
	ReplyTunnel  uint32
	ReplyGateway [32]byte
	RouterInfo   []byte // decompressed
}

// AppendBinary encodes the store body, gzipping the RouterInfo.
func (ds *DatabaseStore) AppendBinary(b []byte) ([]byte, error) {
	if ds.StoreType != 0 {
		return b, fmt.Errorf("i2np: DatabaseStore of store type %d: only RouterInfos (0) are encoded", ds.StoreType)
	}
	if len(ds.RouterInfo) > maxRouterInfo {
		return b, fmt.Errorf("i2np: RouterInfo of %d bytes, at most %d", len(ds.RouterInfo), maxRouterInfo)
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(ds.RouterInfo) // a bytes.Buffer does not fail
	zw.Close()
	if z.Len() > maxCompressedRI {
		return b, fmt.Errorf("i2np: compressed RouterInfo of %d bytes, at most %d", z.Len(), maxCompressedRI)
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
	if len(b) < storeFixedLen {
		return nil, fmt.Errorf("%w: DatabaseStore of %d bytes", ErrFormat, len(b))
	}
	ds := &DatabaseStore{Key: [32]byte(b[:32]), StoreType: b[32], ReplyToken: binary.BigEndian.Uint32(b[33:37])}
	b = b[storeFixedLen:]
	if ds.ReplyToken != 0 {
		if len(b) < storeReplyLen {
			return nil, fmt.Errorf("%w: DatabaseStore: truncated reply tunnel", ErrFormat)
		}
		ds.ReplyTunnel = binary.BigEndian.Uint32(b)
		ds.ReplyGateway = [32]byte(b[4:storeReplyLen])
		b = b[storeReplyLen:]
	}
	if ds.StoreType != 0 {
		return nil, fmt.Errorf("%w: DatabaseStore: store type %d is not a RouterInfo", ErrFormat, ds.StoreType)
	}
	if len(b) < 2 || len(b)-2 != int(binary.BigEndian.Uint16(b)) {
		return nil, fmt.Errorf("%w: DatabaseStore: RouterInfo size does not match", ErrFormat)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b[2:]))
	if err != nil {
		return nil, fmt.Errorf("%w: DatabaseStore: gzip: %w", ErrFormat, err)
	}
	ri, err := io.ReadAll(io.LimitReader(zr, maxRouterInfo+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: DatabaseStore: gzip: %w", ErrFormat, err)
	case len(ri) > maxRouterInfo:
		return nil, fmt.Errorf("%w: DatabaseStore: RouterInfo over %d bytes", ErrFormat, maxRouterInfo)
	}
	ds.RouterInfo = ri
	return ds, nil
}

// DatabaseLookup flags: bit 0 asks for the reply through a tunnel, bits
// 3-2 are the lookup type, bit 1 (ElGamal/AES) or bit 4 (ECIES) asks for
// an encrypted reply. Bits 7-5 are reserved and kept as they are.
const (
	LookupReplyTunnel  byte = 0x01
	LookupElGamalReply byte = 0x02
	LookupNormal       byte = 0x00
	LookupLeaseSet     byte = 0x04
	LookupRouterInfo   byte = 0x08
	LookupExploration  byte = 0x0C
	LookupECIESReply   byte = 0x10
)

// DatabaseLookup asks for a key; replies come back over the same session
// when no reply tunnel is given.
type DatabaseLookup struct {
	Key, From [32]byte // From: the asking router, or the reply tunnel's gateway
	Flags     byte
	// ReplyTunnel is sent with Flags&LookupReplyTunnel only.
	ReplyTunnel uint32
	Exclude     [][32]byte // at most 512
	// ReplyKey and 1-32 ReplyTags (32 bytes each for LookupElGamalReply,
	// 8 for LookupECIESReply) are sent with one of those flags only.
	ReplyKey  [32]byte
	ReplyTags [][]byte
}

// replyTagLen is the length of each reply tag flags ask for, 0 for an
// unencrypted reply, or -1 for both encryption flags (reserved).
func replyTagLen(flags byte) int {
	switch flags & (LookupElGamalReply | LookupECIESReply) {
	case 0:
		return 0
	case LookupElGamalReply:
		return elGamalTagLen
	case LookupECIESReply:
		return ratchetTagLen
	}
	return -1
}

// check refuses a lookup the decoder would refuse; it returns the length
// of each reply tag (0: none).
func (l *DatabaseLookup) check() (tagLen int, err error) {
	if len(l.Exclude) > maxExcluded {
		return 0, fmt.Errorf("i2np: %d excluded peers, at most %d", len(l.Exclude), maxExcluded)
	}
	if l.Flags&LookupReplyTunnel == 0 && l.ReplyTunnel != 0 {
		return 0, fmt.Errorf("i2np: DatabaseLookup with reply tunnel %d but no reply tunnel flag", l.ReplyTunnel)
	}
	tagLen = replyTagLen(l.Flags)
	switch {
	case tagLen < 0:
		return 0, fmt.Errorf("i2np: DatabaseLookup flags %#02x ask for both ElGamal and ECIES replies", l.Flags)
	case tagLen == 0 && (len(l.ReplyTags) > 0 || l.ReplyKey != [32]byte{}):
		return 0, fmt.Errorf("i2np: DatabaseLookup with a reply key or tags but no encryption flag")
	case tagLen > 0 && (len(l.ReplyTags) == 0 || len(l.ReplyTags) > maxReplyTags):
		return 0, fmt.Errorf("i2np: DatabaseLookup with %d reply tags, want 1-%d", len(l.ReplyTags), maxReplyTags)
	}
	for _, tag := range l.ReplyTags {
		if len(tag) != tagLen {
			return 0, fmt.Errorf("i2np: DatabaseLookup reply tag of %d bytes, want %d", len(tag), tagLen)
		}
	}
	return tagLen, nil
}

// AppendBinary encodes the lookup body.
func (l *DatabaseLookup) AppendBinary(b []byte) ([]byte, error) {
	tagLen, err := l.check()
	if err != nil {
		return b, err
	}
	b = append(b, l.Key[:]...)
	b = append(b, l.From[:]...)
	b = append(b, l.Flags)
	if l.Flags&LookupReplyTunnel != 0 {
		b = binary.BigEndian.AppendUint32(b, l.ReplyTunnel)
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(l.Exclude)))
	for _, e := range l.Exclude {
		b = append(b, e[:]...)
	}
	if tagLen > 0 {
		b = append(b, l.ReplyKey[:]...)
		b = append(b, byte(len(l.ReplyTags)))
		for _, tag := range l.ReplyTags {
			b = append(b, tag...)
		}
	}
	return b, nil
}

// ParseDatabaseLookup decodes a DatabaseLookup body.
func ParseDatabaseLookup(b []byte) (*DatabaseLookup, error) {
	if len(b) < lookupFixedLen {
		return nil, fmt.Errorf("%w: DatabaseLookup of %d bytes", ErrFormat, len(b))
	}
	l := &DatabaseLookup{Key: [32]byte(b[:32]), From: [32]byte(b[32:64]), Flags: b[64]}
	b = b[65:]
	if l.Flags&LookupReplyTunnel != 0 {
		if len(b) < 4+2 {
			return nil, fmt.Errorf("%w: DatabaseLookup: truncated reply tunnel", ErrFormat)
		}
		l.ReplyTunnel = binary.BigEndian.Uint32(b)
		b = b[4:]
	}
	n := int(binary.BigEndian.Uint16(b))
	b = b[2:]
	if n > maxExcluded {
		return nil, fmt.Errorf("%w: DatabaseLookup excludes %d peers, at most %d", ErrFormat, n, maxExcluded)
	}
	if len(b) < hashLen*n {
		return nil, fmt.Errorf("%w: DatabaseLookup: %d excluded peers in %d bytes", ErrFormat, n, len(b))
	}
	for i := range n {
		l.Exclude = append(l.Exclude, [32]byte(b[hashLen*i:]))
	}
	b = b[hashLen*n:]
	tagLen := replyTagLen(l.Flags)
	switch {
	case tagLen < 0:
		return nil, fmt.Errorf("%w: DatabaseLookup flags %#02x ask for both ElGamal and ECIES replies", ErrFormat, l.Flags)
	case tagLen == 0:
		if len(b) != 0 {
			return nil, fmt.Errorf("%w: DatabaseLookup: %d trailing bytes", ErrFormat, len(b))
		}
		return l, nil
	}
	if len(b) < hashLen+1 {
		return nil, fmt.Errorf("%w: DatabaseLookup: truncated reply key", ErrFormat)
	}
	l.ReplyKey = [32]byte(b)
	tags := int(b[hashLen])
	b = b[hashLen+1:]
	if tags == 0 || tags > maxReplyTags {
		return nil, fmt.Errorf("%w: DatabaseLookup with %d reply tags, want 1-%d", ErrFormat, tags, maxReplyTags)
	}
	if len(b) != tags*tagLen {
		return nil, fmt.Errorf("%w: DatabaseLookup: %d reply tags of %d bytes in %d bytes", ErrFormat, tags, tagLen, len(b))
	}
	for i := range tags {
		l.ReplyTags = append(l.ReplyTags, bytes.Clone(b[tagLen*i:tagLen*(i+1)]))
	}
	return l, nil
}

// SearchReply (DatabaseSearchReply) lists peers closer to a key than the
// replying router.
type SearchReply struct {
	Key   [32]byte
	Peers [][32]byte // at most 255
	From  [32]byte
}

// AppendBinary encodes the DatabaseSearchReply body.
func (r *SearchReply) AppendBinary(b []byte) ([]byte, error) {
	if len(r.Peers) > maxSearchPeers {
		return b, fmt.Errorf("i2np: DatabaseSearchReply with %d peers, at most %d", len(r.Peers), maxSearchPeers)
	}
	b = append(b, r.Key[:]...)
	b = append(b, byte(len(r.Peers)))
	for _, p := range r.Peers {
		b = append(b, p[:]...)
	}
	return append(b, r.From[:]...), nil
}

// ParseSearchReply decodes a DatabaseSearchReply body.
func ParseSearchReply(b []byte) (*SearchReply, error) {
	if len(b) < hashLen+1 {
		return nil, fmt.Errorf("%w: DatabaseSearchReply of %d bytes", ErrFormat, len(b))
	}
	r := &SearchReply{Key: [32]byte(b[:32])}
	n := int(b[32])
	if len(b) != hashLen+1+hashLen*n+hashLen {
		return nil, fmt.Errorf("%w: DatabaseSearchReply with %d peers is %d bytes", ErrFormat, n, len(b))
	}
	for i := range n {
		r.Peers = append(r.Peers, [32]byte(b[33+hashLen*i:]))
	}
	r.From = [32]byte(b[33+hashLen*n:])
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
	if len(b) != deliveryLen {
		return DeliveryStatus{}, fmt.Errorf("%w: DeliveryStatus of %d bytes", ErrFormat, len(b))
	}
	return DeliveryStatus{MsgID: binary.BigEndian.Uint32(b), Timestamp: time.UnixMilli(int64(binary.BigEndian.Uint64(b[4:])))}, nil
}

// AppendBinary encodes the DeliveryStatus body.
func (d DeliveryStatus) AppendBinary(b []byte) ([]byte, error) {
	b = binary.BigEndian.AppendUint32(b, d.MsgID)
	return binary.BigEndian.AppendUint64(b, uint64(d.Timestamp.UnixMilli())), nil
}
