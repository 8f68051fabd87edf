package httpapi

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Rate-limit defaults.
const (
	DefaultRate  = 20 // requests per second per caller
	DefaultBurst = 40
	// failRate and failBurst bound failed authentications per address: ten
	// wrong tokens or pairing codes at once, then one per six seconds.
	failRate  = rate.Limit(1.0 / 6)
	failBurst = 10
	// limiterIdle is how long an unused limiter is kept. A limiter idle for
	// longer than burst/rate is full again, so forgetting it changes nothing.
	limiterIdle = 5 * time.Minute
	// maxLimiters bounds memory when many addresses or tokens show up.
	maxLimiters = 10_000
)

// limiters is a set of token buckets by key (a caller or an address) with
// bounded memory: idle ones are evicted, and the set never grows past
// maxLimiters.
type limiters struct {
	limit rate.Limit
	burst int

	mu        sync.Mutex
	m         map[string]*limiterEntry
	lastSweep time.Time
}

type limiterEntry struct {
	lim  *rate.Limiter
	last time.Time
}

func newLimiters(limit rate.Limit, burst int) *limiters {
	return &limiters{limit: limit, burst: burst, m: map[string]*limiterEntry{}}
}

func (l *limiters) entry(key string, now time.Time) *limiterEntry {
	e, ok := l.m[key]
	if !ok {
		if len(l.m) >= maxLimiters || now.Sub(l.lastSweep) > limiterIdle {
			l.sweep(now)
		}
		if len(l.m) >= maxLimiters {
			// Everyone is active: forgetting an arbitrary one gives it a
			// fresh burst, which is better than growing without bound.
			for k := range l.m {
				delete(l.m, k)
				break
			}
		}
		e = &limiterEntry{lim: rate.NewLimiter(l.limit, l.burst)}
		l.m[key] = e
	}
	e.last = now
	return e
}

func (l *limiters) sweep(now time.Time) {
	l.lastSweep = now
	for k, e := range l.m {
		if now.Sub(e.last) > limiterIdle {
			delete(l.m, k)
		}
	}
}

// allow spends one token of key's bucket; when there is none it says how
// long until there will be.
func (l *limiters) allow(key string, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.entry(key, now)
	if e.lim.AllowN(now, 1) {
		return 0, true
	}
	return waitFor(e.lim, now), false
}

// exhausted reports whether key has no token left, without spending one.
func (l *limiters) exhausted(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.m[key]
	return ok && e.lim.TokensAt(now) < 1
}

// wait is how long until key has a token again.
func (l *limiters) wait(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.m[key]
	if !ok {
		return 0
	}
	return waitFor(e.lim, now)
}

// size is the number of limiters kept (for tests and metrics).
func (l *limiters) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.m)
}

func waitFor(lim *rate.Limiter, now time.Time) time.Duration {
	missing := 1 - lim.TokensAt(now)
	if missing <= 0 || lim.Limit() <= 0 {
		return 0
	}
	return time.Duration(missing / float64(lim.Limit()) * float64(time.Second))
}
