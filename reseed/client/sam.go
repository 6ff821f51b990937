package client

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/i2pseed/i2pseed/internal/sam"
)

// samDialer reaches .i2p hosts through a router's SAM bridge: one STREAM
// session, created at the first .i2p dial and kept for the client's life;
// other hosts go to next.
type samDialer struct {
	bridge  sam.Bridge
	options []sam.Arg
	next    func(ctx context.Context, network, addr string) (net.Conn, error)

	mu      sync.Mutex
	session *sam.Session
}

// newSAMDialer checks the bridge address and I2CP options (key=value).
func newSAMDialer(addr string, options []string, next func(context.Context, string, string) (net.Conn, error)) (*samDialer, error) {
	if err := sam.CheckAddr(addr); err != nil {
		return nil, fmt.Errorf("%v (%w)", err, ErrSAM)
	}
	d := &samDialer{bridge: sam.Bridge{Addr: addr}, next: next}
	for _, o := range options {
		k, v, ok := strings.Cut(o, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("I2CP option %q: want key=value (%w)", o, ErrSAM)
		}
		d.options = append(d.options, sam.Arg{Key: k, Value: v})
	}
	return d, nil
}

// isI2P reports whether host is an I2P name (x.b32.i2p, x.i2p).
func isI2P(host string) bool { return strings.HasSuffix(strings.ToLower(host), ".i2p") }

func (d *samDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || !isI2P(host) {
		return d.next(ctx, network, addr)
	}
	s, err := d.sessionFor(ctx)
	if err != nil {
		return nil, err
	}
	return s.DialContext(ctx, network, host)
}

// sessionFor creates the session once; a failed attempt is retried at
// the next dial.
func (d *samDialer) sessionFor(ctx context.Context) (*sam.Session, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.session != nil {
		return d.session, nil
	}
	s, err := d.bridge.NewSession(ctx, sam.SessionConfig{ID: sam.NewSessionID("i2pseed-client-"), Options: d.options})
	if err != nil {
		return nil, fmt.Errorf("SAM bridge %s: %w", d.bridge.Addr, err)
	}
	d.session = s
	return s, nil
}
