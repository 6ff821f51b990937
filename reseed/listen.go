package reseed

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/net/netutil"
)

// A Blocklist holds CIDR prefixes whose connections are closed on accept.
// Reload swaps the list atomically, so it can follow SIGHUP.
type Blocklist struct {
	prefixes atomic.Pointer[[]netip.Prefix]
}

// LoadBlocklist reads a file of CIDR prefixes or addresses, one per line;
// '#' starts a comment.
func LoadBlocklist(path string) (*Blocklist, error) {
	b := &Blocklist{}
	return b, b.Reload(path)
}

// Reload replaces the list with the file's content; on error the old list
// stays.
func (b *Blocklist) Reload(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("reseed: blocklist: %w", err)
	}
	defer f.Close()
	var ps []netip.Prefix
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		p, err := netip.ParsePrefix(line)
		if err != nil {
			a, aerr := netip.ParseAddr(line)
			if aerr != nil {
				return fmt.Errorf("reseed: blocklist %s line %d: %q is not a CIDR prefix or address", path, n, line)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		ps = append(ps, p.Masked())
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reseed: blocklist: %w", err)
	}
	b.prefixes.Store(&ps)
	return nil
}

// Blocked reports whether a is on the list.
func (b *Blocklist) Blocked(a netip.Addr) bool {
	if b == nil {
		return false
	}
	ps := b.prefixes.Load()
	return ps != nil && inAny(a.Unmap(), *ps)
}

// Len is the number of prefixes.
func (b *Blocklist) Len() int {
	if ps := b.prefixes.Load(); ps != nil {
		return len(*ps)
	}
	return 0
}

// blockingListener closes connections from blocked addresses as soon as
// they are accepted; the server never sees them.
type blockingListener struct {
	net.Listener
	block *Blocklist
}

func (l blockingListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.block.Blocked(remoteAddr(c.RemoteAddr().String())) {
			c.Close()
			continue
		}
		return c, nil
	}
}

// ListenConfig bounds what the listener accepts.
type ListenConfig struct {
	MaxConns  int        // simultaneous connections; 0 means 1024
	Blocklist *Blocklist // may be nil
}

// Listen opens a TCP listener that drops blocked peers and holds at most
// MaxConns connections at once.
func Listen(addr string, cfg ListenConfig) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return wrapListener(ln, cfg), nil
}

func wrapListener(ln net.Listener, cfg ListenConfig) net.Listener {
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = 1024
	}
	return netutil.LimitListener(blockingListener{ln, cfg.Blocklist}, cfg.MaxConns)
}

// Timeouts of the HTTP server: slow or idle clients cannot hold
// connections.
type Timeouts struct {
	ReadHeader, Read, Write, Idle time.Duration
}

// DefaultTimeouts suit a ~70 KB response to slow, censored links.
var DefaultTimeouts = Timeouts{ReadHeader: 10 * time.Second, Read: 20 * time.Second, Write: 60 * time.Second, Idle: 30 * time.Second}

// HTTPServer returns an http.Server for h with explicit timeouts and a
// small header limit. tlsConfig nil means plain HTTP (behind a proxy).
func HTTPServer(h http.Handler, tlsConfig *tls.Config, t Timeouts) *http.Server {
	return &http.Server{
		Handler:           h,
		TLSConfig:         tlsConfig,
		ReadHeaderTimeout: t.ReadHeader,
		ReadTimeout:       t.Read,
		WriteTimeout:      t.Write,
		IdleTimeout:       t.Idle,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          nil,
	}
}
