package ssu2

import (
	"bytes"
	"context"
	"errors"
	"net"
	"testing"

	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/router/transport"
)

func TestRouterKeys(t *testing.T) {
	k := RouterKeys{Static: PrivateKey{1}, IntroKey: Key{2}}
	b, _ := k.MarshalBinary()
	var k2 RouterKeys
	if err := k2.UnmarshalBinary(b); err != nil || k2 != k || len(b) != KeySize {
		t.Fatalf("round trip: %+v, %v", k2, err)
	}
	if err := k2.UnmarshalBinary(b[1:]); err == nil {
		t.Error("short keys accepted")
	}
	a := k.Address()
	s, _ := a.Options.Get("s")
	i, _ := a.Options.Get("i")
	var gotI Key
	var gotS PublicKey
	if gotS.UnmarshalText([]byte(s)) != nil || gotS != k.Static.Public() || gotI.UnmarshalText([]byte(i)) != nil || gotI != k.IntroKey {
		t.Errorf("address %v does not carry the keys", a.Options)
	}
	if !a.Usable() || a.Transport != "SSU2" {
		t.Errorf("address %+v is not a usable SSU2 address", a)
	}
	if _, err := parseAddress(&a); err == nil {
		t.Error("our unpublished address reads as one to dial")
	}
}

// TestPeerFromRouterInfo reads a published SSU2 address, prefers IPv4,
// and skips unusable ones.
func TestPeerFromRouterInfo(t *testing.T) {
	k := RouterKeys{Static: PrivateKey{1}, IntroKey: Key{2}}
	published := func(host, port string) netdb.RouterAddress {
		a := k.Address()
		a.Options = append(netdb.Mapping{{Key: "host", Value: host}, {Key: "port", Value: port}}, a.Options...)
		return a
	}
	ntcp2 := netdb.RouterAddress{Transport: "NTCP2", Options: netdb.Mapping{{Key: "host", Value: "198.18.0.9"}, {Key: "port", Value: "1"}}}
	tests := []struct {
		name  string
		addrs []netdb.RouterAddress
		want  string // "" when none
	}{
		{"v4", []netdb.RouterAddress{ntcp2, published("198.18.0.1", "9000")}, "198.18.0.1:9000"},
		{"v4 before v6", []netdb.RouterAddress{published("200::1", "9000"), published("198.18.0.1", "9001")}, "198.18.0.1:9001"},
		{"v6 only", []netdb.RouterAddress{published("200::1", "9000")}, "[200::1]:9000"},
		{"no port", []netdb.RouterAddress{published("198.18.0.1", "")}, ""},
		{"host a name", []netdb.RouterAddress{published("example.org", "9000")}, ""},
		{"unpublished", []netdb.RouterAddress{k.Address()}, ""},
		{"none", []netdb.RouterAddress{ntcp2}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, ok := PeerFromRouterInfo(&netdb.RouterInfo{Addresses: tt.addrs})
			switch {
			case tt.want == "" && ok:
				t.Fatalf("got %v, want none", p.Addr)
			case tt.want != "" && (!ok || p.Addr.String() != tt.want || p.IntroKey != k.IntroKey || p.Static != k.Static.Public()):
				t.Fatalf("got %+v, %v; want %s", p, ok, tt.want)
			}
			if got := NewTransport(TransportConfig{}).CanDial(&netdb.RouterInfo{Addresses: tt.addrs}); got != (tt.want != "") {
				t.Errorf("CanDial %v", got)
			}
		})
	}
}

func TestTransportNoAddress(t *testing.T) {
	tr := NewTransport(TransportConfig{NetID: 2})
	_, err := tr.Dial(context.Background(), &netdb.RouterInfo{}, &netdb.RouterInfo{})
	var oe *net.OpError
	if !errors.As(err, &oe) || oe.Op != "dial" {
		t.Fatalf("got %v, want a *net.OpError with Op dial", err)
	}
	if _, err := tr.Accept(); !errors.Is(err, transport.ErrNoListener) {
		t.Errorf("Accept: %v", err)
	}
	if tr.Name() != "SSU2" || !bytes.Equal([]byte(tr.Address().Transport), []byte("SSU2")) {
		t.Error("name")
	}
}
