package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/config"
	"github.com/lifeops/lifeops/internal/postgres"
)

const tokenUsage = "usage: lifeops token create --name N --scope read|write|admin [--person P] [flags]"

// cmdToken creates an API token and prints its secret, once, on stdout (a
// script can capture it); what it created goes to stderr.
func cmdToken(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || args[0] != "create" {
		return usagef("%s", tokenUsage)
	}
	fs := flag.NewFlagSet("lifeops token create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "what the token is for, e.g. \"phone shortcuts\" (required)")
	scope := fs.String("scope", "", "read (GET only), write (changes) or admin (tokens, pairing, people) (required)")
	person := fs.String("person", "", "bind the token to this person (id or slug)")
	loader := config.NewLoader(fs)
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments %q\n%s", fs.Args(), tokenUsage)
	}
	if *name == "" || !app.Scope(*scope).Valid() {
		return usagef("--name is required and --scope must be read, write or admin\n%s", tokenUsage)
	}
	cfg, err := loader.LoadChecked(getenv)
	learnSecrets(stderr, cfg)
	if err != nil {
		return err
	}
	pool, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	// A token may be made before the first `serve`: bring the schema up
	// the same way serve would.
	m, _, err := migratorFor(pool)
	if err != nil {
		return err
	}
	if _, err := m.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	store := postgres.NewStore(pool)
	tok, err := app.NewTokens(store, store, nil).Create(ctx, app.TokenInput{Name: *name, Scope: app.Scope(*scope), Person: *person})
	if err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	bound := ""
	if tok.PersonID != nil {
		bound = fmt.Sprintf(", bound to person %d", *tok.PersonID)
	}
	fmt.Fprintf(stderr, "created token %d %q (%s%s); it is shown once:\n", tok.ID, tok.Name, tok.Scope, bound)
	_, err = fmt.Fprintln(stdout, tok.Secret)
	return err
}
