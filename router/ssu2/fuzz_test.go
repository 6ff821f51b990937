package ssu2

import (
	"bytes"
	"github.com/i2pseed/i2pseed/netdb"
	"maps"
	"slices"
	"testing"
	"time"
)

// Fuzz targets: every parser, seeded from the packets recorded against
// i2pd (testdata/retry-*.json) and the blocks they carry. Nothing may
// panic; what parses must re-encode to the same bytes.

// recordedPackets is every packet of the recordings, masked as sent.
func recordedPackets(f *testing.F) (pkts [][]byte, recs []recording) {
	all := readRecordings(f, "retry-*.json")
	for _, name := range slices.Sorted(maps.Keys(all)) {
		r := all[name]
		pkts = append(pkts, r.Sent...)
		pkts = append(pkts, r.Received...)
		recs = append(recs, r)
	}
	return pkts, recs
}

// recordedPayloads is the decrypted payloads of the recorded Retries.
func recordedPayloads(f *testing.F) [][]byte {
	var out [][]byte
	_, recs := recordedPackets(f)
	for _, r := range recs {
		p := append([]byte(nil), r.Received[0]...)
		MaskLongHeader(p, &r.IntroKey, &r.IntroKey)
		h, _ := ParseLongHeader(p[:LongHeaderLen])
		pt, err := open(&r.IntroKey, uint64(h.PacketNumber), p[LongHeaderLen:], p[:LongHeaderLen])
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, pt)
	}
	return out
}

func FuzzParseLongHeader(f *testing.F) {
	_, recs := recordedPackets(f)
	for _, r := range recs {
		for _, p := range append(r.Sent, r.Received...) {
			q := append([]byte(nil), p...)
			MaskLongHeader(q, &r.IntroKey, &r.IntroKey)
			f.Add(q[:LongHeaderLen])
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseLongHeader(b)
		if err != nil {
			return
		}
		if out, _ := h.AppendBinary(nil); !bytes.Equal(out, b) {
			t.Fatalf("round trip %x -> %x", b, out)
		}
	})
}

func FuzzParseShortHeader(f *testing.F) {
	sh := ShortHeader{DestConnID: ConnID{1}, PacketNumber: 7, Type: TypeData, Flags: [3]byte{1}}
	b, _ := sh.AppendBinary(nil)
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseShortHeader(b)
		if err != nil {
			return
		}
		if out, _ := h.AppendBinary(nil); !bytes.Equal(out, b) {
			t.Fatalf("round trip %x -> %x", b, out)
		}
	})
}

// FuzzParseBlocks parses a payload and each block's typed content.
func FuzzParseBlocks(f *testing.F) {
	for _, p := range recordedPayloads(f) {
		f.Add(p)
	}
	f.Add(AppendACK(AppendFollowOn(nil, FollowOn{Num: 1, MsgID: 2, Data: []byte{3}}), ACK{Through: 9, Ranges: []AckRange{{1, 1}}}))
	f.Add(AppendTermination(AppendRouterInfoBlock(nil, []byte{1}), Termination{Reason: 3}))
	f.Fuzz(func(t *testing.T, p []byte) {
		blocks, err := ParseBlocks(p)
		if err != nil {
			return
		}
		var out []byte
		for _, b := range blocks {
			out = AppendBlock(out, b.Type, b.Data)
			parseTyped(b)
		}
		if !bytes.Equal(out, p) {
			t.Fatalf("round trip %x -> %x", p, out)
		}
	})
}

func parseTyped(b Block) {
	switch b.Type {
	case BlockDateTime:
		ParseDateTime(b.Data)
	case BlockAddress:
		ParseAddress(b.Data)
	case BlockTermination:
		ParseTermination(b.Data)
	case BlockNewToken:
		ParseNewToken(b.Data)
	case BlockACK:
		if a, err := ParseACK(b.Data); err == nil {
			a.Acked(a.Through)
		}
	case BlockRouterInfo:
		ParseRouterInfoBlock(b.Data)
	case BlockI2NP:
		ParseI2NP(b.Data)
	case BlockFirstFragment:
		ParseFirstFragment(b.Data)
	case BlockFollowOnFragment:
		ParseFollowOn(b.Data)
	}
}

