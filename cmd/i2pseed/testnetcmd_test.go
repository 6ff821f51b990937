package main

import (
	"io"
	"testing"
)

// TestTestnetSSU2Flag: testnet up and testnet race take --ssu2; up's is
// off unless given, race's follows the network's unless given.
func TestTestnetSSU2Flag(t *testing.T) {
	for _, tc := range []struct {
		sub  string
		args []string
		def  bool
		want bool
	}{
		{"up", nil, false, false},
		{"up", []string{"--ssu2"}, false, true},
		{"race", nil, true, true},
		{"race", nil, false, false},
		{"race", []string{"--ssu2=false"}, true, false},
		{"race", []string{"--ssu2"}, false, true},
	} {
		a := newApp(io.Discard, io.Discard)
		cmd, _, err := a.root.Find([]string{"testnet", tc.sub})
		if err != nil || cmd.Name() != tc.sub {
			t.Fatalf("testnet %s: %v", tc.sub, err)
		}
		if err := cmd.ParseFlags(tc.args); err != nil {
			t.Fatalf("testnet %s %q: %v", tc.sub, tc.args, err)
		}
		if got := testnetSSU2(cmd, tc.def); got != tc.want {
			t.Errorf("testnet %s %q (network's %v): SSU2 %v, want %v", tc.sub, tc.args, tc.def, got, tc.want)
		}
	}
}
