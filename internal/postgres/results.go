package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/lifeops/lifeops/internal/app"
)

var _ app.ActionResultStore = (*Store)(nil)

// ActionResultGet implements app.ActionResultStore.
func (s *Store) ActionResultGet(ctx context.Context, key string) (json.RawMessage, error) {
	var out json.RawMessage
	err := s.q.QueryRow(ctx, "SELECT result FROM action_results WHERE key = $1", key).Scan(&out)
	if err != nil {
		return nil, notFound(err, fmt.Sprintf("result of action %s", key))
	}
	return out, nil
}

// ActionResultPut implements app.ActionResultStore: the first answer kept
// for a key stays.
func (s *Store) ActionResultPut(ctx context.Context, key, event string, result json.RawMessage, at time.Time) error {
	if _, err := s.q.Exec(ctx, `INSERT INTO action_results (key, event, result, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (key) DO NOTHING`, key, event, result, at); err != nil {
		return fmt.Errorf("keep result of action %s: %w", key, err)
	}
	return nil
}

// ActionResultsPrune implements app.ActionResultStore.
func (s *Store) ActionResultsPrune(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.q.Exec(ctx, "DELETE FROM action_results WHERE created_at < $1", before)
	if err != nil {
		return 0, fmt.Errorf("prune action results: %w", err)
	}
	return tag.RowsAffected(), nil
}
