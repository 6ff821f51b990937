// Package wire holds the reseed protocol's fixed facts that the server
// (package reseed), the bootstrap client (reseed/client) and the judge
// (reseed/judge) must agree on: the path, the User-Agent real clients
// send, and how a server URL becomes a bundle URL. The spec is the
// project's shared reseed-protocol.md (§3-§5) and I2P proposal 147 for
// the netid query.
package wire

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"

	"github.com/i2pseed/i2pseed/netdb"
)

// BundlePath is the one path clients fetch.
const BundlePath = "/i2pseeds.su3"

// UserAgent is the User-Agent every real reseed client sends (Java I2P,
// i2pd and go-i2p alike).
const UserAgent = "Wget/1.11.4"

// ErrPlainHTTP is returned for an http:// URL whose host the network does
// not authenticate: a reseed bundle is signed, but a plain HTTP fetch on
// the open Internet tells every observer that a new I2P router is starting.
var ErrPlainHTTP = errors.New("reseed: plain http only for Yggdrasil, .onion and .i2p hosts; use https://")

// PlainHTTPAllowed reports whether a reseed URL may be plain http:// to
// host: an address on the Yggdrasil mesh, a Tor onion service or an I2P
// destination (the overlay authenticates the server and hides the fetch),
// or a loopback address (a local mirror, tests).
func PlainHTTPAllowed(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if strings.HasSuffix(host, ".onion") || strings.HasSuffix(host, ".i2p") || host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && (a.IsLoopback() || netdb.YggdrasilPrefix.Contains(a))
}

// BundleURL turns a server URL into its bundle URL with the netid query:
// a URL ending in / gets i2pseeds.su3 appended, another path is kept.
func BundleURL(server string, netID netdb.NetID) (string, error) {
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("reseed: %q is not an http(s) URL", server)
	}
	if u.Scheme == "http" && !PlainHTTPAllowed(u.Hostname()) {
		return "", fmt.Errorf("%s: %w", server, ErrPlainHTTP)
	}
	if u.Path == "" || u.Path[len(u.Path)-1] == '/' {
		u.Path += BundlePath[1:]
	}
	q := u.Query()
	q.Set("netid", netID.String())
	u.RawQuery = q.Encode()
	return u.String(), nil
}
