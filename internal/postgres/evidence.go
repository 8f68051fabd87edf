package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/evidence"
)

const ruleColumns = "id, person_id, name, sensors, condition, for_seconds, window_start, window_end, action, enabled, version"

func scanRule(row pgx.Row) (app.Versioned[evidence.Rule], error) {
	var v app.Versioned[evidence.Rule]
	r := &v.Value
	var cond, action []byte
	var forSec int
	var ws, we *int
	if err := row.Scan(&r.ID, &r.PersonID, &r.Name, &r.Sensors, &cond, &forSec, &ws, &we, &action, &r.Enabled, &v.Version); err != nil {
		return v, err
	}
	r.For = time.Duration(forSec) * time.Second
	if ws != nil && we != nil {
		r.Window = &evidence.Window{Start: domain.ClockTime(*ws), End: domain.ClockTime(*we)}
	}
	if err := json.Unmarshal(cond, &r.Condition); err != nil {
		return v, fmt.Errorf("evidence rule %d condition: %w", r.ID, err)
	}
	if err := json.Unmarshal(action, &r.Action); err != nil {
		return v, fmt.Errorf("evidence rule %d action: %w", r.ID, err)
	}
	return v, nil
}

// ruleArgs are the stored forms of a rule's fields, in ruleColumns' order
// from name on (without enabled and version).
func ruleArgs(r evidence.Rule) (cond, action []byte, forSec int, ws, we *int, err error) {
	if cond, err = json.Marshal(r.Condition); err != nil {
		return
	}
	if action, err = json.Marshal(r.Action); err != nil {
		return
	}
	forSec = int(r.For / time.Second)
	if r.Window != nil {
		s, e := int(r.Window.Start), int(r.Window.End)
		ws, we = &s, &e
	}
	return
}

