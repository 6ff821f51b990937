package ntcp2

import (
	"bytes"
	"testing"
)

// The handshake fuzz targets replay one deterministic handshake (fixed
// ephemeral keys and padding) and put the fuzzer in place of one message.
// Nothing may panic, and nothing but the genuine message may be accepted.

// detRand makes fresh deterministic randomness for one side.
func detRand(b byte) *bytes.Reader { return bytes.NewReader(bytes.Repeat([]byte{b}, 4096)) }

// genuine runs the deterministic handshake in memory and returns its three
// messages.
func genuine(f *testing.F, payload []byte) (msg1, msg2, msg3 []byte) {
	fx := newFixture(9)
	fx.alice.Rand, fx.bob.Rand = detRand(5), detRand(6)
	alice := NewClientHandshake(&fx.alice, fx.peer, len(payload))
	bob := NewServerHandshake(&fx.bob, fx.bobHash, fx.bobIV)
	msg1, err := alice.SessionRequest()
	if err != nil {
		f.Fatal(err)
	}
	if err := bob.ReadSessionRequest(bytes.NewReader(msg1)); err != nil {
		f.Fatal(err)
	}
	if msg2, err = bob.SessionCreated(); err != nil {
		f.Fatal(err)
	}
	if err := alice.ReadSessionCreated(bytes.NewReader(msg2)); err != nil {
		f.Fatal(err)
	}
	if msg3, _, err = alice.SessionConfirmed(payload); err != nil {
		f.Fatal(err)
	}
	if _, _, err := bob.ReadSessionConfirmed(bytes.NewReader(msg3)); err != nil {
		f.Fatal(err)
	}
	return msg1, msg2, msg3
}

var fuzzPayload = AppendBlock(nil, BlockRouterInfo, []byte{0, 1, 2, 3})

// FuzzReadSessionCreated: Alice, having sent message 1, reads a hostile
// message 2.
func FuzzReadSessionCreated(f *testing.F) {
	_, msg2, _ := genuine(f, fuzzPayload)
	f.Add(msg2)
	f.Add(msg2[:64])
	f.Fuzz(func(t *testing.T, b []byte) {
		fx := newFixture(9)
		fx.alice.Rand = detRand(5)
		alice := NewClientHandshake(&fx.alice, fx.peer, len(fuzzPayload))
		if _, err := alice.SessionRequest(); err != nil {
			t.Fatal(err)
		}
		if err := alice.ReadSessionCreated(bytes.NewReader(b)); err == nil && !bytes.HasPrefix(b, msg2[:64]) {
			t.Fatal("a message 2 that Bob did not make was accepted")
		}
	})
}

// FuzzReadSessionConfirmed: Bob, having answered message 1, reads a
// hostile message 3.
func FuzzReadSessionConfirmed(f *testing.F) {
	msg1, _, msg3 := genuine(f, fuzzPayload)
	f.Add(msg3)
	f.Add(msg3[:48])
	f.Fuzz(func(t *testing.T, b []byte) {
		fx := newFixture(9)
		fx.bob.Rand = detRand(6)
		bob := NewServerHandshake(&fx.bob, fx.bobHash, fx.bobIV)
		if err := bob.ReadSessionRequest(bytes.NewReader(msg1)); err != nil {
			t.Fatal(err)
		}
		if _, err := bob.SessionCreated(); err != nil {
			t.Fatal(err)
		}
		payload, _, err := bob.ReadSessionConfirmed(bytes.NewReader(b))
		if err == nil && (!bytes.HasPrefix(b, msg3) || !bytes.Equal(payload, fuzzPayload)) {
			t.Fatal("a message 3 that Alice did not make was accepted")
		}
	})
}

// FuzzReadFrame: a data phase reader fed a hostile stream returns errors,
// and every frame it accepts is one the genuine writer sent.
func FuzzReadFrame(f *testing.F) {
	keys := Keys{Send: key(3), Recv: key(3), SipSend: key(4), SipRecv: key(4)}
	var wire bytes.Buffer
	w := NewFrameWriter(&wire, &keys)
	sent := [][]byte{AppendBlock(nil, BlockDateTime, []byte{1, 2, 3, 4}), AppendBlock(nil, BlockPadding, make([]byte, 40))}
	for _, m := range sent {
		w.WriteFrame(m)
	}
	f.Add(wire.Bytes())
	f.Add(wire.Bytes()[:20])
	f.Fuzz(func(t *testing.T, b []byte) {
		r := NewFrameReader(bytes.NewReader(b), &keys)
		for i := 0; ; i++ {
			frame, err := r.ReadFrame()
			if err != nil {
				return
			}
			if i >= len(sent) || !bytes.Equal(frame, sent[i]) {
				t.Fatalf("frame %d accepted that was never sent: %x", i, frame)
			}
			ParseBlocks(frame)
		}
	})
}
