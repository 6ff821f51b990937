package wire

import (
	"errors"
	"testing"
)

func TestBundleURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://reseed.example/":             "https://reseed.example/i2pseeds.su3?netid=2",
		"https://reseed.example":              "https://reseed.example/i2pseeds.su3?netid=2",
		"https://r.example:8443/i2pseeds.su3": "https://r.example:8443/i2pseeds.su3?netid=2",
		"https://r.example/sub/":              "https://r.example/sub/i2pseeds.su3?netid=2",
		"http://[200:1::2]:8080/":             "http://[200:1::2]:8080/i2pseeds.su3?netid=2",
	} {
		if got, err := BundleURL(in, 2); err != nil || got != want {
			t.Errorf("BundleURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"ftp://x/", "https://", "reseed.example", "%zz"} {
		if got, err := BundleURL(bad, 2); err == nil {
			t.Errorf("BundleURL(%q) = %q, want an error", bad, got)
		}
	}
}

func TestPlainHTTPOnlyOnOverlays(t *testing.T) {
	for _, ok := range []string{
		"http://[201:abcd::1]:8080/", "http://[300:1::5]/", "http://abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstu.onion/",
		"http://ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdq.b32.i2p/", "http://reseed.i2p/", "http://127.0.0.1:8080/", "http://[::1]:80/", "http://localhost:8080/",
	} {
		if _, err := BundleURL(ok, 2); err != nil {
			t.Errorf("BundleURL(%q): %v, want plain http allowed", ok, err)
		}
	}
	for _, bad := range []string{"http://reseed.example/", "http://198.51.100.7/", "http://[2001:db8::1]/", "http://onion.example/", "http://[fc00::1]/"} {
		if _, err := BundleURL(bad, 2); !errors.Is(err, ErrPlainHTTP) {
			t.Errorf("BundleURL(%q) = %v, want ErrPlainHTTP", bad, err)
		}
	}
}
