package router

import (
	"sync"
	"time"
)

// Lookup limits of the floodfills we ask (facts: docs/router.md).
//
// Java I2P counts DatabaseLookups per (sender, reply tunnel) in a fixed
// two-minute window and drops every one over 14 as "throttled"; for the
// first two minutes after it starts, before its first window ends, it
// drops all of them. i2pd has no per-peer limit. One pace serves both.
const (
	lookupWindow = 2 * time.Minute
	// lookupBudget is the most lookups one floodfill gets in any
	// lookupWindow (a sliding window, so no fixed window sees more): 12,
	// two under Java's 14.
	lookupBudget = 12
	// floodfillWarmup is how old a floodfill's RouterInfo must be before
	// it is asked: a router publishes a new RouterInfo when it starts, and
	// a Java floodfill drops every lookup for its first two minutes.
	floodfillWarmup = lookupWindow + 20*time.Second
	// replyTimeout is how long an unanswered lookup counts as pending.
	replyTimeout = 15 * time.Second
)

// A Pace paces the lookups sent to one floodfill across all the sessions
// with it: at most Budget in any Window, at least Interval apart, none
// before the floodfill is warm. It slows down when answers stop: each
// lookup left unanswered halves the budget (down to 1), each answer adds
// one back (additive increase, multiplicative decrease). Safe for
// concurrent use.
type Pace struct {
	Window   time.Duration // default lookupWindow
	Max      int           // default lookupBudget
	Interval time.Duration // least gap between two lookups (default 5 s)
	// NotBefore is when the floodfill is warm (its RouterInfo's published
	// time plus floodfillWarmup).
	NotBefore time.Time

	mu     sync.Mutex
	sent   []time.Time // within Window, oldest first
	budget int         // 0: not yet set (Max)
}

func (p *Pace) defaults() {
	if p.Window <= 0 {
		p.Window = lookupWindow
	}
	if p.Max <= 0 {
		p.Max = lookupBudget
	}
	if p.Interval <= 0 {
		p.Interval = 5 * time.Second
	}
	if p.budget == 0 {
		p.budget = p.Max
	}
}

// Next returns when the next lookup may be sent (now or later).
func (p *Pace) Next(now time.Time) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.defaults()
	p.trim(now)
	next := now
	if p.NotBefore.After(next) {
		next = p.NotBefore
	}
	if n := len(p.sent); n > 0 {
		if t := p.sent[n-1].Add(p.Interval); t.After(next) {
			next = t
		}
		if n >= p.budget {
			if t := p.sent[n-p.budget].Add(p.Window); t.After(next) {
				next = t
			}
		}
	}
	return next
}

// trim forgets lookups older than Window.
func (p *Pace) trim(now time.Time) {
	i := 0
	for i < len(p.sent) && now.Sub(p.sent[i]) >= p.Window {
		i++
	}
	p.sent = p.sent[i:]
}

// Sent records a lookup sent at now.
func (p *Pace) Sent(now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.defaults()
	p.trim(now)
	p.sent = append(p.sent, now)
}

// Answered records a reply; Missed a lookup left unanswered.
func (p *Pace) Answered() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.defaults()
	p.budget = min(p.budget+1, p.Max)
}

func (p *Pace) Missed() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.defaults()
	p.budget = max(p.budget/2, 1)
}

func (p *Pace) setNotBefore(t time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.NotBefore = t
}

// Budget is the current most lookups per Window.
func (p *Pace) Budget() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.defaults()
	return p.budget
}
