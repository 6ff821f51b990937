package router

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/router/i2np"
	"github.com/i2pseed/i2pseed/router/transport"
)

// HarvestConfig tunes one harvesting session.
type HarvestConfig struct {
	Self netdb.Hash // our router hash, the From of lookups
	// Pace paces the lookups to this floodfill (the Router keeps one per
	// floodfill across sessions); nil means a new Pace whose Interval is
	// Interval (default 5 s) and whose Max is Budget (default 12 per two
	// minutes, under Java's limit; only a network of i2pd routers, which
	// have none, may take more).
	Pace     *Pace
	Interval time.Duration
	Budget   int
	// Lookups bounds the lookups of the session (default 100); Idle ends it
	// after that many lookups in a row taught nothing new (default 8);
	// Unanswered ends it after that many lookups in a row got no reply
	// within 15 s (default 3), with ErrUnanswered.
	Lookups, Idle, Unanswered int
	// Known reports hashes not worth looking up (nil: none).
	Known func(netdb.Hash) bool
	// Found receives every RouterInfo whose signature verifies and says
	// whether it was new to the caller.
	Found func(*netdb.RouterInfo) bool
	// Publish, if set, is sent first as a DatabaseStore with a reply token;
	// Published is called when the floodfill acknowledges it.
	Publish   *netdb.RouterInfo
	Published func()
	// Lookup, if set, is called for each lookup sent, with its kind
	// ("exploration", "routerinfo" or "refresh").
	Lookup func(kind string)
	// Refresh, if set, gives known RouterInfos to look up again (they grow
	// old); every third lookup asks for one while it has any and no
	// unknown hash waits.
	Refresh func() (netdb.Hash, bool)
	// Now is the clock for message expirations (default time.Now).
	Now func() time.Time
}

