package ssu2

import (
	"compress/gzip"
	"crypto/rand"
	"fmt"
	"io"
	"slices"
	"strings"

	"bytes"
	"errors"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/router/transport"
	"testing"
	"time"
)

// replaySession replays a recorded session exchange up to SessionCreated
// and returns Alice's handshake and the packet accepted as SessionCreated.
func replaySession(t testing.TB, rec recording) (*ClientHandshake, SessionCreated, []byte) {
	t.Helper()
	if len(rec.Sent) < 2 || len(rec.Received) < 2 {
		t.Fatalf("recording of %s holds %d sent and %d received packets", rec.Impl, len(rec.Sent), len(rec.Received))
	}
	c, err := NewClientHandshake(replayConfig(rec), Peer{IntroKey: rec.IntroKey, Static: rec.Static})
	if err != nil {
		t.Fatal(err)
	}
	if req, _ := c.CreateTokenRequest(); !bytes.Equal(req, rec.Sent[0]) {
		t.Fatalf("TokenRequest differs from the one %s answered", rec.Impl)
	}
	if _, err := c.ConsumeRetry(rec.Received[0]); err != nil {
		t.Fatalf("%s's Retry: %v", rec.Impl, err)
	}
	req, err := c.CreateSessionRequest()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(req, rec.Sent[1]) {
		t.Fatalf("SessionRequest differs from the one %s answered:\ngot  %x\nwant %x", rec.Impl, req, rec.Sent[1])
	}
	for _, pkt := range rec.Received[1:] {
		sc, err := c.ConsumeSessionCreated(pkt)
		if err == nil {
			return c, sc, pkt
		}
		t.Logf("%s: a packet that is not SessionCreated: %v", rec.Impl, err)
	}
	t.Fatalf("no SessionCreated of %s's authenticates", rec.Impl)
	return nil, SessionCreated{}, nil
}

// replayConfig is Alice's config of a recording: its randomness, clock,
// network and keys.
func replayConfig(rec recording) *Config {
	return &Config{NetID: netdb.NetID(rec.NetID), Static: rec.OurStatic, IntroKey: rec.OurIntroKey,
		Rand: bytes.NewReader(rec.Rand), Now: func() time.Time { return time.Unix(rec.Now, 0) }}
}

// TestRecordedSession replays the rest of the recorded sessions: our
// SessionConfirmed and Termination come out byte for byte as sent (se,
// the SessionConfirmed header key, the data phase split), and the
// router's Data packets open with the data keys and our intro key, the
// first ACKing SessionConfirmed.
func TestRecordedSession(t *testing.T) {
	for name, rec := range readRecordings(t, "session-*.json") {
		t.Run(name, func(t *testing.T) {
			if rec.OurRouterInfo == nil {
				t.Skipf("%s: recorded up to SessionCreated only", rec.Impl)
			}
			c, _, created := replaySession(t, rec)
			confirmed, keys, err := c.CreateSessionConfirmed(rec.OurRouterInfo)
			if err != nil {
				t.Fatal(err)
			}
			if len(rec.Sent) < 4 || !bytes.Equal(confirmed, rec.Sent[2]) {
				t.Fatalf("SessionConfirmed differs from the one %s took", rec.Impl)
			}
			var data []ShortHeader
			for _, pkt := range rec.Received[slices.IndexFunc(rec.Received, func(p []byte) bool { return bytes.Equal(p, created) }):] {
				if h, payload, err := OpenData(&keys.Recv, pkt); err == nil {
					data = append(data, h)
					if len(data) == 1 {
						checkFirstData(t, h, payload)
					}
				}
			}
			if len(data) == 0 {
				t.Fatalf("none of %s's Data packets opens", rec.Impl)
			}
			payload := AppendACK(nil, ACK{Through: data[0].PacketNumber})
			payload = AppendTermination(payload, Termination{ValidPackets: 1, Reason: transport.ReasonNormal})
			if term, _ := SealData(&keys.Send, 1, 0, payload); !bytes.Equal(term, rec.Sent[3]) {
				t.Errorf("our Termination differs from the one sent to %s", rec.Impl)
			}
			t.Logf("%s: %d Data packets open", rec.Impl, len(data))
		})
	}
}

