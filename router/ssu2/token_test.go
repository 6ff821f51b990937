package ssu2

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/internal/symmetric"
	"github.com/i2pseed/i2pseed/netdb"

	"github.com/i2pseed/i2pseed/router/transport"
)

// TestRecordedRetry replays the exchanges recorded against real routers:
// with the randomness and clock of the recording our TokenRequest comes
// out byte for byte as sent (header protection, AEAD, block layout), and
// the router's Retry decrypts with its intro key and carries a token.
func TestRecordedRetry(t *testing.T) {
	for name, rec := range readRecordings(t, "retry-*.json") {
		t.Run(name, func(t *testing.T) {
			if len(rec.Sent) == 0 || len(rec.Received) == 0 {
				t.Fatalf("recording of %s holds %d sent and %d received packets", rec.Impl, len(rec.Sent), len(rec.Received))
			}
			cfg := &Config{NetID: netdb.NetID(rec.NetID), Rand: bytes.NewReader(rec.Rand), Now: func() time.Time { return time.Unix(rec.Now, 0) }}
			c, err := NewClientHandshake(cfg, Peer{IntroKey: rec.IntroKey, Static: rec.Static})
			if err != nil {
				t.Fatal(err)
			}
			req, err := c.CreateTokenRequest()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(req, rec.Sent[0]) {
				t.Fatalf("TokenRequest differs from the one %s answered:\ngot  %x\nwant %x", rec.Impl, req, rec.Sent[0])
			}
			r, err := c.ConsumeRetry(rec.Received[0])
			if err != nil {
				t.Fatalf("%s's Retry: %v", rec.Impl, err)
			}
			if r.Token.IsZero() || r.Token != r.Header.Token || !r.Addr.IsValid() {
				t.Errorf("%s's Retry: token %x, address %v", rec.Impl, r.Token, r.Addr)
			}
		})
	}
}

// TestHeaderProtectionCounter: the recorded Retries unmask only with
// ChaCha20 started at block counter 1 (Java's and i2pd's); from counter
// 0, as go-i2p does, the type byte comes out wrong.
func TestHeaderProtectionCounter(t *testing.T) {
	for name, rec := range readRecordings(t, "retry-*.json") {
		t.Run(name, func(t *testing.T) {
			pkt := append([]byte(nil), rec.Received[0]...)
			if err := MaskLongHeader(pkt, &rec.IntroKey, &rec.IntroKey); err != nil {
				t.Fatal(err)
			}
			h, err := ParseLongHeader(pkt[:LongHeaderLen])
			if err != nil || h.Type != TypeRetry || h.NetID != rec.NetID {
				t.Fatalf("counter 1: header %+v, %v; want a Retry of network %d", h, err, rec.NetID)
			}
			var m [8]byte
			c0 := append([]byte(nil), rec.Received[0]...)
			n := len(c0)
			xorFromCounter0(&rec.IntroKey, c0[n-12:], m[:])
			if got := PacketType(c0[12] ^ m[4]); got == TypeRetry {
				t.Errorf("counter 0 also unmasks the type: the test cannot tell them apart")
			}
		})
	}
}

// TestProtocolNameHash checks the Noise initial state against i2pd's
// precomputed constants (libi2pd/Crypto.cpp InitNoiseXKState1).
func TestProtocolNameHash(t *testing.T) {
	wantCK := []byte{0xb1, 0x37, 0x22, 0x81, 0x74, 0x23, 0xa8, 0xfd, 0xf4, 0x2d, 0xf2, 0xe6, 0x0e, 0xd1, 0xed, 0xf4,
		0x1b, 0x93, 0x07, 0x1d, 0xb1, 0xec, 0x24, 0xa3, 0x67, 0xf7, 0x84, 0xec, 0x27, 0x0d, 0x81, 0x32}
	wantHH := []byte{0xdc, 0x85, 0xe6, 0xaf, 0x7b, 0x02, 0x65, 0x0c, 0xf1, 0xf9, 0x0d, 0x71, 0xfb, 0xc6, 0xd4, 0x53,
		0xa7, 0xcf, 0x6d, 0xbf, 0xbd, 0x52, 0x5e, 0xa5, 0xb5, 0x79, 0x1c, 0x47, 0xb3, 0x5e, 0xbc, 0x33}
	s := symmetric.New(ProtocolName)
	if !bytes.Equal(s.CK[:], wantCK) {
		t.Errorf("ck = SHA256(name) = %x, want %x", s.CK, wantCK)
	}
	if !bytes.Equal(s.H[:], wantHH) {
		t.Errorf("after the empty prologue h = %x, want %x", s.H, wantHH)
	}
	var rs PublicKey
	rs[0] = 9
	full := newSymmetricState(rs)
	s.MixHash(rs[:])
	if full.CK != [32]byte(wantCK) || full.H != s.H {
		t.Errorf("newSymmetricState: ck %x h %x", full.CK, full.H)
	}
}

