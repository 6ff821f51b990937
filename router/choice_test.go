package router

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/router/i2np"
	"github.com/i2pseed/i2pseed/router/transport"
)

// stubTransport dials every router (can) or none, and fails every
// handshake (fail) or completes it; it counts its dials.
type stubTransport struct {
	name      string
	can, fail bool
	dials     int
}

func (s *stubTransport) Name() string { return s.name }
func (s *stubTransport) Address() netdb.RouterAddress {
	return netdb.RouterAddress{Cost: 10, Transport: s.name}
}
func (s *stubTransport) CanDial(*netdb.RouterInfo) bool     { return s.can }
func (s *stubTransport) Accept() (transport.Inbound, error) { return nil, transport.ErrNoListener }
func (s *stubTransport) Close() error                       { return nil }
func (s *stubTransport) Dial(_ context.Context, _, _ *netdb.RouterInfo) (transport.Conn, error) {
	s.dials++
	if s.fail {
		return nil, &net.OpError{Op: "dial", Net: s.name, Err: syscall.ECONNREFUSED}
	}
	return stubConn{}, nil
}

type stubConn struct{}

func (stubConn) SendI2NP(i2np.Message) error { return nil }
func (stubConn) Receive(time.Time) (transport.Received, error) {
	return transport.Received{}, net.ErrClosed
}
func (stubConn) Close(transport.Reason) error { return nil }

// TestTransportChoice: a router one transport reaches is dialled over
// it; one both reach, first over the one that did not confirm it last
// (Config order when none did), then over the other when that handshake
// fails; liveness keeps the transport that completed.
func TestTransportChoice(t *testing.T) {
	peer, _ := LoadOrCreateIdentity(t.TempDir())
	ri := floodfillOf(t, peer, ntcp2Address(t, peer, netip.MustParseAddrPort("127.0.0.1:1")))
	tests := []struct {
		name      string
		a, b      stubTransport
		confirmed string // the transport liveness says confirmed the router last
		order     string // transportsFor
		via       string // what dial completed over; "" none
		outcome   Outcome
	}{
		{"only B reaches it", stubTransport{name: "A"}, stubTransport{name: "B", can: true}, "", "B", "B", OutcomeOK},
		{"both, none confirmed", stubTransport{name: "A", can: true}, stubTransport{name: "B", can: true}, "", "A B", "A", OutcomeOK},
		{"both, A confirmed", stubTransport{name: "A", can: true}, stubTransport{name: "B", can: true}, "A", "B A", "B", OutcomeOK},
		{"both, B confirmed", stubTransport{name: "A", can: true}, stubTransport{name: "B", can: true}, "B", "A B", "A", OutcomeOK},
		{"A fails, B completes", stubTransport{name: "A", can: true, fail: true}, stubTransport{name: "B", can: true}, "", "A B", "B", OutcomeOK},
		{"both fail", stubTransport{name: "A", can: true, fail: true}, stubTransport{name: "B", can: true, fail: true}, "B", "A B", "", OutcomeDial},
		{"none reaches it", stubTransport{name: "A"}, stubTransport{name: "B"}, "", "", "", OutcomeDial},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			live, err := netdb.OpenLiveness(t.TempDir() + "/liveness.json")
			if err != nil {
				t.Fatal(err)
			}
			if tt.confirmed != "" {
				live.RecordVia(ri.Hash(), time.Now().Add(-time.Hour), tt.confirmed, true, "ok")
			}
			id, _ := LoadOrCreateIdentity(t.TempDir())
			a, b := tt.a, tt.b
			r, err := New(Config{Identity: id, NetID: 2, Store: testStore(t, t.TempDir()), Liveness: live, Transports: []transport.Transport{&a, &b}})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, tr := range r.transportsFor(ri) {
				names = append(names, tr.Name())
			}
			if got := strings.Join(names, " "); got != tt.order {
				t.Errorf("order %q, want %q", got, tt.order)
			}
			ctx := context.Background()
			c, via, err := r.dial(ctx, ri, r.RouterInfo())
			o := classifyHandshake(err)
			r.recordProbe(ctx, ri.Hash(), via, o, err)
			if o != tt.outcome || (c != nil) != (tt.via != "") || tt.via != "" && via != tt.via {
				t.Fatalf("dial: over %q, outcome %v (%v), want over %q, %v", via, o, err, tt.via, tt.outcome)
			}
			checkChoice(t, live, ri.Hash(), tt.via, tt.order, a.dials, b.dials)
		})
	}
}

// checkChoice checks what liveness kept of h after a dial that completed
// over via ("": none did) and how often A and B dialled.
func checkChoice(t *testing.T, live *netdb.Liveness, h netdb.Hash, via, order string, aDials, bDials int) {
	t.Helper()
	if p, _ := live.Get(h); via != "" && (p.Transport != via || !p.Reachable()) {
		t.Errorf("liveness %+v, want confirmed over %s", p, via)
	} else if via == "" && p.Failures != 1 {
		t.Errorf("liveness %+v, want one failure", p)
	}
	if wantB := strings.Contains(order, "B") && via != "A"; (bDials > 0) != wantB || aDials > 1 || bDials > 1 {
		t.Errorf("dials: A %d, B %d", aDials, bDials)
	}
}
