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

// accept serves t's inbound sessions until it is closed; sem bounds the
// handshakes and sessions of all transports.
func (r *Router) accept(ctx context.Context, t transport.Transport, sem chan struct{}, wg *sync.WaitGroup) {
	for {
		in, err := t.Accept()
		switch {
		case errors.Is(err, transport.ErrNoListener):
			return
		case err != nil && (ctx.Err() != nil || errors.Is(err, net.ErrClosed)):
			return
		case err != nil:
			r.log.Warn("accept", "transport", t.Name(), "err", err)
			time.Sleep(100 * time.Millisecond)
			continue
		}
		select {
		case sem <- struct{}{}:
		default:
			in.Refuse()
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			r.inbound(ctx, in)
		})
	}
}

// inbound runs the responder's handshake, takes the RouterInfo the peer
// sent and any she pushes or stores later (the blocks are handled as in a
// harvest that sends nothing), and closes after idleTimeout of silence. We
// are no floodfill, so lookups are not answered.
func (r *Router) inbound(ctx context.Context, in transport.Inbound) {
	sess, peer, err := in.Handshake(ctx)
	if o := r.countHandshake(ctx, "inbound", classifyHandshake(err)); err != nil {
		r.log.Debug("inbound handshake failed", "remote", in.Remote(), "outcome", o.String(), "err", err)
		return
	}
	defer r.opened("inbound")()
	r.found(peer)
	r.claim(peer.Hash(), false)
	defer r.release(peer.Hash())
	r.log.Info("inbound session", "peer", peer.Hash().String())
	h := newHarvest(sess, HarvestConfig{Self: r.Hash(), Known: r.known, Found: r.found})
	for err == nil {
		var rcv transport.Received
		if rcv, err = sess.Receive(time.Now().Add(idleTimeout)); err == nil {
			h.handle(rcv)
		}
	}
	sess.Close(closeReason(ctx, err))
	r.countSessionEnd(ctx, err)
}

// closeReason is what we tell a peer whose inbound session ended with err
// (normal also when she terminated it).
func closeReason(ctx context.Context, err error) transport.Reason {
	switch {
	case ctx.Err() != nil:
		return transport.ReasonShutdown
	case isTimeout(err):
		return transport.ReasonIdle
	case errors.Is(err, transport.ErrFrame):
		return transport.ReasonAEAD
	}
	return transport.ReasonNormal
}
