package client

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/i2pseed/i2pseed/internal/sam"
)

func TestSAMConfig(t *testing.T) {
	for _, tc := range []HTTPConfig{
		{SAM: "7656"}, {SAM: ":7656"}, {SAM: "127.0.0.1:7656", SAMOptions: []string{"inbound.length"}},
	} {
		if _, err := NewHTTPClient(tc); !errors.Is(err, ErrSAM) {
			t.Errorf("%+v: %v, want ErrSAM", tc, err)
		}
	}
}

// TestSAMRouting: with --sam, .i2p hosts go to the SAM bridge (here none
// answers) and never to --proxy; other hosts still go through the proxy.
func TestSAMRouting(t *testing.T) {
	var proxied atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxied.Add(1)
		w.WriteHeader(http.StatusTeapot)
	}))
	defer proxy.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	hc, err := NewHTTPClient(HTTPConfig{Proxy: proxy.URL, SAM: closed})
	if err != nil {
		t.Fatal(err)
	}
	_, err = hc.Get("http://abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrst.b32.i2p/i2pseeds.su3")
	if !errors.Is(err, sam.ErrNoBridge) {
		t.Errorf("a .b32.i2p URL: %v, want sam.ErrNoBridge", err)
	}
	if n := proxied.Load(); n != 0 {
		t.Errorf("the proxy got %d requests for a .i2p host", n)
	}
	resp, err := hc.Get("http://reseed.example/i2pseeds.su3")
	if err != nil || resp.StatusCode != http.StatusTeapot || proxied.Load() != 1 {
		t.Errorf("another host: %v, %v; want the proxy's answer", resp, err)
	}
	if resp != nil {
		resp.Body.Close()
	}
}
