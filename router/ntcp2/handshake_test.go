package ntcp2

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/flynn/noise"
	"golang.org/x/crypto/chacha20poly1305"
)

var testNow = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func key(b byte) [32]byte {
	var k [32]byte
	for i := range k {
		k[i] = b + byte(i)
	}
	return k
}

func fixedPadding(n int) func(int) int { return func(int) int { return n } }

type fixture struct {
	alice, bob Config
	peer       Peer // what Alice believes of Bob
	bobHash    [32]byte
	bobIV      [16]byte
}

func newFixture(padding int) fixture {
	f := fixture{
		alice: Config{NetID: 2, Static: key(1), Now: func() time.Time { return testNow }, Padding: fixedPadding(padding)},
		bob:   Config{NetID: 2, Static: key(100), Now: func() time.Time { return testNow }, Padding: fixedPadding(padding)},
	}
	f.bobHash, f.bobIV = key(50), [16]byte(bytes.Repeat([]byte{7}, 16))
	f.peer = Peer{RouterHash: f.bobHash, IV: f.bobIV, Static: f.bob.Static.Public()}
	return f
}

// flynnXK is the NTCP2 pattern for flynn/noise: XK under NTCP2's name.
func flynnConfig(initiator bool, static [32]byte, peer []byte, eph []byte) noise.Config {
	pattern := noise.HandshakeXK
	pattern.Name = "XKaesobfse+hs2+hs3"
	return noise.Config{
		CipherSuite:   noise.NewCipherSuite(noise.DH25519, noise.CipherChaChaPoly, noise.HashSHA256),
		Pattern:       pattern,
		Initiator:     initiator,
		StaticKeypair: noise.DHKey{Private: static[:], Public: func() []byte { p := PrivateKey(static).Public(); return p[:] }()},
		PeerStatic:    peer,
		Random:        bytes.NewReader(eph),
	}
}

// TestAgainstFlynnNoise: with no padding, NTCP2 is Noise XK under its own
// name plus AES obfuscation. flynn/noise, an independent implementation,
// plays Bob against our Alice: message 1 must be byte-identical to what
// flynn's own initiator makes, every message must be accepted, and the
// data phase keys must agree.
func TestAgainstFlynnNoise(t *testing.T) {
	f := newFixture(0)
	eph := bytes.Repeat([]byte{0x42}, 32)
	f.alice.Rand = bytes.NewReader(eph)
	alice := NewClientHandshake(&f.alice, f.peer, 5)
	msg1, err := alice.SessionRequest()
	if err != nil {
		t.Fatal(err)
	}
	// flynn's initiator with the same keys and ephemeral.
	var opts [16]byte
	opts[0], opts[1] = 2, 2
	binary.BigEndian.PutUint16(opts[4:], 5+16)
	binary.BigEndian.PutUint32(opts[8:], uint32(testNow.Unix()))
	x := checkMessage1LikeFlynn(t, f, eph, opts, msg1)

	// flynn as Bob.
	bobEph := bytes.Repeat([]byte{0x24}, 32)
	fb, err := noise.NewHandshakeState(flynnConfig(false, f.bob.Static, nil, bobEph))
	if err != nil {
		t.Fatal(err)
	}
	got, _, _, err := fb.ReadMessage(nil, append(x, msg1[32:]...))
	if err != nil || !bytes.Equal(got, opts[:]) {
		t.Fatalf("flynn Bob read message 1: %x, %v", got, err)
	}
	var bobOpts [16]byte
	binary.BigEndian.PutUint32(bobOpts[8:], uint32(testNow.Unix()))
	msg2, _, _, err := fb.WriteMessage(nil, bobOpts[:])
	if err != nil {
		t.Fatal(err)
	}
	obf := append(aesCBC(f.peer.RouterHash, msg1[16:32], msg2[:32], true), msg2[32:]...)
	if err := alice.ReadSessionCreated(bytes.NewReader(obf)); err != nil {
		t.Fatalf("our Alice read flynn's message 2: %v", err)
	}
	msg3, keys, err := alice.SessionConfirmed([]byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	payload, csRecv, csSend, err := fb.ReadMessage(nil, msg3)
	if err != nil || string(payload) != "hello" {
		t.Fatalf("flynn Bob read message 3: %q, %v", payload, err)
	}
	// Alice sends with k_ab = flynn's first cipher state.
	checkDataKeysLikeFlynn(t, keys, csRecv, csSend)
	if !bytes.Equal(fb.ChannelBinding(), alice.ss.H[:]) {
		t.Errorf("handshake hash differs from flynn's")
	}
}

// checkMessage1LikeFlynn: msg1, made by f's Alice with ephemeral key eph
// and options opts, is what flynn/noise's initiator makes of the same,
// once its X is de-obfuscated; it returns that X.
func checkMessage1LikeFlynn(t *testing.T, f fixture, eph []byte, opts [16]byte, msg1 []byte) []byte {
	t.Helper()
	fa, err := noise.NewHandshakeState(flynnConfig(true, f.alice.Static, f.peer.Static[:], eph))
	if err != nil {
		t.Fatal(err)
	}
	want, _, _, err := fa.WriteMessage(nil, opts[:])
	if err != nil {
		t.Fatal(err)
	}
	x := aesCBC(f.peer.RouterHash, f.peer.IV[:], msg1[:32], false)
	if !bytes.Equal(x, want[:32]) || !bytes.Equal(msg1[32:], want[32:]) {
		t.Fatalf("message 1 differs from flynn/noise's:\n got %x\nwant %x (X de-obfuscated)", append(x, msg1[32:]...), want)
	}
	return x
}

// checkDataKeysLikeFlynn: Alice's data phase keys are flynn's cipher
// states: recv opens what Alice sends, and Alice opens what send seals.
func checkDataKeysLikeFlynn(t *testing.T, keys Keys, recv, send *noise.CipherState) {
	t.Helper()
	aead, _ := chacha20poly1305.New(keys.Send[:])
	ct := aead.Seal(nil, nonce(0), []byte("data"), nil)
	if pt, err := recv.Decrypt(nil, nil, ct); err != nil || string(pt) != "data" {
		t.Errorf("flynn cannot open Alice's data frame: %v", err)
	}
	back, _ := send.Encrypt(nil, nil, []byte("reply"))
	aead, _ = chacha20poly1305.New(keys.Recv[:])
	if pt, err := aead.Open(nil, nonce(0), back, nil); err != nil || string(pt) != "reply" {
		t.Errorf("Alice cannot open flynn's data frame: %v", err)
	}
}

// handshake runs our Alice against our Bob over a pipe.
func handshake(t *testing.T, f fixture, payload []byte) (Keys, Keys, []byte, error) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	type bobResult struct {
		payload []byte
		keys    Keys
		err     error
	}
	done := make(chan bobResult, 1)
	go func() {
		bob := NewServerHandshake(&f.bob, f.bobHash, f.bobIV)
		var r bobResult
		defer func() { done <- r }()
		if r.err = bob.ReadSessionRequest(b); r.err != nil {
			b.Close()
			return
		}
		msg2, err := bob.SessionCreated()
		if r.err = err; err != nil {
			return
		}
		b.Write(msg2)
		r.payload, r.keys, r.err = bob.ReadSessionConfirmed(b)
	}()
	alice := NewClientHandshake(&f.alice, f.peer, len(payload))
	msg1, err := alice.SessionRequest()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Write(msg1); err != nil {
		r := <-done
		return Keys{}, Keys{}, nil, r.err
	}
	if err := alice.ReadSessionCreated(a); err != nil {
		r := <-done
		return Keys{}, Keys{}, nil, errors.Join(err, r.err)
	}
	msg3, ak, err := alice.SessionConfirmed(payload)
	if err != nil {
		t.Fatal(err)
	}
	a.Write(msg3)
	r := <-done
	return ak, r.keys, r.payload, r.err
}

