package ssu2

import (
	"bytes"
	"errors"
	"testing"
)

// errBadType stands for ErrHeader or ErrPacket in the table below.
var errBadType = errors.New("ErrHeader or ErrPacket")

func TestSealOpenData(t *testing.T) {
	d := Direction{ConnID: ConnID{1}, Intro: Key{2}, Keys: DataKeys{Data: Key{3}, Header: Key{4}}}
	payload := AppendACK(nil, ACK{Through: 5})
	pkt, err := SealData(&d, 7, FlagImmediateACK, payload)
	if err != nil {
		t.Fatal(err)
	}
	h, got, err := OpenData(&d, pkt)
	if err != nil || h.PacketNumber != 7 || h.Flags[0] != FlagImmediateACK || !bytes.Equal(got, payload) {
		t.Fatalf("round trip: %+v %x %v", h, got, err)
	}
	tests := []struct {
		name   string
		mangle func(d *Direction, pkt []byte) []byte
		want   error
	}{
		{"other data key", func(d *Direction, p []byte) []byte { d.Keys.Data[0] ^= 1; return p }, ErrDecrypt},
		{"other intro key", func(d *Direction, p []byte) []byte { d.Intro[0] ^= 1; return p }, ErrPacket},
		{"other header key", func(d *Direction, p []byte) []byte { d.Keys.Header[0] ^= 1; return p }, errBadType},
		{"packet number flipped", func(d *Direction, p []byte) []byte { p[11] ^= 1; return p }, ErrDecrypt},
		{"truncated", func(d *Direction, p []byte) []byte { return p[:MinShortPacketLen-1] }, ErrHeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d2 := d
			_, _, err := OpenData(&d2, tt.mangle(&d2, append([]byte(nil), pkt...)))
			if tt.want == errBadType && (errors.Is(err, ErrHeader) || errors.Is(err, ErrPacket)) {
				return // the type byte unmasks to garbage: a long-header type or another
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := SealData(&d, 1, 0, make([]byte, minDataPayload-1)); err == nil {
		t.Error("a payload too short for header protection was sealed")
	}
	if _, err := SealData(&d, 1, 0, make([]byte, MaxPacketLen)); err == nil {
		t.Error("a packet over MaxPacketLen was sealed")
	}
}
