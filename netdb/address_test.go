package netdb

import (
	"testing"

	"github.com/i2pseed/i2pseed/internal/i2pbase64"
)

func TestStaticKeyOK(t *testing.T) {
	key := func(last byte) string {
		b := make([]byte, 32)
		b[0], b[31] = 9, last
		return i2pbase64.EncodeToString(b)
	}
	tests := []struct {
		name string
		opts Mapping
		ok   bool
	}{
		{"valid", Mapping{{"s", key(0x7f)}, {"v", "2"}}, true},
		{"bit 255 set", Mapping{{"s", key(0x80)}, {"v", "2"}}, false},
		{"no s", Mapping{{"v", "2"}}, false},
		{"short s", Mapping{{"s", i2pbase64.EncodeToString(make([]byte, 31))}, {"v", "2"}}, false},
		{"not base64", Mapping{{"s", "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!="}, {"v", "2"}}, false},
		{"v 1", Mapping{{"s", key(1)}, {"v", "1"}}, false},
		{"v 1,2", Mapping{{"s", key(1)}, {"v", "1,2"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := RouterAddress{Transport: "NTCP2", Options: tt.opts}
			if got := a.Usable(); got != tt.ok {
				t.Errorf("Usable() = %v, want %v", got, tt.ok)
			}
			ri := &RouterInfo{Addresses: []RouterAddress{a}}
			want := OK
			if !tt.ok {
				want = RejectStaticKey
			}
			if got := ri.CheckAddresses(); got != want {
				t.Errorf("CheckAddresses() = %v, want %v", got, want)
			}
		})
	}
	if got := (&RouterInfo{}).CheckAddresses(); got != RejectAddress {
		t.Errorf("no address: %v, want %v", got, RejectAddress)
	}
}

// TestSynthStaticKeys: every synthetic static key is one Java and i2pd
// accept (random bytes would have bit 255 set half the time).
func TestSynthStaticKeys(t *testing.T) {
	ris, err := Synth(200, SynthConfig{Now: synthNow, Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ri := range ris {
		for _, a := range ri.Addresses {
			n++
			if !a.StaticKeyOK() {
				t.Fatalf("%v: %s address has static key %v", ri.Hash(), a.Transport, a.Options)
			}
		}
		if e := Summarize(ri); e.Addrs[0].BadKey {
			t.Errorf("%v: Summarize says BadKey", ri.Hash())
		}
	}
	if n < 200 {
		t.Fatalf("only %d addresses", n)
	}
}

// TestLiveStaticKeys: every RouterInfo of the live bundle has a usable address.
func TestLiveStaticKeys(t *testing.T) {
	for _, e := range liveRouterInfos(t) {
		ri, err := ParseRouterInfo(e.Data)
		if err != nil {
			t.Fatal(err)
		}
		if r := ri.CheckAddresses(); r != OK {
			t.Errorf("%s: %v", e.Name, r)
		}
	}
}
