package testnet

import (
	"os"
	"path/filepath"
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

// TestRaceRouterHash: the hash of our racer is read from its log line
// as slog writes it, quoted, so that the throttle count and the audit
// find it in the peers' logs.
func TestRaceRouterHash(t *testing.T) {
	const h = "neAyERMqO-IITs1wjrR4P98ICBsmI4pO7LJaTY6ov3U="
	log := `time=2026-12-05T21:27:41.740Z level=INFO msg=router hash="` + h + `" netdb=/tmp/x/ours/netDb` + "\n"
	if got := routerHashIn(log); got != h {
		t.Errorf("routerHashIn = %q, want %q", got, h)
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "race-1", "ours"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "race-1", raceOursLog), []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := raceHashes(dir); len(got) != 1 || got[0].String() != h {
		t.Errorf("raceHashes = %v, want [%s]", got, h)
	}
}
