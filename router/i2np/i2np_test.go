package i2np

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"os"
	"testing"
	"time"
)

func store(ri []byte, token uint32) []byte {
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(ri)
	zw.Close()
	b := make([]byte, 32)
	b[0] = 9
	b = append(b, 0)
	b = binary.BigEndian.AppendUint32(b, token)
	if token != 0 {
		b = append(b, make([]byte, 36)...)
	}
	b = binary.BigEndian.AppendUint16(b, uint16(z.Len()))
	return append(b, z.Bytes()...)
}

func TestDatabaseStore(t *testing.T) {
	for _, token := range []uint32{0, 7} {
		ds, err := ParseDatabaseStore(store([]byte("a RouterInfo"), token))
		if err != nil || string(ds.RouterInfo) != "a RouterInfo" || ds.Key[0] != 9 || ds.ReplyToken != token {
			t.Fatalf("token %d: %+v, %v", token, ds, err)
		}
	}
	good := store([]byte("ri"), 0)
	for _, bad := range [][]byte{good[:30], good[:len(good)-1], append(bytes.Clone(good), 0), func() []byte { b := bytes.Clone(good); b[32] = 1; return b }()} {
		if _, err := ParseDatabaseStore(bad); !errors.Is(err, ErrFormat) {
			t.Errorf("got %v, want ErrFormat", err)
		}
	}
}

func TestShortHeader(t *testing.T) {
	m := Message{Type: TypeDeliveryStatus, ID: 42, Expiration: time.Unix(1800000000, 0), Body: []byte{1, 2}}
	got, err := ParseShort(m.AppendShort(nil))
	if err != nil || got.Type != m.Type || got.ID != 42 || !got.Expiration.Equal(m.Expiration) || !bytes.Equal(got.Body, m.Body) {
		t.Fatalf("%+v, %v", got, err)
	}
	if _, err := ParseShort([]byte{1, 2}); !errors.Is(err, ErrFormat) {
		t.Error("short header accepted")
	}
}

func TestDatabaseStoreRoundTrip(t *testing.T) {
	ri, err := os.ReadFile("testdata/live/routerInfo-i2pd-sample.dat")
	if err != nil {
		t.Fatal(err)
	}
	for _, token := range []uint32{0, 99} {
		in := DatabaseStore{Key: [32]byte{5}, ReplyToken: token, ReplyGateway: [32]byte{6}, RouterInfo: ri}
		b, err := in.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		out, err := ParseDatabaseStore(b)
		if err != nil || out.Key != in.Key || out.ReplyToken != token || !bytes.Equal(out.RouterInfo, ri) {
			t.Fatalf("token %d: %+v, %v", token, out, err)
		}
		if token != 0 && out.ReplyGateway != in.ReplyGateway {
			t.Errorf("gateway %x", out.ReplyGateway)
		}
	}
}

func TestDeliveryStatus(t *testing.T) {
	in := DeliveryStatus{MsgID: 77, Timestamp: time.UnixMilli(1800000000123)}
	b, _ := in.AppendBinary(nil)
	out, err := ParseDeliveryStatus(b)
	if err != nil || out.MsgID != 77 || !out.Timestamp.Equal(in.Timestamp) {
		t.Fatalf("%+v, %v", out, err)
	}
	if _, err := ParseDeliveryStatus(b[:11]); !errors.Is(err, ErrFormat) {
		t.Error("short DeliveryStatus accepted")
	}
}

// FuzzParseI2NP feeds every decoder: a short-header message and then its
// body to the parser of its type, as the router does with an I2NP block.
func FuzzParseI2NP(f *testing.F) {
	ri, err := os.ReadFile("testdata/live/routerInfo-i2pd-sample.dat")
	if err != nil {
		f.Fatal(err)
	}
	for _, token := range []uint32{0, 1} {
		body, _ := (&DatabaseStore{Key: [32]byte{1}, ReplyToken: token, RouterInfo: ri}).AppendBinary(nil)
		f.Add(Message{Type: TypeDatabaseStore, ID: 1, Body: body}.AppendShort(nil))
	}
	reply := append(append(append(make([]byte, 32), 1), make([]byte, 32)...), make([]byte, 32)...)
	f.Add(Message{Type: TypeDatabaseSearchReply, ID: 2, Body: reply}.AppendShort(nil))
	ds, _ := DeliveryStatus{MsgID: 3}.AppendBinary(nil)
	f.Add(Message{Type: TypeDeliveryStatus, ID: 3, Body: ds}.AppendShort(nil))
	for _, r := range recordedMessages(f) {
		f.Add(r.data)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseShort(b)
		if err != nil {
			return
		}
		switch m.Type {
		case TypeDatabaseStore:
			if ds, err := ParseDatabaseStore(m.Body); err == nil {
				// What parses re-encodes to something that parses the same.
				again, err := ds.AppendBinary(nil)
				if err != nil {
					return
				}
				ds2, err := ParseDatabaseStore(again)
				if err != nil || !bytes.Equal(ds2.RouterInfo, ds.RouterInfo) || ds2.Key != ds.Key {
					t.Fatalf("re-encoded store differs: %v", err)
				}
			}
		case TypeDatabaseSearchReply:
			ParseSearchReply(m.Body)
		case TypeDeliveryStatus:
			ParseDeliveryStatus(m.Body)
		case TypeDatabaseLookup:
			ParseDatabaseLookup(m.Body)
		default:
			ParseDatabaseStore(m.Body)
			ParseSearchReply(m.Body)
			ParseDatabaseLookup(m.Body)
		}
	})
}

func TestLookupAndSearchReply(t *testing.T) {
	l := DatabaseLookup{Key: [32]byte{1}, From: [32]byte{2}, Flags: LookupRouterInfo, Exclude: [][32]byte{{3}}}
	b, err := l.AppendBinary(nil)
	if err != nil || len(b) != 32+32+1+2+32 || b[64] != LookupRouterInfo || b[66] != 1 {
		t.Fatalf("%x, %v", b, err)
	}
	if _, err := (&DatabaseLookup{Exclude: make([][32]byte, 513)}).AppendBinary(nil); err == nil {
		t.Error("513 exclusions accepted")
	}
	reply := append(append(append(make([]byte, 32), 2), make([]byte, 64)...), make([]byte, 32)...)
	reply[33] = 7
	r, err := ParseSearchReply(reply)
	if err != nil || len(r.Peers) != 2 || r.Peers[0][0] != 7 {
		t.Fatalf("%+v, %v", r, err)
	}
	if _, err := ParseSearchReply(reply[:len(reply)-1]); !errors.Is(err, ErrFormat) {
		t.Error("truncated reply accepted")
	}
}
