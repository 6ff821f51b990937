package ntcp2

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/router/i2np"
	"github.com/i2pseed/i2pseed/router/transport"
)

func sessionPair(t *testing.T, aliceRI []byte) (*Session, *Session, error) {
	f := newFixture(3)
	f.alice.Now, f.bob.Now = nil, nil
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	type res struct {
		s   *Session
		err error
	}
	done := make(chan res, 1)
	go func() {
		s, err := Server(b, &f.bob, f.bobHash, f.bobIV)
		if err != nil {
			b.Close()
		}
		done <- res{s, err}
	}()
	as, aerr := Client(a, &f.alice, f.peer, aliceRI)
	r := <-done
	if aerr != nil && r.err == nil {
		return nil, nil, aerr
	}
	return as, r.s, r.err
}

func TestSessions(t *testing.T) {
	f := newFixture(0)
	alice, bob, err := sessionPair(t, ourRouterInfo(t, f.alice.Static))
	if err != nil {
		t.Fatal(err)
	}
	if bob.PeerRouterInfo == nil || bob.PeerStatic() != f.alice.Static.Public() {
		t.Fatal("Bob did not learn Alice's RouterInfo and static key")
	}
	msg := i2np.Message{Type: i2np.TypeDeliveryStatus, ID: 7, Expiration: time.Now().Add(time.Minute), Body: make([]byte, 12)}
	go alice.SendI2NP(msg)
	blocks, err := bob.ReadBlocks()
	if err != nil || len(blocks) != 2 || blocks[0].Type != BlockI2NP || blocks[1].Type != BlockPadding {
		t.Fatalf("Bob read %v, %v; want I2NP then Padding", blocks, err)
	}
	if m, _ := i2np.ParseShort(blocks[0].Data); m.ID != 7 {
		t.Errorf("message ID %d, want 7", m.ID)
	}
	go alice.Close(transport.ReasonNormal)
	blocks, err = bob.ReadBlocks()
	if err != nil || blocks[0].Type != BlockTermination || transport.Reason(blocks[0].Data[8]) != transport.ReasonNormal {
		t.Errorf("termination: %v, %v", blocks, err)
	}
}

func TestServerRejectsAliceRouterInfo(t *testing.T) {
	other := key(77)
	tests := []struct {
		name string
		ri   []byte
	}{
		{"static key not in her RouterInfo", ourRouterInfo(t, other)},
		{"not a RouterInfo", []byte("garbage")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := sessionPair(t, tt.ri); !errors.Is(err, ErrHandshake) {
				t.Errorf("got %v, want ErrHandshake", err)
			}
		})
	}
}

// TestRandomPadding: with no fixed padding, every handshake message and
// frame has a random size within what Java and i2pd accept, and message 2
// always has padding (Java's Alice waits for it before message 3).
func TestRandomPadding(t *testing.T) {
	sizes := map[string]map[int]bool{"message 1": {}, "message 2": {}, "message 3": {}, "frame": {}}
	for range 60 {
		f := newFixture(0)
		f.alice.Padding, f.bob.Padding, f.alice.Now, f.bob.Now = nil, nil, nil, nil
		a, b := net.Pipe()
		ac, bc := &countingConn{Conn: a}, &countingConn{Conn: b}
		done := make(chan *Session, 1)
		go func() {
			s, err := Server(bc, &f.bob, f.bobHash, f.bobIV)
			if err != nil {
				t.Error(err)
			}
			done <- s
		}()
		alice, err := Client(ac, &f.alice, f.peer, ourRouterInfo(t, f.alice.Static))
		if err != nil {
			t.Fatal(err)
		}
		bob := <-done
		read := make(chan error, 1)
		go func() { _, err := bob.ReadBlocks(); read <- err }()
		if err := alice.SendI2NP(i2np.Message{Type: i2np.TypeDeliveryStatus, ID: 7, Expiration: time.Now().Add(time.Minute), Body: make([]byte, 12)}); err != nil {
			t.Fatal(err)
		}
		if err := <-read; err != nil {
			t.Fatal(err)
		}
		a.Close()
		b.Close()
		m1, m3, frame := ac.writes[0], ac.writes[1], ac.writes[2]
		m2 := bc.writes[0]
		if m1 < 64 || m1 > 64+sendPadding1 || m2 < 64+sendPadding2Min || m2 > 64+sendPadding2Max {
			t.Fatalf("message 1 of %d bytes, message 2 of %d", m1, m2)
		}
		sizes["message 1"][m1], sizes["message 2"][m2], sizes["message 3"][m3], sizes["frame"][frame] = true, true, true, true
	}
	for msg, seen := range sizes {
		if len(seen) < 5 {
			t.Errorf("%s: only %d distinct sizes in 60 handshakes", msg, len(seen))
		}
	}
}

// countingConn records the size of each Write.
type countingConn struct {
	net.Conn
	writes []int
}

func (c *countingConn) Write(b []byte) (int, error) {
	c.writes = append(c.writes, len(b))
	return c.Conn.Write(b)
}

