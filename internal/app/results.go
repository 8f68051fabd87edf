package app

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
)

// ActionResultTTL is how long the answer to an applied Home Assistant
// action is kept for a caller that asks again with the same request_id.
const ActionResultTTL = 24 * time.Hour

// ActionResultStore keeps the answers to applied actions by their key.
type ActionResultStore interface {
	// ActionResultGet is the answer kept for key; domain.ErrNotFound when
	// none.
	ActionResultGet(ctx context.Context, key string) (json.RawMessage, error)
	// ActionResultPut keeps result for key unless one is kept already.
	ActionResultPut(ctx context.Context, key, event string, result json.RawMessage, at time.Time) error
	// ActionResultsPrune drops the answers kept before before.
	ActionResultsPrune(ctx context.Context, before time.Time) (int64, error)
}

// ActionResult is the answer kept for an action's key (found false when
// none is), so a repeated action is answered again instead of applied again.
func (s *Service) ActionResult(ctx context.Context, key string) (json.RawMessage, bool, error) {
	r, err := s.store.ActionResultGet(ctx, key)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, false, nil
	}
	return r, err == nil, err
}

// KeepActionResult keeps the answer to an applied action for at least
// ActionResultTTL.
func (s *Service) KeepActionResult(ctx context.Context, key, event string, result json.RawMessage) error {
	return s.store.ActionResultPut(ctx, key, event, result, s.now())
}

// PruneActionResults drops the answers older than ActionResultTTL; the
// scheduled job runs it.
func (s *Service) PruneActionResults(ctx context.Context) (int64, error) {
	return s.store.ActionResultsPrune(ctx, s.now().Add(-ActionResultTTL))
}
