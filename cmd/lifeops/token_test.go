package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/config"
	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/postgres"
)

func TestTokenCreate(t *testing.T) {
	t.Parallel()
	db := dbtest.Empty(t)
	getenv := config.MapEnv(map[string]string{"LIFEOPS_DATABASE_URL": db})
	tests := []struct {
		args []string
		code int
	}{
		{[]string{"token"}, exitUsage},
		{[]string{"token", "create", "--name", "x"}, exitUsage},
		{[]string{"token", "create", "--name", "x", "--scope", "root"}, exitUsage},
		{[]string{"token", "create", "--name", "x", "--scope", "read", "--person", "nobody"}, exitFailure},
		{[]string{"token", "create", "--name", "ci", "--scope", "admin"}, exitOK},
	}
	var secret string
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), tt.args, &stdout, &stderr, getenv); code != tt.code {
			t.Fatalf("%v: exit %d, want %d\n%s", tt.args, code, tt.code, stderr.String())
		}
		if tt.code == exitOK {
			secret = strings.TrimSpace(stdout.String())
		}
	}
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`).MatchString(secret) {
		t.Fatalf("printed %q, want one base64url token", secret)
	}
	pool, err := postgres.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	store := postgres.NewStore(pool)
	tok, err := app.NewTokens(store, store, nil).Authenticate(context.Background(), secret)
	if err != nil || tok.Scope != app.ScopeAdmin || tok.Name != "ci" {
		t.Errorf("stored token %+v, %v", tok, err)
	}
}
