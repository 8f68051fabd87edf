package migrate_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/migrate"
	"github.com/lifeops/lifeops/internal/postgres"
	"github.com/lifeops/lifeops/migrations"
)

func open(t *testing.T, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func shipped(t *testing.T) []migrate.Migration {
	t.Helper()
	migs, err := migrate.Load(migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	return migs
}

// schema describes every table, column, constraint and index, so two
// databases can be compared for identity.
func schema(t *testing.T, pool *pgxpool.Pool) string {
	t.Helper()
	var out string
	err := pool.QueryRow(context.Background(), `
		SELECT coalesce(string_agg(line, E'\n' ORDER BY line), '') FROM (
			SELECT format('col %s.%s %s %s %s', table_name, column_name, data_type, is_nullable, coalesce(column_default, '')) AS line
			  FROM information_schema.columns WHERE table_schema = 'public'
			UNION ALL
			SELECT format('con %s %s', conrelid::regclass, pg_get_constraintdef(oid))
			  FROM pg_constraint WHERE connamespace = 'public'::regnamespace
			UNION ALL
			SELECT format('idx %s', indexdef) FROM pg_indexes WHERE schemaname = 'public'
		) s`).Scan(&out)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestUpDownUpLeavesIdenticalSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := open(t, dbtest.Empty(t))
	m := migrate.New(pool, shipped(t))

	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	first := schema(t, pool)
	if !strings.Contains(first, "people") {
		t.Fatalf("schema after up looks empty:\n%s", first)
	}
	down, err := m.Down(ctx, m.Latest()+5)
	if err != nil {
		t.Fatal(err)
	}
	if len(down) != m.Latest() {
		t.Fatalf("down rolled back %v, want all %d", down, m.Latest())
	}
	if rest := schema(t, pool); strings.Count(rest, "\n") > 6 || strings.Contains(rest, "people") {
		t.Fatalf("down to zero left more than schema_migrations:\n%s", rest)
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	if again := schema(t, pool); again != first {
		t.Fatalf("schema differs after up/down/up:\nfirst:\n%s\nagain:\n%s", first, again)
	}
}

func TestEveryStepRoundTrips(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := open(t, dbtest.Empty(t))
	migs := shipped(t)
	if _, err := migrate.New(pool, migs).Up(ctx); err != nil {
		t.Fatal(err)
	}
	// Walk down one step at a time, re-applying each step alone: each down
	// must undo exactly its own up.
	for v := len(migs); v >= 1; v-- {
		m := migrate.New(pool, migs[:v])
		before := schema(t, pool)
		if _, err := m.Down(ctx, 1); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Up(ctx); err != nil {
			t.Fatalf("re-apply %d: %v", v, err)
		}
		if after := schema(t, pool); after != before {
			t.Fatalf("migration %d: down then up changed the schema", v)
		}
		if _, err := m.Down(ctx, 1); err != nil {
			t.Fatal(err)
		}
	}
}

func TestConcurrentStartApplyEachMigrationOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := dbtest.Empty(t)
	migs := shipped(t)

	const racers = 4
	var wg sync.WaitGroup
	applied := make([][]int, racers)
	errs := make([]error, racers)
	for i := range racers {
		wg.Go(func() {
			pool, err := postgres.Open(ctx, url)
			if err != nil {
				errs[i] = err
				return
			}
			defer pool.Close()
			applied[i], errs[i] = migrate.New(pool, migs).Up(ctx)
		})
	}
	wg.Wait()
	total := 0
	for i := range racers {
		if errs[i] != nil {
			t.Fatalf("racer %d: %v", i, errs[i])
		}
		total += len(applied[i])
	}
	if total != len(migs) {
		t.Fatalf("migrations applied %d times in all, want %d: %v", total, len(migs), applied)
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := open(t, dbtest.Empty(t))
	migs := shipped(t)
	future := append(append([]migrate.Migration{}, migs...), migrate.Migration{
		Version: len(migs) + 1, Name: "future", Up: "CREATE TABLE future (id int)", Down: "DROP TABLE future",
	})
	if _, err := migrate.New(pool, future).Up(ctx); err != nil {
		t.Fatal(err)
	}
	m := migrate.New(pool, migs)
	if _, err := m.Up(ctx); !errors.Is(err, migrate.ErrSchemaTooNew) {
		t.Fatalf("up against a newer schema: got %v, want ErrSchemaTooNew", err)
	}
	if _, err := m.Current(ctx); !errors.Is(err, migrate.ErrSchemaTooNew) {
		t.Fatalf("current against a newer schema: got %v", err)
	}
	steps, err := m.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if last := steps[len(steps)-1]; !last.Unknown || last.Name != "future" {
		t.Fatalf("status should list the unknown step, got %+v", last)
	}
}

func TestFailedStepLeavesNothingBehind(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := open(t, dbtest.Empty(t))
	migs := shipped(t)
	broken := append(append([]migrate.Migration{}, migs...), migrate.Migration{
		Version: len(migs) + 1, Name: "broken", Up: "CREATE TABLE half (id int); SELECT 1/0", Down: "DROP TABLE half",
	})
	if _, err := migrate.New(pool, broken).Up(ctx); err == nil || !strings.Contains(err.Error(), "broken") {
		t.Fatalf("want the failing step named, got %v", err)
	}
	var n int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE tablename = 'half'").Scan(&n); err != nil || n != 0 {
		t.Fatalf("half-applied step left its table (n=%d, err=%v)", n, err)
	}
	v, err := migrate.New(pool, migs).Current(ctx)
	if err != nil || v != len(migs) {
		t.Fatalf("version after a failed step = %d, %v; want %d", v, err, len(migs))
	}
}

func TestLoadRejectsBadSets(t *testing.T) {
	t.Parallel()
	cases := map[string]fstest.MapFS{
		"missing down": {"0001_a.up.sql": {Data: []byte("SELECT 1")}},
		"gap":          {"0001_a.up.sql": {Data: []byte("x")}, "0001_a.down.sql": {Data: []byte("x")}, "0003_c.up.sql": {Data: []byte("x")}, "0003_c.down.sql": {Data: []byte("x")}},
		"bad name":     {"1_a.up.sql": {Data: []byte("x")}},
		"name clash":   {"0001_a.up.sql": {Data: []byte("x")}, "0001_b.down.sql": {Data: []byte("x")}},
	}
	for name, fsys := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := migrate.Load(fsys); err == nil {
				t.Fatal("want an error")
			} else {
				t.Log(err)
			}
		})
	}
}
