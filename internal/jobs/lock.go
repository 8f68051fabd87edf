package jobs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// lockSpace is the first key of the two-key advisory locks jobs take, so
// they never meet the single-key locks of migrations or tests.
const lockSpace = 0x6a6f6273 // "jobs"

// ErrBusy means another replica (or another run here) holds a job's lock.
var ErrBusy = errors.New("job is running elsewhere")

// locker implements gocron.Locker with session advisory locks, each on a
// connection of its own held until Unlock. Session rather than transaction
// locks, because the slot claims made under the lock must commit one by one
// (a catch-up finalises day after day, each for good).
type locker struct {
	pool  *pgxpool.Pool
	owner string
	now   func() time.Time
	busy  func(job string)

	// held hands the lease gocron just took to the job's task, which gocron
	// calls next on the same goroutine; singleton mode keeps it one per job.
	mu   sync.Mutex
	held map[string]*lease
}

func newLocker(pool *pgxpool.Pool, owner string, now func() time.Time, busy func(job string)) *locker {
	return &locker{pool: pool, owner: owner, now: now, busy: busy, held: map[string]*lease{}}
}

// current is the lease of job's running run; nil when there is none or lk
// is nil (no pool).
func (lk *locker) current(job string) *lease {
	if lk == nil {
		return nil
	}
	lk.mu.Lock()
	defer lk.mu.Unlock()
	return lk.held[job]
}

var _ gocron.Locker = (*locker)(nil)

// Lock implements gocron.Locker: key is the job's name.
func (lk *locker) Lock(ctx context.Context, key string) (gocron.Lock, error) {
	l, err := lk.acquire(ctx, key)
	if errors.Is(err, ErrBusy) {
		lk.busy(key)
	}
	if err != nil {
		return nil, err
	}
	lk.mu.Lock()
	lk.held[key] = l
	lk.mu.Unlock()
	l.release = func() {
		lk.mu.Lock()
		if lk.held[key] == l {
			delete(lk.held, key)
		}
		lk.mu.Unlock()
	}
	return l, nil
}

// acquire takes job's lock, or returns ErrBusy at once.
func (lk *locker) acquire(ctx context.Context, job string) (*lease, error) {
	conn, err := lk.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("job %s lock: %w", job, err)
	}
	var ok bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1, hashtext($2))", lockSpace, job).Scan(&ok); err != nil {
		conn.Release()
		return nil, fmt.Errorf("job %s lock: %w", job, err)
	}
	if !ok {
		conn.Release()
		return nil, fmt.Errorf("job %s: %w", job, ErrBusy)
	}
	return &lease{conn: conn, job: job, owner: lk.owner, now: lk.now}, nil
}

// lease is a held job lock and the connection it lives on.
type lease struct {
	conn    *pgxpool.Conn
	job     string
	owner   string
	now     func() time.Time
	release func() // forgets the lease in its locker's held map; nil outside gocron

	once      sync.Once
	unlockErr error
}

var _ gocron.Lock = (*lease)(nil)

// claim records that slot of job is starting here. It reports false when
// the slot already finished (here or on another replica). An unfinished row
// is taken over: whoever wrote it crashed or failed, and nobody else can be
// running it while we hold the lock.
func (l *lease) claim(ctx context.Context, job string, slot time.Time) (bool, error) {
	var attempts int
	err := l.conn.QueryRow(ctx, `
		INSERT INTO job_runs (job, slot, owner, started_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (job, slot) DO UPDATE
		   SET owner = excluded.owner, started_at = excluded.started_at, attempts = job_runs.attempts + 1, error = NULL
		 WHERE job_runs.finished_at IS NULL
		RETURNING attempts`, job, slot, l.owner, l.now()).Scan(&attempts)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("claim %s at %s: %w", job, slot.Format(time.RFC3339), err)
	}
	return true, nil
}

// finish records the outcome of a claimed slot: finished on success, the
// error (and still open for a retry) on failure.
func (l *lease) finish(ctx context.Context, job string, slot time.Time, runErr error) error {
	var err error
	if runErr == nil {
		_, err = l.conn.Exec(ctx, "UPDATE job_runs SET finished_at = $3 WHERE job = $1 AND slot = $2", job, slot, l.now())
	} else {
		_, err = l.conn.Exec(ctx, "UPDATE job_runs SET error = $3 WHERE job = $1 AND slot = $2", job, slot, runErr.Error())
	}
	if err != nil {
		return fmt.Errorf("record %s at %s: %w", job, slot.Format(time.RFC3339), err)
	}
	return nil
}

// prune forgets runs of slots before cutoff.
func (l *lease) prune(ctx context.Context, cutoff time.Time) error {
	if _, err := l.conn.Exec(ctx, "DELETE FROM job_runs WHERE slot < $1", cutoff); err != nil {
		return fmt.Errorf("prune job runs: %w", err)
	}
	return nil
}

// Unlock implements gocron.Lock; only the first call does anything. The
// runner unlocks inside the task, before it reports, so a run is over (lock
// and all) by the time anyone hears of it; gocron's own Unlock afterwards is
// then a no-op. A connection whose unlock failed is closed rather than
// returned to the pool still holding the lock: ending the session releases it.
func (l *lease) Unlock(ctx context.Context) error {
	l.once.Do(func() {
		// gocron passes the job's context, cancelled at shutdown; the unlock
		// must happen all the same.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if l.release != nil {
			l.release()
		}
		_, err := l.conn.Exec(ctx, "SELECT pg_advisory_unlock($1, hashtext($2))", lockSpace, l.job)
		if err != nil {
			_ = l.conn.Conn().Close(ctx)
			l.unlockErr = fmt.Errorf("job %s unlock: %w", l.job, err)
		}
		l.conn.Release()
	})
	return l.unlockErr
}
