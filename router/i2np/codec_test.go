package i2np

import (
	"bytes"
	"compress/gzip"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func rep(b byte, n int) []byte { return bytes.Repeat([]byte{b}, n) }

var (
	lkKey, lkFrom = rep(1, 32), rep(2, 32)
	lkReplyKey    = rep(5, 32)
)

// lookupTests are DatabaseLookup bodies: well-formed ones with the value
// they decode to (and encode from), broken ones with want nil.
var lookupTests = []struct {
	name string
	b    []byte
	want *DatabaseLookup
}{
	{"RouterInfo lookup", cat(lkKey, lkFrom, []byte{0x08, 0, 0}),
		&DatabaseLookup{Key: [32]byte(lkKey), From: [32]byte(lkFrom), Flags: LookupRouterInfo}},
	{"exploration excluding two", cat(lkKey, lkFrom, []byte{0x0C, 0, 2}, rep(3, 32), rep(4, 32)),
		&DatabaseLookup{Key: [32]byte(lkKey), From: [32]byte(lkFrom), Flags: LookupExploration, Exclude: [][32]byte{[32]byte(rep(3, 32)), [32]byte(rep(4, 32))}}},
	{"reply tunnel", cat(lkKey, lkFrom, []byte{0x09, 0, 0, 0, 7, 0, 0}),
		&DatabaseLookup{Key: [32]byte(lkKey), From: [32]byte(lkFrom), Flags: LookupRouterInfo | LookupReplyTunnel, ReplyTunnel: 7}},
	{"ElGamal reply", cat(lkKey, lkFrom, []byte{0x06, 0, 0}, lkReplyKey, []byte{1}, rep(6, 32)),
		&DatabaseLookup{Key: [32]byte(lkKey), From: [32]byte(lkFrom), Flags: LookupLeaseSet | LookupElGamalReply, ReplyKey: [32]byte(lkReplyKey), ReplyTags: [][]byte{rep(6, 32)}}},
	{"ECIES reply, tunnel, two tags", cat(lkKey, lkFrom, []byte{0x15, 1, 2, 3, 4, 0, 0}, lkReplyKey, []byte{2}, rep(7, 8), rep(8, 8)),
		&DatabaseLookup{Key: [32]byte(lkKey), From: [32]byte(lkFrom), Flags: LookupLeaseSet | LookupECIESReply | LookupReplyTunnel, ReplyTunnel: 0x01020304,
			ReplyKey: [32]byte(lkReplyKey), ReplyTags: [][]byte{rep(7, 8), rep(8, 8)}}},
	{"reserved bits kept", cat(lkKey, lkFrom, []byte{0xE8, 0, 0}),
		&DatabaseLookup{Key: [32]byte(lkKey), From: [32]byte(lkFrom), Flags: 0xE8}},

	{"66 bytes", cat(lkKey, lkFrom, []byte{0x08, 0}), nil},
	{"truncated reply tunnel", cat(lkKey, lkFrom, []byte{0x09, 0, 0, 0, 7, 0}), nil},
	{"513 excluded", cat(lkKey, lkFrom, []byte{0x08, 2, 1}, rep(3, 513*32)), nil},
	{"truncated excluded peer", cat(lkKey, lkFrom, []byte{0x08, 0, 1}, rep(3, 31)), nil},
	{"trailing byte", cat(lkKey, lkFrom, []byte{0x08, 0, 0, 0}), nil},
	{"both encryption flags", cat(lkKey, lkFrom, []byte{0x12, 0, 0}, lkReplyKey, []byte{1}, rep(6, 8)), nil},
	{"truncated reply key", cat(lkKey, lkFrom, []byte{0x10, 0, 0}, lkReplyKey[:31]), nil},
	{"no reply tags", cat(lkKey, lkFrom, []byte{0x10, 0, 0}, lkReplyKey, []byte{0}), nil},
	{"33 reply tags", cat(lkKey, lkFrom, []byte{0x10, 0, 0}, lkReplyKey, []byte{33}, rep(6, 33*8)), nil},
	{"truncated reply tag", cat(lkKey, lkFrom, []byte{0x10, 0, 0}, lkReplyKey, []byte{2}, rep(6, 15)), nil},
	{"byte after the reply tags", cat(lkKey, lkFrom, []byte{0x02, 0, 0}, lkReplyKey, []byte{1}, rep(6, 33)), nil},
}

// checkRoundTrip: b decodes to want and want encodes back to b, or, with
// want nil, b is refused with ErrFormat.
func checkRoundTrip[M interface {
	*DatabaseLookup | *SearchReply
	AppendBinary([]byte) ([]byte, error)
}](t *testing.T, b []byte, want M, parse func([]byte) (M, error)) {
	t.Helper()
	got, err := parse(b)
	if want == nil {
		if !errors.Is(err, ErrFormat) {
			t.Fatalf("got %+v, %v; want ErrFormat", got, err)
		}
		return
	}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, %v; want %+v", got, err, want)
	}
	enc, err := want.AppendBinary(nil)
	if err != nil || !bytes.Equal(enc, b) {
		t.Fatalf("encodes to %x, %v; want %x", enc, err, b)
	}
}

