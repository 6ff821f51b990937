package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"

	"golang.org/x/net/proxy"
)

// Errors NewHTTPClient reports, testable with errors.Is, so a command can
// name the flag to fix.
var (
	ErrCA    = errors.New("reseed: bad extra TLS roots")
	ErrProxy = errors.New("reseed: bad proxy URL")
	ErrSAM   = errors.New("reseed: bad SAM bridge")
)

// HTTPConfig is how the bootstrap client reaches reseed servers.
type HTTPConfig struct {
	// CA is PEM certificates trusted besides the system roots (servers
	// with self-signed certificates).
	CA []byte
	// Proxy is http://[user:pass@]host:port (CONNECT) or
	// socks5://host:port (e.g. Tor); empty for none.
	Proxy string
	// SAM is a router's SAM bridge (host:port) that .i2p hosts are
	// reached through, with a session made at the first such request and
	// SAMOptions (I2CP key=value) for it; other hosts are dialled as
	// without it. Empty for none.
	SAM        string
	SAMOptions []string
}

// NewHTTPClient makes the client reseed downloads use: TLS 1.2 or newer,
// the extra roots, the proxy, and no redirects (a reseed server must not
// send one; Java I2P refuses them too).
func NewHTTPClient(c HTTPConfig) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	if len(c.CA) > 0 {
		roots, err := x509.SystemCertPool()
		if err != nil {
			roots = x509.NewCertPool()
		}
		if !roots.AppendCertsFromPEM(c.CA) {
			return nil, fmt.Errorf("no PEM certificates (%w)", ErrCA)
		}
		tr.TLSClientConfig.RootCAs = roots
	}
	if c.Proxy != "" {
		u, err := url.Parse(c.Proxy)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("want http://host:port or socks5://host:port (%w)", ErrProxy)
		}
		switch u.Scheme {
		case "http", "https":
			tr.Proxy = http.ProxyURL(u)
		case "socks5", "socks5h":
			d, err := proxy.FromURL(u, proxy.Direct)
			if err != nil {
				return nil, fmt.Errorf("%w (%w)", err, ErrProxy)
			}
			cd, ok := d.(proxy.ContextDialer)
			if !ok {
				return nil, fmt.Errorf("SOCKS dialer without context support (%w)", ErrProxy)
			}
			tr.Proxy = nil
			tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
				return cd.DialContext(ctx, network, addr)
			}
		default:
			return nil, fmt.Errorf("scheme must be http or socks5 (%w)", ErrProxy)
		}
	}
	if c.SAM != "" {
		d, err := newSAMDialer(c.SAM, c.SAMOptions, tr.DialContext)
		if err != nil {
			return nil, err
		}
		tr.DialContext = d.DialContext
		if proxyOf := tr.Proxy; proxyOf != nil { // .i2p hosts bypass the proxy
			tr.Proxy = func(r *http.Request) (*url.URL, error) {
				if isI2P(r.URL.Hostname()) {
					return nil, nil
				}
				return proxyOf(r)
			}
		}
	}
	return &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
		return errors.New("reseed servers must not redirect")
	}}, nil
}
