package ntcp2

import (
	"context"
	"net"
	"net/netip"
	"testing"
)

// TestSourceDialer: outbound connections come from the listener's IP when
// it is bound to one, else from the published host; a published address
// that is not on this machine (NAT) falls back to the kernel's choice.
func TestSourceDialer(t *testing.T) {
	peer, err := net.Listen("tcp", "127.0.0.7:0")
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	ours, err := net.Listen("tcp", "127.0.0.8:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ours.Close()
	any, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	defer any.Close()
	tests := []struct {
		name      string
		ln        net.Listener
		published string
		want      string // source IP the peer sees
	}{
		{"listener bound", ours, "127.0.0.9", "127.0.0.8"},
		{"listener on any address: published host", any, "127.0.0.9", "127.0.0.9"},
		{"no listener: published host", nil, "127.0.0.10", "127.0.0.10"},
		{"published host not on this machine", nil, "192.0.2.1", "127.0.0.1"},
		{"nothing published", nil, "", "127.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			published, _ := netip.ParseAddr(tt.published) // invalid for none
			d := newSourceDialer(tt.ln, published)
			for range 2 { // the NAT fallback is remembered
				c, err := d.dial(context.Background(), peer.Addr().String())
				if err != nil {
					t.Fatal(err)
				}
				in, err := peer.Accept()
				if err != nil {
					t.Fatal(err)
				}
				got := in.RemoteAddr().(*net.TCPAddr).IP.String()
				c.Close()
				in.Close()
				if got != tt.want {
					t.Errorf("peer sees %s, want %s", got, tt.want)
				}
			}
		})
	}
	// An IPv6 peer is not dialled from an IPv4 source.
	if d := newSourceDialer(nil, netip.MustParseAddr("127.0.0.9")); d.source.Is4() {
		if l6, err := net.Listen("tcp", "[::1]:0"); err == nil {
			defer l6.Close()
			c, err := d.dial(context.Background(), l6.Addr().String())
			if err != nil {
				t.Fatalf("IPv6 peer: %v", err)
			}
			c.Close()
		}
	}
}
