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
// authenticates the server by its address, derived from its key). The
// service lives as long as the control connection: closing the listener
// closes it and tor withdraws the service.
type OnionChannel struct {
	Control  string // host:port or unix:/path of tor's ControlPort
	Password string // HashedControlPassword; "" for cookie or no authentication
	KeyFile  string // the ed25519 key, made on first use
	MaxConns int
	Logger   *slog.Logger // nil: discard
}

var (
	_ Channel     = (*OnionChannel)(nil)
	_ ClientKeyer = (*OnionChannel)(nil)
)

func (c *OnionChannel) Name() string                   { return "onion" }
func (c *OnionChannel) TLSConfig() *tls.Config         { return nil }
func (c *OnionChannel) ClientKey(*http.Request) string { return onionClientKey }

// SettingKey and SettingValue name the setting a Listen error is about.
func (c *OnionChannel) SettingKey() string   { return "tor-control" }
func (c *OnionChannel) SettingValue() string { return c.Control }

// Listen loads or makes the key, listens on 127.0.0.1 (a port of the
// system's choice), connects to tor and adds the onion service pointing
// there. The listener's Addr is the onion address, <id>.onion:80.
func (c *OnionChannel) Listen(ctx context.Context) (net.Listener, error) {
	key, err := loadOrCreateOnionKey(c.KeyFile)
	if err != nil {
		return nil, err
	}
	ln, err := Listen("127.0.0.1:0", ListenConfig{MaxConns: c.MaxConns})
	if err != nil {
		return nil, err
	}
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := torctl.Dial(dctx, c.Control)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("no tor control port: %w", err)
	}
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	id, err := addOnion(conn, c.Password, key, ln.Addr().String())
	if err != nil {
		conn.Close()
		ln.Close()
		return nil, err
	}
	conn.SetDeadline(time.Time{})
	ol := &onionListener{Listener: ln, ctl: conn, addr: onionAddr(id + ".onion:80")}
	go ol.watch(c.Logger)
	return ol, nil
}

// addOnion authenticates and adds the service, port 80 to target.
func addOnion(conn *torctl.Conn, password string, key ed25519.PrivateKey, target string) (string, error) {
	if err := conn.Authenticate(password); err != nil {
		if errors.Is(err, torctl.ErrAuth) && password == "" {
			return "", fmt.Errorf("tor refused us: %w (give --tor-control-password, or let this user read tor's cookie file)", err)
		}
		return "", fmt.Errorf("tor refused us: %w", err)
	}
	id, err := conn.AddOnion(key, torctl.Port{Virtual: 80, Target: target})
	if err != nil {
		return "", fmt.Errorf("tor refused the onion service: %w", err)
	}
	return id, nil
}

// onionAddr is the address of an onion service.
type onionAddr string

func (a onionAddr) Network() string { return "onion" }
func (a onionAddr) String() string  { return string(a) }

// An onionListener is the local listener an onion service points to; it
// holds the control connection that keeps the service published.
type onionListener struct {
	net.Listener
	ctl     *torctl.Conn
	addr    onionAddr
	once    sync.Once
	closing atomic.Bool // Close was called
	gone    atomic.Bool // tor closed the control connection first
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
	c, err := l.Listener.Accept()
	if err != nil && l.gone.Load() {
		return nil, ErrTorGone
	}
	return c, err
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
		l.ctl.Close()
		l.Listener.Close()
	})
}

// loadOrCreateOnionKey reads the key at path, or makes one there (0600,
// written whole to a temporary file and linked into place, so an
// existing key is never replaced).
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
	tmp, err := os.CreateTemp(filepath.Dir(path), ".onion-key-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, err
	}
	werr := pem.Encode(tmp, &pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err := errors.Join(werr, tmp.Sync(), tmp.Close()); err != nil {
		return nil, err
	}
	if err := os.Link(tmp.Name(), path); errors.Is(err, fs.ErrExist) {
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
