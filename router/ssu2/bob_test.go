package ssu2

import (
	"fmt"
	"net/netip"
	"time"
)

// testBob is Bob's side of the token exchange, for tests: he answers a
// TokenRequest sealed with his intro key with a Retry, as i2pd does.
type testBob struct {
	intro Key
	netID uint8
	token Token
	now   time.Time
	term  *Termination // refuse with this instead of a token
}

// consumeTokenRequest opens a TokenRequest and returns its header.
func (b *testBob) consumeTokenRequest(pkt []byte) (LongHeader, error) {
	p := append([]byte(nil), pkt...)
	if err := MaskLongHeader(p, &b.intro, &b.intro); err != nil {
		return LongHeader{}, err
	}
	h, err := ParseLongHeader(p[:LongHeaderLen])
	if err != nil {
		return h, err
	}
	if h.Type != TypeTokenRequest {
		return h, fmt.Errorf("%w: %v", ErrPacket, h.Type)
	}
	payload, err := open(&b.intro, uint64(h.PacketNumber), p[LongHeaderLen:], p[:LongHeaderLen])
	if err != nil {
		return h, err
	}
	if _, err := ParseBlocks(payload); err != nil {
		return h, err
	}
	return h, nil
}

// createRetry answers a TokenRequest with header req, seen from alice.
func (b *testBob) createRetry(req LongHeader, alice netip.AddrPort) []byte {
	h := LongHeader{DestConnID: req.SrcConnID, PacketNumber: 0x01020304, Type: TypeRetry, Version: Version,
		NetID: b.netID, SrcConnID: req.DestConnID, Token: b.token}
	payload := AppendDateTime(nil, uint32(b.now.Unix()))
	payload = AppendAddress(payload, alice)
	if b.term != nil {
		h.Token = Token{}
		payload = AppendTermination(payload, *b.term)
	}
	payload = AppendBlock(payload, BlockPadding, make([]byte, 9))
	pkt, _ := h.AppendBinary(nil)
	pkt = append(pkt, seal(&b.intro, uint64(h.PacketNumber), payload, pkt[:LongHeaderLen])...)
	if err := MaskLongHeader(pkt, &b.intro, &b.intro); err != nil {
		panic(err)
	}
	return pkt
}
