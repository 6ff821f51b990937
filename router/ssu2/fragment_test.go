package ssu2

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/router/i2np"
)

func testMessage(n int) i2np.Message {
	body := make([]byte, n)
	for i := range body {
		body[i] = byte(i * 7)
	}
	return i2np.Message{Type: i2np.TypeDatabaseStore, ID: 4242, Expiration: time.Unix(1_800_000_000, 0), Body: body}
}

// feed hands the blocks to a Reassembler and returns what it completed.
func feed(t *testing.T, r *Reassembler, blocks [][]byte) []i2np.Message {
	t.Helper()
	var done []i2np.Message
	for _, b := range blocks {
		bs, err := ParseBlocks(b)
		if err != nil || len(bs) != 1 {
			t.Fatalf("block %x: %v", b, err)
		}
		var m i2np.Message
		var ok bool
		switch bs[0].Type {
		case BlockFirstFragment:
			m, ok, err = r.First(bs[0].Data, time.Unix(0, 0))
		case BlockFollowOnFragment:
			m, ok, err = r.FollowOn(bs[0].Data, time.Unix(0, 0))
		default:
			t.Fatalf("block %v", bs[0].Type)
		}
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			done = append(done, m)
		}
	}
	return done
}

// TestSplitReassemble: messages cut into fragments come back whole in any
// order, duplicates included, and only once all fragments are in.
func TestSplitReassemble(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, size := range []int{100, 1000, 3000, 20000} {
		m := testMessage(size)
		first, follow, err := SplitI2NP(m, 500)
		if err != nil {
			t.Fatal(err)
		}
		if size < 480 {
			if len(follow) != 0 {
				t.Errorf("%d bytes: fragmented though it fits", size)
			}
			continue
		}
		blocks := append([][]byte{first}, follow...)
		for _, b := range blocks {
			if len(b) > 500 {
				t.Fatalf("%d-byte block over 500", len(b))
			}
		}
		blocks = append(blocks, blocks[rng.IntN(len(blocks))]) // a duplicate
		rng.Shuffle(len(blocks), func(i, j int) { blocks[i], blocks[j] = blocks[j], blocks[i] })
		var r Reassembler
		done := feed(t, &r, blocks)
		if len(done) != 1 || !bytes.Equal(done[0].Body, m.Body) || done[0].ID != m.ID || done[0].Type != m.Type {
			t.Fatalf("%d bytes in %d fragments: %d messages back", size, len(follow)+1, len(done))
		}
		if r.Incomplete() != 0 {
			t.Errorf("%d incomplete after the message came back", r.Incomplete())
		}
	}
}

func TestSplitLimits(t *testing.T) {
	if _, _, err := SplitI2NP(testMessage(100000), 1000); !errors.Is(err, ErrFragment) {
		t.Errorf("a message needing over %d fragments: %v", MaxFragments, err)
	}
	if _, _, err := SplitI2NP(testMessage(100), 10); !errors.Is(err, ErrFragment) {
		t.Errorf("blocks too small for a fragment: %v", err)
	}
}

func TestReassemblerRefuses(t *testing.T) {
	now := time.Unix(0, 0)
	follow := func(num uint8, last bool) []byte {
		b := AppendFollowOn(nil, FollowOn{Num: num, Last: last, MsgID: 1, Data: []byte{1}})
		return b[blockHeaderLen:]
	}
	t.Run("two lasts", func(t *testing.T) {
		var r Reassembler
		r.FollowOn(follow(2, true), now)
		if _, _, err := r.FollowOn(follow(3, true), now); !errors.Is(err, ErrFragment) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("after the last", func(t *testing.T) {
		var r Reassembler
		r.FollowOn(follow(2, true), now)
		if _, _, err := r.FollowOn(follow(3, false), now); !errors.Is(err, ErrFragment) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("last before a later one", func(t *testing.T) {
		var r Reassembler
		r.FollowOn(follow(4, false), now)
		if _, _, err := r.FollowOn(follow(3, true), now); !errors.Is(err, ErrFragment) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("too many incomplete", func(t *testing.T) {
		var r Reassembler
		var err error
		for id := range uint32(maxIncomplete + 1) {
			b := AppendFollowOn(nil, FollowOn{Num: 1, MsgID: id, Data: []byte{1}})
			_, _, err = r.FollowOn(b[blockHeaderLen:], now)
		}
		if !errors.Is(err, ErrFragment) || r.Incomplete() != maxIncomplete {
			t.Fatalf("got %v with %d incomplete", err, r.Incomplete())
		}
		if n := r.Expire(now.Add(time.Second)); n != maxIncomplete || r.Incomplete() != 0 {
			t.Errorf("Expire forgot %d, %d left", n, r.Incomplete())
		}
	})
}

// FuzzReassembler: fragments in any order and of any content never panic
// nor put together more than was fed.
func FuzzReassembler(f *testing.F) {
	first, follow, _ := SplitI2NP(testMessage(1200), 400)
	var seed []byte
	for _, b := range append([][]byte{first}, follow...) {
		seed = append(seed, b...)
	}
	f.Add(seed)
	f.Fuzz(func(t *testing.T, p []byte) {
		blocks, err := ParseBlocks(p)
		if err != nil {
			return
		}
		var r Reassembler
		for _, b := range blocks {
			var m i2np.Message
			var ok bool
			switch b.Type {
			case BlockFirstFragment:
				m, ok, _ = r.First(b.Data, time.Unix(0, 0))
			case BlockFollowOnFragment:
				m, ok, _ = r.FollowOn(b.Data, time.Unix(0, 0))
			}
			if ok && i2np.ShortHeaderLen+len(m.Body) > len(p) {
				t.Fatalf("a %d-byte message from %d bytes", len(m.Body), len(p))
			}
		}
	})
}

// TestReassemblerLateDuplicate: a fragment resent after its message was
// put together neither returns it again nor starts a new one.
func TestReassemblerLateDuplicate(t *testing.T) {
	first, follow, _ := SplitI2NP(testMessage(1200), 400)
	var r Reassembler
	if done := feed(t, &r, append([][]byte{first}, follow...)); len(done) != 1 {
		t.Fatalf("%d messages back, want 1", len(done))
	}
	if done := feed(t, &r, [][]byte{follow[0], first}); len(done) != 0 || r.Incomplete() != 0 {
		t.Fatalf("late duplicates: %d messages back, %d incomplete", len(done), r.Incomplete())
	}
}
