package ntcp2

import (
	"bytes"
	"testing"
)

// BenchmarkHandshake: one whole handshake, our Alice against our Bob in
// memory (three messages, five X25519 operations, the key split).
func BenchmarkHandshake(b *testing.B) {
	fx := newFixture(16)
	payload := AppendBlock(nil, BlockRouterInfo, make([]byte, 500))
	for b.Loop() {
		alice := NewClientHandshake(&fx.alice, fx.peer, len(payload))
		bob := NewServerHandshake(&fx.bob, fx.bobHash, fx.bobIV)
		msg1, _ := alice.SessionRequest()
		if err := bob.ReadSessionRequest(bytes.NewReader(msg1)); err != nil {
			b.Fatal(err)
		}
		msg2, _ := bob.SessionCreated()
		if err := alice.ReadSessionCreated(bytes.NewReader(msg2)); err != nil {
			b.Fatal(err)
		}
		msg3, _, _ := alice.SessionConfirmed(payload)
		if _, _, err := bob.ReadSessionConfirmed(bytes.NewReader(msg3)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFrame: encrypt and decrypt one 1 KiB data phase frame.
func BenchmarkFrame(b *testing.B) {
	keys := Keys{Send: key(3), Recv: key(3), SipSend: key(4), SipRecv: key(4)}
	var wire bytes.Buffer
	w, r := NewFrameWriter(&wire, &keys), NewFrameReader(&wire, &keys)
	frame := make([]byte, 1024)
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		w.WriteFrame(frame)
		if _, err := r.ReadFrame(); err != nil {
			b.Fatal(err)
		}
	}
}
