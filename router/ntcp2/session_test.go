package ntcp2

import (
	"errors"
	"net"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/router/i2np"
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
	if bob.PeerRouterInfo == nil || bob.PeerStatic() != PublicKey(f.alice.Static) {
		t.Fatal("Bob did not learn Alice's RouterInfo and static key")
	}
	msg := i2np.Message{Type: i2np.TypeDeliveryStatus, ID: 7, Expiration: time.Now().Add(time.Minute), Body: make([]byte, 12)}
	go alice.SendI2NP(msg)
	blocks, err := bob.ReadBlocks()
	if err != nil || len(blocks) != 1 || blocks[0].Type != BlockI2NP {
		t.Fatalf("Bob read %v, %v", blocks, err)
	}
	if m, _ := i2np.ParseShort(blocks[0].Data); m.ID != 7 {
		t.Errorf("message ID %d, want 7", m.ID)
	}
	go alice.Close(TerminationNormal)
	blocks, err = bob.ReadBlocks()
	if err != nil || blocks[0].Type != BlockTermination || blocks[0].Data[8] != TerminationNormal {
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
