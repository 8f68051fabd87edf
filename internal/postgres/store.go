package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

// querier is what both a pool and a transaction offer.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
	CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error)
}

// Store implements app.Store on PostgreSQL.
type Store struct {
	pool *pgxpool.Pool
	q    querier
	inTx bool
}

var _ app.Store = (*Store)(nil)

// NewStore returns a Store on pool. Its statements are retried on
// transient errors (retry.go); what stays unreachable is app.ErrUnavailable.
func NewStore(pool *pgxpool.Pool) *Store { return &Store{pool: pool, q: retryingPool{pool}} }

// InTx runs fn in one transaction, retried as a whole on a serialization
// failure, a deadlock or a lost connection (runTx). A nested call joins the
// outer one.
func (s *Store) InTx(ctx context.Context, fn func(tx app.Store) error) error {
	if s.inTx {
		return fn(s)
	}
	return runTx(ctx, s.pool, func(tx *pipeTx) error {
		return fn(&Store{pool: s.pool, q: tx, inTx: true})
	})
}

// lazyCommit lets the transaction it runs in commit without waiting for
// its WAL to reach the disk (synchronous_commit off, for this transaction
// only): sensor readings and what rules derive from them. The rows are
// visible to everyone at once. The WAL is written in commit order, and
// any later synchronous commit flushes it up to itself; only a crash of
// the database server itself (not a restart, not a crash of LifeOps) can
// lose the last fraction of a second of such commits (wal_writer_delay,
// 200 ms by default, up to three times that). A disk whose flushes stall
// (an SD card, a busy virtual disk) then no longer holds up a button
// press. The rules' transactions run beside the readings' own write (the
// ingester hands them a batch while writing it), so such a crash may keep
// a check-in and lose the reading it came from; the broker sends again
// what LifeOps did not acknowledge, and a rule takes each day once.
const lazyCommit = `SELECT set_config('synchronous_commit', 'off', true)`

// uniqueViolation reports whether err broke the named unique constraint.
func uniqueViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505" && (constraint == "" || pgErr.ConstraintName == constraint)
}

// notFound turns pgx's no-rows into the domain's not-found error.
func notFound(err error, what string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, domain.ErrNotFound)
	}
	return err
}