// TestRecordedSessionCreated replays the handshakes recorded against real
// routers: our TokenRequest and SessionRequest come out byte for byte as
// sent (header mixed into the hash, es, masked X), and the router's
// SessionCreated opens (k_header_2 from "SessCreateHeader", ee).
func TestRecordedSessionCreated(t *testing.T) {
	for name, rec := range readRecordings(t, "session-*.json") {
		t.Run(name, func(t *testing.T) {
			c, sc, _ := replaySession(t, rec)
			defer c.Zero()
			if !sc.Addr.IsValid() || sc.Header.Type != TypeSessionCreated {
				t.Errorf("%s's SessionCreated: %+v", rec.Impl, sc)
			}
			if _, err := c.ConsumeSessionCreated(rec.Received[len(rec.Received)-1]); err == nil {
				t.Error("a second SessionCreated was accepted after the handshake moved on")
			}
		})
	}
}

// TestSessionCreatedTampered: a recorded SessionCreated with any one bit
// flipped in its header, Y, payload or tag is refused, and the handshake
// stays as it was: the genuine packet is accepted after the forgeries.
func TestSessionCreatedTampered(t *testing.T) {
	for name, rec := range readRecordings(t, "session-*.json") {
		t.Run(name, func(t *testing.T) {
			_, _, genuine := replaySession(t, rec)
			// replay again, stopping before SessionCreated
			cfg := &Config{NetID: netdb.NetID(rec.NetID), Rand: bytes.NewReader(rec.Rand), Now: func() time.Time { return time.Unix(rec.Now, 0) }}
			c, _ := NewClientHandshake(cfg, Peer{IntroKey: rec.IntroKey, Static: rec.Static})
			c.CreateTokenRequest()
			c.ConsumeRetry(rec.Received[0])
			c.CreateSessionRequest()
			for _, i := range []int{0, 9, 12, 20, 31, 40, 70, len(genuine) - 1} {
				bad := append([]byte(nil), genuine...)
				bad[i] ^= 0x10
				_, err := c.ConsumeSessionCreated(bad)
				if !errors.Is(err, ErrDecrypt) && !errors.Is(err, ErrPacket) && !errors.Is(err, ErrHeader) {
					t.Errorf("bit flipped in byte %d: %v, want a refusal", i, err)
				}
			}
			if _, err := c.ConsumeSessionCreated(genuine); err != nil {
				t.Errorf("the genuine SessionCreated after forgeries: %v", err)
			}
		})
	}
}

