package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lifeops/lifeops/internal/app"
)

// RetryBudget bounds how long one transaction or statement is retried
// before the store gives up and reports app.ErrUnavailable. It stays well
// under an HTTP client's patience; a database that is gone for longer is an
// outage, answered 503.
const RetryBudget = 5 * time.Second

// newBackOff is the one retry schedule of database work: capped
// exponential, jittered (±50 %) so replicas and requests that failed
// together do not come back together.
func newBackOff() backoff.BackOff {
	return &backoff.ExponentialBackOff{
		InitialInterval:     10 * time.Millisecond,
		RandomizationFactor: 0.5,
		Multiplier:          2,
		MaxInterval:         time.Second,
	}
}

// Transient reports whether err may pass on another attempt: a
// serialization failure or deadlock (40001, 40P01), the server shutting the
// connection (57P01 admin shutdown, 57P02, 57P03), a connection exception
// (08…), or a connection that failed or was lost.
func Transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	// A connection that could not be made sent nothing: whatever the
	// server said (shutting down, not accepting connections), a later
	// attempt may get through.
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch c := pgErr.Code; {
		case c == "40001", c == "40P01", c == "57P01", c == "57P02", c == "57P03", len(c) == 5 && c[:2] == "08":
			return true
		}
		return false
	}
	var netErr net.Error
	return errors.As(err, &netErr) ||
		errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE) || pgconn.SafeToRetry(err)
}

// refused reports whether the server refused a statement (it answered with
// an error), or the statement never left: either way nothing took effect.
// A connection lost after the statement was sent leaves its fate unknown.
func refused(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) || pgconn.SafeToRetry(err)
}

// lostConnection reports whether err ended a connection that was open: the
// server ended the session (57P01 for a shutdown or pg_terminate_backend,
// 57P02 after a crash) or the network dropped it. Whatever did that has
// most likely ended the pool's other connections too.
func lostConnection(err error) bool {
	var connErr *pgconn.ConnectError
	return Transient(err) && !errors.As(err, &connErr) && !isCode(err, "40001") && !isCode(err, "40P01")
}

// errUnknownOutcome marks a lost connection whose statement may or may not
// have taken effect; it is never retried here.
var errUnknownOutcome = errors.New("connection lost with the outcome unknown")

// retry runs op on pool until it succeeds, fails for good, or RetryBudget
// is spent. op decides what may be repeated by returning backoff.Permanent.
// A transient error that outlives the budget comes back as
// app.ErrUnavailable.
//
// A lost connection resets the pool (pgxpool's Reset is meant for this: its
// idle connections close at once, those in use when they come back), so the
// next attempt opens a live one. Without it each idle connection that a
// restart had ended cost an attempt and a step of backoff: 9 attempts and
// up to 2.4 s with eight of them.
func retry[T any](ctx context.Context, pool *pgxpool.Pool, op func() (T, error)) (T, error) {
	res, err := backoff.Retry(ctx, func() (T, error) {
		res, err := op()
		if err != nil && lostConnection(err) {
			pool.Reset()
		}
		if err != nil && !Transient(err) {
			return res, backoff.Permanent(err)
		}
		return res, err
	}, backoff.WithBackOff(newBackOff()), backoff.WithMaxElapsedTime(RetryBudget))
	return res, unavailable(err)
}

// unavailable wraps what is not the caller's fault and may pass in
// app.ErrUnavailable.
func unavailable(err error) error {
	if err == nil || errors.Is(err, app.ErrUnavailable) {
		return err
	}
	if errors.Is(err, errUnknownOutcome) || (Transient(err) && !isCode(err, "40001") && !isCode(err, "40P01")) {
		return fmt.Errorf("%w: %w", app.ErrUnavailable, err)
	}
	return err
}

// runTx runs fn in a transaction, retrying the whole transaction on a
// transient error. Until COMMIT is sent nothing is stored, so any transient
// failure before it is retried; a COMMIT the server refused (a
// serialization failure) is too. A connection lost while COMMIT was on its
// way is not: the transaction may have been stored, and doing it again could
// store it twice, so the caller hears app.ErrUnavailable and may retry with
// its idempotency key. The transaction is a pipeTx: writes that wait go
// with the COMMIT, and the same holds for them.
func runTx(ctx context.Context, pool *pgxpool.Pool, fn func(*pipeTx) error) error {
	_, err := retry(ctx, pool, func() (struct{}, error) {
		tx, err := beginPipeTx(ctx, pool)
		if err != nil {
			return struct{}{}, err
		}
		defer tx.release(ctx)
		if err := fn(tx); err != nil {
			return struct{}{}, err
		}
		if err := tx.commit(ctx); err != nil {
			if refused(err) || !Transient(err) {
				return struct{}{}, err
			}
			return struct{}{}, backoff.Permanent(fmt.Errorf("commit: %w: %w", errUnknownOutcome, err))
		}
		return struct{}{}, nil
	})
	return err
}

// retryingPool is the pool as the store's statements outside a transaction
// see it: reads are retried on any transient error; a write (Exec) only when
// it certainly did not take effect.
type retryingPool struct{ pool *pgxpool.Pool }

var _ querier = retryingPool{}

func (p retryingPool) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return retry(ctx, p.pool, func() (pgconn.CommandTag, error) {
		tag, err := p.pool.Exec(ctx, sql, args...)
		if err != nil && Transient(err) && !refused(err) {
			return tag, backoff.Permanent(fmt.Errorf("%w: %w", errUnknownOutcome, err))
		}
		return tag, err
	})
}

func (p retryingPool) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return retry(ctx, p.pool, func() (pgx.Rows, error) { return p.pool.Query(ctx, sql, args...) })
}

func (p retryingPool) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return retryingRow{ctx: ctx, pool: p.pool, sql: sql, args: args}
}

func (p retryingPool) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	return p.pool.SendBatch(ctx, b)
}

func (p retryingPool) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error) {
	return p.pool.CopyFrom(ctx, table, columns, src)
}

// retryingRow runs its query when scanned, so the retry covers it.
type retryingRow struct {
	ctx  context.Context
	pool *pgxpool.Pool
	sql  string
	args []any
}

func (r retryingRow) Scan(dest ...any) error {
	_, err := retry(r.ctx, r.pool, func() (struct{}, error) {
		return struct{}{}, r.pool.QueryRow(r.ctx, r.sql, r.args...).Scan(dest...)
	})
	return err
}
