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

var _ app.OuraStore = (*Store)(nil)

// --- tokens (sealed by package oura before they get here) ---

// OuraTokenSealed returns a person's sealed token pair; domain.ErrNotFound
// when they never connected.
func (s *Store) OuraTokenSealed(ctx context.Context, personID int64) (string, error) {
	var sealed string
	err := s.q.QueryRow(ctx, "SELECT sealed FROM oura_tokens WHERE person_id = $1", personID).Scan(&sealed)
	return sealed, notFound(err, fmt.Sprintf("oura token of person %d", personID))
}

// OuraTokenSealedPut replaces a person's sealed pair in one statement (a
// rotated refresh token is the only one Oura still accepts) and clears a
// re-authorisation flag: a pair that was just issued works.
func (s *Store) OuraTokenSealedPut(ctx context.Context, personID int64, sealed string, expiry time.Time) error {
	_, err := s.q.Exec(ctx, `INSERT INTO oura_tokens (person_id, sealed, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (person_id) DO UPDATE SET sealed = EXCLUDED.sealed, expires_at = EXCLUDED.expires_at,
		  needs_reauth = false, reauth_reason = '', updated_at = now()`, personID, sealed, nullTime(expiry))
	if err != nil {
		return fmt.Errorf("store oura token of person %d: %w", personID, err)
	}
	return nil
}

// OuraTokenDelete implements app.OuraStore.
func (s *Store) OuraTokenDelete(ctx context.Context, personID int64) error {
	tag, err := s.q.Exec(ctx, "DELETE FROM oura_tokens WHERE person_id = $1", personID)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("oura connection of person %d: %w", personID, domain.ErrNotFound)
	}
	return nil
}

// OuraReauthMark implements app.OuraStore.
func (s *Store) OuraReauthMark(ctx context.Context, personID int64, reason string) (bool, error) {
	tag, err := s.q.Exec(ctx, `UPDATE oura_tokens SET needs_reauth = true, reauth_reason = $2, updated_at = now()
		WHERE person_id = $1 AND NOT needs_reauth`, personID, reason)
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() == 1, nil
}

// OuraConnections implements app.OuraStore.
func (s *Store) OuraConnections(ctx context.Context) ([]app.OuraConnection, error) {
	rows, err := s.q.Query(ctx, `SELECT person_id, needs_reauth, reauth_reason, expires_at, updated_at
		FROM oura_tokens ORDER BY person_id`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (app.OuraConnection, error) {
		var c app.OuraConnection
		err := r.Scan(&c.PersonID, &c.NeedsReauth, &c.ReauthReason, &c.ExpiresAt, &c.UpdatedAt)
		return c, err
	})
}

// --- states ---

// OuraStateInsert implements app.OuraStore; expired states are swept on
// the way.
func (s *Store) OuraStateInsert(ctx context.Context, state string, personID int64, expires time.Time) error {
	if _, err := s.q.Exec(ctx, "DELETE FROM oura_states WHERE expires_at < now() - interval '1 day'"); err != nil {
		return err
	}
	_, err := s.q.Exec(ctx, "INSERT INTO oura_states (state, person_id, expires_at) VALUES ($1, $2, $3)", state, personID, expires)
	return err
}

// OuraStateTake implements app.OuraStore: the DELETE … RETURNING makes the
// state single use even when two callbacks race.
func (s *Store) OuraStateTake(ctx context.Context, state string, now time.Time) (int64, error) {
	var personID int64
	var expires time.Time
	err := s.q.QueryRow(ctx, "DELETE FROM oura_states WHERE state = $1 RETURNING person_id, expires_at", state).Scan(&personID, &expires)
	if err != nil {
		return 0, notFound(err, "oura state")
	}
	if !now.Before(expires) {
		return 0, fmt.Errorf("oura state expired at %s: %w", expires.Format(time.RFC3339), domain.ErrNotFound)
	}
	return personID, nil
}

// --- documents ---

