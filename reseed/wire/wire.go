// Package wire holds the reseed protocol's fixed facts that the server
// (package reseed), the bootstrap client (reseed/client) and the judge
// (reseed/judge) must agree on: the path, the User-Agent real clients
// send, and how a server URL becomes a bundle URL. The spec is the
// project's shared reseed-protocol.md (§3-§5) and I2P proposal 147 for
// the netid query.
package wire

import (
	"fmt"
	"net/url"

	"github.com/i2pseed/i2pseed/netdb"
)

// BundlePath is the one path clients fetch.
const BundlePath = "/i2pseeds.su3"

// UserAgent is the User-Agent every real reseed client sends (Java I2P,
// i2pd and go-i2p alike).
const UserAgent = "Wget/1.11.4"

// BundleURL turns a server URL into its bundle URL with the netid query:
// a URL ending in / gets i2pseeds.su3 appended, another path is kept.
func BundleURL(server string, netID netdb.NetID) (string, error) {
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("reseed: %q is not an http(s) URL", server)
	}
	if u.Path == "" || u.Path[len(u.Path)-1] == '/' {
		u.Path += BundlePath[1:]
	}
	q := u.Query()
	q.Set("netid", netID.String())
	u.RawQuery = q.Encode()
	return u.String(), nil
}
