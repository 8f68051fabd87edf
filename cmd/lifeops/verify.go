package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain/character"
	"github.com/lifeops/lifeops/internal/postgres"
)

// errDifferences makes verify exit 1 after it printed what differs.
var errDifferences = errors.New("derived values differ from their recomputation")

// cmdVerify recomputes everything derived from the stored facts and prints
// every difference; it changes nothing.
func cmdVerify(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	cfg, _, err := loadConfig("verify", args, stderr, getenv)
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
		return fmt.Errorf("verify: %w (run lifeops migrate up)", err)
	}
	tree, err := character.Default()
	if err != nil {
		return err
	}
	// Days are the household's: the configured zone, else the system's (set
	// LIFEOPS_TIMEZONE when Home Assistant supplies it to serve).
	loc := time.Local
	if cfg.Timezone != "" {
		if loc, err = time.LoadLocation(cfg.Timezone); err != nil {
			return fmt.Errorf("timezone: %w", err)
		}
	}
	svc := app.New(app.Options{Store: postgres.NewStore(pool), Logger: zerolog.Nop(), Tree: tree, Location: func() *time.Location { return loc }})
	rep, err := svc.Verify(ctx)
	if err != nil {
		return err
	}
	for _, d := range rep.Differences {
		fmt.Fprintln(stdout, d)
	}
	fmt.Fprintf(stdout, "verified %d people, %d derived values: %d differ\n", rep.People, rep.Checked, len(rep.Differences))
	if len(rep.Differences) > 0 {
		return errDifferences
	}
	return nil
}
