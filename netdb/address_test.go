package netdb

import (
	"errors"
	"slices"
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

func TestParseNTCP2(t *testing.T) {
	key := func(last byte) string {
		b := make([]byte, 32)
		b[0], b[31] = 9, last
		return i2pbase64.EncodeToString(b)
	}
	iv := i2pbase64.EncodeToString([]byte("0123456789abcdef"))
	published := func(host, port, i string) Mapping {
		m := Mapping{{"host", host}, {"i", i}, {"port", port}, {"s", key(1)}, {"v", "2"}}
		return slices.DeleteFunc(m, func(kv KV) bool { return kv.Value == "-" })
	}
	tests := []struct {
		name      string
		transport string
		opts      Mapping
		want      string // host:port, "" for unpublished, "error" for an error
	}{
		{"published IPv4", "NTCP2", published("198.51.100.7", "12345", iv), "198.51.100.7:12345"},
		{"published IPv6", "NTCP2", published("2001:db8::7", "12345", iv), "[2001:db8::7]:12345"},
		{"unpublished", "NTCP2", Mapping{{"caps", "4"}, {"s", key(1)}, {"v", "2"}}, ""},
		{"SSU2", "SSU2", published("198.51.100.7", "12345", iv), "error"},
		{"no v", "NTCP2", Mapping{{"caps", "4"}, {"s", key(1)}}, "error"},
		{"v 1", "NTCP2", Mapping{{"s", key(1)}, {"v", "1"}}, "error"},
		{"v 1,2", "NTCP2", Mapping{{"s", key(1)}, {"v", "1,2"}}, ""},
		{"s bit 255 set", "NTCP2", Mapping{{"s", key(0x80)}, {"v", "2"}}, "error"},
		{"s short", "NTCP2", Mapping{{"s", i2pbase64.EncodeToString(make([]byte, 31))}, {"v", "2"}}, "error"},
		{"no s", "NTCP2", Mapping{{"v", "2"}}, "error"},
		{"host a name", "NTCP2", published("example.com", "12345", iv), "error"},
		{"host unspecified", "NTCP2", published("0.0.0.0", "12345", iv), "error"},
		{"host multicast", "NTCP2", published("224.0.0.1", "12345", iv), "error"},
		{"no port", "NTCP2", published("198.51.100.7", "-", iv), "error"},
		{"port 0", "NTCP2", published("198.51.100.7", "0", iv), "error"},
		{"port too big", "NTCP2", published("198.51.100.7", "70000", iv), "error"},
		{"no i", "NTCP2", published("198.51.100.7", "12345", "-"), "error"},
		{"i short", "NTCP2", published("198.51.100.7", "12345", i2pbase64.EncodeToString(make([]byte, 15))), "error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := RouterAddress{Transport: tt.transport, Options: tt.opts}
			na, err := a.ParseNTCP2()
			switch {
			case tt.want == "error":
				if !errors.Is(err, ErrAddress) {
					t.Errorf("got %+v, %v; want an error wrapping ErrAddress", na, err)
				}
				return
			case err != nil:
				t.Fatalf("got %v, want %q", err, tt.want)
			}
			got := ""
			if na.Published() {
				got = na.AddrPort().String()
				if string(na.IV[:]) != "0123456789abcdef" {
					t.Errorf("IV %q", na.IV)
				}
			}
			if got != tt.want || na.Static[0] != 9 {
				t.Errorf("got %q (s %x), want %q", got, na.Static[:2], tt.want)
			}
			if a.Usable() != true {
				t.Error("ParseNTCP2 takes what Usable refuses")
			}
		})
	}
}

// TestNTCP2Addresses: only published, usable addresses, IPv4 first.
func TestNTCP2Addresses(t *testing.T) {
	ri := &RouterInfo{}
	for _, host := range []string{"2001:db8::1", "bad", "198.51.100.1", "", "198.51.100.2"} {
		opts := Mapping{{"caps", "4"}, {"s", i2pbase64.EncodeToString(make([]byte, 32))}, {"v", "2"}}
		if host != "" {
			opts = Mapping{{"host", host}, {"i", i2pbase64.EncodeToString(make([]byte, 16))}, {"port", "1"}, opts[1], opts[2]}
		}
		ri.Addresses = append(ri.Addresses, RouterAddress{Transport: "NTCP2", Options: opts},
			RouterAddress{Transport: "SSU2", Options: opts})
	}
	var got []string
	for _, a := range ri.NTCP2Addresses() {
		got = append(got, a.Host.String())
	}
	if want := []string{"198.51.100.1", "198.51.100.2", "2001:db8::1"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestFloodfill(t *testing.T) {
	for caps, want := range map[string]bool{"XfR": true, "fO": true, "XR": false, "": false} {
		ri := &RouterInfo{Options: Mapping{{"caps", caps}}}
		if ri.Floodfill() != want || (&Entry{Caps: caps}).Floodfill() != want {
			t.Errorf("caps %q: floodfill %v, want %v", caps, ri.Floodfill(), want)
		}
	}
}
