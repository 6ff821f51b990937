package sam

import (
	"errors"
	"strings"
	"testing"
)

type recordedKey struct{ priv, dest string }

// recordedKeys pairs each recorded SESSION STATUS private key with the
// NAMING LOOKUP NAME=ME destination that follows it, when there is one.
func recordedKeys(t testing.TB) []recordedKey {
	t.Helper()
	var out []recordedKey
	for _, line := range recorded(t) {
		r, err := ParseReply(line)
		if err != nil {
			t.Fatal(err)
		}
		if v, ok := r.Get("DESTINATION"); ok && r.Topic == "SESSION" {
			out = append(out, recordedKey{priv: v})
		}
		if v, ok := r.Get("VALUE"); ok && len(out) > 0 {
			out[len(out)-1].dest = v
		}
	}
	if len(out) == 0 {
		t.Fatal("no recorded keys")
	}
	return out
}

func TestRecordedKeys(t *testing.T) {
	for _, rk := range recordedKeys(t) {
		k, err := ParsePrivateKey(rk.priv)
		if err != nil {
			t.Fatal(err)
		}
		d := k.Destination()
		if d.SigType() != SigEdDSAEd25519 {
			t.Errorf("sig type %v, want EdDSA", d.SigType())
		}
		if len(d) != 391 {
			t.Errorf("destination of %d bytes, want 391 (EdDSA KEY certificate)", len(d))
		}
		if rk.dest != "" && d.String() != rk.dest {
			t.Errorf("destination from the key != the bridge's NAMING LOOKUP ME")
		}
		if k.String() != rk.priv {
			t.Errorf("key does not re-encode")
		}
		b32 := d.B32()
		if len(b32) != 52+len(".b32.i2p") || strings.ToLower(b32) != b32 || !strings.HasSuffix(b32, ".b32.i2p") {
			t.Errorf("B32 = %q", b32)
		}
		if _, err := ParseDestination(rk.priv); !errors.Is(err, ErrKey) {
			t.Errorf("a private key parsed as a destination: %v", err)
		}
		if _, err := ParsePrivateKey(rk.priv[:len(rk.priv)-4]); !errors.Is(err, ErrKey) {
			t.Errorf("a cut private key parsed: %v", err)
		}
	}
}

// TestB32 checks the address against one computed independently (Python:
// base64.b32encode(hashlib.sha256(bytes(387)).digest()), lower case).
func TestB32(t *testing.T) {
	d := make(Destination, 387) // all zero, NULL certificate
	const want = "gem7z2yovuoqqbg3sd5qzb5dhaiit6osezfdo3cbuonanzjsuzaq.b32.i2p"
	if got := d.B32(); got != want {
		t.Errorf("B32 = %q, want %q", got, want)
	}
	if d.SigType() != SigDSASHA1 {
		t.Errorf("NULL certificate: %v, want DSA_SHA1", d.SigType())
	}
}

// FuzzParsePrivateKey: a key that parses encodes back to its input, and
// its destination parses on its own; whatever parses as a destination
// encodes back too.
func FuzzParsePrivateKey(f *testing.F) {
	for _, rk := range recordedKeys(f) {
		f.Add(rk.priv)
		f.Add(rk.dest)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if k, err := ParsePrivateKey(s); err == nil {
			if k.String() != strings.TrimSpace(s) {
				t.Fatalf("key %q re-encodes as %q", s, k.String())
			}
			if _, err := ParseDestination(k.Destination().String()); err != nil {
				t.Fatalf("the key's destination does not parse: %v", err)
			}
		}
		if d, err := ParseDestination(s); err == nil && d.String() != s {
			t.Fatalf("destination %q re-encodes as %q", s, d.String())
		}
	})
}

func TestSigTypeString(t *testing.T) {
	for st, want := range map[SigType]string{SigDSASHA1: "DSA_SHA1", SigECDSAP256: "ECDSA_SHA256_P256", SigECDSAP384: "ECDSA_SHA384_P384",
		SigECDSAP521: "ECDSA_SHA512_P521", SigEdDSAEd25519: "EdDSA_SHA512_Ed25519", SigRedDSAEd25519: "RedDSA_SHA512_Ed25519", 99: "SigType(99)"} {
		if got := st.String(); got != want {
			t.Errorf("SigType(%d) = %q, want %q", uint16(st), got, want)
		}
	}
}
