package netdb

import (
	"encoding/binary"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/cryptobyte"
)

// A RouterAddress is one transport address of a router.
type RouterAddress struct {
	Cost       uint8
	Expiration uint64 // must be zero in current routers; kept for round trips
	Transport  string // "NTCP2", "SSU2", ...
	Options    Mapping
}

// A RouterInfo is a router's signed self-description.
type RouterInfo struct {
	raw       []byte
	verified  atomic.Pointer[[]byte] // the signature that last verified
	Identity  *Identity
	Published uint64 // milliseconds since the Unix epoch
	Addresses []RouterAddress
	Peers     []Hash // always empty in practice
	Options   Mapping
	Signature []byte
}

// ParseRouterInfo parses exactly one RouterInfo from b. It does not verify
// the signature (see Verify) and keeps a reference to b.
func ParseRouterInfo(b []byte) (*RouterInfo, error) {
	parses.Add(1)
	s := cryptobyte.String(b)
	id, err := readIdentity(&s)
	if err != nil {
		return nil, err
	}
	ri := &RouterInfo{raw: b, Identity: id}
	var n uint8
	if !s.ReadUint64(&ri.Published) || !s.ReadUint8(&n) {
		return nil, formatErr("routerinfo", "truncated after identity")
	}
	ri.Addresses = make([]RouterAddress, n)
	for i := range ri.Addresses {
		if ri.Addresses[i], err = readAddress(&s); err != nil {
			return nil, err
		}
	}
	if !s.ReadUint8(&n) {
		return nil, formatErr("routerinfo", "truncated before peers")
	}
	for range n {
		var h []byte
		if !s.ReadBytes(&h, 32) {
			return nil, formatErr("routerinfo", "truncated peer list")
		}
		ri.Peers = append(ri.Peers, Hash(h))
	}
	if ri.Options, err = readMapping(&s); err != nil {
		return nil, err
	}
	sigLen := sigInfos[id.SigType].sigLen
	if len(s) != sigLen {
		return nil, formatErr("routerinfo", "%d bytes after the options, %v signature needs %d", len(s), id.SigType, sigLen)
	}
	ri.Signature = s
	return ri, nil
}

func readAddress(s *cryptobyte.String) (RouterAddress, error) {
	var a RouterAddress
	var tr cryptobyte.String
	if !s.ReadUint8(&a.Cost) || !s.ReadUint64(&a.Expiration) || !s.ReadUint8LengthPrefixed(&tr) {
		return a, formatErr("address", "truncated")
	}
	a.Transport = string(tr)
	var err error
	a.Options, err = readMapping(s)
	return a, err
}

// Bytes returns the RouterInfo's encoding as parsed; do not modify it.
func (ri *RouterInfo) Bytes() []byte { return ri.raw }

// Hash is the router hash (SHA-256 of the identity).
func (ri *RouterInfo) Hash() Hash { return ri.Identity.Hash() }

// PublishedTime is Published as a time.Time.
func (ri *RouterInfo) PublishedTime() time.Time { return time.UnixMilli(int64(ri.Published)) }

// PublishedAt is the published time of the RouterInfo encoded in b, zero
// if b does not parse: how a reseed bundle dates its entries, as Java's
// bundler does (su3.OpenContent, su3.ReadEntryDir).
func PublishedAt(b []byte) time.Time {
	ri, err := ParseRouterInfo(b)
	if err != nil {
		return time.Time{}
	}
	return ri.PublishedTime()
}

// Option returns a router option such as "caps", "netId" or "router.version".
func (ri *RouterInfo) Option(key string) string {
	v, _ := ri.Options.Get(key)
	return v
}

// AppendBinary appends the RouterInfo's encoding, built from its fields, to
// b. For a parsed RouterInfo it reproduces the parsed bytes exactly.
func (ri *RouterInfo) AppendBinary(b []byte) ([]byte, error) {
	b, err := ri.appendUnsigned(b)
	if err != nil {
		return b, err
	}
	return append(b, ri.Signature...), nil
}

// appendUnsigned appends everything the signature covers.
func (ri *RouterInfo) appendUnsigned(b []byte) ([]byte, error) {
	b = append(b, ri.Identity.raw...)
	b = binary.BigEndian.AppendUint64(b, ri.Published)
	if len(ri.Addresses) > 255 || len(ri.Peers) > 255 {
		return b, formatErr("routerinfo", "too many addresses or peers")
	}
	b = append(b, byte(len(ri.Addresses)))
	var err error
	for _, a := range ri.Addresses {
		if len(a.Transport) > 255 {
			return b, formatErr("address", "transport name too long")
		}
		b = append(b, a.Cost)
		b = binary.BigEndian.AppendUint64(b, a.Expiration)
		b = append(b, byte(len(a.Transport)))
		b = append(b, a.Transport...)
		if b, err = a.Options.AppendBinary(b); err != nil {
			return b, err
		}
	}
	b = append(b, byte(len(ri.Peers)))
	for _, p := range ri.Peers {
		b = append(b, p[:]...)
	}
	return ri.Options.AppendBinary(b)
}
