package netdb

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestMappingRejects(t *testing.T) {
	enc := func(pairs ...string) []byte {
		var b []byte
		for i := 0; i < len(pairs); i += 2 {
			b = append(b, byte(len(pairs[i])))
			b = append(b, pairs[i]...)
			b = append(b, '=', byte(len(pairs[i+1])))
			b = append(b, pairs[i+1]...)
			b = append(b, ';')
		}
		return append([]byte{byte(len(b) >> 8), byte(len(b))}, b...)
	}
	good := enc("caps", "XfR", "netId", "2")
	if m, err := ParseMapping(good); err != nil || len(m) != 2 {
		t.Fatalf("good mapping: %v, %v", m, err)
	}
	tests := []struct {
		name string
		b    []byte
	}{
		{"unsorted", enc("netId", "2", "caps", "XfR")},
		{"duplicate", enc("caps", "X", "caps", "R")},
		{"size too big", append([]byte{0, 99}, good[2:]...)},
		{"size too small", append([]byte{0, 3}, good[2:]...)},
		{"trailing byte", append(good, 0)},
		{"missing =", []byte{0, 5, 1, 'a', ':', 1, 'b'}},
		{"missing ;", []byte{0, 6, 1, 'a', '=', 1, 'b', ','}},
		{"not UTF-8", enc("caps", "\xff")},
		{"empty", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseMapping(tt.b); !errors.Is(err, ErrFormat) {
				t.Errorf("got %v, want ErrFormat", err)
			}
		})
	}
	if _, err := (Mapping{{"b", "1"}, {"a", "2"}}).AppendBinary(nil); err == nil {
		t.Error("encoding an unsorted mapping succeeded")
	}
	if _, err := (Mapping{{"a", strings.Repeat("x", 256)}}).AppendBinary(nil); err == nil {
		t.Error("encoding a 256-byte string succeeded")
	}
}

func TestCertificateRejects(t *testing.T) {
	for _, tt := range []struct {
		name string
		b    []byte
	}{
		{"truncated", []byte{5, 0}},
		{"NULL with payload", []byte{0, 0, 1, 9}},
		{"KEY payload too short", []byte{5, 0, 2, 0, 7}},
		{"length past end", []byte{5, 0, 9, 0, 7, 0, 4}},
		{"trailing", []byte{0, 0, 0, 1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseCertificate(tt.b); !errors.Is(err, ErrFormat) {
				t.Errorf("got %v, want ErrFormat", err)
			}
		})
	}
}

func TestIdentityRejects(t *testing.T) {
	ris, _ := Synth(1, SynthConfig{Now: synthNow})
	id := ris[0].Identity.Bytes()
	mut := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), id...)) }
	for _, tt := range []struct {
		name string
		b    []byte
	}{
		{"short keys", id[:300]},
		{"unknown sig type", mut(func(b []byte) []byte { b[388] = 99; return b })},
		{"unknown crypto type", mut(func(b []byte) []byte { b[390] = 99; return b })},
		{"P521 without excess key bytes", mut(func(b []byte) []byte { b[388] = 3; return b })},
		{"excess bytes for Ed25519", append(mut(func(b []byte) []byte { b[386] = 5; return b }), 0)},
		{"HIDDEN certificate", mut(func(b []byte) []byte { b[384] = 2; return b })},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseIdentity(tt.b); !errors.Is(err, ErrFormat) {
				t.Errorf("got %v, want ErrFormat", err)
			}
		})
	}
}

func TestHashText(t *testing.T) {
	ris, _ := Synth(1, SynthConfig{Now: synthNow})
	h := ris[0].Hash()
	b, err := json.Marshal(map[string]Hash{"h": h})
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]Hash
	if err := json.Unmarshal(b, &back); err != nil || !back["h"].Equal(h) {
		t.Errorf("JSON round trip: %v, %v", back, err)
	}
	if len(h.String()) != 44 || !strings.HasSuffix(h.String(), "=") {
		t.Errorf("String() = %q, want 44 chars ending in =", h)
	}
	if _, err := ParseHash("not a hash"); err == nil {
		t.Error("ParseHash accepted garbage")
	}
	if (Hash{}).IsZero() != true || h.IsZero() {
		t.Error("IsZero wrong")
	}
}

func TestTypeStrings(t *testing.T) {
	for _, tt := range []struct{ got, want string }{
		{SigEdDSA_SHA512.String(), "EdDSA_SHA512_Ed25519"},
		{SigType(99).String(), "SigType(99)"},
		{CryptoX25519.String(), "X25519"},
		{CertKey.String(), "KEY"},
		{RejectDuplicateIP.String(), "duplicate-ip"},
		{SkipName.String(), "name"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
