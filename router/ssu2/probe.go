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
// after 1.25 s; we resend a TokenRequest as i2pd does, at most
// probeSends times in all.
const (
	handshakeResend = time.Second
	probeSends      = 3
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
// Retry without a token, an error wrapping
// ErrNoToken (with the Retry). conn's read deadline is its own.
func Probe(ctx context.Context, conn net.PacketConn, cfg *Config, peer Peer) (Retry, error) {
	c, err := NewClientHandshake(cfg, peer)
	if err != nil {
		return Retry{}, err
	}
	req, err := c.CreateTokenRequest()
	if err != nil {
		return Retry{}, err
	}
	stop := context.AfterFunc(ctx, func() { conn.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	to := net.UDPAddrFromAddrPort(peer.Addr)
	buf := make([]byte, maxPacketLen)
	for sends := 1; ; sends++ {
		if _, err := conn.WriteTo(req, to); err != nil {
			return Retry{}, fmt.Errorf("ssu2: sending TokenRequest: %w", err)
		}
		r, err := c.awaitRetry(ctx, conn, buf, time.Now().Add(handshakeResend))
		switch {
		case err == nil || !isTimeout(err):
			return r, err
		case sends == probeSends:
			return Retry{}, fmt.Errorf("%w: %d TokenRequests unanswered: %w", ErrNoRetry, sends, err)
		}
	}
}

// awaitRetry reads datagrams until Bob's Retry or the deadline.
func (c *ClientHandshake) awaitRetry(ctx context.Context, conn net.PacketConn, buf []byte, deadline time.Time) (Retry, error) {
	conn.SetReadDeadline(deadline)
	for {
		n, from, err := conn.ReadFrom(buf)
		if ctx.Err() != nil {
			return Retry{}, fmt.Errorf("%w: %w", ErrNoRetry, ctx.Err())
		}
		if err != nil {
			return Retry{}, err
		}
		if !sameAddr(from, c.peer.Addr) {
			continue
		}
		r, err := c.ConsumeRetry(buf[:n])
		if errors.Is(err, ErrHeader) || errors.Is(err, ErrPacket) || errors.Is(err, ErrDecrypt) {
			continue // not Bob's answer to us
		}
		return r, err
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
