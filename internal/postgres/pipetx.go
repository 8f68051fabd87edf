package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pipeTx is a transaction that spends as few round trips as it can. A use
// case's transaction is a chain of small statements, and on a household's
// small machine each round trip wakes the database and this process again:
// that, not the work, is most of a button press's latency.
//
//   - BEGIN is not sent on its own: it goes with the first statement.
//   - A write whose answer nobody reads (later) waits and goes with the
//     next statement, or with COMMIT, in one pipeline (a pgx batch).
//   - A write whose answer is read only after the next statement
//     (laterRow: an id it returns) waits too; its answer is scanned when
//     the batch it went with is read.
//
// Statements run in the order they were issued either way. A write that
// waited and failed fails the statement it went with (or the commit), and
// the transaction is undone like any other that failed; so only writes
// whose failure the use case does not tell apart (an upsert, an update by
// key) may wait.
type pipeTx struct {
	conn    *pgxpool.Conn
	pending []*pgx.QueuedQuery // BEGIN, until it is sent, then waiting writes
	begun   bool               // BEGIN was sent: a failure needs ROLLBACK
}

var _ querier = (*pipeTx)(nil)

func beginPipeTx(ctx context.Context, pool *pgxpool.Pool) (*pipeTx, error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	return &pipeTx{conn: conn, pending: []*pgx.QueuedQuery{{SQL: "begin"}}}, nil
}

// take returns a batch of what waits, with q after it when q is not nil,
// and what waited, whose results come before q's.
func (t *pipeTx) take(q *pgx.QueuedQuery) (*pgx.Batch, []*pgx.QueuedQuery) {
	waited := t.pending
	b := &pgx.Batch{QueuedQueries: append([]*pgx.QueuedQuery(nil), waited...)}
	if len(waited) > 0 && waited[0].SQL == "begin" {
		t.begun = true
	}
	t.pending = nil
	if q != nil {
		b.QueuedQueries = append(b.QueuedQueries, q)
	}
	return b, waited
}

// drain reads the results of the statements that waited: a laterRow's
// with its scan, the others as Exec would.
func drain(br pgx.BatchResults, waited []*pgx.QueuedQuery) error {
	for _, q := range waited {
		if q.Fn != nil {
			if err := q.Fn(br); err != nil {
				return err
			}
			continue
		}
		if _, err := br.Exec(); err != nil {
			return err
		}
	}
	return nil
}

func (t *pipeTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if len(t.pending) == 0 {
		return t.conn.Exec(ctx, sql, args...)
	}
	b, waited := t.take(&pgx.QueuedQuery{SQL: sql, Arguments: args})
	br := t.conn.SendBatch(ctx, b)
	if err := drain(br, waited); err != nil {
		return pgconn.CommandTag{}, errors.Join(err, br.Close())
	}
	tag, err := br.Exec()
	return tag, errors.Join(err, br.Close())
}

func (t *pipeTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if len(t.pending) == 0 {
		return t.conn.Query(ctx, sql, args...)
	}
	b, waited := t.take(&pgx.QueuedQuery{SQL: sql, Arguments: args})
	br := t.conn.SendBatch(ctx, b)
	if err := drain(br, waited); err != nil {
		return nil, errors.Join(err, br.Close())
	}
	rows, err := br.Query()
	if err != nil {
		return nil, errors.Join(err, br.Close())
	}
	return &pipeRows{Rows: rows, br: br}, nil
}

func (t *pipeTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if len(t.pending) == 0 {
		return t.conn.QueryRow(ctx, sql, args...)
	}
	rows, err := t.Query(ctx, sql, args...)
	return pipeRow{rows: rows, err: err}
}

func (t *pipeTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	if len(t.pending) == 0 {
		return t.conn.SendBatch(ctx, b)
	}
	all, waited := t.take(nil)
	all.QueuedQueries = append(all.QueuedQueries, b.QueuedQueries...)
	// Close reads what waited as drain would (pgx runs a query's callback,
	// or reads it as Exec).
	return &pipeBatch{BatchResults: t.conn.SendBatch(ctx, all), waiting: waited}
}

func (t *pipeTx) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error) {
	if err := t.flush(ctx); err != nil {
		return 0, err
	}
	return t.conn.CopyFrom(ctx, table, columns, src)
}

// flush sends what waits on its own.
func (t *pipeTx) flush(ctx context.Context) error {
	if len(t.pending) == 0 {
		return nil
	}
	b, _ := t.take(nil)
	return t.conn.SendBatch(ctx, b).Close()
}

