package netdb

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"

	"github.com/i2pseed/i2pseed/internal/atomicfile"
)

// A Probe is what handshakes to one router's published address showed.
type Probe struct {
	Last     time.Time `json:"last"`               // the latest attempt
	OK       time.Time `json:"ok,omitzero"`        // the latest that completed
	Failures int       `json:"failures,omitempty"` // attempts failed since OK
	Outcome  string    `json:"outcome,omitempty"`  // of the latest failure
	// Transport is the transport of the latest that completed (NTCP2,
	// SSU2); empty in files written before it was kept.
	Transport string `json:"transport,omitempty"`
}

// Reachable reports whether the latest attempt completed.
func (p Probe) Reachable() bool { return p.Failures == 0 && !p.OK.IsZero() }

// Liveness keeps, per router, what probes of its published address
// showed, so selection can prefer routers that are still there. It is
// safe for concurrent use; Save writes it to its file atomically, as
// JSON (the built-in router's data dir: liveness.json).
type Liveness struct {
	path      string
	mu        sync.Mutex
	m         map[Hash]Probe
	onFailure []func(h Hash, at time.Time) // appended to only
}

// OpenLiveness reads path, or starts empty if it does not exist.
func OpenLiveness(path string) (*Liveness, error) {
	l := &Liveness{path: path, m: map[Hash]Probe{}}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return l, nil
	case err != nil:
		return nil, fmt.Errorf("netdb: liveness: %w", err)
	}
	if err := json.Unmarshal(b, &l.m); err != nil {
		return nil, fmt.Errorf("netdb: liveness %s: %w", path, err)
	}
	return l, nil
}

// Record notes one attempt at time at: completed, or failed with outcome.
// A failure is then passed to the OnFailure functions.
func (l *Liveness) Record(h Hash, at time.Time, ok bool, outcome string) {
	l.RecordVia(h, at, "", ok, outcome)
}

// RecordVia is Record for an attempt over the named transport (NTCP2,
// SSU2), which a completed one keeps as the Probe's Transport.
func (l *Liveness) RecordVia(h Hash, at time.Time, transport string, ok bool, outcome string) {
	l.mu.Lock()
	p := l.m[h]
	p.Last = at
	if ok {
		p.OK, p.Failures, p.Outcome, p.Transport = at, 0, "", transport
	} else {
		p.Failures++
		p.Outcome = outcome
	}
	l.m[h] = p
	listeners := l.onFailure
	l.mu.Unlock()
	if ok {
		return
	}
	for _, f := range listeners {
		f(h, at)
	}
}

// OnFailure makes every later failed attempt Record notes call f with the
// router and the attempt's time, once the failure is recorded (Get sees
// it). f runs in Record's caller, without l's lock held, so it may call
// l's methods; it should return quickly.
func (l *Liveness) OnFailure(f func(h Hash, at time.Time)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.onFailure = append(l.onFailure, f)
}

// Get returns what is known of h.
func (l *Liveness) Get(h Hash) (Probe, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p, ok := l.m[h]
	return p, ok
}

// Counts returns how many routers' latest probe completed, within d of
// now, and how many failed.
func (l *Liveness) Counts(now time.Time, d time.Duration) (live, unreachable int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, p := range l.m {
		switch {
		case !p.Reachable():
			unreachable++
		case now.Sub(p.OK) <= d:
			live++
		}
	}
	return live, unreachable
}

// Forget drops routers for which keep is false (e.g. those no longer in
// the netDb).
func (l *Liveness) Forget(keep func(Hash) bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for h := range l.m {
		if !keep(h) {
			delete(l.m, h)
		}
	}
}

// Save writes the liveness file (0600, atomically).
func (l *Liveness) Save() error {
	l.mu.Lock()
	b, err := json.Marshal(l.m)
	l.mu.Unlock()
	if err != nil {
		return fmt.Errorf("netdb: liveness: %w", err)
	}
	if err := atomicfile.WriteFile(l.path, b, 0o600); err != nil {
		return fmt.Errorf("netdb: liveness: %w", err)
	}
	return nil
}

// liveness is the policy's verdict on e from its probes: OK when its
// latest probe completed within LiveWithin, else RejectUnreachable when
// the latest failed, RejectUnprobed when none is recent enough.
func (p *Policy) liveness(e *Entry, now time.Time) Reason {
	if p.Liveness == nil {
		return OK
	}
	pr, ok := p.Liveness.Get(e.Hash)
	switch {
	case ok && pr.Failures > 0:
		return RejectUnreachable
	case !ok || now.Sub(pr.OK) > p.liveWithin():
		return RejectUnprobed
	}
	return OK
}

func (p *Policy) liveWithin() time.Duration {
	if p.LiveWithin > 0 {
		return p.LiveWithin
	}
	return time.Hour
}
