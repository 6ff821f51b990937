package testnet

import (
	"slices"
	"testing"
)

// TestUnitI2PseedArgs: the command lines testnet runs the i2pseed binary
// with, built from cliflag's names.
func TestUnitI2PseedArgs(t *testing.T) {
	for _, tc := range []struct {
		name      string
		got, want []string
	}{
		{"server", serverArgs(Config{Routers: 3, Java: 2, ServerArgs: []string{"--log-clients"}}, "/n/server", "/n/seeds"), []string{
			"serve", "--testnet", "--netid", "7", "--signer", "testnet@mail.i2p", "--data-dir", "/n/server",
			"--listen", "198.18.0.2:8443", "--host", "198.18.0.2", "--bundle-size", "10", "--min-eligible", "5",
			"--min-version", "0.9.50", "--burst-per-client", "50", "--rate-per-client", "5",
			"--seed", "/n/seeds", "--ntcp2-listen", "198.18.0.2:18899", "--rebuild", "1m", "--probe-recheck", "1m", "--log-clients"}},
		{"server min-eligible", serverArgs(Config{Routers: 3, Java: 2, MinEligible: 4}, "/n/server", "/n/seeds")[14:16], []string{"--min-eligible", "4"}},
		{"snapshot", snapshotArgs(NetID, "/s/data", "/s/netDb", 5), []string{
			"serve", "--testnet", "--netid", "7", "--signer", "testnet@mail.i2p", "--data-dir", "/s/data",
			"--listen", "198.18.0.3:8443", "--host", "198.18.0.3", "--bundle-size", "10", "--min-eligible", "1",
			"--min-version", "0.9.50", "--burst-per-client", "50", "--rate-per-client", "5", "--netdb", "/s/netDb"}},
		{"server without Java", serverArgs(Config{Routers: 3}, "/n/server", "/n/seeds")[30:], []string{"--floodfill-warmup", "0"}},
		{"race router", oursRouterArgs("/r/ours", "/r/seeds", "7", "198.18.0.203:18203", false), []string{
			"router", "--netdb", "/r/ours/netDb", "--data-dir", "/r/ours", "--seed", "/r/seeds", "--netid", "7",
			"--ntcp2-listen", "198.18.0.203:18203", "--probe-every", "0"}},
		{"race router without Java", oursRouterArgs("/r/ours", "/r/seeds", "7", "198.18.0.203:18203", true)[13:], []string{
			"--floodfill-warmup", "0"}},
	} {
		if !slices.Equal(tc.got, tc.want) {
			t.Errorf("%s:\ngot  %q\nwant %q", tc.name, tc.got, tc.want)
		}
	}
}
