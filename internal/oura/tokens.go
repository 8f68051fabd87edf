package oura

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"

	"github.com/lifeops/lifeops/internal/domain"
)

// saveAttempts bounds how often a rotated pair is offered to the store before
// the call gives up; the pair stays in memory and is offered again first
// thing on the next call, because it is the only pair Oura still accepts.
const saveAttempts = 3

// tokens hands out access tokens per person and is the only place that
// refreshes them: one refresh at a time per person, the new pair stored
// before it is used.
type tokens struct {
	client *Client
	store  TokenStore

	mu      sync.Mutex
	persons map[int64]*personTokens
}

type personTokens struct {
	lock    chan struct{} // a mutex a waiting caller can abandon when its ctx ends
	pending *Token        // rotated by Oura but not yet stored
}

func (ts *tokens) person(id int64) *personTokens {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	p, ok := ts.persons[id]
	if !ok {
		p = &personTokens{lock: make(chan struct{}, 1)}
		ts.persons[id] = p
	}
	return p
}

// token returns a usable access token for personID. rejected is an access
// token Oura just answered 401 to: it is refreshed even if it looks fresh,
// unless someone else already replaced it.
func (ts *tokens) token(ctx context.Context, personID int64, rejected string) (Token, error) {
	p := ts.person(personID)
	select {
	case p.lock <- struct{}{}:
	case <-ctx.Done():
		return Token{}, ctx.Err()
	}
	defer func() { <-p.lock }()

	if p.pending != nil {
		if err := ts.save(ctx, personID, *p.pending); err != nil {
			return Token{}, err
		}
		p.pending = nil
	}
	tok, err := ts.store.Load(ctx, personID)
	if errors.Is(err, domain.ErrNotFound) {
		return Token{}, fmt.Errorf("person %d: %w", personID, ErrNotConnected)
	}
	if err != nil {
		return Token{}, fmt.Errorf("person %d: load oura token: %w", personID, err)
	}
	if tok.AccessToken != rejected && tok.Fresh(ts.client.cfg.Now()) {
		return tok, nil
	}

	fresh, err := ts.client.Refresh(ctx, tok.RefreshToken)
	switch {
	case errors.Is(err, ErrInvalidGrant):
		// Used or revoked: retrying the same token cannot succeed.
		return Token{}, fmt.Errorf("person %d: %w: %w", personID, ErrReauthRequired, err)
	case err != nil:
		// The old pair was not spent (or we cannot know): keep it and try again later.
		return Token{}, fmt.Errorf("person %d: %w", personID, err)
	}
	if err := ts.save(ctx, personID, fresh); err != nil {
		p.pending = &fresh
		return Token{}, err
	}
	return fresh, nil
}

func (ts *tokens) save(ctx context.Context, personID int64, tok Token) error {
	_, err := backoff.Retry(ctx, func() (struct{}, error) { return struct{}{}, ts.store.Save(ctx, personID, tok) },
		backoff.WithBackOff(&backoff.ExponentialBackOff{InitialInterval: ts.client.cfg.BackoffBase, RandomizationFactor: 0.5,
			Multiplier: 2, MaxInterval: ts.client.cfg.BackoffMax}),
		backoff.WithMaxTries(saveAttempts), backoff.WithMaxElapsedTime(0))
	if err != nil {
		return fmt.Errorf("person %d: store rotated oura token: %w", personID, err)
	}
	return nil
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
