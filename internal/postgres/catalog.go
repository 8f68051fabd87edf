package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lifeops/lifeops/internal/app"
)

// SensorCatalogReplace implements app.CatalogStore in one statement for the
// list, however long (an HA with thousands of entities): the entries go as
// arrays, rows no longer listed are deleted and only new or different rows
// written. An advisory lock on the source serialises replicas announcing the
// same source at once.
func (s *Store) SensorCatalogReplace(ctx context.Context, source string, entries []app.CatalogEntry, at time.Time) (app.CatalogChange, error) {
	n := len(entries)
	keys, names, units, classes := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	states, stateAts := make([]*string, n), make([]*time.Time, n)
	for i, e := range entries {
		keys[i], names[i], units[i], classes[i] = e.Sensor, e.Name, e.Unit, e.DeviceClass
		if e.State != "" {
			states[i] = &e.State
		}
		if !e.StateAt.IsZero() {
			stateAts[i] = &e.StateAt
		}
	}
	var out app.CatalogChange
	b := &pgx.Batch{}
	b.Queue("SELECT pg_advisory_xact_lock(hashtextextended('lifeops.sensor_catalog:' || $1, 0))", source)
	b.Queue(`WITH incoming AS (
			SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])
				AS t(sensor, name, unit, device_class, state, state_at)
		), gone AS (
			DELETE FROM sensor_catalog c WHERE c.source = $1
				AND NOT EXISTS (SELECT 1 FROM incoming i WHERE i.sensor = c.sensor)
			RETURNING 1
		), written AS (
			INSERT INTO sensor_catalog AS c (sensor, source, name, unit, device_class, state, state_at, listed_at)
			SELECT sensor, $1, name, unit, device_class, state, state_at, $8 FROM incoming
			ON CONFLICT (sensor) DO UPDATE SET source = EXCLUDED.source, name = EXCLUDED.name, unit = EXCLUDED.unit,
				device_class = EXCLUDED.device_class, state = EXCLUDED.state, state_at = EXCLUDED.state_at, listed_at = EXCLUDED.listed_at
			WHERE (c.source, c.name, c.unit, c.device_class, c.state, c.state_at)
				IS DISTINCT FROM (EXCLUDED.source, EXCLUDED.name, EXCLUDED.unit, EXCLUDED.device_class, EXCLUDED.state, EXCLUDED.state_at)
			RETURNING xmax = 0 AS added
		), listed AS (
			INSERT INTO sensor_sources (source, sensors, listed_at) VALUES ($1, cardinality($2::text[]), $8)
			ON CONFLICT (source) DO UPDATE SET sensors = EXCLUDED.sensors, listed_at = EXCLUDED.listed_at
		)
		SELECT (SELECT count(*) FROM gone), (SELECT count(*) FILTER (WHERE added) FROM written),
			(SELECT count(*) FILTER (WHERE NOT added) FROM written)`,
		source, keys, names, units, classes, states, stateAts, at).QueryRow(func(row pgx.Row) error {
		return row.Scan(&out.Removed, &out.Added, &out.Changed)
	})
	if err := s.q.SendBatch(ctx, b).Close(); err != nil {
		return app.CatalogChange{}, fmt.Errorf("replace %s sensor list: %w", source, err)
	}
	return out, nil
}

// SensorCatalogKnown implements app.CatalogStore.
func (s *Store) SensorCatalogKnown(ctx context.Context, keys []string) (map[string]bool, []app.SensorSourceList, error) {
	rows, err := s.q.Query(ctx, `SELECT k FROM unnest($1::text[]) AS k
		WHERE EXISTS (SELECT 1 FROM sensor_catalog WHERE sensor = k)
			OR EXISTS (SELECT 1 FROM sensor_state WHERE sensor = k)
			OR EXISTS (SELECT 1 FROM readings_latest WHERE sensor = k AND state IS NOT NULL)`, keys)
	if err != nil {
		return nil, nil, fmt.Errorf("sensors known: %w", err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, nil, fmt.Errorf("sensors known: %w", err)
	}
	known := make(map[string]bool, len(found))
	for _, k := range found {
		known[k] = true
	}
	lists, err := s.SensorSourceLists(ctx)
	if err != nil {
		return nil, nil, err
	}
	return known, lists, nil
}

// SensorSourceLists implements app.CatalogStore.
func (s *Store) SensorSourceLists(ctx context.Context) ([]app.SensorSourceList, error) {
	rows, err := s.q.Query(ctx, `SELECT source, sensors, listed_at FROM sensor_sources ORDER BY source`)
	if err != nil {
		return nil, fmt.Errorf("sensor sources: %w", err)
	}
	lists, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (app.SensorSourceList, error) {
		var l app.SensorSourceList
		err := r.Scan(&l.Source, &l.Sensors, &l.ListedAt)
		return l, err
	})
	if err != nil {
		return nil, fmt.Errorf("sensor sources: %w", err)
	}
	return lists, nil
}

// SensorCatalogList implements app.CatalogStore: the catalog joined with
// the sensors seen, from the evidence states and the latest stored
// readings (not the placeholders written before a first reading), the
// newer of the two when a key is in both; the state shown is the newer of
// the reading's and the list's.
func (s *Store) SensorCatalogList(ctx context.Context) ([]app.SensorInfo, error) {
	rows, err := s.q.Query(ctx, `
		WITH seen AS (
			SELECT DISTINCT ON (sensor) sensor, state, at FROM (
				SELECT sensor, state, observed_at AS at FROM sensor_state
				UNION ALL
				SELECT sensor, state, at FROM readings_latest WHERE state IS NOT NULL
			) s ORDER BY sensor, at DESC
		)
		SELECT coalesce(c.sensor, s.sensor), coalesce(c.source, ''), coalesce(c.name, ''), coalesce(c.unit, ''),
			coalesce(c.device_class, ''),
			CASE WHEN s.sensor IS NOT NULL AND (c.state_at IS NULL OR s.at >= c.state_at) THEN s.state ELSE c.state END,
			CASE WHEN s.sensor IS NOT NULL AND (c.state_at IS NULL OR s.at >= c.state_at) THEN s.at ELSE c.state_at END,
			s.sensor IS NOT NULL, c.sensor IS NOT NULL
		FROM sensor_catalog c FULL JOIN seen s ON s.sensor = c.sensor
		ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("sensor catalog: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (app.SensorInfo, error) {
		var v app.SensorInfo
		var state *string
		err := r.Scan(&v.Sensor, &v.Source, &v.Name, &v.Unit, &v.DeviceClass, &state, &v.At, &v.Seen, &v.Listed)
		if state != nil {
			v.State = *state
		}
		return v, err
	})
}
