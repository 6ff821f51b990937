package i2np

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Seeds come from real data: the I2NP messages of the NTCP2 sessions
// recorded against i2pd 2.58, i2pd 2.45.1 and Java I2P 2.7.0
// (testdata/transcripts, written by router/ntcp2's TestTranscripts
// -update), and RouterInfos of the live network (testdata/live, from the
// shared test data) stored in a DatabaseStore.

// A recorded is one I2NP message of a recorded session.
type recorded struct {
	file, from string // "us" (our router sent it) or "peer" (i2pd or Java I2P)
	data       []byte // short header and body
}

// recordedMessages reads testdata/transcripts/*.txt; there must be some.
func recordedMessages(tb testing.TB) []recorded {
	tb.Helper()
	files, _ := filepath.Glob("testdata/transcripts/*.txt")
	var out []recorded
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			line := sc.Text()
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			from, h, ok := strings.Cut(line, " ")
			data, err := hex.DecodeString(h)
			if !ok || err != nil || (from != "us" && from != "peer") {
				tb.Fatalf("%s: bad line %.40q", f, line)
			}
			out = append(out, recorded{filepath.Base(f), from, data})
		}
	}
	if len(out) == 0 {
		tb.Fatal("no recorded I2NP messages in testdata/transcripts")
	}
	return out
}

// liveRouterInfos are the RouterInfos in testdata/live.
func liveRouterInfos(tb testing.TB) [][]byte {
	tb.Helper()
	files, _ := filepath.Glob("testdata/live/routerInfo-*.dat")
	var out [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, b)
	}
	if len(out) == 0 {
		tb.Fatal("no RouterInfos in testdata/live")
	}
	return out
}

// addBodies seeds f with the bodies of the recorded messages of type t,
// and returns how many.
func addBodies(f *testing.F, t Type) int {
	n := 0
	for _, r := range recordedMessages(f) {
		if m, err := ParseShort(r.data); err == nil && m.Type == t {
			f.Add(m.Body)
			n++
		}
	}
	return n
}

// FuzzShortHeader: what parses as a short header encodes back to itself.
func FuzzShortHeader(f *testing.F) {
	for _, r := range recordedMessages(f) {
		f.Add(r.data)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseShort(b)
		if err != nil {
			if len(b) >= ShortHeaderLen {
				t.Fatalf("%d bytes refused: %v", len(b), err)
			}
			return
		}
		if again := m.AppendShort(nil); !bytes.Equal(again, b) {
			t.Fatalf("encodes back to %x, want %x", again, b)
		}
	})
}

// FuzzDatabaseStore: what decodes encodes (its RouterInfo gzipped anew)
// to a store that decodes to the same value.
func FuzzDatabaseStore(f *testing.F) {
	if addBodies(f, TypeDatabaseStore) == 0 {
		f.Fatal("no recorded DatabaseStore")
	}
	for _, ri := range liveRouterInfos(f) {
		for _, token := range []uint32{0, 0x01020304} {
			b, err := (&DatabaseStore{Key: [32]byte{1}, ReplyToken: token, ReplyTunnel: 7, ReplyGateway: [32]byte{2}, RouterInfo: ri}).AppendBinary(nil)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ds, err := ParseDatabaseStore(b)
		if err != nil {
			return
		}
		again, err := ds.AppendBinary(nil)
		if err != nil {
			// Only a RouterInfo near the 64 KiB limit may not fit the
			// 2-byte size once gzipped anew.
			if len(ds.RouterInfo) < maxRouterInfo-1024 {
				t.Fatalf("a decoded store does not encode: %v", err)
			}
			return
		}
		ds2, err := ParseDatabaseStore(again)
		if err != nil {
			t.Fatalf("re-encoded store does not decode: %v", err)
		}
		if !equalStores(ds, ds2) {
			t.Fatalf("re-encoded store decodes to %+v, want %+v", ds2, ds)
		}
	})
}

func equalStores(a, b *DatabaseStore) bool {
	return a.Key == b.Key && a.StoreType == b.StoreType && a.ReplyToken == b.ReplyToken && a.ReplyTunnel == b.ReplyTunnel &&
		a.ReplyGateway == b.ReplyGateway && bytes.Equal(a.RouterInfo, b.RouterInfo)
}

// roundTrip is the check of the canonical codecs: what decodes encodes
// back to the same bytes.
func roundTrip[M interface{ AppendBinary([]byte) ([]byte, error) }](t *testing.T, b []byte, parse func([]byte) (M, error)) {
	t.Helper()
	m, err := parse(b)
	if err != nil {
		return
	}
	again, err := m.AppendBinary(nil)
	if err != nil {
		t.Fatalf("a decoded message does not encode: %v", err)
	}
	if !bytes.Equal(again, b) {
		t.Fatalf("encodes back to %x, want %x", again, b)
	}
}

// FuzzDatabaseLookup: what decodes encodes back to itself.
func FuzzDatabaseLookup(f *testing.F) {
	if addBodies(f, TypeDatabaseLookup) == 0 {
		f.Fatal("no recorded DatabaseLookup")
	}
	for _, tt := range lookupTests {
		f.Add(tt.b)
	}
	f.Fuzz(func(t *testing.T, b []byte) { roundTrip(t, b, ParseDatabaseLookup) })
}

// FuzzSearchReply: what decodes encodes back to itself.
func FuzzSearchReply(f *testing.F) {
	if addBodies(f, TypeDatabaseSearchReply) == 0 {
		f.Fatal("no recorded DatabaseSearchReply")
	}
	f.Fuzz(func(t *testing.T, b []byte) { roundTrip(t, b, ParseSearchReply) })
}

// FuzzDeliveryStatus: what decodes encodes back to itself.
func FuzzDeliveryStatus(f *testing.F) {
	if addBodies(f, TypeDeliveryStatus) == 0 {
		f.Fatal("no recorded DeliveryStatus")
	}
	f.Fuzz(func(t *testing.T, b []byte) { roundTrip(t, b, ParseDeliveryStatus) })
}
