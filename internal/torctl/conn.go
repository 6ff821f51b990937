package torctl

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"
)

// A Conn is an open control connection. Its commands are serialized;
// asynchronous events (650) are skipped, as no command here asks for any.
type Conn struct {
	nc   net.Conn
	r    *bufio.Reader
	mu   sync.Mutex
	pi   *ProtocolInfo // PROTOCOLINFO's answer, once asked
	Rand io.Reader     // SAFECOOKIE nonces; nil is crypto/rand
}

// Dial connects to a control port: "host:port", or "unix:/path" for a
// ControlSocket.
func Dial(ctx context.Context, addr string) (*Conn, error) {
	network := "tcp"
	if p, ok := strings.CutPrefix(addr, "unix:"); ok {
		network, addr = "unix", p
	}
	var d net.Dialer
	nc, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return NewConn(nc), nil
}

// NewConn speaks the control protocol over nc.
func NewConn(nc net.Conn) *Conn { return &Conn{nc: nc, r: bufio.NewReaderSize(nc, 4096)} }

// Close closes the connection; tor removes the onion services it added
// without Flags=Detach.
func (c *Conn) Close() error { return c.nc.Close() }

// Command sends one command line and reads its reply. A non-2xx reply is
// returned with a *ReplyError.
func (c *Conn) Command(line string) (*Reply, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if strings.ContainsAny(line, "\r\n") {
		return nil, fmt.Errorf("torctl: command with a line break")
	}
	if _, err := io.WriteString(c.nc, line+"\r\n"); err != nil {
		return nil, err
	}
	for {
		r, err := c.readReply()
		if err != nil {
			return nil, err
		}
		if r.Code() != CodeAsync {
			return r, r.Err()
		}
	}
}

// readReply reads one reply from the connection.
func (c *Conn) readReply() (*Reply, error) {
	var p replyParser
	for {
		s, err := c.readLine()
		if err != nil {
			return nil, err
		}
		done, err := p.line(s)
		if err != nil {
			return nil, err
		}
		if done {
			return p.reply, nil
		}
	}
}

// readLine reads a line up to CRLF, at most maxLine bytes.
func (c *Conn) readLine() (string, error) {
	var b []byte
	for {
		chunk, err := c.r.ReadSlice('\n')
		b = append(b, chunk...)
		switch {
		case errors.Is(err, bufio.ErrBufferFull) && len(b) <= maxLine:
			continue
		case errors.Is(err, bufio.ErrBufferFull):
			return "", fmt.Errorf("line over %d bytes: %w", maxLine, ErrMalformed)
		case errors.Is(err, io.EOF) && len(b) > 0:
			return "", fmt.Errorf("connection closed mid-line: %w", io.ErrUnexpectedEOF)
		case err != nil:
			return "", err
		}
		s, ok := strings.CutSuffix(string(b), "\r\n")
		if !ok {
			return "", fmt.Errorf("line without CRLF: %w", ErrMalformed)
		}
		return s, nil
	}
}

// A Port maps a virtual port of the onion service to a target:
// "127.0.0.1:8080" or "unix:/path".
type Port struct {
	Virtual int
	Target  string
}

// AddOnion publishes the v3 onion service of key with ports, for as long
// as this connection stays open, and returns its service ID.
func (c *Conn) AddOnion(key ed25519.PrivateKey, ports ...Port) (string, error) {
	if len(ports) == 0 {
		return "", errors.New("torctl: ADD_ONION without a port")
	}
	cmd := "ADD_ONION ED25519-V3:" + base64.StdEncoding.EncodeToString(expandedKey(key))
	for _, p := range ports {
		if strings.ContainsAny(p.Target, " \r\n") {
			return "", fmt.Errorf("torctl: port target %q", p.Target)
		}
		cmd += fmt.Sprintf(" Port=%d,%s", p.Virtual, p.Target)
	}
	r, err := c.Command(cmd)
	if err != nil {
		return "", fmt.Errorf("ADD_ONION: %w", err)
	}
	id, err := serviceIDOf(r)
	if err != nil {
		return "", err
	}
	if want := ServiceID(key.Public().(ed25519.PublicKey)); id != want {
		return "", fmt.Errorf("ADD_ONION: tor named the service %s, the key's is %s: %w", id, want, ErrMalformed)
	}
	return id, nil
}

// serviceIDOf is the ServiceID line of an ADD_ONION reply.
func serviceIDOf(r *Reply) (string, error) {
	for _, l := range r.Lines {
		if id, ok := strings.CutPrefix(l.Text, "ServiceID="); ok {
			if _, err := ParseServiceID(id); err != nil {
				return "", err
			}
			return id, nil
		}
	}
	return "", fmt.Errorf("ADD_ONION reply without ServiceID: %w", ErrMalformed)
}

// DelOnion removes a service this connection added.
func (c *Conn) DelOnion(id string) error {
	if _, err := ParseServiceID(id); err != nil {
		return err
	}
	if _, err := c.Command("DEL_ONION " + id); err != nil {
		return fmt.Errorf("DEL_ONION: %w", err)
	}
	return nil
}

// SetDeadline bounds the commands that follow (zero: none).
func (c *Conn) SetDeadline(t time.Time) error { return c.nc.SetDeadline(t) }

// Wait blocks until the connection ends, skipping any event that
// arrives, and returns why (io.EOF when tor closed it). Send no command
// while it waits.
func (c *Conn) Wait() error {
	for {
		if _, err := c.readReply(); err != nil {
			return err
		}
	}
}
