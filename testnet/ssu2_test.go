package testnet

import (
	"slices"
	"testing"
)

// TestTestnetSSU2Args: with RoutersConfig.SSU2 an i2pd router publishes
// SSU2 and a Java router turns UDP on, on its own host and port; without
// it, i2pd's SSU2 is off and Java's UDP too.
func TestTestnetSSU2Args(t *testing.T) {
	for _, on := range []bool{false, true} {
		cfg := RoutersConfig{Routers: 1, Java: 1, SSU2: on}
		args := routerArgs(cfg, 0)
		for _, a := range []string{"--ssu2.enabled=true", "--ssu2.published=true"} {
			if slices.Contains(args, a) != on {
				t.Errorf("SSU2 %v: i2pd args %q, %s wanted: %v", on, args, a, on)
			}
		}
		if slices.Contains(args, "--ssu2.enabled=false") == on {
			t.Errorf("SSU2 %v: i2pd args %q", on, args)
		}
		opts := javaOptions(nil, cfg, 1, t.TempDir())
		conf := javaConfig(opts)
		want := map[string]string{"i2np.udp.enable": "false"}
		if on {
			want = map[string]string{"i2np.udp.enable": "true", "i2np.udp.host": opts.Host,
				"i2np.udp.port": "18801", "i2np.udp.fixedHost": "true", "i2np.udp.autoip": "false"}
		}
		for k, v := range want {
			if conf[k] != v {
				t.Errorf("SSU2 %v: Java %s=%q, want %q", on, k, conf[k], v)
			}
		}
	}
}
