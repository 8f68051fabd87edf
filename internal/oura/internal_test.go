package oura

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/oura/ouratest"
)

func TestParseAPIErrorRecordedBodies(t *testing.T) {
	t.Parallel()
	fixtures := ouratest.Fixtures()
	files, err := fs.Glob(fixtures, "responses/*.4??.json")
	if err != nil || len(files) != 27 {
		t.Fatalf("found %d recorded error bodies: %v", len(files), err)
	}
	for _, f := range files {
		body, err := fs.ReadFile(fixtures, f)
		if err != nil {
			t.Fatal(err)
		}
		name := path.Base(f)
		var status int
		switch {
		case strings.HasSuffix(name, ".404.json"):
			status = 404
		case strings.HasSuffix(name, ".422.json"):
			status = 422
		case strings.HasSuffix(name, ".403.json"):
			status = 403
		}
		e := parseAPIError(status, body)
		if e.Message == "" {
			t.Errorf("%s: no message from %s", name, body)
		}
		want := map[int]error{404: domain.ErrNotFound, 422: ErrInvalidRequest, 403: ErrForbidden}[status]
		if !errors.Is(e, want) {
			t.Errorf("%s: %v does not match %v", name, e, want)
		}
		if status == 422 && (len(e.Details) == 0 || e.Details[0].Msg == "" || len(e.Details[0].Loc) == 0) {
			t.Errorf("%s: details %+v", name, e.Details)
		}
	}
	if e := parseAPIError(502, []byte("<html>bad gateway</html>")); e.Message != "" || !errors.Is(e, ErrUnavailable) {
		t.Errorf("non-JSON 502: %+v", e)
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		h    http.Header
		want time.Duration
	}{
		{http.Header{"Retry-After": {"30"}}, 30 * time.Second},
		{http.Header{"Retry-After": {"0"}}, time.Second}, // never hammer
		{http.Header{"Retry-After": {now.Add(90 * time.Second).Format(http.TimeFormat)}}, 90 * time.Second},
		{http.Header{"X-Ratelimit-Reset": {"1767268920"}}, 120 * time.Second},
		{http.Header{"Retry-After": {"soon"}}, time.Minute},
		{http.Header{}, time.Minute},
	}
	for _, tc := range tests {
		if got := retryAfter(tc.h, now); got != tc.want {
			t.Errorf("%v: %v, want %v", tc.h, got, tc.want)
		}
	}
}

func TestBackoffCappedWithJitter(t *testing.T) {
	t.Parallel()
	c := &Client{cfg: Config{BackoffBase: 100 * time.Millisecond, BackoffMax: time.Second}}
	for attempt, want := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 60: time.Second} {
		seen := map[time.Duration]bool{}
		for range 50 {
			d := c.backoff(attempt)
			if d < want/2 || d > want {
				t.Fatalf("attempt %d: %v outside [%v, %v]", attempt, d, want/2, want)
			}
			seen[d] = true
		}
		if len(seen) < 2 {
			t.Errorf("attempt %d: no jitter", attempt)
		}
	}
}

func TestWindows(t *testing.T) {
	t.Parallel()
	d := func(s string) time.Time { v, _ := time.Parse(time.DateOnly, s); return v }
	got := windows(d("2024-01-01"), d("2024-03-05"), 30)
	want := [][2]string{{"2024-02-05", "2024-03-05"}, {"2024-01-06", "2024-02-04"}, {"2024-01-01", "2024-01-05"}}
	if len(got) != len(want) {
		t.Fatalf("%d windows, want %d", len(got), len(want))
	}
	for i, w := range got {
		if w[0].Format(time.DateOnly) != want[i][0] || w[1].Format(time.DateOnly) != want[i][1] {
			t.Errorf("window %d: %v..%v, want %v", i, w[0], w[1], want[i])
		}
	}
	if one := windows(d("2024-01-01"), d("2024-01-01"), 30); len(one) != 1 {
		t.Errorf("single day: %d windows", len(one))
	}
}

func TestBreakerHalfOpenAllowsOneProbe(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b := NewBreaker(1, time.Second, func() time.Time { return now })
	b.Failure(errors.New("boom"))
	if err := b.Allow(); !errors.Is(err, ErrCircuitOpen) || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("open: %v", err)
	}
	now = now.Add(time.Second)
	if err := b.Allow(); err != nil {
		t.Fatalf("probe refused: %v", err)
	}
	if b.Status().State != BreakerHalfOpen {
		t.Fatalf("state %s", b.Status().State)
	}
	if err := b.Allow(); !errors.Is(err, ErrCircuitOpen) {
		t.Fatalf("second concurrent probe allowed: %v", err)
	}
	b.release() // the probe's caller gave up
	if err := b.Allow(); err != nil {
		t.Fatalf("probe after release: %v", err)
	}
	b.Success()
	if st := b.Status(); st.State != BreakerClosed || st.Since != now {
		t.Fatalf("after success %+v", st)
	}
}

func TestLimiter(t *testing.T) {
	t.Parallel()
	l := NewLimiter(nil)
	later := time.Now().Add(50 * time.Millisecond)
	l.PauseUntil(later)
	l.PauseUntil(time.Now()) // never shortens
	if !l.PausedUntil().Equal(later) {
		t.Fatal("pause shortened")
	}
	start := time.Now()
	if err := l.Wait(t.Context()); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) < 40*time.Millisecond {
		t.Errorf("waited %v", time.Since(start))
	}
	l.PauseUntil(time.Now().Add(time.Hour))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := l.Wait(ctx); err == nil {
		t.Error("cancelled wait returned nil")
	}
}
