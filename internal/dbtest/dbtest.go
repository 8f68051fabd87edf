// Package dbtest gives tests an isolated, migrated PostgreSQL database.
//
// The server comes from LIFEOPS_TEST_DATABASE_URL (CI and our machines), else
// from a testcontainers-go PostgreSQL where a Docker engine answers; otherwise
// the test fails and says how to provide one. A test is never silently skipped.
//
// The migrations run once per server into a template database named after
// their checksum; every test then gets its own copy (CREATE DATABASE …
// TEMPLATE), dropped when the test ends.
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	tcpostgres "github.com/testcontainers/testcontainers-go/modules/postgres"

	"github.com/lifeops/lifeops/internal/migrate"
	"github.com/lifeops/lifeops/migrations"
)

// EnvURL names the variable that points tests at a PostgreSQL server.
const EnvURL = "LIFEOPS_TEST_DATABASE_URL"

// server is resolved once per test binary: a container, if one is needed,
// must outlive every test of the package.
var server = sync.OnceValues(resolveServer)

func resolveServer() (string, error) {
	if url := os.Getenv(EnvURL); url != "" {
		return url, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := tcpostgres.Run(ctx, "postgres:15-alpine",
		tcpostgres.WithDatabase("postgres"), tcpostgres.WithUsername("postgres"), tcpostgres.WithPassword("postgres"),
		tcpostgres.BasicWaitStrategies())
	if err != nil {
		return "", fmt.Errorf("no test database: set %s (for example postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable; `make test` does) or make a Docker engine available for testcontainers: %w", EnvURL, err)
	}
	return c.ConnectionString(ctx, "sslmode=disable")
}

// URL returns a connection URL for a fresh, migrated database that is dropped
// when t ends.
func URL(t testing.TB) string {
	t.Helper()
	base, err := server()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	cfg, err := pgx.ParseConfig(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvURL, err)
	}
	admin, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("connect to test server (%s): %v", EnvURL, err)
	}
	defer admin.Close(ctx)

	tmpl, err := template(ctx, admin, base)
	if err != nil {
		t.Fatal(err)
	}
	name := "lifeops_test_" + randomHex(6)
	if _, err := admin.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, tmpl)); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() { Drop(t, base, name) })
	return replaceDatabase(base, name)
}

// New returns a pool on a fresh, migrated database, closed and dropped when t
// ends.
func New(t testing.TB) *pgxpool.Pool {
	t.Helper()
	return Traced(t, nil)
}

// Traced is New with tracer on every connection of the pool, for tests
// that count or log what reaches the server (see RoundTrips). Each tune
// runs on the configuration before the pool opens.
func Traced(t testing.TB, tracer pgx.QueryTracer, tune ...func(*pgxpool.Config)) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(URL(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.Tracer = tracer
	for _, f := range tune {
		f(cfg)
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close) // runs before the drop: cleanups are LIFO
	return pool
}

// Empty returns the URL of a database that does not exist yet on the test
// server; it is dropped (if created) when t ends. For tests of start-up,
// creation and migrations themselves.
func Empty(t testing.TB) string {
	t.Helper()
	base, err := server()
	if err != nil {
		t.Fatal(err)
	}
	name := "lifeops_test_" + randomHex(6)
	t.Cleanup(func() { Drop(t, base, name) })
	return replaceDatabase(base, name)
}

// Drop removes database name, disconnecting anyone still on it.
func Drop(t testing.TB, base, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Errorf("drop test database %s: %v", name, err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		t.Errorf("drop test database %s: %v", name, err)
	}
}

// template makes sure a migrated template database exists for the current
// migrations and returns its name. Test binaries of several packages race
// here, hence the advisory lock.
func template(ctx context.Context, admin *pgx.Conn, base string) (string, error) {
	migs, err := migrate.Load(migrations.FS)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, m := range migs {
		fmt.Fprintf(h, "%d %s %s\n", m.Version, m.Up, m.Down)
	}
	name := "lifeops_tmpl_" + hex.EncodeToString(h.Sum(nil))[:12]

	if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock(4242)"); err != nil {
		return "", fmt.Errorf("template lock: %w", err)
	}
	defer admin.Exec(context.Background(), "SELECT pg_advisory_unlock(4242)") //nolint:errcheck

	var exists bool
	if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", fmt.Errorf("template lookup: %w", err)
	}
	if exists {
		return name, nil
	}
	building := name + "_build"
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+building+" WITH (FORCE)"); err != nil {
		return "", fmt.Errorf("template: %w", err)
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+building); err != nil {
		return "", fmt.Errorf("template: %w", err)
	}
	pool, err := pgxpool.New(ctx, replaceDatabase(base, building))
	if err != nil {
		return "", fmt.Errorf("template: %w", err)
	}
	_, err = migrate.New(pool, migs).Up(ctx)
	pool.Close()
	if err != nil {
		return "", fmt.Errorf("template: %w", err)
	}
	// Renaming only after a complete migration means a crash mid-way never
	// leaves a half-migrated template under the real name.
	if _, err := admin.Exec(ctx, "ALTER DATABASE "+building+" RENAME TO "+name); err != nil {
		return "", fmt.Errorf("template: %w", err)
	}
	return name, nil
}

// replaceDatabase points a postgres:// URL at another database, keeping its
// credentials and parameters.
func replaceDatabase(raw, name string) string {
	u, err := url.Parse(raw)
	if err != nil {
		panic(fmt.Sprintf("%s must be a postgres:// URL: %v", EnvURL, err))
	}
	u.Path = "/" + name
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