func (c *HarvestConfig) defaults() {
	if c.Pace == nil {
		c.Pace = &Pace{Interval: c.Interval, Max: c.Budget}
	}
	if c.Unanswered <= 0 {
		c.Unanswered = 3
	}
	if c.Lookups <= 0 {
		c.Lookups = 100
	}
	if c.Idle <= 0 {
		c.Idle = 8
	}
	if c.Known == nil {
		c.Known = func(netdb.Hash) bool { return false }
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// maxQuiet is the longest a harvest session waits for its next lookup:
// well under i2pd's idle timeout (115-124 s without a frame) and Java's
// (120 s and up without an I2NP message).
const maxQuiet = 90 * time.Second

// maxSession bounds a harvest session: the RouterInfo our message 3 gave
// the peer is re-signed every 30 minutes, and Java refuses to store an
// unreachable (U) router's RouterInfo older than 54 minutes.
const maxSession = 30 * time.Minute

// ErrUnanswered ends a harvest whose floodfill stopped answering lookups
// (Java drops those over its per-peer limit, and all of them while it
// starts).
var ErrUnanswered = errors.New("router: the floodfill stopped answering lookups")

// Harvest explores a netDb through one session with a floodfill, without
// tunnels (spec ntcp2-router.md §4): publish our RouterInfo, take the
// RouterInfo the floodfill pushes, send exploration and RouterInfo lookups
// for random keys to learn hashes, and look up every unknown hash; replies
// come back over the same session. Lookups go at cfg.Pace. Before it
// returns, it waits (up to 15 s) for the replies still due, so the
// floodfill never answers a closed session (Java banlists a router it
// cannot reach: "No transports"). It returns nil when the lookups run out
// or stop teaching anything new, ErrUnanswered when replies stop, a
// *transport.Terminated when the peer ends the session, and the read error or
// ctx's error otherwise.
func Harvest(ctx context.Context, conn transport.Conn, cfg HarvestConfig) error {
	h := newHarvest(conn, cfg)
	var tok [4]byte
	rand.Read(tok[:])
	h.msgID = binary.BigEndian.Uint32(tok[:]) | 1
	if h.cfg.Publish != nil {
		h.token = h.msgID
		if err := h.publish(); err != nil {
			return err
		}
	}
	pace := h.cfg.Pace
	start := h.cfg.Now()
	for h.lookups < h.cfg.Lookups && h.idle < h.cfg.Idle {
		if err := ctx.Err(); err != nil {
			return err
		}
		now := h.cfg.Now()
		if now.Sub(start) > maxSession {
			break // the peer's copy of our RouterInfo (message 3) grows old
		}
		if h.expire(now) >= h.cfg.Unanswered {
			// Replies may still come: a floodfill that answers a closed
			// session may banlist us (Java: "No transports").
			return errors.Join(ErrUnanswered, h.drain(ctx))
		}
		next := pace.Next(now)
		if next.Sub(now) > maxQuiet {
			// i2pd closes a session after 115-124 s without a frame:
			// end it ourselves, politely, and come back later.
			return h.drain(ctx)
		}
		if !now.Before(next) {
			if err := h.lookupNext(now); err != nil {
				return err
			}
			next = pace.Next(now)
		}
		if err := h.read(h.deadline(next)); err != nil {
			return err
		}
	}
	return h.drain(ctx)
}

// drain reads until every lookup is answered or has timed out.
func (h *harvest) drain(ctx context.Context) error {
	for len(h.pending) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		h.expire(h.cfg.Now())
		if len(h.pending) == 0 {
			break
		}
		if err := h.read(h.deadline(time.Time{})); err != nil {
			return err
		}
	}
	return nil
}

// read receives and handles one thing, or returns nil at the deadline.
func (h *harvest) read(deadline time.Time) error {
	r, err := h.conn.Receive(deadline)
	if err != nil {
		if isTimeout(err) {
			return nil
		}
		return fmt.Errorf("router: harvest: %w", err)
	}
	h.handle(r)
	return nil
}

// deadline is the earlier of next (if set) and when the oldest pending
// lookup times out.
func (h *harvest) deadline(next time.Time) time.Time {
	for _, sent := range h.pending {
		if t := sent.Add(replyTimeout); next.IsZero() || t.Before(next) {
			next = t
		}
	}
	if next.IsZero() {
		next = h.cfg.Now().Add(replyTimeout)
	}
	return next
}

// expire counts lookups unanswered for replyTimeout as missed and returns
// how many were missed in a row.
func (h *harvest) expire(now time.Time) int {
	for k, sent := range h.pending {
		if now.Sub(sent) >= replyTimeout {
			delete(h.pending, k)
			h.cfg.Pace.Missed()
			h.missed++
		}
	}
	return h.missed
}

// answered takes a reply to the lookup for key, if one is pending.
func (h *harvest) answered(key netdb.Hash) {
	if _, ok := h.pending[key]; ok {
		delete(h.pending, key)
		h.cfg.Pace.Answered()
		h.missed = 0
	}
}

func newHarvest(conn transport.Conn, cfg HarvestConfig) *harvest {
	cfg.defaults()
	return &harvest{conn: conn, cfg: &cfg, asked: map[netdb.Hash]bool{cfg.Self: true}, pending: map[netdb.Hash]time.Time{}}
}

// harvest is the state of one Harvest.
type harvest struct {
	conn    transport.Conn
	cfg     *HarvestConfig
	asked   map[netdb.Hash]bool
	queue   []netdb.Hash
	msgID   uint32
	token   uint32 // reply token of our DatabaseStore, 0 when acknowledged or none
	lookups int
	idle    int                      // lookups since the last new hash or RouterInfo
	pending map[netdb.Hash]time.Time // lookups awaiting a reply, by key, and when they went
	missed  int                      // lookups unanswered in a row
}

func (h *harvest) send(t i2np.Type, body []byte) error {
	h.msgID++
	return h.conn.SendI2NP(i2np.Message{Type: t, ID: h.msgID, Expiration: h.cfg.Now().Add(time.Minute), Body: body})
}

// publish stores our RouterInfo at the floodfill, asking for a
// DeliveryStatus straight back (reply tunnel 0, gateway us).
func (h *harvest) publish() error {
	ri := h.cfg.Publish
	ds := i2np.DatabaseStore{Key: ri.Hash(), ReplyToken: h.token, ReplyGateway: h.cfg.Self, RouterInfo: ri.Bytes()}
	body, err := ds.AppendBinary(nil)
	if err != nil {
		return err
	}
	return h.send(i2np.TypeDatabaseStore, body)
}

// lookupNext asks for the next unknown hash, or explores from a random key:
// exploration lookups (whose replies list non-floodfills) alternate with
// RouterInfo lookups (whose replies list floodfills).
func (h *harvest) lookupNext(now time.Time) error {
	l := i2np.DatabaseLookup{From: h.cfg.Self}
	kind := "routerinfo"
	for len(h.queue) > 0 && l.Key == ([32]byte{}) {
		if k := h.queue[0]; !h.cfg.Known(k) {
			l.Key, l.Flags = k, i2np.LookupRouterInfo
		}
		h.queue = h.queue[1:]
	}
	if l.Key == ([32]byte{}) && h.cfg.Refresh != nil && h.lookups%3 == 2 {
		if k, ok := h.cfg.Refresh(); ok {
			l.Key, l.Flags, kind = k, i2np.LookupRouterInfo, "refresh"
		}
	}
	if l.Key == ([32]byte{}) {
		rand.Read(l.Key[:])
		l.Flags = i2np.LookupRouterInfo
		if h.lookups%2 == 0 {
			l.Flags, kind = i2np.LookupExploration, "exploration"
		}
	}
	body, err := l.AppendBinary(nil)
	if err != nil {
		return err
	}
	h.lookups++
	h.idle++
	if h.cfg.Lookup != nil {
		h.cfg.Lookup(kind)
	}
	h.cfg.Pace.Sent(now)
	h.pending[l.Key] = now
	return h.send(i2np.TypeDatabaseLookup, body)
}

// handle takes one thing the peer sent.
func (h *harvest) handle(r transport.Received) {
	if r.Message != nil {
		h.message(*r.Message)
	} else if r.RouterInfo != nil {
		h.routerInfo(r.RouterInfo, netdb.Hash{})
	}
}

// message takes one I2NP message; malformed ones are dropped.
func (h *harvest) message(m i2np.Message) {
	switch m.Type {
	case i2np.TypeDatabaseStore:
		if ds, err := i2np.ParseDatabaseStore(m.Body); err == nil {
			h.answered(netdb.Hash(ds.Key))
			h.routerInfo(ds.RouterInfo, netdb.Hash(ds.Key))
		}
	case i2np.TypeDatabaseSearchReply:
		r, err := i2np.ParseSearchReply(m.Body)
		if err != nil {
			return
		}
		h.answered(netdb.Hash(r.Key))
		for _, p := range append(r.Peers, r.From) {
			if k := netdb.Hash(p); !h.asked[k] && !h.cfg.Known(k) {
				h.asked[k] = true
				h.queue = append(h.queue, k)
				h.idle = 0
			}
		}
	case i2np.TypeDeliveryStatus:
		if d, err := i2np.ParseDeliveryStatus(m.Body); err == nil && h.token != 0 && d.MsgID == h.token {
			h.token = 0
			if h.cfg.Published != nil {
				h.cfg.Published()
			}
		}
	}
}

// routerInfo takes a RouterInfo pushed or stored (under key, if not zero).
func (h *harvest) routerInfo(b []byte, key netdb.Hash) {
	ri := verified(b, key)
	if ri == nil {
		return
	}
	h.asked[ri.Hash()] = true
	if h.cfg.Found != nil && h.cfg.Found(ri) {
		h.idle = 0
	}
}

// verified parses a RouterInfo and checks its signature and, if key is not
// zero, that it is the router stored under key; nil if anything fails.
func verified(b []byte, key netdb.Hash) *netdb.RouterInfo {
	ri, err := netdb.ParseRouterInfo(b)
	if err != nil || ri.Verify() != nil || !key.IsZero() && ri.Hash() != key {
		return nil
	}
	return ri
}