// TestReceive: one frame with two I2NP messages, a RouterInfo and blocks
// to skip comes out of Receive one thing at a time; a Termination ends it
// with the peer's reason.
func TestReceive(t *testing.T) {
	f := newFixture(0)
	aliceRI := ourRouterInfo(t, f.alice.Static)
	alice, bob, err := sessionPair(t, aliceRI)
	if err != nil {
		t.Fatal(err)
	}
	m := func(id uint32) []byte {
		return i2np.Message{Type: i2np.TypeDeliveryStatus, ID: id, Expiration: time.Now().Add(time.Minute), Body: make([]byte, 12)}.AppendShort(nil)
	}
	frame := AppendBlock(nil, BlockDateTime, []byte{0, 0, 0, 1})
	frame = AppendBlock(frame, BlockI2NP, m(1))
	frame = AppendBlock(frame, BlockI2NP, []byte{1, 2}) // malformed: skipped
	frame = AppendBlock(frame, BlockRouterInfo, append([]byte{0}, aliceRI...))
	frame = AppendBlock(frame, 200, []byte("unknown"))
	frame = AppendBlock(frame, BlockI2NP, m(2))
	go func() {
		alice.SendBlocks(frame)
		alice.Close(transport.ReasonIdle)
	}()
	deadline := time.Now().Add(5 * time.Second)
	var got []string
	for {
		r, err := bob.Receive(deadline)
		if err != nil {
			var te *transport.Terminated
			if !errors.As(err, &te) || te.Reason != transport.ReasonIdle {
				t.Fatalf("end: %v, want Terminated(idle)", err)
			}
			break
		}
		switch {
		case r.Message != nil:
			got = append(got, fmt.Sprintf("I2NP %d", r.Message.ID))
		case string(r.RouterInfo) == string(aliceRI):
			got = append(got, "RouterInfo")
		default:
			got = append(got, "?")
		}
	}
	if want := "[I2NP 1 RouterInfo I2NP 2]"; fmt.Sprint(got) != want {
		t.Errorf("received %v, want %s", got, want)
	}
}

// TestCloseWaitsForPeer: Close sends its Termination and returns only once
// the peer has closed (or CloseLinger passed); a Close after the peer's own
// Termination closes at once, sending nothing, so that two of ours never
// wait on each other.
func TestCloseWaitsForPeer(t *testing.T) {
	f := newFixture(0)
	alice, bob, err := sessionPair(t, ourRouterInfo(t, f.alice.Static))
	if err != nil {
		t.Fatal(err)
	}
	closed := make(chan struct{})
	var bobClosed atomic.Bool
	go func() {
		alice.Close(transport.ReasonNormal)
		if !bobClosed.Load() {
			t.Error("Alice's Close returned before Bob closed")
		}
		close(closed)
	}()
	_, err = bob.Receive(time.Now().Add(5 * time.Second))
	var te *transport.Terminated
	if !errors.As(err, &te) {
		t.Fatalf("Bob received %v, want Alice's Termination", err)
	}
	time.Sleep(100 * time.Millisecond) // a slow reader thread
	bobClosed.Store(true)
	bob.Close(transport.ReasonNormal) // after her Termination: no reply, no wait
	<-closed

	// A peer that never closes holds the wait for its bound only.
	alice, bob, err = sessionPair(t, ourRouterInfo(t, f.alice.Static))
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, bob.conn) // reads all, never closes
	if awaitPeerClose(alice.conn, 50*time.Millisecond) {
		t.Error("awaitPeerClose: the peer closed, want the wait timed out")
	}
	bob.conn.Close()
	if !awaitPeerClose(alice.conn, time.Minute) {
		t.Error("awaitPeerClose: timed out, want the peer closed")
	}
}

// TestInterruptKeepsGoodbye: the context of an established session ending
// wakes its Receive (ErrInterrupted) but leaves the connection open, so the
// Close that follows still sends a Termination (reason shutdown).
func TestInterruptKeepsGoodbye(t *testing.T) {
	f := newFixture(3)
	f.alice.Now, f.bob.Now = nil, nil
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	bobDone := make(chan *Session, 1)
	go func() {
		s, _ := Server(b, &f.bob, f.bobHash, f.bobIV)
		bobDone <- s
	}()
	ctx, cancel := context.WithCancel(context.Background())
	alice, err := establish(ctx, a, 0, func() (*Session, error) {
		return Client(a, &f.alice, f.peer, ourRouterInfo(t, f.alice.Static))
	})
	bob := <-bobDone
	if err != nil || bob == nil {
		t.Fatalf("handshake: %v", err)
	}
	got := make(chan error, 1)
	go func() {
		_, err := alice.Receive(time.Now().Add(time.Minute))
		got <- err
	}()
	cancel()
	if err := <-got; !errors.Is(err, ErrInterrupted) || !errors.Is(err, context.Canceled) {
		t.Fatalf("Receive after cancel: %v, want ErrInterrupted", err)
	}
	go alice.Close(transport.ReasonShutdown)
	_, err = bob.Receive(time.Now().Add(5 * time.Second))
	var te *transport.Terminated
	if !errors.As(err, &te) || te.Reason != transport.ReasonShutdown {
		t.Errorf("Bob received %v, want Termination (shutdown)", err)
	}
	bob.Close(transport.ReasonNormal)
}
