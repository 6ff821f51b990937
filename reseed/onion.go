package reseed

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/i2pseed/i2pseed/internal/atomicfile"
	"github.com/i2pseed/i2pseed/internal/setting"
	"github.com/i2pseed/i2pseed/internal/torctl"
)

// OnionKeyFile is the onion service's ed25519 key in the data dir
// (PKCS #8 PEM, 0600): the .onion address stays the same across
// restarts as long as it does.
const OnionKeyFile = "onion.key"

// ErrOnionKey is an onion key file that is not an ed25519 PKCS #8 key.
var ErrOnionKey = errors.New("reseed: bad onion key file")

// onionClientKey is the one client key every onion client shares: they
// all come from the local tor, and a circuit is free to change, so
// telling them apart would only let one client collect every bundle by
// switching circuits. Together they get one bundle per pool build and
// share one per-client rate limit; the global limit applies as to every
// channel.
const onionClientKey = "tor"

// OnionChannel publishes the server as a Tor onion service through a
// tor's control port and serves plain HTTP on its virtual port 80 (Tor
// authenticates the server by its address, derived from its key), and
// HTTPS on port 443 when TLS is set. The
// service lives as long as the control connection: closing the listener
// closes it and tor withdraws the service.
type OnionChannel struct {
	Control  string // host:port or unix:/path of tor's ControlPort
	Password string // HashedControlPassword; "" for cookie or no authentication
	KeyFile  string // the ed25519 key, made on first use
	MaxConns int
	// TLS, when set, also serves HTTPS on the service's port 443 (i2pd
	// fetches every reseed.urls URL over TLS, without checking the
	// certificate; the onion address authenticates the server).
	TLS    *tls.Config
	Logger *slog.Logger // nil: discard
}

var (
	_ Channel     = (*OnionChannel)(nil)
	_ ClientKeyer = (*OnionChannel)(nil)
)

func (c *OnionChannel) Name() string                   { return "onion" }
func (c *OnionChannel) TLSConfig() *tls.Config         { return nil }
func (c *OnionChannel) ClientKey(*http.Request) string { return onionClientKey }

// Listen loads or makes the key, listens on 127.0.0.1 (ports of the
// system's choice), connects to tor and adds the onion service pointing
// there. The listener's Addr is the onion address, <id>.onion:80. Its
// errors name the setting to fix: data-dir (the key) or tor-control.
func (c *OnionChannel) Listen(ctx context.Context) (net.Listener, error) {
	key, err := loadOrCreateOnionKey(c.KeyFile)
	if err != nil {
		return nil, setting.Errorf("data-dir", filepath.Dir(c.KeyFile), "%w", err)
	}
	ln, err := c.publish(ctx, key)
	if se := (*setting.Error)(nil); errors.As(err, &se) {
		return nil, err
	} else if err != nil {
		return nil, setting.Errorf("tor-control", c.Control, "%w", err)
	}
	return ln, nil
}

// publish listens locally and adds the onion service for key.
func (c *OnionChannel) publish(ctx context.Context, key ed25519.PrivateKey) (net.Listener, error) {
	var err error
	ol := &onionListener{accepted: make(chan accepted), done: make(chan struct{})}
	if err := ol.listenLocal(c.MaxConns, c.TLS); err != nil {
		ol.close()
		return nil, err
	}
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if ol.ctl, err = torctl.Dial(dctx, c.Control); err != nil {
		ol.close()
		return nil, fmt.Errorf("no tor control port: %w", err)
	}
	ol.ctl.SetDeadline(time.Now().Add(10 * time.Second))
	id, err := addOnion(ol.ctl, c.Password, key, ol.ports())
	if err != nil {
		ol.close()
		return nil, err
	}
	ol.ctl.SetDeadline(time.Time{})
	ol.addr = onionAddr(id + ".onion:80")
	go ol.watch(c.Logger)
	for _, ln := range ol.lns {
		go ol.acceptLoop(ln)
	}
	return ol, nil
}

// addOnion authenticates and adds the service.
func addOnion(conn *torctl.Conn, password string, key ed25519.PrivateKey, ports []torctl.Port) (string, error) {
	if err := conn.Authenticate(password); err != nil {
		if errors.Is(err, torctl.ErrAuth) && password == "" {
			return "", fmt.Errorf("tor refused us: %w (set tor-control-password, or let this user read tor's cookie file)", err)
		}
		return "", fmt.Errorf("tor refused us: %w", err)
	}
	id, err := conn.AddOnion(key, ports...)
	if err != nil {
		return "", fmt.Errorf("tor refused the onion service: %w", err)
	}
	return id, nil
}

// onionAddr is the address of an onion service.
type onionAddr string

func (a onionAddr) Network() string { return "onion" }
func (a onionAddr) String() string  { return string(a) }

