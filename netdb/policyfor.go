package netdb

import (
	"errors"
	"fmt"
)

// ErrMinVersion is returned by PolicyFor for a minimum version that is not
// a dotted version.
var ErrMinVersion = errors.New("netdb: minimum version is not a dotted version like 0.9.59")

// PolicyFor is the selection policy the server and the netdb commands
// share: DefaultPolicy, or TestnetPolicy on a test network, for netID,
// taking routers of minVersion or newer.
func PolicyFor(netID NetID, testnet bool, minVersion string) (Policy, error) {
	p := DefaultPolicy()
	if testnet {
		p = TestnetPolicy(netID)
	}
	p.NetID, p.MinVersion = netID, minVersion
	if CompareVersions(minVersion, "0.0") < 0 {
		return p, fmt.Errorf("%w: %q", ErrMinVersion, minVersion)
	}
	return p, nil
}
