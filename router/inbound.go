package router

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/i2pseed/i2pseed/router/transport"
)

// idleTimeout closes inbound sessions that stay silent (i2pd: 120 s).
const idleTimeout = 2 * time.Minute

// maxInbound bounds concurrent inbound sessions and handshakes.
const maxInbound = 64

// accept serves inbound NTCP2 sessions until the listener closes.
func (r *Router) accept(ctx context.Context, wg *sync.WaitGroup) {
	sem := make(chan struct{}, maxInbound)
	for {
		conn, err := r.cfg.Listener.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			r.log.Warn("accept", "err", err)
			time.Sleep(100 * time.Millisecond)
			continue
		}
		select {
		case sem <- struct{}{}:
		default:
			conn.Close()
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			r.inbound(ctx, conn)
		})
	}
}

// inbound runs Bob's handshake on conn, takes the RouterInfo Alice sent
// and any she pushes or stores later (the blocks are handled as in a
// harvest that sends nothing), and closes after idleTimeout of silence. We
// are no floodfill, so lookups are not answered.
func (r *Router) inbound(ctx context.Context, conn net.Conn) {
	id := r.cfg.Identity
	sess, err := r.ntcp2.Accept(ctx, conn, id.Hash())
	if o := r.countHandshake(ctx, "inbound", classifyHandshake(err)); err != nil {
		r.log.Debug("inbound handshake failed", "remote", conn.RemoteAddr().String(), "outcome", o.String(), "err", err)
		return
	}
	defer r.opened("inbound")()
	r.found(sess.PeerRouterInfo)
	r.claim(sess.PeerRouterInfo.Hash(), false)
	defer r.release(sess.PeerRouterInfo.Hash())
	r.log.Info("inbound session", "peer", sess.PeerRouterInfo.Hash().String())
	h := newHarvest(sess, HarvestConfig{Self: id.Hash(), Known: r.known, Found: r.found})
	for err == nil {
		var rcv transport.Received
		if rcv, err = sess.Receive(time.Now().Add(idleTimeout)); err == nil {
			h.handle(rcv)
		}
	}
	reason := transport.ReasonNormal // also when she terminated
	switch {
	case ctx.Err() != nil:
		reason = transport.ReasonShutdown
	case isTimeout(err):
		reason = transport.ReasonIdle
	case errors.Is(err, transport.ErrFrame):
		reason = transport.ReasonAEAD
	}
	sess.Close(reason)
	r.countSessionEnd(ctx, err)
}
