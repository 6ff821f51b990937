package wire

import "testing"

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
