package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

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
	// One round trip, committed without waiting for the disk: the two
	// statements of a batch run as one implicit transaction, which the
	// first makes lazy (see lazyCommit). The answer is kept after it was
	// sent, on the worker that handles the next action, which therefore no
	// longer waits for this flush. Only a crash of the database server
	// itself within a fraction of a second could lose it; a check-in or an
	// activity asked again is still applied once (its idempotency key).
	b := &pgx.Batch{}
	b.Queue(lazyCommit)
	b.Queue(`INSERT INTO action_results (key, event, result, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (key) DO NOTHING`, key, event, result, at)
	send := func() (struct{}, error) { return struct{}{}, s.q.SendBatch(ctx, b).Close() }
	var err error
	if s.inTx {
		_, err = send()
	} else {
		_, err = retry(ctx, s.pool, send) // the insert is idempotent: safe to send again
	}
	if err != nil {
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
