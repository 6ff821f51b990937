package ssu2

import (
	"errors"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/router/i2np"
	"github.com/i2pseed/i2pseed/router/transport"
)

func TestBlockRoundTrips(t *testing.T) {
	msg := i2np.Message{Type: i2np.TypeDatabaseStore, ID: 77, Expiration: time.Unix(1_800_000_000, 0), Body: []byte("body")}
	tests := []struct {
		name  string
		block []byte
		parse func([]byte) (any, error)
		want  any
	}{
		{"DateTime", AppendDateTime(nil, 1234), func(b []byte) (any, error) { return ParseDateTime(b) }, uint32(1234)},
		{"Address v4", AppendAddress(nil, netip.MustParseAddrPort("198.18.0.1:9")),
			func(b []byte) (any, error) { return ParseAddress(b) }, netip.MustParseAddrPort("198.18.0.1:9")},
		{"Address v6", AppendAddress(nil, netip.MustParseAddrPort("[200::1]:9")),
			func(b []byte) (any, error) { return ParseAddress(b) }, netip.MustParseAddrPort("[200::1]:9")},
		{"Termination", AppendTermination(nil, Termination{ValidPackets: 5, Reason: transport.ReasonIdle, Extra: []byte{1}}),
			func(b []byte) (any, error) { return ParseTermination(b) }, Termination{ValidPackets: 5, Reason: transport.ReasonIdle, Extra: []byte{1}}},
		{"ACK", AppendACK(nil, ACK{Through: 10, Count: 2, Ranges: []AckRange{{1, 2}}}),
			func(b []byte) (any, error) { return ParseACK(b) }, ACK{Through: 10, Count: 2, Ranges: []AckRange{{1, 2}}}},
		{"FollowOn", AppendFollowOn(nil, FollowOn{Num: 3, Last: true, MsgID: 77, Data: []byte("x")}),
			func(b []byte) (any, error) { return ParseFollowOn(b) }, FollowOn{Num: 3, Last: true, MsgID: 77, Data: []byte("x")}},
		{"RouterInfo", AppendRouterInfoBlock(nil, []byte("ri")),
			func(b []byte) (any, error) { return ParseRouterInfoBlock(b) }, RouterInfoBlock{RouterInfo: []byte("ri")}},
		{"I2NP", AppendI2NP(nil, msg), func(b []byte) (any, error) { return ParseI2NP(b) }, msg},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			blocks, err := ParseBlocks(tt.block)
			if err != nil || len(blocks) != 1 {
				t.Fatalf("ParseBlocks: %v, %v", blocks, err)
			}
			got, err := tt.parse(blocks[0].Data)
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestParseBlocksErrors(t *testing.T) {
	tests := []struct {
		name string
		p    []byte
	}{
		{"truncated header", []byte{0, 0}},
		{"truncated data", []byte{0, 0, 4, 1, 2, 3}},
		{"block after padding", append(AppendBlock(nil, BlockPadding, []byte{0}), AppendDateTime(nil, 1)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseBlocks(tt.p); !errors.Is(err, ErrBlock) {
				t.Fatalf("got %v, want ErrBlock", err)
			}
		})
	}
	if b, err := ParseBlocks(AppendBlock(nil, 200, []byte{1})); err != nil || b[0].Type.String() != "BlockType(200)" {
		t.Errorf("unknown block: %v, %v; want it returned for the caller to skip", b, err)
	}
}

func TestTypedBlockErrors(t *testing.T) {
	tests := []struct {
		name  string
		parse func([]byte) error
		b     []byte
	}{
		{"DateTime 3", func(b []byte) error { _, err := ParseDateTime(b); return err }, []byte{1, 2, 3}},
		{"Address 5", func(b []byte) error { _, err := ParseAddress(b); return err }, make([]byte, 5)},
		{"Termination 8", func(b []byte) error { _, err := ParseTermination(b); return err }, make([]byte, 8)},
		{"NewToken 11", func(b []byte) error { _, err := ParseNewToken(b); return err }, make([]byte, 11)},
		{"ACK 6", func(b []byte) error { _, err := ParseACK(b); return err }, make([]byte, 6)},
		{"FollowOn 0", func(b []byte) error { _, err := ParseFollowOn(b); return err }, make([]byte, 6)},
		{"FollowOn 4", func(b []byte) error { _, err := ParseFollowOn(b); return err }, []byte{2, 0, 0, 0}},
		{"RouterInfo fragmented", func(b []byte) error { _, err := ParseRouterInfoBlock(b); return err }, []byte{0, 0x12, 1}},
		{"RouterInfo flags", func(b []byte) error { _, err := ParseRouterInfoBlock(b); return err }, []byte{4, 1, 1}},
		{"I2NP 8", func(b []byte) error { _, err := ParseI2NP(b); return err }, make([]byte, 8)},
		{"FirstFragment 8", func(b []byte) error { _, err := ParseFirstFragment(b); return err }, make([]byte, 8)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.parse(tt.b); !errors.Is(err, ErrBlock) {
				t.Fatalf("got %v, want ErrBlock", err)
			}
		})
	}
}

func TestACKAcked(t *testing.T) {
	// 10 and 9 acked (Count 1), 8 nacked, 7 and 6 acked, 5-3 nacked, 2 acked.
	a := ACK{Through: 10, Count: 1, Ranges: []AckRange{{1, 2}, {3, 1}}}
	want := map[uint32]bool{11: false, 10: true, 9: true, 8: false, 7: true, 6: true, 5: false, 3: false, 2: true, 1: false}
	for n, w := range want {
		if a.Acked(n) != w {
			t.Errorf("Acked(%d) = %v, want %v", n, !w, w)
		}
	}
}

func TestHeaderRoundTrips(t *testing.T) {
	lh := LongHeader{DestConnID: ConnID{1}, PacketNumber: 7, Type: TypeRetry, Version: 2, NetID: 2, SrcConnID: ConnID{2}, Token: Token{3}}
	b, _ := lh.AppendBinary(nil)
	if got, err := ParseLongHeader(b); err != nil || got != lh {
		t.Errorf("long: %+v, %v", got, err)
	}
	sh := ShortHeader{DestConnID: ConnID{1}, PacketNumber: 7, Type: TypeData, Flags: [3]byte{1}}
	b, _ = sh.AppendBinary(nil)
	if got, err := ParseShortHeader(b); err != nil || got != sh {
		t.Errorf("short: %+v, %v", got, err)
	}
	bad := []struct {
		name string
		b    []byte
		long bool
	}{
		{"long 31", make([]byte, 31), true},
		{"long 33", make([]byte, 33), true},
		{"long version 1", func() []byte { h := lh; h.Version = 1; b, _ := h.AppendBinary(nil); return b }(), true},
		{"long type Data", func() []byte { h := lh; h.Type = TypeData; b, _ := h.AppendBinary(nil); return b }(), true},
		{"short 15", make([]byte, 15), false},
		{"short type Retry", func() []byte { h := sh; h.Type = TypeRetry; b, _ := h.AppendBinary(nil); return b }(), false},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.long {
				_, err = ParseLongHeader(tt.b)
			} else {
				_, err = ParseShortHeader(tt.b)
			}
			if !errors.Is(err, ErrHeader) {
				t.Fatalf("got %v, want ErrHeader", err)
			}
		})
	}
	if TypeTokenRequest.String() != "TokenRequest" || PacketType(99).String() != "PacketType(99)" || BlockACK.String() != "ACK" {
		t.Error("String names")
	}
}
