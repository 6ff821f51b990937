package router

import (
	"testing"
	"time"
)

// TestPaceStaysUnderJavaLimit: whatever the caller does, no two-minute
// window (sliding, so no fixed one either) sees more than lookupBudget
// lookups, which is under Java's 14; nothing goes before NotBefore.
func TestPaceStaysUnderJavaLimit(t *testing.T) {
	start := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	p := &Pace{Interval: 100 * time.Millisecond, NotBefore: start.Add(30 * time.Second)}
	var sent []time.Time
	now := start
	for now.Before(start.Add(20 * time.Minute)) {
		if next := p.Next(now); !next.After(now) {
			p.Sent(now)
			p.Answered()
			sent = append(sent, now)
		}
		now = now.Add(50 * time.Millisecond)
	}
	if sent[0].Before(p.NotBefore) {
		t.Fatalf("first lookup at %v, before NotBefore %v", sent[0], p.NotBefore)
	}
	for i := range sent {
		n := 0
		for j := i; j < len(sent) && sent[j].Sub(sent[i]) < lookupWindow; j++ {
			n++
		}
		if n > lookupBudget {
			t.Fatalf("%d lookups in the two minutes from %v, want at most %d", n, sent[i].Sub(start), lookupBudget)
		}
		if i > 0 && sent[i].Sub(sent[i-1]) < p.Interval {
			t.Fatalf("lookups %v apart, want at least %v", sent[i].Sub(sent[i-1]), p.Interval)
		}
	}
	// 19.5 minutes of budget: about 12 per 2 minutes.
	if len(sent) < 9*lookupBudget {
		t.Errorf("only %d lookups in 19.5 minutes", len(sent))
	}
}

// TestPaceSlowsDown: unanswered lookups halve the budget, down to one per
// window; answers bring it back one at a time.
func TestPaceSlowsDown(t *testing.T) {
	p := &Pace{}
	for _, want := range []int{6, 3, 1, 1} {
		p.Missed()
		if got := p.Budget(); got != want {
			t.Fatalf("after a miss: budget %d, want %d", got, want)
		}
	}
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	p.Sent(now)
	if next := p.Next(now); next.Sub(now) != lookupWindow {
		t.Errorf("budget 1: next lookup %v later, want %v", next.Sub(now), lookupWindow)
	}
	for range 20 {
		p.Answered()
	}
	if got := p.Budget(); got != lookupBudget {
		t.Errorf("after answers: budget %d, want %d", got, lookupBudget)
	}
}