// OuraDocumentsUpsert implements app.OuraStore. A document whose JSON
// equals the stored one is not written at all (no new row version, no
// updated_at change): re-syncing changes nothing.
func (s *Store) OuraDocumentsUpsert(ctx context.Context, personID int64, docs []app.OuraDocument) ([]app.OuraDocument, error) {
	if len(docs) == 0 {
		return nil, nil
	}
	colls := make([]string, len(docs))
	ids := make([]string, len(docs))
	days := make([]*string, len(docs))
	raws := make([]string, len(docs))
	for i, d := range docs {
		colls[i], ids[i], raws[i] = d.Collection, d.ID, string(d.Raw)
		if d.Day != "" {
			day := d.Day
			days[i] = &day
		}
	}
	// The last copy of a document wins when a window carries it twice
	// (an exclusive end_date asked one day longer).
	rows, err := s.q.Query(ctx, `
		INSERT INTO oura_documents AS o (person_id, collection, id, day, doc)
		SELECT DISTINCT ON (c, i) $1, c, i, d::date, r::jsonb
		FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS u(c, i, d, r, n)
		ORDER BY c, i, n DESC
		ON CONFLICT (person_id, collection, id) DO UPDATE
		  SET doc = EXCLUDED.doc, day = EXCLUDED.day, updated_at = now()
		  WHERE o.doc IS DISTINCT FROM EXCLUDED.doc OR o.day IS DISTINCT FROM EXCLUDED.day
		RETURNING collection, id`, personID, colls, ids, days, raws)
	if err != nil {
		return nil, fmt.Errorf("upsert oura documents of person %d: %w", personID, err)
	}
	type key struct{ c, i string }
	changed := map[key]bool{}
	for rows.Next() {
		var k key
		if err := rows.Scan(&k.c, &k.i); err != nil {
			rows.Close()
			return nil, err
		}
		changed[k] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("upsert oura documents of person %d: %w", personID, err)
	}
	var out []app.OuraDocument
	for _, d := range docs {
		k := key{d.Collection, d.ID}
		if changed[k] {
			out = append(out, d)
			delete(changed, k)
		}
	}
	return out, nil
}

// OuraBiometricsPut implements app.OuraStore: nil fields keep what is
// stored, and a row that would not change is not written.
func (s *Store) OuraBiometricsPut(ctx context.Context, personID int64, d app.OuraDay, at time.Time) (bool, error) {
	tag, err := s.q.Exec(ctx, `
		INSERT INTO daily_biometrics AS b (person_id, day, sleep_score, readiness_score, activity_score, steps, sleep_end, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, coalesce($8, now()))
		ON CONFLICT (person_id, day) DO UPDATE SET
		  sleep_score = coalesce(EXCLUDED.sleep_score, b.sleep_score),
		  readiness_score = coalesce(EXCLUDED.readiness_score, b.readiness_score),
		  activity_score = coalesce(EXCLUDED.activity_score, b.activity_score),
		  steps = coalesce(EXCLUDED.steps, b.steps),
		  sleep_end = coalesce(EXCLUDED.sleep_end, b.sleep_end),
		  updated_at = EXCLUDED.updated_at
		WHERE (b.sleep_score, b.readiness_score, b.activity_score, b.steps, b.sleep_end) IS DISTINCT FROM
		  (coalesce(EXCLUDED.sleep_score, b.sleep_score), coalesce(EXCLUDED.readiness_score, b.readiness_score),
		   coalesce(EXCLUDED.activity_score, b.activity_score), coalesce(EXCLUDED.steps, b.steps),
		   coalesce(EXCLUDED.sleep_end, b.sleep_end))`,
		personID, d.Day, d.Sleep, d.Readiness, d.Activity, d.Steps, d.SleepEnd, nullTime(at))
	if err != nil {
		return false, fmt.Errorf("person %d biometrics of %s: %w", personID, d.Day, err)
	}
	return tag.RowsAffected() == 1, nil
}

// --- sync state ---

// OuraSyncGet implements app.OuraStore.
func (s *Store) OuraSyncGet(ctx context.Context, personID int64) (app.OuraSyncState, error) {
	var st app.OuraSyncState
	var raw []byte
	err := s.q.QueryRow(ctx, `SELECT last_sync, last_days, last_error, last_error_at, backfill_done
		FROM oura_sync WHERE person_id = $1`, personID).Scan(&st.LastSync, &raw, &st.LastError, &st.LastErrorAt, &st.BackfillDone)
	if errors.Is(err, pgx.ErrNoRows) {
		return app.OuraSyncState{LastDays: map[string]domain.Day{}}, nil
	}
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal(raw, &st.LastDays); err != nil {
		return st, fmt.Errorf("oura sync state of person %d: %w", personID, err)
	}
	if st.LastDays == nil {
		st.LastDays = map[string]domain.Day{}
	}
	return st, nil
}

