package router

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/router/i2np"
	"github.com/i2pseed/i2pseed/router/ntcp2"
	"github.com/i2pseed/i2pseed/router/transport"
)

// bobSaw is what a real NTCP2 Bob read from one probe.
type bobSaw struct {
	blocks []string // I2NP messages by type and Termination, in order
	store  *i2np.DatabaseStore
	// openAfterTermination: Alice still held the connection 300 ms after
	// her Termination (as Java needs: it reads frames on other threads
	// than it sees EOF on).
	openAfterTermination bool
	err                  error
}

// slowBob accepts one connection on ln as the router id, reads the
// session to its Termination, then waits 300 ms, as a loaded Java router
// may, before it closes.
func slowBob(ln net.Listener, id *Identity, ri *netdb.RouterInfo) <-chan bobSaw {
	out := make(chan bobSaw, 1)
	go func() {
		var s bobSaw
		defer func() { out <- s }()
		c, err := ln.Accept()
		if err != nil {
			s.err = err
			return
		}
		defer c.Close()
		var keys ntcp2.RouterKeys
		keys.UnmarshalBinary(id.TransportKeys("NTCP2"))
		sess, err := ntcp2.Server(c, &ntcp2.Config{NetID: 2, Static: keys.Static}, ri.Hash(), keys.IV)
		if err != nil {
			s.err = err
			return
		}
		for {
			sess.SetReadDeadline(time.Now().Add(10 * time.Second))
			blocks, err := sess.ReadBlocks()
			if err != nil {
				s.err = err
				return
			}
			for _, b := range blocks {
				switch b.Type {
				case ntcp2.BlockI2NP:
					m, err := i2np.ParseShort(b.Data)
					if err != nil {
						s.err = err
						return
					}
					s.blocks = append(s.blocks, "I2NP "+m.Type.String())
					if m.Type == i2np.TypeDatabaseStore {
						s.store, s.err = i2np.ParseDatabaseStore(m.Body)
					}
				case ntcp2.BlockTermination:
					s.blocks = append(s.blocks, "Termination")
					time.Sleep(300 * time.Millisecond)
					c.SetReadDeadline(time.Now().Add(time.Millisecond))
					_, err := c.Read(make([]byte, 1))
					var ne net.Error
					s.openAfterTermination = errors.As(err, &ne) && ne.Timeout()
					return
				}
			}
		}
	}()
	return out
}

// TestProbeEtiquette: a probe sends an I2NP message (our RouterInfo in a
// DatabaseStore that asks no reply) before its Termination, and after the
// Termination holds the connection until the peer closes it: no connection
// of ours ends with nothing carried, or before the peer has read it all
// (Java I2P blocks our IP for either; docs/router.md).
func TestProbeEtiquette(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	bobID, err := LoadOrCreateIdentity(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	bobRI, err := bobID.RouterInfo(time.Now(), 2, ntcp2Address(t, bobID, ln.Addr().(*net.TCPAddr).AddrPort()))
	if err != nil {
		t.Fatal(err)
	}
	saw := slowBob(ln, bobID, bobRI)

	store := testStore(t, t.TempDir())
	if _, err := store.Put(bobRI); err != nil {
		t.Fatal(err)
	}
	live, err := netdb.OpenLiveness(filepath.Join(t.TempDir(), "liveness.json"))
	if err != nil {
		t.Fatal(err)
	}
	id, _ := LoadOrCreateIdentity(t.TempDir())
	r, err := New(Config{Identity: id, NetID: 2, Store: store, Liveness: live, Transports: ntcp2Out(t, id, nil)})
	if err != nil {
		t.Fatal(err)
	}
	es, err := store.Entries(context.Background())
	if err != nil || len(es) != 1 {
		t.Fatalf("store entries %d, %v", len(es), err)
	}
	r.probe(context.Background(), es[0])

	checkProbe(t, <-saw, r.Hash())
	if p, ok := live.Get(bobRI.Hash()); !ok || !p.Reachable() {
		t.Errorf("liveness %+v, want reachable", p)
	}
}

// checkProbe checks what Bob read from the probe of router self.
func checkProbe(t *testing.T, s bobSaw, self netdb.Hash) {
	t.Helper()
	if s.err != nil {
		t.Fatalf("Bob: %v (read %v)", s.err, s.blocks)
	}
	if want := "[I2NP DatabaseStore Termination]"; fmt.Sprint(s.blocks) != want {
		t.Errorf("Bob read %v, want %s", s.blocks, want)
	}
	if s.store == nil || s.store.Key != self || s.store.ReplyToken != 0 {
		t.Errorf("store %+v, want our RouterInfo with no reply token", s.store)
	}
	if !s.openAfterTermination {
		t.Error("the probe closed its end right behind its Termination, before Bob closed")
	}
}

// TestDemotedFloodfillIsNoPeer: a newer RouterInfo without f takes the
// router off the floodfills we ask (a plain Java router throttles lookups
// at 3 per 2 minutes and drops explorations; i2pd 2.58 ignores them).
func TestDemotedFloodfillIsNoPeer(t *testing.T) {
	ff := fakeFloodfill(t, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1})
	id, _ := LoadOrCreateIdentity(t.TempDir())
	r, err := New(Config{Identity: id, NetID: 2, Store: testStore(t, t.TempDir()), Transports: ntcp2Out(t, id, nil)})
	if err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.addPeer(ff)
	if r.peers[ff.Hash()] == nil {
		t.Fatal("the floodfill is no peer")
	}
	plain, err := netdb.ParseRouterInfo(ff.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	plain.Published += 1000
	plain.Options = netdb.Mapping{{Key: "caps", Value: "XR"}, {Key: "netId", Value: "2"}}
	r.addPeer(plain)
	if r.peers[ff.Hash()] != nil {
		t.Error("a router that publishes without f is still asked as a floodfill")
	}
}

// noConn is a session on which nothing is ever received.
type noConn struct{ sent int }

func (c *noConn) SendI2NP(i2np.Message) error { c.sent++; return nil }
func (c *noConn) Receive(deadline time.Time) (transport.Received, error) {
	return transport.Received{}, os.ErrDeadlineExceeded
}
func (c *noConn) Close(transport.Reason) error { return nil }

// TestHarvestNeverIdlesOut: a harvest whose next lookup is over maxQuiet
// away ends its session instead of leaving it silent until the peer's idle
// timeout (i2pd: 115-124 s) closes it.
func TestHarvestNeverIdlesOut(t *testing.T) {
	now := time.Now()
	c := &noConn{}
	pace := &Pace{NotBefore: now.Add(2 * time.Minute)}
	err := Harvest(context.Background(), c, HarvestConfig{Pace: pace, Now: func() time.Time { return now }})
	if err != nil || c.sent != 0 {
		t.Errorf("Harvest: %v after %d messages, want nil at once, nothing sent", err, c.sent)
	}
}
