package httpapi

import (
	"fmt"
	"testing"
	"time"
)

func TestLimitersBucketAndWait(t *testing.T) {
	t.Parallel()
	l := newLimiters(2, 3) // 2/s, burst 3
	now := time.Unix(1_700_000_000, 0)
	for i := range 3 {
		if _, ok := l.allow("a", now); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	wait, ok := l.allow("a", now)
	if ok || wait != 500*time.Millisecond {
		t.Fatalf("4th request: ok=%v wait=%v, want refused for 500ms", ok, wait)
	}
	if _, ok := l.allow("b", now); !ok {
		t.Error("another key shares the bucket")
	}
	if _, ok := l.allow("a", now.Add(500*time.Millisecond)); !ok {
		t.Error("no token after the refill time")
	}
}

func TestLimitersForgetIdleAndStayBounded(t *testing.T) {
	t.Parallel()
	l := newLimiters(1, 1)
	now := time.Unix(1_700_000_000, 0)
	for i := range 100 {
		l.allow(fmt.Sprint("old", i), now)
	}
	l.allow("fresh", now.Add(limiterIdle+time.Second))
	if n := l.size(); n != 1 {
		t.Errorf("%d limiters after everyone else went idle, want 1", n)
	}
	for i := range maxLimiters + 500 {
		l.allow(fmt.Sprint("busy", i), now.Add(limiterIdle+2*time.Second))
	}
	if n := l.size(); n > maxLimiters {
		t.Errorf("%d limiters, bound is %d", n, maxLimiters)
	}
	if l.exhausted("never-seen", now) {
		t.Error("an unknown address counts as exhausted")
	}
}
