package i2np

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
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

func FuzzParseDatabaseStore(f *testing.F) {
	f.Add(store([]byte("ri"), 0))
	f.Add(store([]byte("ri"), 1))
	f.Fuzz(func(t *testing.T, b []byte) {
		ParseDatabaseStore(b)
		ParseShort(b)
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