// FuzzConsumeRetry: Alice, having sent the recorded TokenRequest, reads a
// hostile answer. Only the recorded Retry (or one whose masked bytes the
// fuzzer changed without changing what they decode to, impossible here)
// may be accepted.
func FuzzConsumeRetry(f *testing.F) {
	_, recs := recordedPackets(f)
	rec := recs[0]
	f.Add(rec.Received[0])
	f.Add(rec.Received[0][:MinLongPacketLen])
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg := &Config{NetID: netdb.NetID(rec.NetID), Rand: bytes.NewReader(rec.Rand), Now: func() time.Time { return time.Unix(rec.Now, 0) }}
		c, err := NewClientHandshake(cfg, Peer{IntroKey: rec.IntroKey, Static: rec.Static})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.CreateTokenRequest(); err != nil {
			t.Fatal(err)
		}
		if _, err := c.ConsumeRetry(b); err == nil && !bytes.Equal(b, rec.Received[0]) {
			t.Fatalf("a Retry the router did not send was accepted: %x", b)
		}
	})
}

// FuzzMask: masking is its own inverse and never touches bytes past the
// header, whatever the packet.
func FuzzMask(f *testing.F) {
	pkts, _ := recordedPackets(f)
	for _, p := range pkts {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		for _, mask := range []func([]byte, *Key, *Key) error{MaskShortHeader, MaskLongHeader, MaskHandshakeHeader} {
			q := append([]byte(nil), p...)
			if mask(q, &Key{1}, &Key{2}) != nil {
				continue
			}
			if mask(q, &Key{1}, &Key{2}); !bytes.Equal(q, p) {
				t.Fatalf("masking twice changed %x to %x", p, q)
			}
		}
	})
}

// FuzzConsumeSessionCreated: Alice, having sent the recorded
// SessionRequest, reads a hostile SessionCreated; only the router's may
// be accepted.
func FuzzConsumeSessionCreated(f *testing.F) {
	recs := readRecordings(f, "session-*.json")
	rec := recs[slices.Sorted(maps.Keys(recs))[0]]
	_, _, genuine := replaySession(f, rec)
	f.Add(genuine)
	f.Add(genuine[:MinHandshakePacketLen])
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg := &Config{NetID: netdb.NetID(rec.NetID), Rand: bytes.NewReader(rec.Rand), Now: func() time.Time { return time.Unix(rec.Now, 0) }}
		c, _ := NewClientHandshake(cfg, Peer{IntroKey: rec.IntroKey, Static: rec.Static})
		c.CreateTokenRequest()
		if _, err := c.ConsumeRetry(rec.Received[0]); err != nil {
			t.Fatal(err)
		}
		if _, err := c.CreateSessionRequest(); err != nil {
			t.Fatal(err)
		}
		if _, err := c.ConsumeSessionCreated(b); err == nil && !bytes.Equal(b, genuine) {
			t.Fatalf("a SessionCreated the router did not send was accepted: %x", b)
		}
	})
}

// FuzzOpenData: Alice reads hostile Data packets with the keys of the
// recorded session; only the router's packets may open.
func FuzzOpenData(f *testing.F) {
	recs := readRecordings(f, "session-*.json")
	rec := recs[slices.Sorted(maps.Keys(recs))[0]]
	c, _, _ := replaySession(f, rec)
	_, keys, err := c.CreateSessionConfirmed(rec.OurRouterInfo)
	if err != nil {
		f.Fatal(err)
	}
	var genuine [][]byte
	for _, p := range rec.Received {
		if _, _, err := OpenData(&keys.Recv, p); err == nil {
			genuine = append(genuine, p)
			f.Add(p)
		}
	}
	if len(genuine) == 0 {
		f.Fatal("no recorded Data packet opens")
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, payload, err := OpenData(&keys.Recv, b)
		if err != nil {
			return
		}
		if !slices.ContainsFunc(genuine, func(g []byte) bool { return bytes.Equal(g, b) }) {
			t.Fatalf("a Data packet the router did not send opened: %x", b)
		}
		ParseBlocks(payload)
	})
}
