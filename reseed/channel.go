package reseed

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
)

// A Channel is one way clients reach the server: HTTPS on IP addresses
// (the one every server has), or plain HTTP where the network itself
// authenticates the server (a Yggdrasil address, a Tor onion service, an
// I2P destination). A Service serves the same handler, limits and metrics
// on every channel it is given, counting requests by the channel's name.
type Channel interface {
	// Name labels the channel's requests in metrics and logs: "https",
	// "yggdrasil", "onion", "i2p".
	Name() string
	// Listen starts accepting connections; the Service closes the
	// listener when it stops.
	Listen(ctx context.Context) (net.Listener, error)
	// TLSConfig is the channel's TLS configuration; nil serves plain HTTP.
	TLSConfig() *tls.Config
}

// HTTPSChannel is the HTTPS listener on an IP address: at most MaxConns
// connections, those from Blocklist prefixes dropped on accept, the
// certificate from TLS.
type HTTPSChannel struct {
	Addr      string
	MaxConns  int
	Blocklist *Blocklist // nil: none
	TLS       *tls.Config
}

func (c *HTTPSChannel) Name() string { return "https" }

func (c *HTTPSChannel) Listen(context.Context) (net.Listener, error) {
	return Listen(c.Addr, ListenConfig{MaxConns: c.MaxConns, Blocklist: c.Blocklist})
}

func (c *HTTPSChannel) TLSConfig() *tls.Config { return c.TLS }

// channelKey carries a request's channel name in its context.
type channelKey struct{}

// channelOf is the name of the channel r came in on ("https" when none).
func channelOf(r *http.Request) string {
	if name, ok := r.Context().Value(channelKey{}).(string); ok {
		return name
	}
	return "https"
}

// ChannelHandler is Handler for the requests of one channel: they are
// counted under its name.
func (s *Server) ChannelHandler(name string) http.Handler {
	h := s.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), channelKey{}, name)))
	})
}