// OuraSyncDays implements app.OuraStore; a day only ever moves forward.
func (s *Store) OuraSyncDays(ctx context.Context, personID int64, days map[string]domain.Day) error {
	raw, err := json.Marshal(days)
	if err != nil {
		return err
	}
	_, err = s.q.Exec(ctx, `INSERT INTO oura_sync AS o (person_id, last_days) VALUES ($1, $2)
		ON CONFLICT (person_id) DO UPDATE SET last_days = (
		  SELECT coalesce(jsonb_object_agg(k, greatest(o.last_days ->> k, EXCLUDED.last_days ->> k)), '{}')
		  FROM (SELECT jsonb_object_keys(o.last_days) UNION SELECT jsonb_object_keys(EXCLUDED.last_days)) AS keys(k))
		WHERE EXISTS (SELECT 1 FROM jsonb_each_text(EXCLUDED.last_days) AS n(k, v)
		  WHERE o.last_days ->> n.k IS NULL OR o.last_days ->> n.k < n.v)`, personID, raw)
	return err
}

// OuraSyncResult implements app.OuraStore.
func (s *Store) OuraSyncResult(ctx context.Context, personID int64, at time.Time, errText string, backfill bool) error {
	_, err := s.q.Exec(ctx, `INSERT INTO oura_sync AS o (person_id, last_sync, last_error, last_error_at, backfill_done)
		VALUES ($1, CASE WHEN $3 = '' THEN $2::timestamptz END, $3, CASE WHEN $3 <> '' THEN $2::timestamptz END, $4)
		ON CONFLICT (person_id) DO UPDATE SET
		  last_sync = coalesce(EXCLUDED.last_sync, o.last_sync),
		  last_error = EXCLUDED.last_error,
		  last_error_at = coalesce(EXCLUDED.last_error_at, o.last_error_at),
		  backfill_done = o.backfill_done OR EXCLUDED.backfill_done`, personID, at, errText, backfill)
	return err
}

// --- activities linked to Oura workouts ---

// ActivityByExternal implements app.OuraStore.
func (s *Store) ActivityByExternal(ctx context.Context, personID int64, externalID string) (domain.Activity, bool, error) {
	a, err := scanActivity(s.q.QueryRow(ctx, "SELECT "+activityColumns+
		" FROM activities WHERE person_id = $1 AND external_id = $2 LIMIT 1", personID, externalID))
	if errors.Is(err, pgx.ErrNoRows) {
		return a, false, nil
	}
	return a, err == nil, err
}

// ActivityUnlinkedNear implements app.OuraStore.
func (s *Store) ActivityUnlinkedNear(ctx context.Context, personID int64, typ string, at time.Time, within time.Duration) (domain.Activity, bool, error) {
	return s.activityNear(ctx, "source <> 'oura' AND external_id IS NULL", personID, typ, at, within)
}

// ActivityFromRingNear implements app.OuraStore.
func (s *Store) ActivityFromRingNear(ctx context.Context, personID int64, typ string, at time.Time, within time.Duration) (domain.Activity, bool, error) {
	return s.activityNear(ctx, "source = 'oura'", personID, typ, at, within)
}

// activityNear finds the activity of type typ matching cond (a constant
// SQL condition) that started closest to at within ±within.
func (s *Store) activityNear(ctx context.Context, cond string, personID int64, typ string, at time.Time, within time.Duration) (domain.Activity, bool, error) {
	a, err := scanActivity(s.q.QueryRow(ctx, "SELECT "+activityColumns+` FROM activities
		WHERE person_id = $1 AND type = $2 AND `+cond+`
		  AND at BETWEEN $3::timestamptz - $4 * interval '1 second' AND $3::timestamptz + $4 * interval '1 second'
		ORDER BY abs(extract(epoch FROM at - $3::timestamptz)), id LIMIT 1`, personID, typ, at, within.Seconds()))
	if errors.Is(err, pgx.ErrNoRows) {
		return a, false, nil
	}
	return a, err == nil, err
}

// XPAmount implements app.OuraStore.
func (s *Store) XPAmount(ctx context.Context, personID int64, kind, source string) (int, error) {
	var amount int
	err := s.q.QueryRow(ctx, "SELECT amount FROM xp_ledger WHERE person_id = $1 AND source_kind = $2 AND source_id = $3",
		personID, kind, source).Scan(&amount)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return amount, err
}

// ActivityLinkExternal implements app.OuraStore.
func (s *Store) ActivityLinkExternal(ctx context.Context, id int64, externalID string) error {
	_, err := s.q.Exec(ctx, "UPDATE activities SET external_id = $2 WHERE id = $1 AND external_id IS NULL", id, externalID)
	return err
}