func TestParseDatabaseLookup(t *testing.T) {
	for _, tt := range lookupTests {
		t.Run(tt.name, func(t *testing.T) { checkRoundTrip(t, tt.b, tt.want, ParseDatabaseLookup) })
	}
}

func TestDatabaseLookupEncodeRejects(t *testing.T) {
	tests := []struct {
		name string
		l    DatabaseLookup
		want string
	}{
		{"513 excluded", DatabaseLookup{Exclude: make([][32]byte, 513)}, "513 excluded"},
		{"reply tunnel without its flag", DatabaseLookup{Flags: LookupRouterInfo, ReplyTunnel: 3}, "no reply tunnel flag"},
		{"both encryption flags", DatabaseLookup{Flags: LookupElGamalReply | LookupECIESReply, ReplyTags: [][]byte{make([]byte, 8)}}, "both"},
		{"reply key without a flag", DatabaseLookup{ReplyKey: [32]byte{1}}, "no encryption flag"},
		{"reply tags without a flag", DatabaseLookup{ReplyTags: [][]byte{make([]byte, 8)}}, "no encryption flag"},
		{"no reply tags", DatabaseLookup{Flags: LookupECIESReply}, "0 reply tags"},
		{"33 reply tags", DatabaseLookup{Flags: LookupECIESReply, ReplyTags: make([][]byte, 33)}, "33 reply tags"},
		{"ElGamal tag of 8 bytes", DatabaseLookup{Flags: LookupElGamalReply, ReplyTags: [][]byte{make([]byte, 8)}}, "tag of 8 bytes, want 32"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.l.AppendBinary([]byte{9})
			if err == nil || !strings.Contains(err.Error(), tt.want) || !bytes.Equal(b, []byte{9}) {
				t.Errorf("got %x, %v; want an error with %q and b unchanged", b, err, tt.want)
			}
		})
	}
}

func TestSearchReply(t *testing.T) {
	key, from := rep(1, 32), rep(2, 32)
	tests := []struct {
		name string
		b    []byte
		want *SearchReply
	}{
		{"no peers", cat(key, []byte{0}, from), &SearchReply{Key: [32]byte(key), From: [32]byte(from)}},
		{"two peers", cat(key, []byte{2}, rep(3, 32), rep(4, 32), from),
			&SearchReply{Key: [32]byte(key), Peers: [][32]byte{[32]byte(rep(3, 32)), [32]byte(rep(4, 32))}, From: [32]byte(from)}},
		{"32 bytes", key, nil},
		{"no from", cat(key, []byte{0}), nil},
		{"fewer peers than counted", cat(key, []byte{2}, rep(3, 32), from), nil},
		{"trailing byte", cat(key, []byte{0}, from, []byte{0}), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkRoundTrip(t, tt.b, tt.want, ParseSearchReply) })
	}
	if _, err := (&SearchReply{Peers: make([][32]byte, 256)}).AppendBinary(nil); err == nil {
		t.Error("a search reply of 256 peers encoded")
	}
}

func gz(b []byte) []byte {
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(b)
	zw.Close()
	return z.Bytes()
}

// storeOf is a DatabaseStore body around a compressed RouterInfo z.
func storeOf(z []byte) []byte {
	return cat(rep(9, 32), []byte{0, 0, 0, 0, 0, byte(len(z) >> 8), byte(len(z))}, z)
}

func TestDatabaseStoreRejects(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
	}{
		{"36 bytes", rep(0, 36)},
		{"truncated reply gateway", cat(rep(9, 32), []byte{0, 0, 0, 0, 1}, rep(0, 35))},
		{"LeaseSet", cat(rep(9, 32), []byte{1, 0, 0, 0, 0, 0, 3}, []byte{1, 2, 3})},
		{"no size", cat(rep(9, 32), []byte{0, 0, 0, 0, 0, 0})},
		{"not gzip", storeOf([]byte("not gzip at all"))},
		{"truncated gzip", func() []byte { z := gz([]byte("a RouterInfo")); return storeOf(z[:len(z)-4]) }()},
		{"garbage after the gzip stream", storeOf(cat(gz([]byte("a RouterInfo")), []byte("junk")))},
		{"RouterInfo over 64 KiB", storeOf(gz(make([]byte, maxRouterInfo+1)))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if ds, err := ParseDatabaseStore(tt.b); !errors.Is(err, ErrFormat) {
				t.Errorf("got %+v, %v; want ErrFormat", ds, err)
			}
		})
	}
	if ds, err := ParseDatabaseStore(storeOf(gz(make([]byte, maxRouterInfo)))); err != nil || len(ds.RouterInfo) != maxRouterInfo {
		t.Errorf("a RouterInfo of exactly 64 KiB: %v", err)
	}
	for _, ds := range []DatabaseStore{{StoreType: 1}, {RouterInfo: make([]byte, maxRouterInfo+1)}} {
		if _, err := ds.AppendBinary(nil); err == nil {
			t.Errorf("store type %d with a RouterInfo of %d bytes encoded", ds.StoreType, len(ds.RouterInfo))
		}
	}
}

