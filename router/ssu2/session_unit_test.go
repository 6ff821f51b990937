package ssu2

import (
	"errors"
	"net"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/router/i2np"
	"github.com/i2pseed/i2pseed/router/transport"
)

// fakeBob is the far end of a Session in the data phase, on loopback:
// he seals and opens Data packets with the mirror of Alice's keys.
type fakeBob struct {
	t    *testing.T
	conn *net.UDPConn
	keys SessionKeys // Bob's view: Send is Alice's Recv
	pn   uint32
}

// pairedSession starts a Session of Alice's with a fakeBob.
func pairedSession(t *testing.T, rtoBase time.Duration) (*Session, *fakeBob) {
	t.Helper()
	alice := aliceConn(t)
	bobConn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bobConn.Close() })
	keys := &SessionKeys{
		Send: Direction{ConnID: ConnID{1}, Intro: Key{2}, Keys: DataKeys{Data: Key{3}, Header: Key{4}}},
		Recv: Direction{ConnID: ConnID{5}, Intro: Key{6}, Keys: DataKeys{Data: Key{7}, Header: Key{8}}},
	}
	bob := &fakeBob{t: t, conn: bobConn, keys: SessionKeys{Send: keys.Recv, Recv: keys.Send}}
	s := newSession(alice, bobConn.LocalAddr().(*net.UDPAddr).AddrPort(), keys)
	s.rtoBase = rtoBase
	go s.loop()
	t.Cleanup(func() { s.Close(transport.ReasonNormal) })
	return s, bob
}

func (b *fakeBob) send(to net.Addr, blocks []byte) uint32 {
	b.t.Helper()
	b.pn++
	if len(blocks) < minDataPayload {
		blocks = AppendBlock(blocks, BlockPadding, make([]byte, minDataPayload))
	}
	pkt, err := SealData(&b.keys.Send, b.pn, 0, blocks)
	if err != nil {
		b.t.Fatal(err)
	}
	if _, err := b.conn.WriteTo(pkt, to); err != nil {
		b.t.Fatal(err)
	}
	return b.pn
}

// read returns Alice's next Data packet's number and blocks.
func (b *fakeBob) read() (uint32, []Block, net.Addr) {
	b.t.Helper()
	buf := make([]byte, maxPacketLen)
	b.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, from, err := b.conn.ReadFrom(buf)
	if err != nil {
		b.t.Fatalf("Bob waiting for Alice: %v", err)
	}
	h, payload, err := OpenData(&b.keys.Recv, buf[:n])
	if err != nil {
		b.t.Fatal(err)
	}
	blocks, err := ParseBlocks(payload)
	if err != nil {
		b.t.Fatal(err)
	}
	return h.PacketNumber, blocks, from
}

func findBlock(bs []Block, t BlockType) (Block, bool) {
	for _, b := range bs {
		if b.Type == t {
			return b, true
		}
	}
	return Block{}, false
}

// TestSessionReceives: Bob's I2NP message in fragments out of order is
// received once, and every packet of his is ACKed at once.
func TestSessionReceives(t *testing.T) {
	s, bob := pairedSession(t, initialRTO)
	// Alice speaks first so that Bob learns her address.
	if err := s.SendI2NP(i2np.Message{Type: i2np.TypeDeliveryStatus, ID: 1, Body: make([]byte, 12)}); err != nil {
		t.Fatal(err)
	}
	first0, _, alice := bob.read()
	bob.send(alice, AppendACK(nil, ACK{Through: first0})) // else Alice resends it meanwhile
	m := i2np.Message{Type: i2np.TypeData, ID: 9, Expiration: time.Unix(1_800_000_000, 0), Body: make([]byte, 2500)}
	first, follow, err := SplitI2NP(m, 1000)
	if err != nil || len(follow) < 2 {
		t.Fatalf("split: %d follow-ons, %v", len(follow), err)
	}
	order := [][]byte{follow[1], first, follow[0]}
	order = append(order, follow[2:]...)
	for _, b := range order {
		pn := bob.send(alice, b)
		_, blocks, _ := bob.read()
		ack, ok := findBlock(blocks, BlockACK)
		if a, err := ParseACK(ack.Data); !ok || err != nil || !a.Acked(pn) {
			t.Fatalf("Bob's packet %d not ACKed at once: %v", pn, blockTypes(blocks))
		}
	}
	r, err := s.Receive(time.Now().Add(5 * time.Second))
	if err != nil || r.Message == nil || r.Message.ID != 9 || len(r.Message.Body) != 2500 {
		t.Fatalf("got %+v, %v; want message 9 of 2500 bytes", r, err)
	}
}

