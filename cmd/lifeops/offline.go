package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/config"
	"github.com/lifeops/lifeops/internal/domain/character"
	"github.com/lifeops/lifeops/internal/postgres"
)

// offline is what a command that works on the database without serving
// (verify, demo remove, entities) needs: the configuration, the pool and the
// use cases, on a schema that is already current.
type offline struct {
	cfg  config.Config
	pool *pgxpool.Pool
	svc  *app.Service
	args []string // what follows the flags
}

// openOffline loads the configuration for command, opens the database and
// refuses a schema that is not current: these commands never migrate. Days
// are the household's: the configured zone, else the system's (set
// LIFEOPS_TIMEZONE when Home Assistant supplies it to serve). Close the
// pool when done.
func openOffline(ctx context.Context, command string, args []string, stderr io.Writer, getenv func(string) string, extra ...func(*flag.FlagSet)) (*offline, error) {
	cfg, fs, err := loadConfig(command, args, stderr, getenv, extra...)
	if err != nil {
		return nil, err
	}
	z, err := newZone(cfg)
	if err != nil {
		return nil, fmt.Errorf("timezone: %w", err)
	}
	tree, err := character.Default()
	if err != nil {
		return nil, err
	}
	pool, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	m, _, err := migratorFor(pool)
	if err == nil {
		_, err = m.Current(ctx)
		if err != nil {
			err = fmt.Errorf("%s: %w (run lifeops migrate up)", command, err)
		}
	}
	if err != nil {
		pool.Close()
		return nil, err
	}
	svc := app.New(app.Options{Store: postgres.NewStore(pool), Logger: zerolog.Nop(), Tree: tree, Location: z.Location})
	return &offline{cfg: cfg, pool: pool, svc: svc, args: fs.Args()}, nil
}
