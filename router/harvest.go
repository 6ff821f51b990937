package router

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/router/i2np"
	"github.com/i2pseed/i2pseed/router/ntcp2"
)

// Harvest explores a netDb through one session with a floodfill, without
// tunnels: take the RouterInfo it pushes, ask exploration and RouterInfo
// lookups for random keys to learn hashes, and look up every unknown hash.
// Lookups are paced at most every interval (i2pd and Java throttle about
// 20-30 per two minutes per peer). found receives every RouterInfo whose
// signature verifies. It returns when ctx ends or lookups run out.
func Harvest(ctx context.Context, sess *ntcp2.Session, self netdb.Hash, interval time.Duration, maxLookups int, found func(*netdb.RouterInfo)) error {
	known := map[netdb.Hash]bool{self: true}
	asked := map[netdb.Hash]bool{}
	var queue []netdb.Hash
	msgID := uint32(1)
	lookups := 0
	send := func(key netdb.Hash, flags byte) error {
		l := i2np.DatabaseLookup{Key: key, From: self, Flags: flags}
		body, err := l.AppendBinary(nil)
		if err != nil {
			return err
		}
		msgID++
		lookups++
		return sess.SendI2NP(i2np.Message{Type: i2np.TypeDatabaseLookup, ID: msgID, Expiration: time.Now().Add(time.Minute), Body: body})
	}
	next := time.Now()
	exploreFlags := []byte{i2np.LookupExploration, i2np.LookupRouterInfo}
	for lookups < maxLookups {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !time.Now().Before(next) {
			next = time.Now().Add(interval)
			if len(queue) > 0 {
				h := queue[0]
				queue = queue[1:]
				if err := send(h, i2np.LookupRouterInfo); err != nil {
					return err
				}
			} else {
				var random netdb.Hash
				rand.Read(random[:])
				if err := send(random, exploreFlags[lookups%2]); err != nil {
					return err
				}
			}
		}
		sess.SetReadDeadline(next)
		blocks, err := sess.ReadBlocks()
		if err != nil {
			var ne interface{ Timeout() bool }
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("router: harvest: %w", err)
		}
		for _, b := range blocks {
			switch b.Type {
			case ntcp2.BlockTermination:
				return fmt.Errorf("router: peer terminated the session")
			case ntcp2.BlockI2NP:
			default:
				continue
			}
			m, err := i2np.ParseShort(b.Data)
			if err != nil {
				continue
			}
			switch m.Type {
			case i2np.TypeDatabaseStore:
				ds, err := i2np.ParseDatabaseStore(m.Body)
				if err != nil {
					continue
				}
				ri, err := netdb.ParseRouterInfo(ds.RouterInfo)
				if err != nil || ri.Verify() != nil || ri.Hash() != netdb.Hash(ds.Key) {
					continue
				}
				known[ri.Hash()] = true
				found(ri)
			case i2np.TypeDatabaseSearchReply:
				r, err := i2np.ParseSearchReply(m.Body)
				if err != nil {
					continue
				}
				for _, p := range append(r.Peers, r.From) {
					h := netdb.Hash(p)
					if !known[h] && !asked[h] {
						asked[h] = true
						queue = append(queue, h)
					}
				}
			}
		}
	}
	return nil
}
