package testnet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"
)

// TestTorNetworkBootstraps: the private Tor network reaches a consensus
// and the client and the service tor bootstrap. Needs root and tor; in
// CI it must run.
func TestTorNetworkBootstraps(t *testing.T) {
	if err := CheckHost(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but %v", err)
		}
		t.Skip(err)
	}
	ns, err := CreateNetNS(fmt.Sprintf("i2pseed-tor-%d", os.Getpid()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Delete() })
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	n, took, err := StartTorNetworkTimed(ctx, ns, TorConfig{Dir: t.TempDir()})
	if errors.Is(err, ErrNoTor) && os.Getenv("CI") == "" {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer n.Stop()
	t.Logf("bootstrapped in %v", took)
}