// TestSessionDuplicate: a packet of Bob's that comes twice is ACKed again
// but not delivered again.
func TestSessionDuplicate(t *testing.T) {
	s, bob := pairedSession(t, initialRTO)
	s.SendI2NP(i2np.Message{Type: i2np.TypeDeliveryStatus, ID: 1, Body: make([]byte, 12)})
	first0, _, alice := bob.read()
	bob.send(alice, AppendACK(nil, ACK{Through: first0}))
	whole := AppendI2NP(nil, i2np.Message{Type: i2np.TypeData, ID: 10, Body: []byte{1}})
	pn := bob.send(alice, whole)
	bob.read()
	bob.pn = pn - 1
	bob.send(alice, whole)
	_, blocks, _ := bob.read()
	b, ok := findBlock(blocks, BlockACK)
	if a, err := ParseACK(b.Data); !ok || err != nil || !a.Acked(pn) {
		t.Error("a duplicate was not ACKed")
	}
	if r, err := s.Receive(time.Now().Add(time.Second)); err != nil || r.Message.ID != 10 {
		t.Fatalf("got %+v, %v; want message 10", r, err)
	}
	if _, err := s.Receive(time.Now().Add(200 * time.Millisecond)); !errors.Is(err, errDeadline) {
		t.Errorf("a duplicate delivered again, or %v", err)
	}
}

// TestSessionResends: a packet Bob never ACKs comes again with new
// packet numbers, the same blocks, and after maxResends resends the
// session ends with ErrNoACK and a Termination.
func TestSessionResends(t *testing.T) {
	s, bob := pairedSession(t, 20*time.Millisecond)
	m := i2np.Message{Type: i2np.TypeDeliveryStatus, ID: 77, Body: make([]byte, 12)}
	if err := s.SendI2NP(m); err != nil {
		t.Fatal(err)
	}
	var pns []uint32
	for range 1 + maxResends {
		pn, blocks, _ := bob.read()
		b, ok := findBlock(blocks, BlockI2NP)
		if got, err := ParseI2NP(b.Data); !ok || err != nil || got.ID != 77 {
			t.Fatalf("packet %d: %v, want the I2NP message again", pn, blockTypes(blocks))
		}
		pns = append(pns, pn)
	}
	for i := 1; i < len(pns); i++ {
		if pns[i] <= pns[i-1] {
			t.Fatalf("resent with packet numbers %v, want new ones", pns)
		}
	}
	_, blocks, _ := bob.read()
	if _, ok := findBlock(blocks, BlockTermination); !ok {
		t.Fatalf("after %d resends: %v, want a Termination", maxResends, blockTypes(blocks))
	}
	if _, err := s.Receive(time.Now().Add(5 * time.Second)); !errors.Is(err, ErrNoACK) || !errors.Is(err, transport.ErrFrame) {
		t.Fatalf("got %v, want ErrNoACK", err)
	}
}

// TestSessionACKed: a packet Bob ACKs is not resent.
func TestSessionACKed(t *testing.T) {
	s, bob := pairedSession(t, 20*time.Millisecond)
	if err := s.SendI2NP(i2np.Message{Type: i2np.TypeDeliveryStatus, ID: 5, Body: make([]byte, 12)}); err != nil {
		t.Fatal(err)
	}
	pn, _, alice := bob.read()
	bob.send(alice, AppendACK(nil, ACK{Through: pn}))
	for end := time.Now().Add(5 * time.Second); s.Unacked() > 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("Bob's ACK did not clear the packet")
		}
	}
}

// TestSessionTerminated: Bob's Termination ends the session with his
// reason, and Alice acknowledges it with reason 1.
func TestSessionTerminated(t *testing.T) {
	s, bob := pairedSession(t, initialRTO)
	s.SendI2NP(i2np.Message{Type: i2np.TypeDeliveryStatus, ID: 1, Body: make([]byte, 12)})
	_, _, alice := bob.read()
	bob.send(alice, AppendTermination(nil, Termination{Reason: transport.ReasonBanned}))
	var term *transport.Terminated
	if _, err := s.Receive(time.Now().Add(5 * time.Second)); !errors.As(err, &term) || term.Reason != transport.ReasonBanned {
		t.Fatalf("got %v, want Terminated (banned)", err)
	}
	_, blocks, _ := bob.read()
	b, ok := findBlock(blocks, BlockTermination)
	if tm, err := ParseTermination(b.Data); !ok || err != nil || tm.Reason != reasonTerminationReceived {
		t.Errorf("Alice's answer: %v, want a Termination with reason 1", blockTypes(blocks))
	}
	if err := s.SendI2NP(i2np.Message{Type: i2np.TypeDeliveryStatus}); !errors.As(err, &term) {
		t.Errorf("SendI2NP after Bob ended the session: %v", err)
	}
}
