// Package postgres implements the app's store ports with pgx. SQL lives right
// beside the Scan that reads it, one file per aggregate.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Open connects to the database at url, creating the database first when it
// does not exist and the role may create it. The returned pool has been
// pinged.
func Open(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database url: %w", err)
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "lifeops"
	// A household's load is light; a few connections leave room for replicas
	// and for the bundled PostgreSQL's small max_connections.
	if cfg.MaxConns > 10 {
		cfg.MaxConns = 10
	}
	cfg.HealthCheckPeriod = 15 * time.Second

	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	err = pool.Ping(ctx)
	if isCode(err, "3D000") { // invalid_catalog_name: the database does not exist
		pool.Close()
		if err := CreateDatabase(ctx, cfg.ConnConfig); err != nil {
			return nil, err
		}
		if pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
			return nil, fmt.Errorf("open database: %w", err)
		}
		err = pool.Ping(ctx)
	}
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to database %q on %s: %w", cfg.ConnConfig.Database, cfg.ConnConfig.Host, err)
	}
	return pool, nil
}

// CreateDatabase creates cfg's database through the server's maintenance
// database. Losing a race with another process creating it is success.
func CreateDatabase(ctx context.Context, cfg *pgx.ConnConfig) error {
	admin := cfg.Copy()
	admin.Database = "postgres"
	conn, err := pgx.ConnectConfig(ctx, admin)
	if err != nil {
		return fmt.Errorf("create database %q: connect to maintenance database: %w", cfg.Database, err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{cfg.Database}.Sanitize())
	// duplicate_database, or a unique violation on pg_database when two
	// CREATE DATABASE statements race past each other's existence checks.
	if err != nil && !isCode(err, "42P04") && !isCode(err, "23505") {
		return fmt.Errorf("create database %q: %w", cfg.Database, err)
	}
	return nil
}

func isCode(err error, code string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == code
}
