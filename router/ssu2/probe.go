package ssu2

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"
)

// Resending handshake packets: i2pd resends its own after a second, Java
// after 1.25 s; we resend ours as i2pd does, at most handshakeSends times
// in all.
const (
	handshakeResend = time.Second
	handshakeSends  = 3
	maxPacketLen    = 1500 // SSU2's largest datagram (IPv6 MTU 1500)
)

// Probe asks Bob for a token over conn: it sends a TokenRequest to
// peer.Addr (resending it up to twice, a second apart) and returns the
// first Retry that authenticates with Bob's intro key. A Retry proves a
// live SSU2 listener holding the router's published intro key "i"; it
// does not prove the static key "s" (SessionCreated does).
//
// Datagrams from other addresses, and ones that are not Bob's Retry, are
// ignored. Without an answer a second after the last TokenRequest, or by
// ctx's end, it returns an error wrapping ErrNoRetry (and ctx.Err()); a
// Retry without a token, an error wrapping ErrNoToken (with the Retry).
// It sets conn's read deadline.
func Probe(ctx context.Context, conn net.PacketConn, cfg *Config, peer Peer) (Retry, error) {
	c, err := NewClientHandshake(cfg, peer)
	if err != nil {
		return Retry{}, err
	}
	return c.RequestToken(ctx, conn)
}

// RequestToken sends the TokenRequest and waits for the Retry, as Probe.
func (c *ClientHandshake) RequestToken(ctx context.Context, conn net.PacketConn) (Retry, error) {
	req, err := c.CreateTokenRequest()
	if err != nil {
		return Retry{}, err
	}
	var r Retry
	err = c.exchange(ctx, conn, [][]byte{req}, ErrNoRetry, func(pkt []byte) (err error) {
		r, err = c.ConsumeRetry(pkt)
		return err
	})
	return r, err
}

// RequestSession sends SessionRequest (after RequestToken) and waits for
// Bob's SessionCreated, resending as RequestToken does; without one it
// returns an error wrapping ErrNoSessionCreated. A SessionCreated proves
// Bob holds the static key "s" of his address.
func (c *ClientHandshake) RequestSession(ctx context.Context, conn net.PacketConn) (SessionCreated, error) {
	req, err := c.CreateSessionRequest()
	if err != nil {
		return SessionCreated{}, err
	}
	var sc SessionCreated
	err = c.exchange(ctx, conn, [][]byte{req}, ErrNoSessionCreated, func(pkt []byte) (err error) {
		sc, err = c.ConsumeSessionCreated(pkt)
		return err
	})
	return sc, err
}

// Confirm sends SessionConfirmed (after RequestSession) with our
// routerInfo (in two packets if it needs them), resending it until Bob's first Data packet authenticates
// with the new keys (i2pd's first ACKs it); it returns the keys and that
// packet's header and payload. Without one it returns an error wrapping
// ErrNoData.
func (c *ClientHandshake) Confirm(ctx context.Context, conn net.PacketConn, routerInfo []byte) (*SessionKeys, ShortHeader, []byte, error) {
	pkts, keys, err := c.CreateSessionConfirmedFragments(routerInfo)
	if err != nil {
		return nil, ShortHeader{}, nil, err
	}
	var h ShortHeader
	var payload []byte
	err = c.exchange(ctx, conn, pkts, ErrNoData, func(pkt []byte) (err error) {
		h, payload, err = OpenData(&keys.Recv, pkt)
		return err
	})
	if err != nil {
		keys.Zero()
		return nil, h, nil, err
	}
	return keys, h, payload, nil
}

// exchange sends pkts (a message's packets) to Bob and hands Bob's
// datagrams to consume until it accepts one (or fails otherwise than by a
// packet that is not the answer), resending pkts every handshakeResend;
// noAnswer is wrapped when none comes.
func (c *ClientHandshake) exchange(ctx context.Context, conn net.PacketConn, pkts [][]byte, noAnswer error, consume func([]byte) error) error {
	stop := context.AfterFunc(ctx, func() { conn.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	to := net.UDPAddrFromAddrPort(c.peer.Addr)
	buf := make([]byte, maxPacketLen)
	for sends := 1; ; sends++ {
		for _, pkt := range pkts {
			if _, err := conn.WriteTo(pkt, to); err != nil {
				return fmt.Errorf("ssu2: sending: %w", err)
			}
		}
		err := c.await(ctx, conn, buf, time.Now().Add(handshakeResend), consume)
		switch {
		case ctx.Err() != nil:
			return fmt.Errorf("%w: %w", noAnswer, ctx.Err())
		case err == nil || !isTimeout(err):
			return err
		case sends == handshakeSends:
			return fmt.Errorf("%w: %d packets unanswered: %w", noAnswer, sends, err)
		}
	}
}

// await reads datagrams until consume accepts one from Bob, or the
// deadline.
func (c *ClientHandshake) await(ctx context.Context, conn net.PacketConn, buf []byte, deadline time.Time, consume func([]byte) error) error {
	conn.SetReadDeadline(deadline)
	for {
		n, from, err := conn.ReadFrom(buf)
		if err != nil || ctx.Err() != nil {
			return err
		}
		if !sameAddr(from, c.peer.Addr) {
			continue
		}
		err = consume(buf[:n])
		if errors.Is(err, ErrHeader) || errors.Is(err, ErrPacket) || errors.Is(err, ErrDecrypt) {
			continue // not Bob's answer to us
		}
		return err
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func sameAddr(a net.Addr, want netip.AddrPort) bool {
	u, ok := a.(*net.UDPAddr)
	if !ok {
		return false
	}
	ap := u.AddrPort()
	return ap.Addr().Unmap() == want.Addr().Unmap() && ap.Port() == want.Port()
}
