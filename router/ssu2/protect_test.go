package ssu2

import (
	"bytes"
	"errors"
	"testing"

	"golang.org/x/crypto/chacha20"
)

// xorFromCounter0 is chachaXOR from block counter 0, the mistake the test
// of the counter guards against.
func xorFromCounter0(k *Key, nonce, b []byte) {
	c, _ := chacha20.NewUnauthenticatedCipher(k[:], nonce)
	c.XORKeyStream(b, b)
}

func TestMaskInvolution(t *testing.T) {
	k1, k2 := Key{1}, Key{2}
	for _, tt := range []struct {
		name string
		mask func([]byte, *Key, *Key) error
		min  int
		ext  int // bytes masked
	}{
		{"short", MaskShortHeader, MinShortPacketLen, ShortHeaderLen},
		{"long", MaskLongHeader, MinLongPacketLen, LongHeaderLen},
		{"handshake", MaskHandshakeHeader, MinHandshakePacketLen, LongHeaderLen + KeyLen},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pkt := make([]byte, tt.min+5)
			for i := range pkt {
				pkt[i] = byte(i)
			}
			orig := append([]byte(nil), pkt...)
			if err := tt.mask(pkt, &k1, &k2); err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(pkt[:tt.ext], orig[:tt.ext]) || !bytes.Equal(pkt[tt.ext:], orig[tt.ext:]) {
				t.Fatalf("masked %x from %x: want the first %d bytes changed and the rest not", pkt, orig, tt.ext)
			}
			if err := tt.mask(pkt, &k1, &k2); err != nil || !bytes.Equal(pkt, orig) {
				t.Fatalf("masking twice: %x, %v; want the original", pkt, err)
			}
			if err := tt.mask(make([]byte, tt.min-1), &k1, &k2); !errors.Is(err, ErrHeader) {
				t.Errorf("%d-byte packet: %v, want ErrHeader", tt.min-1, err)
			}
		})
	}
}

// TestMaskKeys: bytes 0-7 depend on k_header_1 only, 8-15 on k_header_2.
func TestMaskKeys(t *testing.T) {
	pkt := make([]byte, MinShortPacketLen)
	a, b, c := append([]byte(nil), pkt...), append([]byte(nil), pkt...), append([]byte(nil), pkt...)
	MaskShortHeader(a, &Key{1}, &Key{2})
	MaskShortHeader(b, &Key{1}, &Key{3})
	MaskShortHeader(c, &Key{4}, &Key{2})
	if !bytes.Equal(a[:8], b[:8]) || bytes.Equal(a[8:16], b[8:16]) || bytes.Equal(a[:8], c[:8]) || !bytes.Equal(a[8:16], c[8:16]) {
		t.Errorf("masks %x %x %x: want bytes 0-7 from k1 and 8-15 from k2", a[:16], b[:16], c[:16])
	}
}
