package router

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/router/ntcp2"
)

// Config configures Run.
type Config struct {
	Identity *Identity
	NetID    int
	// Seeds are RouterInfos to start from; floodfills with a published
	// NTCP2 address are contacted.
	Seeds []*netdb.RouterInfo
	// Store is the netDb directory harvested RouterInfos are written to.
	Store string
	// Dial opens connections; nil means a net.Dialer with a 25 s timeout.
	Dial func(ctx context.Context, addr string) (net.Conn, error)
	// Interval paces lookups per floodfill (default 6 s: 20 per 2 minutes);
	// Lookups bounds them per session (default 100).
	Interval time.Duration
	Lookups  int
	Logger   *slog.Logger
}

// Stats count what Run did.
type Stats struct {
	Sessions, HandshakeFailures, Harvested, Rejected int
}

// Run contacts every floodfill among the seeds and the RouterInfos it
// learns, harvesting over each session in turn, and writes every verified
// RouterInfo of our network into cfg.Store. It returns when ctx ends or no
// floodfill is left to ask.
func Run(ctx context.Context, cfg Config) (Stats, error) {
	var st Stats
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dial := cfg.Dial
	if dial == nil {
		d := net.Dialer{Timeout: 25 * time.Second}
		dial = func(ctx context.Context, addr string) (net.Conn, error) { return d.DialContext(ctx, "tcp", addr) }
	}
	interval := cfg.Interval
	if interval <= 0 {
		interval = 6 * time.Second
	}
	lookups := cfg.Lookups
	if lookups <= 0 {
		lookups = 100
	}
	netID := strconv.Itoa(cfg.NetID)
	seen := map[netdb.Hash]bool{}
	tried := map[netdb.Hash]bool{}
	var floodfills []*netdb.RouterInfo
	consider := func(ri *netdb.RouterInfo) {
		if ri.Option("netId") != netID || ri.Hash() == cfg.Identity.Hash() {
			st.Rejected++
			return
		}
		if !seen[ri.Hash()] {
			seen[ri.Hash()] = true
			if _, err := netdb.Write(cfg.Store, ri); err != nil {
				log.Error("store", "err", err)
				return
			}
			st.Harvested++
		}
		if _, _, ok := ntcp2.PeerFromRouterInfo(ri); ok && !tried[ri.Hash()] && containsF(ri.Option("caps")) {
			tried[ri.Hash()] = true
			floodfills = append(floodfills, ri)
		}
	}
	for _, ri := range cfg.Seeds {
		if ri.Verify() == nil {
			consider(ri)
		}
	}
	for len(floodfills) > 0 && ctx.Err() == nil {
		ff := floodfills[0]
		floodfills = floodfills[1:]
		peer, addr, _ := ntcp2.PeerFromRouterInfo(ff)
		ri, err := cfg.Identity.RouterInfo(time.Now(), cfg.NetID, Address{})
		if err != nil {
			return st, err
		}
		conn, err := dial(ctx, addr)
		if err != nil {
			st.HandshakeFailures++
			log.Warn("dial failed", "peer", ff.Hash().String(), "err", err)
			continue
		}
		sess, err := ntcp2.Client(conn, cfg.Identity.NTCP2Config(cfg.NetID), peer, ri.Bytes())
		if err != nil {
			conn.Close()
			st.HandshakeFailures++
			log.Warn("handshake failed", "peer", ff.Hash().String(), "err", err)
			continue
		}
		st.Sessions++
		err = Harvest(ctx, sess, cfg.Identity.Hash(), interval, lookups, consider)
		sess.Close(ntcp2.TerminationNormal)
		log.Info("session done", "peer", ff.Hash().String(), "harvested", st.Harvested, "err", err)
	}
	if st.Sessions == 0 {
		return st, fmt.Errorf("router: no floodfill could be reached (%d handshake failures)", st.HandshakeFailures)
	}
	return st, ctx.Err()
}

func containsF(caps string) bool {
	for _, c := range caps {
		if c == 'f' {
			return true
		}
	}
	return false
}