// An onionListener is the local listeners an onion service points to
// (port 80 plain, 443 TLS), accepted as one; it holds the control
// connection that keeps the service published.
type onionListener struct {
	lns      []net.Listener // [0] for port 80, [1] for 443 if TLS
	tlsCfg   *tls.Config
	accepted chan accepted
	ctl      *torctl.Conn
	addr     onionAddr
	once     sync.Once
	done     chan struct{}
	closing  atomic.Bool // Close was called
	gone     atomic.Bool // tor closed the control connection first
}

type accepted struct {
	c   net.Conn
	err error
}

// listenLocal opens the local listeners.
func (l *onionListener) listenLocal(maxConns int, cfg *tls.Config) error {
	n := 1
	if cfg != nil {
		n, l.tlsCfg = 2, cfg
	}
	for range n {
		ln, err := Listen("127.0.0.1:0", ListenConfig{MaxConns: maxConns})
		if err != nil {
			return err
		}
		l.lns = append(l.lns, ln)
	}
	return nil
}

// ports maps the service's port 80 (and 443) to the local listeners.
func (l *onionListener) ports() []torctl.Port {
	ps := []torctl.Port{{Virtual: 80, Target: l.lns[0].Addr().String()}}
	if len(l.lns) > 1 {
		ps = append(ps, torctl.Port{Virtual: 443, Target: l.lns[1].Addr().String()})
	}
	return ps
}

// acceptLoop hands ln's connections to Accept, TLS ones wrapped.
func (l *onionListener) acceptLoop(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err == nil && ln != l.lns[0] {
			c = tls.Server(c, l.tlsCfg)
		}
		select {
		case l.accepted <- accepted{c, err}:
		case <-l.done:
			if c != nil {
				c.Close()
			}
			return
		}
		if err != nil {
			return
		}
	}
}

func (l *onionListener) Addr() net.Addr { return l.addr }

// ErrTorGone is the control connection closing under a running onion
// channel: tor stopped or restarted, and the service is gone with it.
var ErrTorGone = errors.New("reseed: tor closed the control connection; the onion service is gone")

// watch waits for the control connection to end (no events were asked
// for, so nothing arrives on it) and then stops the listener, so Accept
// fails with ErrTorGone and the Service ends instead of serving an
// onion that is no more.
func (l *onionListener) watch(log *slog.Logger) {
	err := l.ctl.Wait()
	if l.closing.Load() {
		return
	}
	if log != nil {
		log.Error("tor control connection lost", "onion", string(l.addr), "err", err)
	}
	l.gone.Store(true)
	l.close()
}

func (l *onionListener) Accept() (net.Conn, error) {
	select {
	case a := <-l.accepted:
		if a.err != nil && l.gone.Load() {
			return nil, ErrTorGone
		}
		return a.c, a.err
	case <-l.done:
		if l.gone.Load() {
			return nil, ErrTorGone
		}
		return nil, net.ErrClosed
	}
}

// Close withdraws the service (by closing the control connection) and
// stops listening.
func (l *onionListener) Close() error {
	l.closing.Store(true)
	l.close()
	return nil
}

func (l *onionListener) close() {
	l.once.Do(func() {
		close(l.done)
		if l.ctl != nil {
			l.ctl.Close()
		}
		for _, ln := range l.lns {
			ln.Close()
		}
	})
}

// loadOrCreateOnionKey reads the key at path, or makes one there (0600,
// atomicfile.Create: an existing key is never replaced).
func loadOrCreateOnionKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return createOnionKey(path)
	}
	if err != nil {
		return nil, err
	}
	return parseOnionKey(path, b)
}

func parseOnionKey(path string, b []byte) (ed25519.PrivateKey, error) {
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%s: no PRIVATE KEY PEM block: %w", path, ErrOnionKey)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (%w)", path, err, ErrOnionKey)
	}
	key, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: %T, want ed25519: %w", path, k, ErrOnionKey)
	}
	return key, nil
}

func createOnionKey(path string) (ed25519.PrivateKey, error) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	err = atomicfile.Create(path, 0o600, func(w io.Writer) error {
		return pem.Encode(w, &pem.Block{Type: "PRIVATE KEY", Bytes: der})
	})
	if errors.Is(err, fs.ErrExist) {
		return loadOrCreateOnionKey(path) // made meanwhile by another process: theirs wins
	} else if err != nil {
		return nil, err
	}
	return key, nil
}

// checkTorControl validates the tor-control setting.
func checkTorControl(addr string) error {
	if addr == "" {
		return nil
	}
	if p, ok := strings.CutPrefix(addr, "unix:"); ok {
		if !filepath.IsAbs(p) {
			return setting.Errorf("tor-control", addr, "want unix:/absolute/path or host:port")
		}
		return nil
	}
	if _, port, err := net.SplitHostPort(addr); err != nil || port == "" || port == "0" {
		return setting.Errorf("tor-control", addr, "want host:port of tor's ControlPort (e.g. 127.0.0.1:9051) or unix:/run/tor/control")
	}
	return nil
}
