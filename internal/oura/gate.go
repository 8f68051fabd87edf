package oura

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Limiter is the pause every request consults first. Oura's 429 can come
// from the per-application layer, which every person's token shares, so one
// person's Retry-After holds everyone back. Share one Limiter per client id.
type Limiter struct {
	now func() time.Time

	mu    sync.Mutex
	until time.Time
}

// NewLimiter returns an open Limiter; now nil means time.Now.
func NewLimiter(now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{now: now}
}

// PauseUntil holds every request back until t. An earlier t than the current
// pause never shortens it.
func (l *Limiter) PauseUntil(t time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t.After(l.until) {
		l.until = t
	}
}

// PausedUntil is the end of the current pause (zero or past: not paused).
func (l *Limiter) PausedUntil() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.until
}

// Wait blocks until no pause is in force or ctx ends. A pause extended while
// waiting is honoured too.
func (l *Limiter) Wait(ctx context.Context) error {
	for {
		d := l.PausedUntil().Sub(l.now())
		if d <= 0 {
			return ctx.Err()
		}
		if err := sleep(ctx, d); err != nil {
			return err
		}
	}
}

// BreakerState is the circuit breaker's position.
type BreakerState string

// Breaker states, as shown on /readyz.
const (
	BreakerClosed   BreakerState = "closed"    // calls flow
	BreakerOpen     BreakerState = "open"      // calls fail fast until the cool-down ends
	BreakerHalfOpen BreakerState = "half-open" // one probe call decides
)

// BreakerStatus is a snapshot of a Breaker for health reporting.
type BreakerStatus struct {
	State     BreakerState
	Failures  int       // consecutive failures
	LastError string    // the most recent failure, empty after a success
	Since     time.Time // when State was entered
}

// Breaker stops calling Oura after Threshold consecutive failures (5xx,
// timeouts, network errors) and lets one probe through after Cooldown.
// Answers that prove Oura is up (2xx, 4xx) close it.
type Breaker struct {
	threshold int
	cooldown  time.Duration
	now       func() time.Time

	mu       sync.Mutex
	state    BreakerState
	failures int
	lastErr  string
	since    time.Time
	probing  bool
}

// NewBreaker returns a closed Breaker. threshold < 1 means 1; now nil means time.Now.
func NewBreaker(threshold int, cooldown time.Duration, now func() time.Time) *Breaker {
	if now == nil {
		now = time.Now
	}
	return &Breaker{threshold: max(threshold, 1), cooldown: cooldown, now: now, state: BreakerClosed, since: now()}
}

// Allow reports whether a call may go out now. In half-open only one probe
// is allowed until its result is recorded.
func (b *Breaker) Allow() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case BreakerOpen:
		if b.now().Sub(b.since) < b.cooldown {
			return fmt.Errorf("%w since %s: %s", ErrCircuitOpen, b.since.Format(time.RFC3339), b.lastErr)
		}
		b.state, b.since, b.probing = BreakerHalfOpen, b.now(), true
		return nil
	case BreakerHalfOpen:
		if b.probing {
			return fmt.Errorf("%w: probe in flight: %s", ErrCircuitOpen, b.lastErr)
		}
		b.probing = true
	}
	return nil
}

// Success records an answer that proves Oura is reachable.
func (b *Breaker) Success() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state != BreakerClosed {
		b.state, b.since = BreakerClosed, b.now()
	}
	b.failures, b.lastErr, b.probing = 0, "", false
}

// Failure records an outage-like failure.
func (b *Breaker) Failure(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures++
	b.lastErr = errString(err)
	b.probing = false
	if b.state == BreakerHalfOpen || (b.state == BreakerClosed && b.failures >= b.threshold) {
		b.state, b.since = BreakerOpen, b.now()
	}
}

// release forgets an allowed call that ended without telling anything about
// Oura's health (the caller's ctx ended), so a half-open probe is not stuck.
func (b *Breaker) release() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.probing = false
}

// Status returns a snapshot for /readyz.
func (b *Breaker) Status() BreakerStatus {
	b.mu.Lock()
	defer b.mu.Unlock()
	return BreakerStatus{State: b.state, Failures: b.failures, LastError: b.lastErr, Since: b.since}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout: " + err.Error()
	}
	return err.Error()
}
