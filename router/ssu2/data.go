package ssu2

import (
	"fmt"
)

// MaxPacketLen is the largest datagram we send: IPv4's minimum MTU for
// SSU2 (1280) less the IP and UDP headers, which every router accepts.
const MaxPacketLen = 1280 - 20 - 8

// minDataPayload is the least plaintext a Data packet carries, so that
// the packet holds the 24 bytes header protection samples after its
// header (16 + 8 + 16-byte tag = 40).
const minDataPayload = MinShortPacketLen - ShortHeaderLen - 16

// FlagImmediateACK is a Data packet's first flag byte (header byte 13)
// asking the receiver to ACK at once.
const FlagImmediateACK = 0x01

// Direction is what one direction of the data phase is sealed with:
// k_header_1 is the receiver's intro key, the rest comes from the
// handshake (splitDataKeys).
type Direction struct {
	ConnID ConnID // the receiver's connection ID
	Intro  Key    // the receiver's intro key: k_header_1
	Keys   DataKeys
}

func (d *Direction) zero() {
	d.Intro.zero()
	d.Keys.zero()
}

// SealData builds a Data packet numbered pn: the short header, then
// payload (blocks, padded by the caller to at least 8 bytes) sealed with
// k_data under nonce pn and the unmasked header as associated data; the
// header is then masked.
func SealData(d *Direction, pn uint32, flags byte, payload []byte) ([]byte, error) {
	if len(payload) < minDataPayload {
		return nil, fmt.Errorf("ssu2: Data payload of %d bytes, want at least %d", len(payload), minDataPayload)
	}
	h := ShortHeader{DestConnID: d.ConnID, PacketNumber: pn, Type: TypeData, Flags: [3]byte{flags}}
	pkt, _ := h.AppendBinary(make([]byte, 0, ShortHeaderLen+len(payload)+16))
	pkt = append(pkt, seal(&d.Keys.Data, uint64(pn), payload, pkt)...)
	if len(pkt) > MaxPacketLen {
		return nil, fmt.Errorf("ssu2: Data packet of %d bytes, over %d", len(pkt), MaxPacketLen)
	}
	if err := MaskShortHeader(pkt, &d.Intro, &d.Keys.Header); err != nil {
		return nil, err
	}
	return pkt, nil
}

// OpenData reads a Data packet sealed for direction d and returns its
// header and payload. pkt is not modified.
func OpenData(d *Direction, pkt []byte) (ShortHeader, []byte, error) {
	if len(pkt) < MinShortPacketLen {
		return ShortHeader{}, nil, fmt.Errorf("%w: %d-byte packet", ErrHeader, len(pkt))
	}
	hb := append([]byte(nil), pkt[:ShortHeaderLen]...)
	hb = append(hb, pkt[len(pkt)-sampleLen:]...)
	if err := MaskShortHeader(hb, &d.Intro, &d.Keys.Header); err != nil {
		return ShortHeader{}, nil, err
	}
	h, err := ParseShortHeader(hb[:ShortHeaderLen])
	switch {
	case err != nil:
		return h, nil, err
	case h.Type != TypeData:
		return h, nil, fmt.Errorf("%w: %v, want Data", ErrPacket, h.Type)
	case h.DestConnID != d.ConnID:
		return h, nil, fmt.Errorf("%w: Data for another session", ErrPacket)
	}
	payload, err := open(&d.Keys.Data, uint64(h.PacketNumber), pkt[ShortHeaderLen:], hb[:ShortHeaderLen])
	if err != nil {
		return h, nil, fmt.Errorf("ssu2: Data %d: %w", h.PacketNumber, err)
	}
	return h, payload, nil
}
