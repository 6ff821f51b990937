package ntcp2

import (
	"bytes"
	"errors"
	"testing"

	"github.com/dchest/siphash"
)

// TestSipHashVector: the reference SipHash-2-4 vector (key 00..0f,
// message 00..0e) from the SipHash paper's appendix.
func TestSipHashVector(t *testing.T) {
	msg := make([]byte, 15)
	for i := range msg {
		msg[i] = byte(i)
	}
	if got := siphash.Hash(0x0706050403020100, 0x0f0e0d0c0b0a0908, msg); got != 0xa129ca6149be45e5 {
		t.Fatalf("SipHash-2-4 = %#x, want 0xa129ca6149be45e5", got)
	}
}

func TestFramesBetweenPeers(t *testing.T) {
	f := newFixture(5)
	ak, bk, _, err := handshake(t, f, []byte("ri"))
	if err != nil {
		t.Fatal(err)
	}
	var wire bytes.Buffer
	w := NewFrameWriter(&wire, &ak)
	r := NewFrameReader(&wire, &bk)
	msgs := [][]byte{AppendBlock(nil, BlockDateTime, []byte{1, 2, 3, 4}), bytes.Repeat([]byte{9}, 1000), {}}
	for _, m := range msgs {
		if err := w.WriteFrame(m); err != nil {
			t.Fatal(err)
		}
	}
	for i, m := range msgs {
		got, err := r.ReadFrame()
		if err != nil || !bytes.Equal(got, m) {
			t.Fatalf("frame %d: %x, %v", i, got, err)
		}
	}
	// A flipped byte fails authentication (or the length check).
	w.WriteFrame([]byte("tamper me"))
	b := wire.Bytes()
	b[len(b)-3] ^= 1
	if _, err := r.ReadFrame(); !errors.Is(err, ErrFrame) {
		t.Errorf("tampered frame: %v", err)
	}
	if err := w.WriteFrame(make([]byte, MaxFrame+1)); !errors.Is(err, ErrFrame) {
		t.Errorf("oversized frame: %v", err)
	}
}

func TestParseBlocks(t *testing.T) {
	b := AppendBlock(nil, BlockDateTime, []byte{0, 0, 0, 1})
	b = AppendBlock(b, BlockType(77), []byte("unknown"))
	b = AppendBlock(b, BlockPadding, make([]byte, 5))
	blocks, err := ParseBlocks(b)
	if err != nil || len(blocks) != 3 || blocks[1].Type != 77 {
		t.Fatalf("%v, %v", blocks, err)
	}
	for _, bad := range [][]byte{{0, 0}, {0, 0, 5, 1}, append(AppendBlock(nil, BlockPadding, nil), AppendBlock(nil, BlockDateTime, []byte{1, 2, 3, 4})...)} {
		if _, err := ParseBlocks(bad); !errors.Is(err, ErrFrame) {
			t.Errorf("ParseBlocks(%x) = %v, want ErrFrame", bad, err)
		}
	}
}

func FuzzParseBlocks(f *testing.F) {
	f.Add(AppendBlock(AppendBlock(nil, BlockDateTime, []byte{0, 0, 0, 1}), BlockPadding, []byte{1, 2}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		blocks, err := ParseBlocks(b)
		if err != nil {
			return
		}
		var out []byte
		for _, bl := range blocks {
			out = AppendBlock(out, bl.Type, bl.Data)
		}
		if !bytes.Equal(out, b) {
			t.Fatal("blocks do not re-encode identically")
		}
	})
}

// FuzzReadSessionRequest: Bob never panics on a hostile message 1 and
// accepts nothing that does not authenticate.
func FuzzReadSessionRequest(f *testing.F) {
	fx := newFixture(0)
	fx.alice.Rand = bytes.NewReader(bytes.Repeat([]byte{5}, 32)) // same message 1 in every worker
	alice := NewClientHandshake(&fx.alice, fx.peer, 10)
	msg1, _ := alice.SessionRequest()
	f.Add(msg1)
	f.Add(msg1[:40])
	f.Fuzz(func(t *testing.T, b []byte) {
		bob := NewServerHandshake(&fx.bob, fx.bobHash, fx.bobIV)
		if err := bob.ReadSessionRequest(bytes.NewReader(b)); err == nil && !bytes.HasPrefix(b, msg1[:64]) {
			t.Fatal("a message 1 that Alice did not make was accepted")
		}
	})
}
