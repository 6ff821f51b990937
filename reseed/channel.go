package reseed

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"slices"
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

// A ClientKeyer is a Channel whose clients are not told apart by their IP
// address: every client of an onion service comes from the local Tor, and
// a SAM bridge names the client's I2P destination instead. ClientKey is
// the key a request's client is rate-limited and assigned its bundle by.
type ClientKeyer interface {
	ClientKey(r *http.Request) string
}

// A ProxiedChannel is a Channel whose clients come through proxies that
// replace the User-Agent (the HTTP proxies of i2pd and Java I2P send
// "MYOB/6.66 (AN/ON)"): bundle requests with those agents are allowed
// besides the server's own list.
type ProxiedChannel interface {
	ProxyUserAgents() []string
}

// channelKey carries a request's channel in its context.
type channelKey struct{}

type channelInfo struct {
	name  string
	keyer ClientKeyer // nil: by IP address
	// agents are User-Agents allowed on the channel besides the server's.
	agents []string
}

// channelOf is the name of the channel r came in on ("https" when none).
func channelOf(r *http.Request) string {
	if c, ok := r.Context().Value(channelKey{}).(channelInfo); ok {
		return c.name
	}
	return "https"
}

// clientKeyOf is the key r's client is limited and assigned a bundle by:
// its channel's ClientKey, or its address grouped as clientKey does.
func (s *Server) clientKeyOf(r *http.Request) string {
	if c, ok := r.Context().Value(channelKey{}).(channelInfo); ok && c.keyer != nil {
		return c.name + ":" + c.keyer.ClientKey(r)
	}
	return clientKey(clientAddr(r, s.cfg.TrustedProxies))
}

// agentAllowed reports whether r's User-Agent may fetch bundles: any when
// the server has no list, else one of its list or of r's channel's.
func (s *Server) agentAllowed(r *http.Request) bool {
	ua := r.UserAgent()
	if len(s.cfg.UserAgents) == 0 || slices.Contains(s.cfg.UserAgents, ua) {
		return true
	}
	c, ok := r.Context().Value(channelKey{}).(channelInfo)
	return ok && slices.Contains(c.agents, ua)
}

// clientLabel is how a request's client is logged (LogClients): its
// channel's ClientKey (an I2P client's .b32.i2p address), else its address.
func (s *Server) clientLabel(r *http.Request) string {
	if c, ok := r.Context().Value(channelKey{}).(channelInfo); ok && c.keyer != nil {
		return c.keyer.ClientKey(r)
	}
	return clientAddr(r, s.cfg.TrustedProxies).String()
}

// ChannelHandler is Handler for the requests of one channel: they are
// counted under its name.
func (s *Server) ChannelHandler(name string) http.Handler {
	return s.channelHandler(channelInfo{name: name})
}

// HandlerFor is Handler for the requests of ch: counted under its name,
// and its clients told apart by its ClientKey when it has one.
func (s *Server) HandlerFor(ch Channel) http.Handler {
	keyer, _ := ch.(ClientKeyer)
	c := channelInfo{name: ch.Name(), keyer: keyer}
	if p, ok := ch.(ProxiedChannel); ok {
		c.agents = p.ProxyUserAgents()
	}
	return s.channelHandler(c)
}

func (s *Server) channelHandler(c channelInfo) http.Handler {
	h := s.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), channelKey{}, c)))
	})
}
