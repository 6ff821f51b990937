package testnet

import "testing"

func TestTunnelsBuilt(t *testing.T) {
	for _, tc := range []struct {
		impl, log string
		want      bool
	}{
		{ImplI2PD, "12:00:01@1/info - Tunnel: Inbound tunnel 123 has been created\n12:00:02@1/info - Tunnel: Outbound tunnel 456 has been created\n", true},
		{ImplI2PD, "12:00:01@1/info - Tunnel: Inbound tunnel 123 has been created\n12:00:02@1/info - Tunnel: Outbound tunnel 456 has been declined\n", false},
		{ImplI2PD, "", false},
		{ImplJava, "WARN [JobQueue 1/4] net.i2p.router.Router: Router state change from NETDB_READY to EXPL_TUNNELS_READY\n", true},
		{ImplJava, "WARN [JobQueue 1/4] net.i2p.router.Router: Router state change from STARTING_3 to NETDB_READY\n", false},
	} {
		if got := tunnelsBuilt(tc.impl, tc.log); got != tc.want {
			t.Errorf("%s %q: %v, want %v", tc.impl, tc.log, got, tc.want)
		}
	}
}
