package sam

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"
)

// Versions this client speaks: 3.1 has STREAM ACCEPT without
// FROM_PORT; 3.3 is what i2pd 2.58 and Java I2P 2.x offer.
const (
	minVersion = "3.1"
	maxVersion = "3.3"
)

// ErrNoBridge: nothing answers SAM at the bridge's address (the router is
// not running, or its SAM bridge is off).
var ErrNoBridge = errors.New("sam: no SAM bridge answered")

// helloTimeout bounds a HELLO and any reply that should come at once.
const helloTimeout = 30 * time.Second

// A Bridge is a router's SAM bridge.
type Bridge struct {
	Addr string // host:port, e.g. 127.0.0.1:7656
	// Dial connects to Addr; nil uses a net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// CheckAddr checks that addr can be a bridge's address: host:port, with
// a host and a port other than 0. The error says what is wanted.
func CheckAddr(addr string) error {
	if h, p, err := net.SplitHostPort(addr); err != nil || h == "" || p == "" || p == "0" {
		return errors.New("want the SAM bridge's host:port, e.g. 127.0.0.1:7656")
	}
	return nil
}

// NewSessionID is prefix and 8 random hex digits: a session nickname no
// other session on the bridge has, as SESSION CREATE wants.
func NewSessionID(prefix string) string {
	var id [4]byte
	rand.Read(id[:])
	return prefix + hex.EncodeToString(id[:])
}

// A ctrl is one socket to the bridge after HELLO.
type ctrl struct {
	net.Conn
	r *bufio.Reader
}

// open dials the bridge and says HELLO.
func (b *Bridge) open(ctx context.Context) (*ctrl, error) {
	dial := b.Dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	dctx, cancel := context.WithTimeout(ctx, helloTimeout)
	defer cancel()
	nc, err := dial(dctx, "tcp", b.Addr)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoBridge, err)
	}
	c := &ctrl{Conn: nc, r: bufio.NewReaderSize(nc, maxLine)}
	r, err := c.cmd(dctx, "HELLO", "REPLY", "HELLO VERSION MIN="+minVersion+" MAX="+maxVersion)
	if err != nil {
		nc.Close()
		if errors.Is(err, ErrRefused) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %s: %w", ErrNoBridge, b.Addr, err)
	}
	if v, _ := r.Get("VERSION"); v < minVersion || v > maxVersion {
		nc.Close()
		return nil, fmt.Errorf("%w: HELLO: version %q", ErrReply, v)
	}
	return c, nil
}

// cmd sends line and reads the reply, which must be "topic typ"; a RESULT
// other than OK is a *ResultError. ctx bounds the exchange.
func (c *ctrl) cmd(ctx context.Context, topic, typ, line string) (*Reply, error) {
	stop := c.watch(ctx)
	defer stop()
	if _, err := c.Write([]byte(line + "\n")); err != nil {
		return nil, fmt.Errorf("sam: %s %s: %w", topic, typ, err)
	}
	return c.reply(topic, typ, strings.Join(strings.Fields(line)[:2], " "))
}

// reply reads a reply line "topic typ ..." to command.
func (c *ctrl) reply(topic, typ, command string) (*Reply, error) {
	line, err := c.line()
	if err != nil {
		return nil, fmt.Errorf("sam: %s: %w", command, err)
	}
	r, err := ParseReply(line)
	if err != nil {
		return nil, err
	}
	if r.Topic != topic || r.Type != typ {
		return nil, fmt.Errorf("%w: %s %s to %s", ErrReply, r.Topic, r.Type, command)
	}
	return r, r.Err(command)
}

// line reads one line, without its newline.
func (c *ctrl) line() (string, error) {
	b, err := c.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return "", fmt.Errorf("%w: a line over %d bytes", ErrReply, maxLine)
	}
	if err != nil {
		return "", err
	}
	return string(b[:len(b)-1]), nil
}

// watch makes ctx's deadline and cancellation the socket's; stop undoes it.
func (c *ctrl) watch(ctx context.Context) (stop func()) {
	if d, ok := ctx.Deadline(); ok {
		c.SetDeadline(d)
	}
	after := context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
	return func() {
		if after() {
			c.SetDeadline(time.Time{})
		}
	}
}

// Read reads what the bridge buffered first.
func (c *ctrl) Read(p []byte) (int, error) { return c.r.Read(p) }

