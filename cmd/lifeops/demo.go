package main

import (
	"context"
	"fmt"
	"io"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain/character"
	"github.com/lifeops/lifeops/internal/postgres"
)

// cmdDemo removes the demo household `serve --demo` seeded, and nothing else.
func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || args[0] != "remove" {
		return usagef("usage: lifeops demo remove [flags]")
	}
	cfg, _, err := loadConfig("demo remove", args[1:], stderr, getenv)
	if err != nil {
		return err
	}
	pool, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	m, _, err := migratorFor(pool)
	if err != nil {
		return err
	}
	if _, err := m.Current(ctx); err != nil {
		return fmt.Errorf("demo remove: %w (run lifeops migrate up)", err)
	}
	tree, err := character.Default()
	if err != nil {
		return err
	}
	svc := app.New(app.Options{Store: postgres.NewStore(pool), Logger: zerolog.Nop(), Tree: tree})
	n, err := svc.RemoveDemo(ctx)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "removed the demo household (%d people and everything recorded about them)\n", n)
	return err
}
