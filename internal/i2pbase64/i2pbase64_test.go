package i2pbase64

import (
	"bytes"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	b := []byte{0xfb, 0xff, 0xbf, 0x00, 0x01}
	s := EncodeToString(b)
	if s != "-~-~AAE=" {
		t.Errorf("EncodeToString = %q, want -~-~AAE=", s)
	}
	got, err := DecodeString(s)
	if err != nil || !bytes.Equal(got, b) {
		t.Errorf("DecodeString(%q) = %x, %v", s, got, err)
	}
	for _, bad := range []string{"+/+/AAE=", "-~-~AAF="} {
		if _, err := DecodeString(bad); err == nil {
			t.Errorf("DecodeString(%q) succeeded, want an error", bad)
		}
	}
}