// EvidenceRuleInsert implements app.EvidenceStore.
func (s *Store) EvidenceRuleInsert(ctx context.Context, r evidence.Rule) (evidence.Rule, error) {
	cond, action, forSec, ws, we, err := ruleArgs(r)
	if err != nil {
		return r, err
	}
	err = s.q.QueryRow(ctx, `INSERT INTO evidence_rules
		(person_id, name, sensors, condition, for_seconds, window_start, window_end, action, enabled)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		r.PersonID, r.Name, r.Sensors, cond, forSec, ws, we, action, r.Enabled).Scan(&r.ID)
	if err != nil {
		return r, fmt.Errorf("insert evidence rule %q: %w", r.Name, err)
	}
	return r, nil
}

// EvidenceRuleGet implements app.EvidenceStore.
func (s *Store) EvidenceRuleGet(ctx context.Context, personID, id int64) (app.Versioned[evidence.Rule], error) {
	v, err := scanRule(s.q.QueryRow(ctx, "SELECT "+ruleColumns+` FROM evidence_rules
		WHERE person_id = $1 AND id = $2 AND deleted_at IS NULL`, personID, id))
	return v, notFound(err, fmt.Sprintf("evidence rule %d", id))
}

// EvidenceRuleList implements app.EvidenceStore.
func (s *Store) EvidenceRuleList(ctx context.Context, personID int64) ([]app.Versioned[evidence.Rule], error) {
	rows, err := s.q.Query(ctx, "SELECT "+ruleColumns+` FROM evidence_rules
		WHERE person_id = $1 AND deleted_at IS NULL ORDER BY id`, personID)
	if err != nil {
		return nil, fmt.Errorf("evidence rules: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (app.Versioned[evidence.Rule], error) { return scanRule(r) })
}

// EvidenceRuleUpdate implements app.EvidenceStore.
func (s *Store) EvidenceRuleUpdate(ctx context.Context, r evidence.Rule, version int) (int, error) {
	cond, action, forSec, ws, we, err := ruleArgs(r)
	if err != nil {
		return 0, err
	}
	var next int
	err = s.q.QueryRow(ctx, `UPDATE evidence_rules SET name = $4, sensors = $5, condition = $6, for_seconds = $7,
		window_start = $8, window_end = $9, action = $10, enabled = $11, version = version + 1, updated_at = now()
		WHERE person_id = $1 AND id = $2 AND version = $3 AND deleted_at IS NULL RETURNING version`,
		r.PersonID, r.ID, version, r.Name, r.Sensors, cond, forSec, ws, we, action, r.Enabled).Scan(&next)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("evidence rule %d changed meanwhile: %w", r.ID, domain.ErrPrecondition)
	}
	if err != nil {
		return 0, fmt.Errorf("update evidence rule %d: %w", r.ID, err)
	}
	return next, nil
}

// EvidenceRuleDelete implements app.EvidenceStore.
func (s *Store) EvidenceRuleDelete(ctx context.Context, personID, id int64) error {
	tag, err := s.q.Exec(ctx, `UPDATE evidence_rules SET deleted_at = now(), enabled = false, version = version + 1
		WHERE person_id = $1 AND id = $2 AND deleted_at IS NULL`, personID, id)
	if err != nil {
		return fmt.Errorf("delete evidence rule %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("evidence rule %d: %w", id, domain.ErrNotFound)
	}
	return nil
}

// EvidenceSensors implements app.EvidenceStore.
func (s *Store) EvidenceSensors(ctx context.Context) ([]string, error) {
	rows, err := s.q.Query(ctx, `SELECT DISTINCT unnest(sensors) AS sensor FROM evidence_rules
		WHERE enabled AND deleted_at IS NULL ORDER BY sensor`)
	if err != nil {
		return nil, fmt.Errorf("evidence sensors: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// SensorObserve implements app.EvidenceStore: the lock, the lazy commit,
// the state, the rules and their matched days go in one round trip. Each
// is its own statement, so the reads see what was committed before the
// lock was granted.
func (s *Store) SensorObserve(ctx context.Context, sensor string, lock bool, from domain.Day) (app.SensorObservation, error) {
	o := app.SensorObservation{State: app.SensorState{Sensor: sensor}, Done: map[int64]map[domain.Day]bool{}}
	var hist []byte
	b := &pgx.Batch{}
	if lock {
		b.Queue("SELECT pg_advisory_xact_lock(hashtextextended('lifeops.sensor:' || $1, 0))", sensor).Exec(func(pgconn.CommandTag) error { return nil })
	}
	if s.inTx {
		b.Queue(lazyCommit).Exec(func(pgconn.CommandTag) error { return nil })
	}
	b.Queue(`SELECT source, state, since, observed_at, history FROM sensor_state WHERE sensor = $1`, sensor).QueryRow(func(row pgx.Row) error {
		err := row.Scan(&o.State.Source, &o.State.State, &o.State.Since, &o.State.ObservedAt, &hist)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		o.Found = err == nil
		return err
	})
	b.Queue("SELECT "+ruleColumns+` FROM evidence_rules
		WHERE sensors @> ARRAY[$1::text] AND enabled AND deleted_at IS NULL ORDER BY id`, sensor).Query(func(rows pgx.Rows) error {
		var err error
		o.Rules, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (app.Versioned[evidence.Rule], error) { return scanRule(r) })
		return err
	})
	b.Queue(`SELECT rule_id, day FROM evidence_matches WHERE day >= $2 AND rule_id IN (
		SELECT id FROM evidence_rules WHERE sensors @> ARRAY[$1::text] AND enabled AND deleted_at IS NULL)`, sensor, from).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var id int64
			var d domain.Day
			if err := rows.Scan(&id, &d); err != nil {
				return err
			}
			if o.Done[id] == nil {
				o.Done[id] = map[domain.Day]bool{}
			}
			o.Done[id][d] = true
		}
		return rows.Err()
	})
	if err := s.q.SendBatch(ctx, b).Close(); err != nil {
		return app.SensorObservation{State: app.SensorState{Sensor: sensor}}, fmt.Errorf("sensor %s: %w", sensor, err)
	}
	if o.Found {
		if err := json.Unmarshal(hist, &o.State.History); err != nil {
			return o, fmt.Errorf("sensor %s history: %w", sensor, err)
		}
	}
	return o, nil
}

// SensorStatePut implements app.EvidenceStore; in a transaction the write
// goes with its next statement.
func (s *Store) SensorStatePut(ctx context.Context, st app.SensorState) error {
	hist, err := json.Marshal(readingsOrEmpty(st.History))
	if err != nil {
		return err
	}
	return s.laterExec(ctx, fmt.Sprintf("store sensor %s state", st.Sensor), `INSERT INTO sensor_state (sensor, source, state, since, observed_at, history)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (sensor) DO UPDATE SET source = $2, state = $3, since = $4, observed_at = $5, history = $6, updated_at = now()`,
		st.Sensor, st.Source, st.State, st.Since, st.ObservedAt, hist)
}

// CommitLazily implements app.EvidenceStore (see lazyCommit).
func (s *Store) CommitLazily(ctx context.Context) error {
	if !s.inTx {
		return nil
	}
	if _, err := s.q.Exec(ctx, lazyCommit); err != nil {
		return fmt.Errorf("lazy commit: %w", err)
	}
	return nil
}

func readingsOrEmpty(rs []evidence.Reading) []evidence.Reading {
	if rs == nil {
		return []evidence.Reading{}
	}
	return rs
}

const matchColumns = `id, rule_id, person_id, day, window_key, sensor, started_at, ended_at, state, quantity, readings, action,
	check_in_id, activity_id, item_id, item_day, error, matched_at, undone_at`

func scanMatch(row pgx.Row) (app.EvidenceMatch, error) {
	var m app.EvidenceMatch
	var readings, action []byte
	var checkIn, activity, item *int64
	var itemDay *domain.Day
	var errText *string
	err := row.Scan(&m.ID, &m.RuleID, &m.PersonID, &m.Day, &m.WindowKey, &m.Sensor, &m.StartedAt, &m.EndedAt, &m.State,
		&m.Quantity, &readings, &action, &checkIn, &activity, &item, &itemDay, &errText, &m.MatchedAt, &m.UndoneAt)
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(readings, &m.Readings); err != nil {
		return m, fmt.Errorf("evidence match %d readings: %w", m.ID, err)
	}
	if err := json.Unmarshal(action, &m.Action); err != nil {
		return m, fmt.Errorf("evidence match %d action: %w", m.ID, err)
	}
	m.CheckInID, m.ActivityID, m.ItemID = idOrZero(checkIn), idOrZero(activity), idOrZero(item)
	if itemDay != nil {
		m.ItemDay = *itemDay
	}
	if errText != nil {
		m.Error = *errText
	}
	return m, nil
}

func idOrZero(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func nullText(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

const matchInsertSQL = `INSERT INTO evidence_matches
		(rule_id, person_id, day, window_key, sensor, started_at, ended_at, state, quantity, readings, action,
		 check_in_id, activity_id, item_id, item_day, error, matched_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
		ON CONFLICT ON CONSTRAINT evidence_matches_rule_day DO NOTHING
		RETURNING ` + matchColumns

// matchInsertArgs are matchInsertSQL's arguments for m.
func matchInsertArgs(m app.EvidenceMatch) ([]any, error) {
	readings, err := json.Marshal(readingsOrEmpty(m.Readings))
	if err != nil {
		return nil, err
	}
	action, err := json.Marshal(m.Action)
	if err != nil {
		return nil, err
	}
	return []any{m.RuleID, m.PersonID, m.Day, m.WindowKey, m.Sensor, m.StartedAt, m.EndedAt, m.State, m.Quantity,
		readings, action, nullID(m.CheckInID), nullID(m.ActivityID), nullID(m.ItemID), m.ItemDay, nullText(m.Error),
		m.MatchedAt}, nil
}

// EvidenceMatchInsert implements app.EvidenceStore.
func (s *Store) EvidenceMatchInsert(ctx context.Context, m app.EvidenceMatch) (app.EvidenceMatch, bool, error) {
	args, err := matchInsertArgs(m)
	if err != nil {
		return m, false, err
	}
	out, err := scanMatch(s.q.QueryRow(ctx, matchInsertSQL, args...))
	if errors.Is(err, pgx.ErrNoRows) {
		return m, false, nil
	}
	if err != nil {
		return m, false, fmt.Errorf("insert evidence match of rule %d on %s: %w", m.RuleID, m.Day, err)
	}
	return out, true, nil
}

// EvidenceMatchAdd implements app.EvidenceStore: in a transaction the
// insert goes with the next statement (laterRow).
func (s *Store) EvidenceMatchAdd(ctx context.Context, m *app.EvidenceMatch) error {
	args, err := matchInsertArgs(*m)
	if err != nil {
		return err
	}
	return s.laterRow(ctx, matchInsertSQL, args, func(row pgx.Row) error {
		out, err := scanMatch(row)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("evidence match of rule %d on %s: %w", m.RuleID, m.Day, app.ErrMatchTaken)
		}
		if err != nil {
			return fmt.Errorf("insert evidence match of rule %d on %s: %w", m.RuleID, m.Day, err)
		}
		*m = out
		return nil
	})
}

// EvidenceMatchDays implements app.EvidenceStore.
func (s *Store) EvidenceMatchDays(ctx context.Context, ruleIDs []int64, from domain.Day) (map[int64]map[domain.Day]bool, error) {
	rows, err := s.q.Query(ctx, `SELECT rule_id, day FROM evidence_matches WHERE rule_id = ANY($1) AND day >= $2`, ruleIDs, from)
	if err != nil {
		return nil, fmt.Errorf("evidence match days: %w", err)
	}
	defer rows.Close()
	out := map[int64]map[domain.Day]bool{}
	for rows.Next() {
		var id int64
		var d domain.Day
		if err := rows.Scan(&id, &d); err != nil {
			return nil, fmt.Errorf("evidence match days: %w", err)
		}
		if out[id] == nil {
			out[id] = map[domain.Day]bool{}
		}
		out[id][d] = true
	}
	return out, rows.Err()
}

// EvidenceMatchGet implements app.EvidenceStore.
func (s *Store) EvidenceMatchGet(ctx context.Context, personID, id int64, lock bool) (app.EvidenceMatch, error) {
	q := "SELECT " + matchColumns + " FROM evidence_matches WHERE person_id = $1 AND id = $2"
	if lock {
		q += " FOR UPDATE"
	}
	m, err := scanMatch(s.q.QueryRow(ctx, q, personID, id))
	return m, notFound(err, fmt.Sprintf("evidence match %d", id))
}

// EvidenceMatchUpdate implements app.EvidenceStore. Its callers hold the
// match (inserted or locked in the same transaction), so the update waits
// for the transaction's next statement.
func (s *Store) EvidenceMatchUpdate(ctx context.Context, m app.EvidenceMatch) error {
	return s.laterExec(ctx, fmt.Sprintf("update evidence match %d", m.ID), `UPDATE evidence_matches SET check_in_id = $2, activity_id = $3, item_id = $4, item_day = $5,
		error = $6, undone_at = $7 WHERE id = $1`,
		m.ID, nullID(m.CheckInID), nullID(m.ActivityID), nullID(m.ItemID), m.ItemDay, nullText(m.Error), m.UndoneAt)
}

// EvidenceMatchPage implements app.EvidenceStore.
func (s *Store) EvidenceMatchPage(ctx context.Context, personID, ruleID, before int64, limit int) ([]app.EvidenceMatch, error) {
	rows, err := s.q.Query(ctx, "SELECT "+matchColumns+` FROM evidence_matches
		WHERE person_id = $1 AND ($2 = 0 OR rule_id = $2) AND ($3 = 0 OR id < $3) ORDER BY id DESC LIMIT $4`,
		personID, ruleID, before, limit)
	if err != nil {
		return nil, fmt.Errorf("evidence matches: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (app.EvidenceMatch, error) { return scanMatch(r) })
}
