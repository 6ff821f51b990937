package reseed

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/i2pseed/i2pseed/internal/atomicfile"
	"github.com/i2pseed/i2pseed/internal/sam"
	"github.com/i2pseed/i2pseed/internal/setting"
)

// I2PKeyFile is where, under the data dir, the I2P channel keeps its
// destination's private key (0600): the same .b32.i2p address across
// restarts. It is made once and never replaced.
const I2PKeyFile = "i2p/destination.key"

// I2PSessionTimeout bounds SESSION CREATE: the bridge replies once the
// session's first tunnels are built.
const I2PSessionTimeout = 3 * time.Minute

// I2PChannel serves plain HTTP on an I2P destination, published through
// a router's SAM bridge (i2pd's or Java I2P's): routers reseed from
// http://<b32>.b32.i2p/i2pseeds.su3 through their HTTP proxy. I2P
// authenticates the server by its destination, so no TLS. Every stream
// comes from the bridge, so clients are told apart by the destination
// the bridge names for each (ClientKey): a client's .b32.i2p address.
type I2PChannel struct {
	SAM     string // the bridge's host:port, e.g. 127.0.0.1:7656
	KeyFile string // the destination's private key; made if missing
	// MaxConns caps the streams served at once, as on the other channels
	// (0 means 1024).
	MaxConns int
	// Dial reaches the bridge; nil dials directly.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Options are I2CP options of the session (tunnel lengths and counts);
	// nil keeps the router's defaults.
	Options []sam.Arg
}

func (c *I2PChannel) Name() string           { return "i2p" }
func (c *I2PChannel) TLSConfig() *tls.Config { return nil }

// ClientKey is the client's .b32.i2p address, which the listener's
// connections carry as their RemoteAddr.
func (c *I2PChannel) ClientKey(r *http.Request) string { return r.RemoteAddr }

// I2PProxyUserAgent is the User-Agent the HTTP proxies of i2pd and Java
// I2P put on every request unless told to pass the client's on.
const I2PProxyUserAgent = "MYOB/6.66 (AN/ON)"

// ProxyUserAgents: routers fetch through their HTTP proxy, which hides
// their User-Agent behind I2PProxyUserAgent.
func (c *I2PChannel) ProxyUserAgents() []string { return []string{I2PProxyUserAgent} }

// Listen creates the SAM session with the kept key (or a new EdDSA one,
// then kept) and returns its listener, whose Addr is the .b32.i2p
// address. Errors name the i2p-sam setting, or data-dir for the key file.
func (c *I2PChannel) Listen(ctx context.Context) (net.Listener, error) {
	key, err := loadI2PKey(c.KeyFile)
	if err != nil {
		return nil, setting.Errorf("data-dir", filepath.Dir(filepath.Dir(c.KeyFile)), "%w", err)
	}
	sctx, cancel := context.WithTimeout(ctx, I2PSessionTimeout)
	defer cancel()
	b := &sam.Bridge{Addr: c.SAM, Dial: c.Dial}
	s, err := b.NewSession(sctx, sam.SessionConfig{ID: sam.NewSessionID("i2pseed-"), Key: key, Options: c.Options})
	if err != nil {
		return nil, i2pSAMError(c.SAM, err)
	}
	if key == nil {
		if err := saveI2PKey(c.KeyFile, s.Key()); err != nil {
			s.Close()
			return nil, setting.Errorf("data-dir", filepath.Dir(filepath.Dir(c.KeyFile)), "%w", err)
		}
	}
	return wrapListener(s.Listen(), ListenConfig{MaxConns: c.MaxConns}), nil
}

// i2pSAMError says what to do about the bridge's failure, naming i2p-sam.
func i2pSAMError(addr string, err error) error {
	var re *sam.ResultError
	switch {
	case errors.Is(err, sam.ErrNoBridge):
		return setting.Errorf("i2p-sam", addr, "no SAM bridge answered; enable SAM in your router "+
			"(i2pd: sam.enabled=true; Java I2P: start the SAM application bridge in /configclients): %s", strings.TrimPrefix(err.Error(), sam.ErrNoBridge.Error()+": "))
	case errors.As(err, &re) && re.Result == sam.ResultDuplicatedDst:
		return setting.Errorf("i2p-sam", addr, "the router already publishes this destination (another i2pseed serve with the same data dir?): %w", err)
	case errors.As(err, &re):
		return setting.Errorf("i2p-sam", addr, "the SAM bridge refused the session: %w", err)
	case errors.Is(err, context.DeadlineExceeded):
		return setting.Errorf("i2p-sam", addr, "no I2P session within %v (the router has no tunnels yet?): %w", I2PSessionTimeout, err)
	}
	return setting.Errorf("i2p-sam", addr, "%w", err)
}

// loadI2PKey reads the kept key; nil, nil when there is none yet.
func loadI2PKey(path string) (sam.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("I2P destination key: %w", err)
	}
	k, err := sam.ParsePrivateKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("I2P destination key %s (move it away to make a new address): %w", path, err)
	}
	return k, nil
}

// saveI2PKey writes a new key 0600, atomically, never over an existing one.
func saveI2PKey(path string, k sam.PrivateKey) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("I2P destination key: %w", err)
	}
	err := atomicfile.Create(path, 0o600, func(w io.Writer) error { _, err := io.WriteString(w, k.String()+"\n"); return err })
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("I2P destination key %s appeared while the session was made; not replaced", path)
	} else if err != nil {
		return fmt.Errorf("I2P destination key: %w", err)
	}
	return nil
}

// checkI2PSAM validates the i2p-sam setting: host:port.
func checkI2PSAM(addr string) error {
	if addr == "" {
		return nil
	}
	if err := sam.CheckAddr(addr); err != nil {
		return setting.Errorf("i2p-sam", addr, "%v", err)
	}
	return nil
}

var (
	_ Channel        = (*I2PChannel)(nil)
	_ ClientKeyer    = (*I2PChannel)(nil)
	_ ProxiedChannel = (*I2PChannel)(nil)
)