// udpBob serves testBob on a loopback socket and returns its peer.
func udpBob(t *testing.T, b *testBob, answer bool) Peer {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	go func() {
		buf := make([]byte, maxPacketLen)
		for {
			n, from, err := c.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			c.WriteToUDPAddrPort([]byte("junk that is no SSU2 packet at all, over 56 bytes long..."), from)
			h, err := b.consumeTokenRequest(buf[:n])
			if err != nil || !answer {
				continue
			}
			c.WriteToUDPAddrPort(b.createRetry(h, from), from)
		}
	}()
	return Peer{IntroKey: b.intro, Addr: c.LocalAddr().(*net.UDPAddr).AddrPort()}
}

func aliceConn(t *testing.T) net.PacketConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestProbe(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	intro := Key{1, 2, 3}
	tests := []struct {
		name    string
		bob     testBob
		peerNet uint8 // Alice's network, 2 if zero
		wantErr []error
	}{
		{name: "token", bob: testBob{intro: intro, netID: 2, token: Token{7}, now: now}},
		{name: "refused", bob: testBob{intro: intro, netID: 2, now: now, term: &Termination{Reason: transport.ReasonBanned}},
			wantErr: []error{ErrNoToken, &transport.Terminated{}}},
		{name: "clock skew", bob: testBob{intro: intro, netID: 2, token: Token{7}, now: now.Add(2 * time.Minute)},
			wantErr: []error{ErrClockSkew, transport.ErrClockSkew}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			peer := udpBob(t, &tt.bob, true)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			conn := aliceConn(t)
			r, err := Probe(ctx, conn, &Config{NetID: 2, Now: func() time.Time { return now }}, peer)
			if len(tt.wantErr) == 0 {
				if err != nil || r.Token != tt.bob.token {
					t.Fatalf("got token %x, %v; want %x", r.Token, err, tt.bob.token)
				}
				if r.Addr != conn.LocalAddr().(*net.UDPAddr).AddrPort() {
					t.Errorf("Address %v, want %v", r.Addr, conn.LocalAddr())
				}
				return
			}
			for _, want := range tt.wantErr {
				if target := (*transport.Terminated)(nil); errors.As(want, &target) {
					if !errors.As(err, &target) || target.Reason != tt.bob.term.Reason {
						t.Errorf("got %v, want a *transport.Terminated with reason %v", err, tt.bob.term.Reason)
					}
				} else if !errors.Is(err, want) {
					t.Errorf("got %v, want %v", err, want)
				}
			}
		})
	}
}

func TestProbeUnanswered(t *testing.T) {
	t.Run("wrong network", func(t *testing.T) {
		// Bob answers for network 3: Alice (network 2) ignores the answer.
		peer := udpBob(t, &testBob{intro: Key{1}, netID: 3, token: Token{7}, now: time.Now()}, true)
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		_, err := Probe(ctx, aliceConn(t), &Config{NetID: 2}, peer)
		if !errors.Is(err, ErrNoRetry) || !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, transport.ErrNoMessage2) {
			t.Fatalf("got %v, want ErrNoRetry and the context's deadline", err)
		}
	})
	t.Run("silent", func(t *testing.T) {
		peer := udpBob(t, &testBob{intro: Key{1}}, false)
		_, err := Probe(context.Background(), aliceConn(t), &Config{NetID: 2}, peer)
		if !errors.Is(err, ErrNoRetry) || errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v, want ErrNoRetry after %d TokenRequests", err, handshakeSends)
		}
	})
}

func TestConsumeRetryRejects(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	bob := &testBob{intro: Key{5}, netID: 2, token: Token{9}, now: now}
	newAlice := func(t *testing.T) (*ClientHandshake, LongHeader) {
		c, err := NewClientHandshake(&Config{NetID: 2, Now: func() time.Time { return now }}, Peer{IntroKey: bob.intro})
		if err != nil {
			t.Fatal(err)
		}
		req, _ := c.CreateTokenRequest()
		h, err := bob.consumeTokenRequest(req)
		if err != nil {
			t.Fatal(err)
		}
		return c, h
	}
	alice := netip.MustParseAddrPort("127.0.0.1:1")
	tests := []struct {
		name   string
		mangle func(h LongHeader) []byte
		want   error
	}{
		{"genuine", func(h LongHeader) []byte { return bob.createRetry(h, alice) }, nil},
		{"short", func(h LongHeader) []byte { return bob.createRetry(h, alice)[:MinLongPacketLen-1] }, ErrHeader},
		{"flipped payload bit", func(h LongHeader) []byte { p := bob.createRetry(h, alice); p[40] ^= 1; return p }, ErrDecrypt},
		{"flipped token bit", func(h LongHeader) []byte { p := bob.createRetry(h, alice); p[30] ^= 1; return p }, ErrDecrypt},
		{"another session", func(h LongHeader) []byte { h.SrcConnID[0] ^= 1; return bob.createRetry(h, alice) }, ErrPacket},
		{"not a Retry", func(h LongHeader) []byte { p := bob.createRetry(h, alice); p[12] ^= 1; return p }, ErrPacket},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, h := newAlice(t)
			r, err := c.ConsumeRetry(tt.mangle(h))
			if tt.want == nil {
				if err != nil || r.Token != bob.token {
					t.Fatalf("got %x, %v", r.Token, err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}
