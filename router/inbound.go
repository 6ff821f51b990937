package router

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/router/i2np"
	"github.com/i2pseed/i2pseed/router/transport"
)

// idleTimeout closes an inbound session that brought nothing we use for
// this long: silence (i2pd closes at 120 s), or only what we drop. i2pd
// 2.45.1 ignores our G cap (2.58 honours it) and keeps a session busy with
// tunnel builds for minutes, and while it is open we do not probe that
// router (claim): measured, i2pd 2.45.1 routers held theirs 3.5 minutes.
const idleTimeout = time.Minute

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
// harvest that sends nothing), and closes after idleTimeout without one
// (uses). We are no floodfill, so lookups are not answered.
func (r *Router) inbound(ctx context.Context, in transport.Inbound) {
	sess, peer, err := in.Handshake(ctx)
	if o := r.countHandshake(ctx, "inbound", classifyHandshake(err)); err != nil {
		r.log.Debug("inbound handshake failed", "remote", in.Remote(), "outcome", o.String(), "err", err)
		return
	}
	defer r.opened("inbound")()
	r.found(peer)
	r.claim(peer.Hash(), false)
	defer r.freeInbound(peer.Hash())
	r.log.Info("inbound session", "peer", peer.Hash().String())
	h := newHarvest(sess, HarvestConfig{Self: r.Hash(), Known: r.known, Found: r.found})
	deadline := time.Now().Add(idleTimeout)
	for err == nil {
		var rcv transport.Received
		if rcv, err = sess.Receive(deadline); err == nil {
			h.handle(rcv)
			if uses(rcv) {
				deadline = time.Now().Add(idleTimeout)
			}
		}
	}
	sess.Close(closeReason(ctx, err))
	r.countSessionEnd(ctx, err)
}

// freeInbound ends what claim noted for an inbound session with h and
// tells the probe loop, which skipped h while it was open.
func (r *Router) freeInbound(h netdb.Hash) {
	r.release(h)
	select {
	case r.freed <- h:
	default:
	}
}

// uses reports whether an inbound session's rcv is what we take: a
// RouterInfo, a DatabaseStore or a DatabaseSearchReply (tunnel builds,
// garlic and the rest are dropped).
func uses(rcv transport.Received) bool {
	if rcv.Message == nil {
		return rcv.RouterInfo != nil
	}
	t := rcv.Message.Type
	return t == i2np.TypeDatabaseStore || t == i2np.TypeDatabaseSearchReply
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
