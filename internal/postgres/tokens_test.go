package postgres_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

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

// TestIdempotencyClaims: the first request claims a key; a duplicate sees
// the claim until the answer is kept, then the answer; a released claim
// can be taken again, and so can one older than stale.
func TestIdempotencyClaims(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := postgres.NewStore(dbtest.New(t))
	hash := bytes.Repeat([]byte{1}, 32)
	if _, claimed, err := s.IdempotencyClaim(ctx, "token:1", "k", hash, time.Minute); err != nil || !claimed {
		t.Fatalf("first claim: %v %v", claimed, err)
	}
	prior, claimed, err := s.IdempotencyClaim(ctx, "token:1", "k", hash, time.Minute)
	if err != nil || claimed || prior.Status != 0 || !bytes.Equal(prior.RequestHash, hash) {
		t.Fatalf("claim while running: %+v %v %v", prior, claimed, err)
	}
	if _, err := s.IdempotencyGet(ctx, "token:1", "k"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("a running claim reads as an answer: %v", err)
	}
	// Another request's answer cannot complete the claim.
	if put, err := s.IdempotencyPut(ctx, "token:1", "k", app.StoredResponse{RequestHash: bytes.Repeat([]byte{2}, 32), Status: 201, Body: []byte("{}")}); err != nil || put {
		t.Fatalf("put of another request: %v %v", put, err)
	}
	if put, err := s.IdempotencyPut(ctx, "token:1", "k", app.StoredResponse{RequestHash: hash, Status: 201, ContentType: "application/json", Body: []byte(`{"id":1}`)}); err != nil || !put {
		t.Fatalf("complete the claim: %v %v", put, err)
	}
	prior, claimed, err = s.IdempotencyClaim(ctx, "token:1", "k", hash, 0)
	if err != nil || claimed || prior.Status != 201 || string(prior.Body) != `{"id":1}` {
		t.Fatalf("claim after the answer (stale 0 must not take a completed key): %+v %v %v", prior, claimed, err)
	}
	if err := s.IdempotencyRelease(ctx, "token:1", "k"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.IdempotencyGet(ctx, "token:1", "k"); err != nil {
		t.Fatalf("release dropped a kept answer: %v", err)
	}

	// A failed request releases its claim: the next one runs.
	if _, claimed, _ := s.IdempotencyClaim(ctx, "token:1", "j", hash, time.Minute); !claimed {
		t.Fatal("claim j")
	}
	if err := s.IdempotencyRelease(ctx, "token:1", "j"); err != nil {
		t.Fatal(err)
	}
	if _, claimed, _ := s.IdempotencyClaim(ctx, "token:1", "j", hash, time.Minute); !claimed {
		t.Fatal("a released key was not claimed again")
	}
	// An abandoned claim (its owner died) is taken over once stale.
	time.Sleep(20 * time.Millisecond)
	if _, claimed, _ := s.IdempotencyClaim(ctx, "token:1", "j", hash, 10*time.Millisecond); !claimed {
		t.Fatal("a stale claim was not taken over")
	}
}

// A claim whose database session has ended (its process died mid-request)
// is taken over by the next duplicate at once, not after the staleness: a
// client retrying after a crash is answered instead of waiting 30 s.
func TestIdempotencyClaimOfADeadSessionIsTakenOver(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := dbtest.URL(t)
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	s := postgres.NewStore(pool)
	hash := bytes.Repeat([]byte{3}, 32)

	dying, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	if _, claimed, err := postgres.NewStore(dying).IdempotencyClaim(ctx, "token:1", "k", hash, time.Hour); err != nil || !claimed {
		t.Fatalf("first claim: %v %v", claimed, err)
	}
	// While the claimant's session lives, a duplicate waits.
	if _, claimed, err := s.IdempotencyClaim(ctx, "token:1", "k", hash, time.Hour); err != nil || claimed {
		t.Fatalf("claim while the owner lives: %v %v", claimed, err)
	}
	dying.Close() // the process dies: its sessions end
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, claimed, err := s.IdempotencyClaim(ctx, "token:1", "k", hash, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if claimed {
			break
		}
		if time.Now().After(deadline) { // the server notices a closed session almost at once
			t.Fatal("the claim of an ended session was not taken over")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
