package router

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/router/i2np"
	"github.com/i2pseed/i2pseed/router/ntcp2"
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
// and any she pushes or stores later, and closes after idleTimeout of
// silence. We are no floodfill, so lookups are not answered.
func (r *Router) inbound(ctx context.Context, conn net.Conn) {
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	id := r.cfg.Identity
	sess, err := ntcp2.Server(conn, id.NTCP2Config(r.cfg.NetID), id.Hash(), id.NTCP2IV)
	if err != nil {
		conn.Close()
		o := classifyHandshake(err)
		if ctx.Err() != nil {
			o = OutcomeCanceled
		}
		r.handshakeDone("inbound", o)
		r.log.Debug("inbound handshake failed", "remote", conn.RemoteAddr().String(), "outcome", o.String(), "err", err)
		return
	}
	r.handshakeDone("inbound", OutcomeOK)
	r.m.sessions.WithLabelValues("inbound").Inc()
	defer r.m.sessions.WithLabelValues("inbound").Dec()
	r.found(sess.PeerRouterInfo)
	r.log.Info("inbound session", "peer", sess.PeerRouterInfo.Hash().String())
	for {
		sess.SetReadDeadline(time.Now().Add(idleTimeout))
		blocks, err := sess.ReadBlocks()
		if err != nil {
			reason := ntcp2.TerminationIdle
			if ctx.Err() != nil {
				reason = ntcp2.TerminationShutdown
			} else if !isTimeout(err) {
				reason = ntcp2.TerminationAEAD
			}
			sess.Close(reason)
			o := classifySession(err)
			if ctx.Err() != nil {
				o = OutcomeCanceled
			}
			r.m.ends.WithLabelValues(o.String()).Inc()
			return
		}
		for _, b := range blocks {
			switch b.Type {
			case ntcp2.BlockTermination:
				sess.Close(ntcp2.TerminationNormal)
				r.m.ends.WithLabelValues(OutcomeTerminated.String()).Inc()
				return
			case ntcp2.BlockRouterInfo:
				if len(b.Data) > 1 {
					r.foundBytes(b.Data[1:], netdb.Hash{})
				}
			case ntcp2.BlockI2NP:
				if m, err := i2np.ParseShort(b.Data); err == nil && m.Type == i2np.TypeDatabaseStore {
					if ds, err := i2np.ParseDatabaseStore(m.Body); err == nil {
						r.foundBytes(ds.RouterInfo, netdb.Hash(ds.Key))
					}
				}
			}
		}
	}
}

// foundBytes hands a RouterInfo that verifies to found.
func (r *Router) foundBytes(b []byte, key netdb.Hash) {
	if ri := verified(b, key); ri != nil {
		r.found(ri)
	}
}
