package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lifeops/lifeops/internal/migrate"
	"github.com/lifeops/lifeops/internal/postgres"
	"github.com/lifeops/lifeops/migrations"
)

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		return usagef("usage: lifeops migrate up|down N|status [flags]")
	}
	verb, rest := args[0], args[1:]
	n := 0
	if verb == "down" {
		if len(rest) == 0 {
			return usagef("usage: lifeops migrate down N (N ≥ 1: how many steps to roll back)")
		}
		var err error
		if n, err = strconv.Atoi(rest[0]); err != nil || n < 1 {
			return usagef("migrate down: N must be a whole number ≥ 1, got %q", rest[0])
		}
		rest = rest[1:]
	} else if verb != "up" && verb != "status" {
		return usagef("migrate: unknown step %q (want up, down N or status)", verb)
	}
	cfg, _, err := loadConfig("migrate "+verb, rest, stderr, getenv)
	if err != nil {
		return err
	}
	pool, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	m, migs, err := migratorFor(pool)
	if err != nil {
		return err
	}

	switch verb {
	case "up":
		done, err := m.Up(ctx)
		for _, v := range done {
			fmt.Fprintf(stdout, "applied %04d_%s\n", v, migs[v-1].Name)
		}
		if err == nil && len(done) == 0 {
			fmt.Fprintf(stdout, "schema is current (%04d)\n", m.Latest())
		}
		return err
	case "down":
		done, err := m.Down(ctx, n)
		for _, v := range done {
			fmt.Fprintf(stdout, "rolled back %04d_%s\n", v, migs[v-1].Name)
		}
		return err
	default:
		steps, err := m.Status(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "VERSION\tNAME\tSTATE\tAPPLIED AT")
		for _, s := range steps {
			state, at := "pending", ""
			if s.Applied {
				state, at = "applied", s.AppliedAt.Format("2006-01-02 15:04:05Z07:00")
			}
			if s.Modified {
				state = "applied (SQL differs from this binary)"
			}
			if s.Unknown {
				state = "applied by a newer LifeOps"
			}
			fmt.Fprintf(tw, "%04d\t%s\t%s\t%s\n", s.Version, s.Name, state, at)
		}
		return tw.Flush()
	}
}

// migratorFor is the migrator of this binary's embedded migrations on pool.
func migratorFor(pool *pgxpool.Pool) (*migrate.Migrator, []migrate.Migration, error) {
	migs, err := migrate.Load(migrations.FS)
	if err != nil {
		return nil, nil, err
	}
	return migrate.New(pool, migs), migs, nil
}
