package cliflag

import (
	"slices"
	"testing"
)

func TestArgs(t *testing.T) {
	for _, tc := range []struct {
		name      string
		got, want []string
	}{
		{"empty", New[Serve]().Strings(), []string{"serve"}},
		{"serve", New[Serve]().On(ServeTestnet).Set(ServeListen, "198.18.0.2:8443").SetInt(ServeBundleSize, 7).Strings(),
			[]string{"serve", "--testnet", "--listen", "198.18.0.2:8443", "--bundle-size", "7"}},
		{"router", New[Router]().Set(RouterProbeEvery, "0").Strings(), []string{"router", "--probe-every", "0"}},
		{"bootstrap", New[Bootstrap]().SetInt(BootstrapMinServers, 1).Strings(), []string{"bootstrap", "--min-servers", "1"}},
	} {
		if !slices.Equal(tc.got, tc.want) {
			t.Errorf("%s: got %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

// TestArgsStrings: Strings is a copy; the command line goes on.
func TestArgsStrings(t *testing.T) {
	a := New[Router]().Set(RouterNetID, "7")
	first := a.Strings()
	first[0] = "changed"
	if got := a.Set(RouterSeed, "/s").Strings(); !slices.Equal(got, []string{"router", "--netid", "7", "--seed", "/s"}) {
		t.Errorf("got %q", got)
	}
}