// commit sends what waits and COMMIT in one round trip. A transaction that
// never sent a statement has nothing to commit.
func (t *pipeTx) commit(ctx context.Context) error {
	if !t.begun && len(t.pending) <= 1 {
		t.pending = nil
		return nil
	}
	b, _ := t.take(&pgx.QueuedQuery{SQL: "commit"})
	br := t.conn.SendBatch(ctx, b)
	if err := br.Close(); err != nil {
		return err
	}
	// COMMIT of a transaction that had failed answers ROLLBACK.
	if t.conn.Conn().PgConn().TxStatus() != 'I' {
		return errors.New("commit: the transaction is still open")
	}
	return nil
}

// release undoes what was not committed and gives the connection back. A
// connection left inside a transaction (ROLLBACK could not be sent) is
// closed by the pool instead of reused.
func (t *pipeTx) release(ctx context.Context) {
	if t.begun && !t.conn.Conn().IsClosed() && t.conn.Conn().PgConn().TxStatus() != 'I' {
		_, _ = t.conn.Exec(context.WithoutCancel(ctx), "rollback")
	}
	t.conn.Release()
}

// pipeRows are the rows of a query that went with writes that waited: the
// batch they came in is closed with them.
type pipeRows struct {
	pgx.Rows
	br     pgx.BatchResults
	closed bool
	err    error
}

func (r *pipeRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.Close()
	return false
}

func (r *pipeRows) Close() {
	if r.closed {
		return
	}
	r.closed = true
	r.Rows.Close()
	r.err = r.br.Close()
}

func (r *pipeRows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return err
	}
	return r.err
}

// pipeRow is QueryRow over pipeRows, with pgx's rules: no row is
// pgx.ErrNoRows, and the rows are closed after the scan.
type pipeRow struct {
	rows pgx.Rows
	err  error
}

func (r pipeRow) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	defer r.rows.Close()
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := r.rows.Scan(dest...); err != nil {
		return err
	}
	r.rows.Close()
	return r.rows.Err()
}

// pipeBatch are the results of a batch sent after writes that waited: the
// caller reads its own results; those of the writes are read first.
type pipeBatch struct {
	pgx.BatchResults
	waiting []*pgx.QueuedQuery
}

func (b *pipeBatch) skip() error {
	waited := b.waiting
	b.waiting = nil
	return drain(b.BatchResults, waited)
}

func (b *pipeBatch) Exec() (pgconn.CommandTag, error) {
	if err := b.skip(); err != nil {
		return pgconn.CommandTag{}, err
	}
	return b.BatchResults.Exec()
}

func (b *pipeBatch) Query() (pgx.Rows, error) {
	if err := b.skip(); err != nil {
		return nil, err
	}
	return b.BatchResults.Query()
}

func (b *pipeBatch) QueryRow() pgx.Row {
	if err := b.skip(); err != nil {
		return errRow{err}
	}
	return b.BatchResults.QueryRow()
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// later runs writes whose answers nobody reads (b's queries must have no
// callbacks): in a pipeTx they wait for the next statement or the commit;
// elsewhere they run now, in one round trip.
func (s *Store) later(ctx context.Context, what string, b *pgx.Batch) error {
	if t, ok := s.q.(*pipeTx); ok {
		t.pending = append(t.pending, b.QueuedQueries...)
		return nil
	}
	if err := s.q.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// laterRow runs a write whose one-row answer is read only after the
// transaction's next statement: in a pipeTx it waits like later's writes,
// and scan runs when the batch it went with is read (an error scan returns
// fails that statement, or the commit); elsewhere it runs now. The caller
// must not read what scan fills before it sends another statement.
func (s *Store) laterRow(ctx context.Context, sql string, args []any, scan func(pgx.Row) error) error {
	if t, ok := s.q.(*pipeTx); ok {
		b := &pgx.Batch{}
		b.Queue(sql, args...).QueryRow(scan)
		t.pending = append(t.pending, b.QueuedQueries...)
		return nil
	}
	return scan(s.q.QueryRow(ctx, sql, args...))
}

// laterExec is later for one statement.
func (s *Store) laterExec(ctx context.Context, what, sql string, args ...any) error {
	b := &pgx.Batch{}
	b.Queue(sql, args...)
	return s.later(ctx, what, b)
}
