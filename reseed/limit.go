package reseed

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiter keeps one token bucket per client plus a global one. A request
// refused by its client's bucket never touches the global bucket, so one
// noisy address cannot use up everyone else's budget.
type limiter struct {
	perClient rate.Limit
	burst     int
	global    *rate.Limiter

	mu      sync.Mutex
	clients map[string]*clientBucket
	swept   time.Time
}

type clientBucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// Limits configure rate limiting. Zero values disable that limit.
type Limits struct {
	PerClient      rate.Limit // requests per second per client (/32 or /64)
	PerClientBurst int
	Global         rate.Limit // requests per second in all
	GlobalBurst    int
}

// DefaultLimits: a client may fetch a few times in a burst and then once a
// minute; the whole server answers at most 200 bundle requests a second.
var DefaultLimits = Limits{PerClient: rate.Every(time.Minute), PerClientBurst: 5, Global: 200, GlobalBurst: 400}

func newLimiter(l Limits) *limiter {
	lim := &limiter{perClient: l.PerClient, burst: max(l.PerClientBurst, 1), clients: map[string]*clientBucket{}}
	if l.Global > 0 {
		lim.global = rate.NewLimiter(l.Global, max(l.GlobalBurst, 1))
	}
	return lim
}

// allow reports whether a request from client may go on, and if not which
// limit refused it ("client" or "global").
func (l *limiter) allow(client string, now time.Time) (bool, string) {
	if l.perClient > 0 {
		l.mu.Lock()
		b := l.clients[client]
		if b == nil {
			b = &clientBucket{lim: rate.NewLimiter(l.perClient, l.burst)}
			l.clients[client] = b
		}
		b.seen = now
		ok := b.lim.AllowN(now, 1)
		l.sweep(now)
		l.mu.Unlock()
		if !ok {
			return false, "client"
		}
	}
	if l.global != nil && !l.global.AllowN(now, 1) {
		return false, "global"
	}
	return true, ""
}

// sweep forgets clients idle long enough for their bucket to be full again.
func (l *limiter) sweep(now time.Time) {
	if now.Sub(l.swept) < time.Minute {
		return
	}
	l.swept = now
	idle := time.Duration(float64(l.burst)/float64(l.perClient)*float64(time.Second)) + time.Minute
	for k, b := range l.clients {
		if now.Sub(b.seen) > idle {
			delete(l.clients, k)
		}
	}
}
