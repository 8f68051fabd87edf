package postgres_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/postgres"
)

func TestIdempotencyStoreKeepsAnswersByteForByte(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := postgres.NewStore(dbtest.New(t))
	// Key order and spacing that jsonb would normalise away.
	body := []byte(`{"z":1,  "a":"é\u00e9","n":null}`)
	r := app.StoredResponse{RequestHash: bytes.Repeat([]byte{7}, 32), Status: 201, ContentType: "application/json", Body: body}
	if _, err := s.IdempotencyGet(ctx, "token:1", "k"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("empty store: %v", err)
	}
	for i, want := range []bool{true, false} {
		put, err := s.IdempotencyPut(ctx, "token:1", "k", r)
		if err != nil || put != want {
			t.Fatalf("put %d: %v %v, want %v", i, put, err, want)
		}
	}
	got, err := s.IdempotencyGet(ctx, "token:1", "k")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Body, body) || got.Status != 201 || got.ContentType != r.ContentType || !bytes.Equal(got.RequestHash, r.RequestHash) {
		t.Errorf("got %+v (body %s)", got, got.Body)
	}
	if _, err := s.IdempotencyGet(ctx, "token:2", "k"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("another scope sees the key: %v", err)
	}
}

func TestTokenStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := postgres.NewStore(dbtest.New(t))
	hash := app.HashSecret("secret")
	tok, err := s.TokenInsert(ctx, app.Token{Name: "a", Scope: app.ScopeAdmin}, hash)
	if err != nil || tok.ID == 0 || tok.Created.IsZero() {
		t.Fatalf("insert: %+v %v", tok, err)
	}
	if _, err := s.TokenInsert(ctx, app.Token{Name: "b", Scope: "root"}, app.HashSecret("other")); err == nil {
		t.Error("the database took an unknown scope")
	}
	got, err := s.TokenByHash(ctx, hash)
	if err != nil || got.ID != tok.ID || got.Scope != app.ScopeAdmin || got.PersonID != nil {
		t.Fatalf("by hash: %+v %v", got, err)
	}
	list, err := s.TokenList(ctx)
	if err != nil || len(list) != 1 {
		t.Fatalf("list: %v %v", list, err)
	}
}
