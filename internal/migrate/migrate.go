// Package migrate applies LifeOps' embedded SQL migrations: one transaction per
// step together with its version row, under a PostgreSQL advisory lock so that
// several processes starting at once apply each step exactly once.
package migrate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// lockKey is the advisory lock every LifeOps process takes while migrating
// ("lifeops" in ASCII, as a bigint).
const lockKey int64 = 0x6c6966656f7073

// ErrSchemaTooNew means the database was migrated by a newer LifeOps: running
// an older binary against it could corrupt data, so start-up refuses.
var ErrSchemaTooNew = errors.New("database schema is newer than this LifeOps knows")

// Migration is one numbered step.
type Migration struct {
	Version  int
	Name     string
	Up, Down string
}

// Checksum identifies the step's up SQL, to spot a shipped migration that was
// edited after the fact.
func (m Migration) Checksum() string {
	sum := sha256.Sum256([]byte(m.Up))
	return hex.EncodeToString(sum[:8])
}

var fileName = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.(up|down)\.sql$`)

// Load reads NNNN_name.up.sql / .down.sql pairs from fsys. Every step needs
// both halves and versions must run 1, 2, 3 … without gaps.
func Load(fsys fs.FS) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	byVersion := map[int]*Migration{}
	for _, e := range entries {
		if e.IsDir() || e.Name() == "migrations.go" {
			continue
		}
		m := fileName.FindStringSubmatch(e.Name())
		if m == nil {
			if len(e.Name()) > 4 && e.Name()[len(e.Name())-4:] == ".sql" {
				return nil, fmt.Errorf("migration %s: name must be NNNN_name.up.sql or NNNN_name.down.sql", e.Name())
			}
			continue
		}
		v, _ := strconv.Atoi(m[1])
		b, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", e.Name(), err)
		}
		mig := byVersion[v]
		if mig == nil {
			mig = &Migration{Version: v, Name: m[2]}
			byVersion[v] = mig
		}
		if mig.Name != m[2] {
			return nil, fmt.Errorf("migration %04d: up and down files disagree on the name (%s, %s)", v, mig.Name, m[2])
		}
		if m[3] == "up" {
			mig.Up = string(b)
		} else {
			mig.Down = string(b)
		}
	}
	out := make([]Migration, 0, len(byVersion))
	for _, m := range byVersion {
		out = append(out, *m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		switch {
		case m.Version != i+1:
			return nil, fmt.Errorf("migration %04d: versions must run from 0001 without gaps", m.Version)
		case m.Up == "":
			return nil, fmt.Errorf("migration %04d_%s: missing up file", m.Version, m.Name)
		case m.Down == "":
			return nil, fmt.Errorf("migration %04d_%s: missing down file", m.Version, m.Name)
		}
	}
	return out, nil
}

// Migrator applies a fixed set of migrations to one database.
type Migrator struct {
	pool       *pgxpool.Pool
	migrations []Migration
}

// New returns a Migrator for pool over migrations (from Load).
func New(pool *pgxpool.Pool, migrations []Migration) *Migrator {
	return &Migrator{pool: pool, migrations: migrations}
}

// Latest is the highest version this binary knows.
func (m *Migrator) Latest() int {
	if len(m.migrations) == 0 {
		return 0
	}
	return m.migrations[len(m.migrations)-1].Version
}

// Applied is one row of schema_migrations.
type Applied struct {
	Version   int
	Name      string
	Checksum  string
	AppliedAt time.Time
}

const createTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    integer PRIMARY KEY,
	name       text NOT NULL,
	checksum   text NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now()
)`

// withLock runs fn on one connection holding the migration lock. The lock is
// a session lock, so it is released when fn returns or the connection dies.
func (m *Migrator) withLock(ctx context.Context, fn func(conn *pgxpool.Conn) error) error {
	conn, err := m.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate: acquire connection: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", lockKey); err != nil {
		return fmt.Errorf("migrate: take lock: %w", err)
	}
	defer func() {
		// A fresh context: the caller's may be cancelled, and a lock left
		// behind on a pooled connection would block the next migrator.
		unlockCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := conn.Exec(unlockCtx, "SELECT pg_advisory_unlock($1)", lockKey); err != nil {
			conn.Conn().Close(unlockCtx) //nolint:errcheck // closing drops the lock with the session
		}
	}()
	if _, err := conn.Exec(ctx, createTable); err != nil {
		return fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	return fn(conn)
}

