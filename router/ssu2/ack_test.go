package ssu2

import (
	"math/rand/v2"
	"testing"
)

func TestReceivedACK(t *testing.T) {
	tests := []struct {
		name string
		nums []uint32
		want ACK
	}{
		{"one", []uint32{0}, ACK{Through: 0}},
		{"run", []uint32{3, 1, 2}, ACK{Through: 3, Count: 2}},
		{"gaps", []uint32{10, 9, 7, 6, 2}, ACK{Through: 10, Count: 1, Ranges: []AckRange{{1, 2}, {3, 1}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Received
			for _, n := range tt.nums {
				r.Add(n)
			}
			got, ok := r.ACK(32)
			if !ok || got.Through != tt.want.Through || got.Count != tt.want.Count || len(got.Ranges) != len(tt.want.Ranges) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for i := range got.Ranges {
				if got.Ranges[i] != tt.want.Ranges[i] {
					t.Fatalf("got %+v, want %+v", got, tt.want)
				}
			}
		})
	}
	var r Received
	if _, ok := r.ACK(32); ok {
		t.Error("an empty set built an ACK")
	}
	if !r.Add(5) || r.Add(5) {
		t.Error("Add does not report duplicates")
	}
}

// TestReceivedACKExact: for random sets of received packets, the ACK
// built acknowledges exactly the packets received, from the lowest it
// reaches to its through, and survives encoding.
func TestReceivedACKExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		var r Received
		got := map[uint32]bool{}
		for range 1 + rng.IntN(60) {
			n := uint32(rng.IntN(100))
			r.Add(n)
			got[n] = true
		}
		a, _ := r.ACK(32)
		blocks, err := ParseBlocks(AppendACK(nil, a))
		if err != nil {
			t.Fatal(err)
		}
		a2, err := ParseACK(blocks[0].Data)
		if err != nil {
			t.Fatal(err)
		}
		for n := uint32(0); n <= 100; n++ {
			if a2.Acked(n) && !got[n] {
				t.Fatalf("%+v acknowledges %d, never received", a2, n)
			}
		}
		if !a2.Acked(a2.Through) || !got[a2.Through] {
			t.Fatalf("%+v does not acknowledge its own through", a2)
		}
		if len(a2.Ranges) < 32 { // nothing cut: every packet received is acknowledged
			for n := range got {
				if !a2.Acked(n) {
					t.Fatalf("%+v misses %d", a2, n)
				}
			}
		}
	}
}

func TestReceivedWindow(t *testing.T) {
	var r Received
	for n := range uint32(2 * ackWindow) {
		r.Add(n)
	}
	if r.Len() != ackWindow {
		t.Fatalf("holds %d, want %d", r.Len(), ackWindow)
	}
	if a, _ := r.ACK(32); a.Through != 2*ackWindow-1 || a.Count != 255 {
		t.Errorf("ACK %+v", a)
	}
}
