package symmetric

import (
	"bytes"
	"crypto/sha256"
	"testing"
)

// TestNew: a name of 32 bytes or less is H itself, zero-padded; a longer
// one is hashed; CK starts equal to it, and H has the empty prologue mixed
// in (Noise rev 34, 5.2 and 5.3).
func TestNew(t *testing.T) {
	var short [32]byte
	copy(short[:], "Noise_NN_25519_ChaChaPoly_SHA256")
	long := sha256.Sum256([]byte("Noise_XKchaobfse+hs1+hs2+hs3_25519_ChaChaPoly_SHA256"))
	for _, tc := range []struct {
		name string
		want [32]byte
	}{
		{"Noise_NN_25519_ChaChaPoly_SHA256", short},
		{"Noise_XKchaobfse+hs1+hs2+hs3_25519_ChaChaPoly_SHA256", long},
	} {
		s := New(tc.name)
		if s.CK != tc.want {
			t.Errorf("%s: CK %x, want %x", tc.name, s.CK, tc.want)
		}
		if want := sha256.Sum256(tc.want[:]); s.H != want {
			t.Errorf("%s: H %x, want SHA-256 of the initial H", tc.name, s.H)
		}
	}
}

// TestRoundTrip: two states that mixed the same key stay in step; a
// ciphertext that does not authenticate is refused and changes nothing.
func TestRoundTrip(t *testing.T) {
	a, b := New("Noise_test"), New("Noise_test")
	a.MixKey([]byte("shared secret"))
	b.MixKey([]byte("shared secret"))
	if a.CK != b.CK || a.K != b.K || a.K == ([32]byte{}) {
		t.Fatal("MixKey differs between equal states, or left K zero")
	}
	for i, msg := range []string{"first", "second"} {
		ct := a.EncryptAndHash([]byte(msg))
		bad := bytes.Clone(ct)
		bad[0] ^= 1
		before := *b
		if _, err := b.DecryptAndHash(bad); err == nil || *b != before {
			t.Fatalf("message %d: a flipped byte: err %v, state changed %v", i, err, *b != before)
		}
		pt, err := b.DecryptAndHash(ct)
		if err != nil || string(pt) != msg {
			t.Fatalf("message %d: %q, %v", i, pt, err)
		}
		if a.H != b.H || a.N != uint64(i+1) || b.N != a.N {
			t.Fatalf("message %d: the states left step (H equal %v, N %d and %d)", i, a.H == b.H, a.N, b.N)
		}
	}
	a.Zero()
	if a.CK != ([32]byte{}) || a.K != ([32]byte{}) {
		t.Error("Zero left key material")
	}
}