// TestRecordedMessages: every I2NP message of the recorded sessions with
// i2pd and Java I2P decodes with this package and encodes back: to the
// same bytes, or for a DatabaseStore (gzipped anew) to the same value —
// and to the same bytes when we sent it (our gzip).
func TestRecordedMessages(t *testing.T) {
	types := map[string]map[Type]int{}
	for _, r := range recordedMessages(t) {
		m, err := ParseShort(r.data)
		if err != nil {
			t.Fatalf("%s: %v", r.file, err)
		}
		if types[r.file] == nil {
			types[r.file] = map[Type]int{}
		}
		types[r.file][m.Type]++
		checkRecordedMessage(t, r, m)
	}
	t.Logf("message types per session: %v", types)
}

// checkRecordedMessage: m, parsed from r, encodes back to r's bytes, and
// its body, if ours to decode, to the same bytes.
func checkRecordedMessage(t *testing.T, r recorded, m Message) {
	t.Helper()
	if !bytes.Equal(m.AppendShort(nil), r.data) {
		t.Errorf("%s: %s's %v: the short header does not encode back", r.file, r.from, m.Type)
	}
	again, compare := reencodeBody(t, r, m)
	if compare && !bytes.Equal(again, m.Body) {
		t.Errorf("%s: %s's %v encodes back to %x, want %x", r.file, r.from, m.Type, again, m.Body)
	}
}

// reencodeBody decodes m's body and encodes it again; it reports whether
// the result must equal the body: not for a body that is not ours to
// decode, nor for one that fails, nor for a peer's DatabaseStore.
func reencodeBody(t *testing.T, r recorded, m Message) (again []byte, compare bool) {
	t.Helper()
	switch m.Type {
	case TypeDatabaseStore:
		return reencodeStore(t, r, m.Body)
	case TypeDatabaseLookup:
		l, err := ParseDatabaseLookup(m.Body)
		if err == nil {
			again, err = l.AppendBinary(nil)
		}
		if err != nil {
			t.Errorf("%s: %s's DatabaseLookup: %v", r.file, r.from, err)
		}
	case TypeDatabaseSearchReply:
		sr, err := ParseSearchReply(m.Body)
		if err == nil {
			again, err = sr.AppendBinary(nil)
		}
		if err != nil {
			t.Errorf("%s: %s's DatabaseSearchReply: %v", r.file, r.from, err)
		}
	case TypeDeliveryStatus:
		d, err := ParseDeliveryStatus(m.Body)
		if err == nil {
			again, err = d.AppendBinary(nil)
		}
		if err != nil {
			t.Errorf("%s: %s's DeliveryStatus: %v", r.file, r.from, err)
		}
	default:
		t.Logf("%s: %s sent a %v, whose body is not ours to decode", r.file, r.from, m.Type)
		return nil, false
	}
	return again, true
}

// reencodeStore: a DatabaseStore decodes and encodes back, gzipped anew,
// to the same store; the bytes must be the same only when we sent it (our
// gzip).
func reencodeStore(t *testing.T, r recorded, body []byte) (again []byte, compare bool) {
	t.Helper()
	ds, err := ParseDatabaseStore(body)
	if err != nil {
		t.Errorf("%s: %s's DatabaseStore: %v", r.file, r.from, err)
		return nil, false
	}
	if again, err = ds.AppendBinary(nil); err != nil {
		t.Errorf("%s: %s's DatabaseStore: %v", r.file, r.from, err)
		return nil, false
	}
	if ds2, err := ParseDatabaseStore(again); err != nil || !equalStores(ds, ds2) {
		t.Errorf("%s: %s's DatabaseStore does not encode back to the same store (%v)", r.file, r.from, err)
	}
	return again, r.from != "peer"
}

func TestTypeString(t *testing.T) {
	tests := []struct {
		t    Type
		want string
	}{
		{TypeDatabaseStore, "DatabaseStore"},
		{TypeDatabaseLookup, "DatabaseLookup"},
		{TypeDatabaseSearchReply, "DatabaseSearchReply"},
		{TypeDeliveryStatus, "DeliveryStatus"},
		{TypeGarlic, "Garlic"},
		{TypeVariableTunnelBuild, "VariableTunnelBuild"},
		{TypeShortTunnelBuild, "ShortTunnelBuild"},
		{TypeOutboundTunnelBuildReply, "OutboundTunnelBuildReply"},
		{Type(27), "Type(27)"},
	}
	for _, tt := range tests {
		if got := tt.t.String(); got != tt.want {
			t.Errorf("Type(%d).String() = %q, want %q", uint8(tt.t), got, tt.want)
		}
	}
}