func TestAliceAgainstBob(t *testing.T) {
	f := newFixture(37)
	ak, bk, payload, err := handshake(t, f, []byte("RouterInfo block"))
	if err != nil {
		t.Fatal(err)
	}
	if string(payload) != "RouterInfo block" {
		t.Errorf("Bob got payload %q", payload)
	}
	if ak.Send != bk.Recv || ak.Recv != bk.Send || ak.SipSend != bk.SipRecv || ak.SipRecv != bk.SipSend {
		t.Error("data phase keys disagree")
	}
	if ak.Send == ak.Recv || ak.SipSend == ak.SipRecv {
		t.Error("both directions share a key")
	}
	if bk.PeerStatic != f.alice.Static.Public() || ak.PeerStatic != f.peer.Static {
		t.Error("peer static keys wrong")
	}
}

func TestHandshakeRejects(t *testing.T) {
	tests := []struct {
		name string
		mut  func(*fixture)
	}{
		{"wrong netId", func(f *fixture) { f.alice.NetID = 3 }},
		{"Alice clock 2 minutes off", func(f *fixture) { f.alice.Now = func() time.Time { return testNow.Add(2 * time.Minute) } }},
		{"wrong router hash", func(f *fixture) { f.peer.RouterHash[0] ^= 1 }},
		{"wrong IV", func(f *fixture) { f.peer.IV[3] ^= 1 }},
		{"wrong Bob static key", func(f *fixture) { f.peer.Static = PrivateKey(key(9)).Public() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(0)
			tt.mut(&f)
			if _, _, _, err := handshake(t, f, []byte("x")); !errors.Is(err, ErrHandshake) {
				t.Errorf("got %v, want ErrHandshake", err)
			}
		})
	}
}

func TestMessage1Tampered(t *testing.T) {
	f := newFixture(0)
	f.alice.Rand = rand.Reader
	alice := NewClientHandshake(&f.alice, f.peer, 1)
	msg1, _ := alice.SessionRequest()
	for i := range msg1 {
		m := bytes.Clone(msg1)
		m[i] ^= 0x80
		bob := NewServerHandshake(&f.bob, f.peer.RouterHash, f.peer.IV)
		if err := bob.ReadSessionRequest(bytes.NewReader(m)); err == nil {
			t.Fatalf("byte %d flipped: message 1 accepted", i)
		}
	}
	bob := NewServerHandshake(&f.bob, f.peer.RouterHash, f.peer.IV)
	if err := bob.ReadSessionRequest(io.LimitReader(bytes.NewReader(msg1), 63)); !errors.Is(err, ErrHandshake) {
		t.Errorf("short message 1: %v", err)
	}
}