// SessionConfig is what SESSION CREATE takes.
type SessionConfig struct {
	ID string // the session's nickname, unique on the bridge
	// Key is the destination to publish; nil asks the bridge for a new one
	// (TRANSIENT, EdDSA), which Session.Key then returns to keep.
	Key PrivateKey
	// Options are I2CP options, e.g. inbound.length=1.
	Options []Arg
}

// A Session is a STREAM session: its control socket stays open for as
// long as the session lives.
type Session struct {
	b    *Bridge
	id   string
	key  PrivateKey
	mu   sync.Mutex // serialises commands on ctl
	ctl  *ctrl
	addr Addr
}

// NewSession creates a STREAM session on the bridge. The bridge replies
// once the session's tunnels are built, so ctx should allow minutes.
func (b *Bridge) NewSession(ctx context.Context, cfg SessionConfig) (*Session, error) {
	if cfg.ID == "" || strings.ContainsAny(cfg.ID, " \t\"=\\\n") {
		return nil, fmt.Errorf("sam: session ID %q: want one word", cfg.ID)
	}
	c, err := b.open(ctx)
	if err != nil {
		return nil, err
	}
	dest := "TRANSIENT SIGNATURE_TYPE=" + fmt.Sprint(uint16(SigEdDSAEd25519))
	if cfg.Key != nil {
		dest = cfg.Key.String()
	}
	line := "SESSION CREATE STYLE=STREAM ID=" + cfg.ID + " DESTINATION=" + dest
	for _, o := range cfg.Options {
		line += " " + o.Key + "=" + quote(o.Value)
	}
	r, err := c.cmd(ctx, "SESSION", "STATUS", line)
	if err != nil {
		c.Close()
		return nil, err
	}
	v, _ := r.Get("DESTINATION")
	key, err := ParsePrivateKey(v)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("sam: SESSION CREATE: the bridge's key: %w", err)
	}
	s := &Session{b: b, id: cfg.ID, key: key, ctl: c, addr: Addr{key.Destination()}}
	return s, nil
}

// Key is the session's private key: keep it to publish the same
// destination next time.
func (s *Session) Key() PrivateKey { return s.key }

// Addr is the session's own address.
func (s *Session) Addr() Addr { return s.addr }

// Close ends the session (its control socket).
func (s *Session) Close() error { return s.ctl.Close() }

// Lookup resolves a name (x.b32.i2p, a host name the router knows, or
// ME) to its destination with NAMING LOOKUP.
func (s *Session) Lookup(ctx context.Context, name string) (Destination, error) {
	if name == "" || strings.ContainsAny(name, " \t\"=\\\n") {
		return nil, fmt.Errorf("sam: NAMING LOOKUP: bad name %q", name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.ctl.cmd(ctx, "NAMING", "REPLY", "NAMING LOOKUP NAME="+name)
	if err != nil {
		return nil, err
	}
	v, _ := r.Get("VALUE")
	return ParseDestination(v)
}

// Dial opens a stream to dest with STREAM CONNECT.
func (s *Session) Dial(ctx context.Context, dest Destination) (net.Conn, error) {
	c, err := s.b.open(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := c.cmd(ctx, "STREAM", "STATUS", "STREAM CONNECT ID="+s.id+" DESTINATION="+dest.String()+" SILENT=false"); err != nil {
		c.Close()
		return nil, err
	}
	return &Conn{ctrl: c, local: s.addr, remote: Addr{dest}}, nil
}

// DialContext dials "host:port" for an http.Transport: the host (a
// .b32.i2p or .i2p name, or a base64 destination) is looked up, the port
// ignored (SAM streams to port 0).
func (s *Session) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	dest, err := ParseDestination(host)
	if err != nil {
		if dest, err = s.Lookup(ctx, host); err != nil {
			return nil, err
		}
	}
	return s.Dial(ctx, dest)
}

// An Addr is an I2P destination as a net.Addr: network "i2p", written as
// its .b32.i2p address.
type Addr struct{ Dest Destination }

func (a Addr) Network() string { return "i2p" }
func (a Addr) String() string {
	if a.Dest == nil {
		return ""
	}
	return a.Dest.B32()
}

// A Conn is one stream.
type Conn struct {
	*ctrl
	local, remote Addr
}

func (c *Conn) LocalAddr() net.Addr  { return c.local }
func (c *Conn) RemoteAddr() net.Addr { return c.remote }

var (
	_ net.Conn     = (*Conn)(nil)
	_ net.Listener = (*Listener)(nil)
	_ net.Addr     = Addr{}
)