func applied(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}) ([]Applied, error) {
	rows, err := q.Query(ctx, "SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version")
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Applied, error) {
		var a Applied
		err := r.Scan(&a.Version, &a.Name, &a.Checksum, &a.AppliedAt)
		return a, err
	})
}

// Up applies every pending migration and returns the versions it applied. It
// refuses (ErrSchemaTooNew) a database that has versions this binary lacks.
func (m *Migrator) Up(ctx context.Context) ([]int, error) {
	var done []int
	err := m.withLock(ctx, func(conn *pgxpool.Conn) error {
		have, err := applied(ctx, conn)
		if err != nil {
			return err
		}
		current := 0
		if len(have) > 0 {
			current = have[len(have)-1].Version
		}
		if current > m.Latest() {
			return fmt.Errorf("%w: database at %d, binary knows up to %d", ErrSchemaTooNew, current, m.Latest())
		}
		for _, mig := range m.migrations {
			if mig.Version <= current {
				continue
			}
			if err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, mig.Up); err != nil {
					return err
				}
				_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
					mig.Version, mig.Name, mig.Checksum())
				return err
			}); err != nil {
				return fmt.Errorf("migration %04d_%s up: %w", mig.Version, mig.Name, err)
			}
			done = append(done, mig.Version)
		}
		return nil
	})
	return done, err
}

// Down rolls back the n most recent migrations (all of them when n exceeds
// the number applied) and returns the versions it rolled back.
func (m *Migrator) Down(ctx context.Context, n int) ([]int, error) {
	if n < 1 {
		return nil, fmt.Errorf("migrate down: N must be at least 1, got %d", n)
	}
	var done []int
	err := m.withLock(ctx, func(conn *pgxpool.Conn) error {
		have, err := applied(ctx, conn)
		if err != nil {
			return err
		}
		for i := len(have) - 1; i >= 0 && len(done) < n; i-- {
			v := have[i].Version
			if v > m.Latest() {
				return fmt.Errorf("%w: cannot roll back %04d, which this binary does not know", ErrSchemaTooNew, v)
			}
			mig := m.migrations[v-1]
			if err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, mig.Down); err != nil {
					return err
				}
				_, err := tx.Exec(ctx, "DELETE FROM schema_migrations WHERE version = $1", v)
				return err
			}); err != nil {
				return fmt.Errorf("migration %04d_%s down: %w", mig.Version, mig.Name, err)
			}
			done = append(done, v)
		}
		return nil
	})
	return done, err
}

// Step is one migration with its state in the database.
type Step struct {
	Version   int
	Name      string
	Applied   bool
	AppliedAt time.Time
	Modified  bool // applied with SQL other than this binary's
	Unknown   bool // applied by a newer binary
}

// Status lists every known migration and every applied one.
func (m *Migrator) Status(ctx context.Context) ([]Step, error) {
	if _, err := m.pool.Exec(ctx, createTable); err != nil {
		return nil, fmt.Errorf("migrate status: %w", err)
	}
	have, err := applied(ctx, m.pool)
	if err != nil {
		return nil, err
	}
	byVersion := map[int]Applied{}
	for _, a := range have {
		byVersion[a.Version] = a
	}
	var steps []Step
	for _, mig := range m.migrations {
		s := Step{Version: mig.Version, Name: mig.Name}
		if a, ok := byVersion[mig.Version]; ok {
			s.Applied, s.AppliedAt, s.Modified = true, a.AppliedAt, a.Checksum != mig.Checksum()
			delete(byVersion, mig.Version)
		}
		steps = append(steps, s)
	}
	for _, a := range have {
		if _, ok := byVersion[a.Version]; ok {
			steps = append(steps, Step{Version: a.Version, Name: a.Name, Applied: true, AppliedAt: a.AppliedAt, Unknown: true})
		}
	}
	return steps, nil
}

// Current returns the database's version, or an error saying why the schema
// is not the one this binary expects. /readyz uses it.
func (m *Migrator) Current(ctx context.Context) (int, error) {
	var v int
	err := m.pool.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	switch {
	case v > m.Latest():
		return v, fmt.Errorf("%w: database at %d, binary knows up to %d", ErrSchemaTooNew, v, m.Latest())
	case v < m.Latest():
		return v, fmt.Errorf("schema at %d, %d pending", v, m.Latest()-v)
	}
	return v, nil
}
