package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

var (
	_ app.TokenStore       = (*Store)(nil)
	_ app.IdempotencyStore = (*Store)(nil)
)

const tokenColumns = "id, name, scope, person_id, created_at, last_used_at, revoked_at"

func scanToken(row pgx.Row) (app.Token, error) {
	var t app.Token
	err := row.Scan(&t.ID, &t.Name, &t.Scope, &t.PersonID, &t.Created, &t.LastUsed, &t.Revoked)
	return t, err
}

// TokenInsert implements app.TokenStore.
func (s *Store) TokenInsert(ctx context.Context, t app.Token, hash []byte) (app.Token, error) {
	row := s.q.QueryRow(ctx,
		"INSERT INTO api_tokens (name, scope, person_id, secret_hash, created_at) VALUES ($1, $2, $3, $4, coalesce($5, now())) RETURNING "+tokenColumns,
		t.Name, t.Scope, t.PersonID, hash, nullTime(t.Created))
	out, err := scanToken(row)
	if err != nil {
		return out, fmt.Errorf("insert token: %w", err)
	}
	return out, nil
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// TokenByHash implements app.TokenStore.
func (s *Store) TokenByHash(ctx context.Context, hash []byte) (app.Token, error) {
	t, err := scanToken(s.q.QueryRow(ctx,
		"SELECT "+tokenColumns+" FROM api_tokens WHERE secret_hash = $1 AND revoked_at IS NULL", hash))
	return t, notFound(err, "token")
}

// TokenList implements app.TokenStore.
func (s *Store) TokenList(ctx context.Context) ([]app.Token, error) {
	rows, err := s.q.Query(ctx, "SELECT "+tokenColumns+" FROM api_tokens ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (app.Token, error) { return scanToken(r) })
}

// TokenRevoke implements app.TokenStore.
func (s *Store) TokenRevoke(ctx context.Context, id int64, at time.Time) error {
	tag, err := s.q.Exec(ctx, "UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL", id, at)
	if err != nil {
		return fmt.Errorf("revoke token %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("token %d: %w", id, domain.ErrNotFound)
	}
	return nil
}

// TokenTouch implements app.TokenStore. The condition lives in the UPDATE,
// so replicas racing to touch the same token write once per gap.
func (s *Store) TokenTouch(ctx context.Context, id int64, at time.Time, minGap time.Duration) error {
	_, err := s.q.Exec(ctx, `
		UPDATE api_tokens SET last_used_at = $2
		 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $3)`, id, at, at.Add(-minGap))
	if err != nil {
		return fmt.Errorf("touch token %d: %w", id, err)
	}
	return nil
}

// PairingInsert implements app.TokenStore.
func (s *Store) PairingInsert(ctx context.Context, hash []byte, personID int64, expires time.Time) error {
	_, err := s.q.Exec(ctx, "INSERT INTO pairing_codes (code_hash, person_id, expires_at) VALUES ($1, $2, $3)", hash, personID, expires)
	if uniqueViolation(err, "") {
		// 30^8 codes: a collision with a stored code is a broken random source.
		return fmt.Errorf("pairing code collision: %w", domain.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("insert pairing code: %w", err)
	}
	return nil
}

// PairingRedeem implements app.TokenStore. The UPDATE … WHERE used_at IS
// NULL is the single-use guarantee: of two devices racing with one code,
// exactly one row update succeeds.
func (s *Store) PairingRedeem(ctx context.Context, codeHash []byte, now time.Time, t app.Token, tokenHash []byte) (app.Token, error) {
	var out app.Token
	err := s.InTx(ctx, func(txs app.Store) error {
		tx := txs.(*Store)
		var personID int64
		err := tx.q.QueryRow(ctx, `
			UPDATE pairing_codes SET used_at = $2
			 WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2
			RETURNING person_id`, codeHash, now).Scan(&personID)
		if err != nil {
			return notFound(err, "pairing code")
		}
		t.PersonID = &personID
		if out, err = tx.TokenInsert(ctx, t, tokenHash); err != nil {
			return err
		}
		_, err = tx.q.Exec(ctx, "UPDATE pairing_codes SET token_id = $2 WHERE code_hash = $1", codeHash, out.ID)
		return err
	})
	return out, err
}

// idempotencyTTL is how long a kept answer is replayed; clients retry within
// minutes, a day is generous.
const idempotencyTTL = 24 * time.Hour

// storedResponse is the jsonb shape of idempotency_keys.response. The body
// is kept as a string so the replay is byte for byte (jsonb would reorder
// keys).
type storedResponse struct {
	ContentType string `json:"content_type"`
	Body        string `json:"body"`
}

// IdempotencyGet implements app.IdempotencyStore.
func (s *Store) IdempotencyGet(ctx context.Context, scope, key string) (app.StoredResponse, error) {
	var out app.StoredResponse
	var raw []byte
	err := s.q.QueryRow(ctx, `
		SELECT request_hash, status, response FROM idempotency_keys
		 WHERE scope = $1 AND key = $2 AND status > 0 AND created_at > now() - $3 * interval '1 second'`,
		scope, key, int64(idempotencyTTL/time.Second)).Scan(&out.RequestHash, &out.Status, &raw)
	if err != nil {
		return out, notFound(err, "idempotency key")
	}
	return out, decodeStoredResponse(key, raw, &out)
}

func decodeStoredResponse(key string, raw []byte, out *app.StoredResponse) error {
	var r storedResponse
	if err := json.Unmarshal(raw, &r); err != nil {
		return fmt.Errorf("idempotency key %q: stored response: %w", key, err)
	}
	out.ContentType, out.Body = r.ContentType, []byte(r.Body)
	return nil
}

// IdempotencyClaim implements app.IdempotencyStore. The claim is a row with
// status 0, written outside any transaction so duplicates see it at once.
//
// The row names the database session that wrote it (pid and start time, as
// pg_stat_activity shows them). A claim whose session has ended belongs to
// a process that died mid-request, and the next duplicate takes it over at
// once; stale only covers a claimant that lives but never answers. A
// session the pool closes while its request still runs would let a
// duplicate run too: the use cases' own keys still store the fact once.
func (s *Store) IdempotencyClaim(ctx context.Context, scope, key string, hash []byte, stale time.Duration) (app.StoredResponse, bool, error) {
	var out app.StoredResponse
	tag, err := s.q.Exec(ctx, `
		INSERT INTO idempotency_keys (scope, key, request_hash, status, response, owner_pid, owner_started)
		SELECT $1, $2, $3, 0, '{}', pid, backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()
		ON CONFLICT (scope, key) DO UPDATE
		   SET request_hash = EXCLUDED.request_hash, status = 0, response = '{}', created_at = now(),
		       owner_pid = EXCLUDED.owner_pid, owner_started = EXCLUDED.owner_started
		 WHERE idempotency_keys.created_at <= now() - $4 * interval '1 second'
		    OR (idempotency_keys.status = 0 AND (
		        idempotency_keys.created_at <= now() - $5 * interval '1 millisecond'
		        OR NOT EXISTS (SELECT 1 FROM pg_stat_activity a
		                        WHERE a.pid = idempotency_keys.owner_pid AND a.backend_start = idempotency_keys.owner_started)))`,
		scope, key, hash, int64(idempotencyTTL/time.Second), stale.Milliseconds())
	if err != nil {
		return out, false, fmt.Errorf("claim idempotency key %q: %w", key, err)
	}
	if tag.RowsAffected() == 1 {
		return out, true, nil
	}
	var raw []byte
	err = s.q.QueryRow(ctx, "SELECT request_hash, status, response FROM idempotency_keys WHERE scope = $1 AND key = $2",
		scope, key).Scan(&out.RequestHash, &out.Status, &raw)
	if errors.Is(err, pgx.ErrNoRows) {
		// Released between the two statements: claim it again.
		return s.IdempotencyClaim(ctx, scope, key, hash, stale)
	}
	if err != nil {
		return out, false, fmt.Errorf("read idempotency key %q: %w", key, err)
	}
	if out.Status == 0 {
		return out, false, nil
	}
	return out, false, decodeStoredResponse(key, raw, &out)
}

// IdempotencyPut implements app.IdempotencyStore. It completes a claim of
// the same request, or replaces an expired row under the same key.
func (s *Store) IdempotencyPut(ctx context.Context, scope, key string, r app.StoredResponse) (bool, error) {
	raw, err := json.Marshal(storedResponse{ContentType: r.ContentType, Body: string(r.Body)})
	if err != nil {
		return false, err
	}
	tag, err := s.q.Exec(ctx, `
		INSERT INTO idempotency_keys (scope, key, request_hash, status, response) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (scope, key) DO UPDATE
		   SET request_hash = EXCLUDED.request_hash, status = EXCLUDED.status, response = EXCLUDED.response, created_at = now()
		 WHERE idempotency_keys.created_at <= now() - $6 * interval '1 second'
		    OR (idempotency_keys.status = 0 AND idempotency_keys.request_hash = EXCLUDED.request_hash)`,
		scope, key, r.RequestHash, r.Status, raw, int64(idempotencyTTL/time.Second))
	if err != nil {
		return false, fmt.Errorf("keep idempotent answer %q: %w", key, err)
	}
	return tag.RowsAffected() == 1, nil
}

// IdempotencyRelease implements app.IdempotencyStore.
func (s *Store) IdempotencyRelease(ctx context.Context, scope, key string) error {
	if _, err := s.q.Exec(ctx, "DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND status = 0", scope, key); err != nil {
		return fmt.Errorf("release idempotency key %q: %w", key, err)
	}
	return nil
}
