package app_test

import (
	"context"
	"errors"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/character"
	"github.com/lifeops/lifeops/internal/postgres"
)

func TestScopeIncludes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		have, need app.Scope
		want       bool
	}{
		{app.ScopeRead, app.ScopeRead, true},
		{app.ScopeRead, app.ScopeWrite, false},
		{app.ScopeWrite, app.ScopeRead, true},
		{app.ScopeWrite, app.ScopeAdmin, false},
		{app.ScopeAdmin, app.ScopeWrite, true},
		{app.ScopeAdmin, "", false},
		{"root", app.ScopeRead, false},
	}
	for _, tt := range tests {
		if got := tt.have.Includes(tt.need); got != tt.want {
			t.Errorf("%q includes %q = %v, want %v", tt.have, tt.need, got, tt.want)
		}
	}
}

func newTokens(t *testing.T, now func() time.Time) (*app.Tokens, *app.Service) {
	t.Helper()
	store := postgres.NewStore(dbtest.New(t))
	tree, err := character.Default()
	if err != nil {
		t.Fatal(err)
	}
	return app.NewTokens(store, store, now), app.New(app.Options{Store: store, Logger: zerolog.Nop(), Tree: tree})
}

func TestTokenLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tokens, svc := newTokens(t, nil)
	if _, err := svc.CreatePerson(ctx, app.PersonInput{Name: "Anna"}); err != nil {
		t.Fatal(err)
	}
	var ve *domain.ValidationError
	if _, err := tokens.Create(ctx, app.TokenInput{Name: " ", Scope: "root"}); !errors.As(err, &ve) || len(ve.Fields) != 2 {
		t.Fatalf("bad input: %v", err)
	}
	if _, err := tokens.Create(ctx, app.TokenInput{Name: "x", Scope: app.ScopeRead, Person: "nobody"}); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("unknown person: %v", err)
	}
	tok, err := tokens.Create(ctx, app.TokenInput{Name: "phone", Scope: app.ScopeWrite, Person: "anna"})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`).MatchString(tok.Secret) || tok.PersonID == nil {
		t.Fatalf("token %+v", tok)
	}
	got, err := tokens.Authenticate(ctx, tok.Secret)
	if err != nil || got.ID != tok.ID || got.Scope != app.ScopeWrite {
		t.Fatalf("authenticate: %+v %v", got, err)
	}
	if _, err := tokens.Authenticate(ctx, tok.Secret+"x"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("wrong secret: %v", err)
	}
	if err := tokens.Revoke(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := tokens.Authenticate(ctx, tok.Secret); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("revoked token authenticates: %v", err)
	}
	if err := tokens.Revoke(ctx, tok.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("second revoke: %v", err)
	}
}

func TestTouchWritesAtMostOncePerGap(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	tokens, _ := newTokens(t, clock)
	tok, err := tokens.Create(ctx, app.TokenInput{Name: "a", Scope: app.ScopeRead})
	if err != nil {
		t.Fatal(err)
	}
	lastUsed := func() time.Time {
		got, err := tokens.Authenticate(ctx, tok.Secret)
		if err != nil || got.LastUsed == nil {
			t.Fatalf("last used: %+v %v", got, err)
		}
		return got.LastUsed.UTC()
	}
	for _, step := range []struct {
		advance time.Duration
		want    time.Duration // since the first use
	}{{0, 0}, {30 * time.Second, 0}, {31 * time.Second, 61 * time.Second}, {10 * time.Second, 61 * time.Second}} {
		now = now.Add(step.advance)
		if err := tokens.Touch(ctx, tok.ID); err != nil {
			t.Fatal(err)
		}
		start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		if got := lastUsed(); !got.Equal(start.Add(step.want)) {
			t.Errorf("after +%v: last used %v, want %v", step.advance, got, start.Add(step.want))
		}
	}
}

func TestPairingCodes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var mu sync.Mutex
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	tokens, svc := newTokens(t, clock)
	anna, err := svc.CreatePerson(ctx, app.PersonInput{Name: "Anna"})
	if err != nil {
		t.Fatal(err)
	}
	code, err := tokens.CreatePairingCode(ctx, "anna")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}$`).MatchString(code.Code) || !code.ExpiresAt.Equal(now.Add(app.PairingTTL)) {
		t.Fatalf("code %+v", code)
	}
	// Two devices racing with one code: exactly one gets a token.
	var wg sync.WaitGroup
	results := make([]error, 4)
	for i := range results {
		wg.Go(func() {
			tok, err := tokens.Pair(ctx, code.Code, "phone")
			if err == nil && (tok.PersonID == nil || *tok.PersonID != anna.Value.ID || tok.Scope != app.ScopeWrite) {
				t.Errorf("paired token %+v", tok.Token)
			}
			results[i] = err
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range results {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, domain.ErrNotFound):
			t.Errorf("racing pair: %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d devices paired with one code", ok)
	}
	late, err := tokens.CreatePairingCode(ctx, "anna")
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	now = now.Add(app.PairingTTL + time.Second)
	mu.Unlock()
	if _, err := tokens.Pair(ctx, late.Code, ""); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("expired code: %v", err)
	}
	var ve *domain.ValidationError
	if _, err := tokens.Pair(ctx, "ABC", ""); !errors.As(err, &ve) {
		t.Errorf("short code: %v", err)
	}
	if got := app.NormalizePairingCode(" ab2c-d3ef "); got != "AB2CD3EF" {
		t.Errorf("normalised %q", got)
	}
}