func TestSessionRequestNeedsToken(t *testing.T) {
	c, err := NewClientHandshake(&Config{NetID: 2}, Peer{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateSessionRequest(); !errors.Is(err, ErrNoTokenYet) {
		t.Fatalf("got %v, want ErrNoTokenYet", err)
	}
	if _, err := c.ConsumeSessionCreated(make([]byte, 100)); !errors.Is(err, ErrPacket) {
		t.Fatalf("SessionCreated before SessionRequest: %v, want ErrPacket", err)
	}
}

// TestDataKeys: both sides derive the same keys, the two directions
// differ, and the labels matter.
func TestDataKeys(t *testing.T) {
	ck := Key{1, 2, 3}
	ab, ba := splitDataKeys(&ck)
	ab2, ba2 := splitDataKeys(&ck)
	if ab != ab2 || ba != ba2 || ab.Data == ba.Data || ab.Header == ba.Header || ab.Data == ab.Header {
		t.Errorf("data keys %x %x", ab, ba)
	}
	if hkdfKey(&ck, infoSessionCreated) == hkdfKey(&ck, infoSessionConfirmed) {
		t.Error("SessionCreated and SessionConfirmed header keys are equal")
	}
}

// bigOptions are RouterInfo options that make it too big for one packet
// uncompressed, but not gzipped.
func bigOptions() []netdb.KV {
	var kv []netdb.KV
	for i := range 8 {
		kv = append(kv, netdb.KV{Key: fmt.Sprintf("zz.pad.%d", i), Value: strings.Repeat("x", 200)})
	}
	return kv
}

func TestSessionConfirmedPayload(t *testing.T) {
	small := bytes.Repeat([]byte{7}, 600)
	p, err := sessionConfirmedPayload(small, make([]byte, 20))
	if err != nil {
		t.Fatal(err)
	}
	blocks, _ := ParseBlocks(p)
	if rb, err := ParseRouterInfoBlock(blocks[0].Data); err != nil || rb.Gzip || !bytes.Equal(rb.RouterInfo, small) {
		t.Errorf("a small RouterInfo: %+v, %v; want it as is", rb, err)
	}
	big := bytes.Repeat([]byte("RouterInfo "), 300)
	p, err = sessionConfirmedPayload(big, make([]byte, 20))
	if err != nil {
		t.Fatal(err)
	}
	blocks, _ = ParseBlocks(p)
	rb, err := ParseRouterInfoBlock(blocks[0].Data)
	if err != nil || !rb.Gzip || ShortHeaderLen+KeyLen+32+len(p) > MaxPacketLen {
		t.Fatalf("a %d-byte RouterInfo: gzip %v, %d-byte payload, %v", len(big), rb.Gzip, len(p), err)
	}
	zr, _ := gzip.NewReader(bytes.NewReader(rb.RouterInfo))
	if got, err := io.ReadAll(zr); err != nil || !bytes.Equal(got, big) {
		t.Errorf("gzipped RouterInfo does not inflate back: %v", err)
	}
	random := make([]byte, 3000)
	rand.Read(random)
	if _, err := sessionConfirmedPayload(random, nil); err == nil {
		t.Error("a RouterInfo too big even gzipped was accepted")
	}
}

// TestSplitConfirmed: a SessionConfirmed over one packet is cut into a
// first packet as large as may be and a second, fragment 1 of 2, that
// carries the rest (at least 24 bytes); put together they are the
// message. One that fits is left whole.
func TestSplitConfirmed(t *testing.T) {
	h := ShortHeader{DestConnID: ConnID{1, 2, 3}, Type: TypeSessionConfirmed, Flags: [3]byte{2}}
	for _, size := range []int{200, MaxPacketLen, MaxPacketLen + 1, MaxPacketLen + 30, 2*MaxPacketLen - ShortHeaderLen} {
		pkt, _ := h.AppendBinary(nil)
		pkt = append(pkt, bytes.Repeat([]byte{9}, size-len(pkt))...)
		pkts := splitConfirmed(bytes.Clone(pkt), h)
		if size <= MaxPacketLen {
			if len(pkts) != 1 || !bytes.Equal(pkts[0], pkt) {
				t.Errorf("%d bytes: %d packets, want it whole", size, len(pkts))
			}
			continue
		}
		if len(pkts) != 2 || len(pkts[0]) > MaxPacketLen || len(pkts[1]) > MaxPacketLen || len(pkts[1]) < ShortHeaderLen+minConfirmedTail {
			t.Fatalf("%d bytes: packets of %d, %d", size, len(pkts[0]), len(pkts[1]))
		}
		h2, err := ParseShortHeader(pkts[1][:ShortHeaderLen])
		if err != nil || h2.Flags[0] != 0x12 || h2.DestConnID != h.DestConnID || h2.PacketNumber != 0 {
			t.Errorf("%d bytes: second header %+v, %v", size, h2, err)
		}
		if got := append(bytes.Clone(pkts[0]), pkts[1][ShortHeaderLen:]...); !bytes.Equal(got, pkt) {
			t.Errorf("%d bytes: the fragments do not put back together", size)
		}
	}
}
