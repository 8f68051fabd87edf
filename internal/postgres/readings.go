package postgres

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lifeops/lifeops/internal/app"
)

// Readings stores sensor readings and keeps their roll-ups.
type Readings struct {
	pool *pgxpool.Pool
}

// NewReadings returns the readings storage on pool.
func NewReadings(pool *pgxpool.Pool) *Readings { return &Readings{pool: pool} }

// readingColumns are the columns of the raw table that a writer fills.
var readingColumns = []string{"source", "sensor", "state", "num", "at"}

// numeric is the state as a number when it is one (JSON numbers, ESPHome
// sensor values); NaN and infinities are not numbers a roll-up can use.
func numeric(state string) *float64 {
	if state == "" || len(state) > 40 {
		return nil
	}
	f, err := strconv.ParseFloat(state, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return &f
}

// ReadingsInsert stores, in one transaction, the readings that change their
// sensor's last stored state and returns them, in the order given. A
// reading equal to the one before it for the same sensor (in the batch, or
// the last stored one) is not stored: storing the same readings twice
// stores them once. Concurrent writers (replicas) serialise per sensor on
// readings_latest, whose rows are locked before the comparison.
//
// The comparison runs here rather than in SQL so the rows that stay go in
// with COPY, PostgreSQL's fastest path (a staging table and INSERT … SELECT
// measured at about a third of a bare COPY).
//
// The transaction commits lazily (see lazyCommit): the readings are
// visible at once, and whatever a rule derives from them commits
// synchronously after them, which flushes them to disk as well.
func (r *Readings) ReadingsInsert(ctx context.Context, readings []app.Reading) ([]app.Reading, error) {
	stored, _, err := r.ReadingsInsertDelivered(ctx, readings, nil)
	return stored, err
}

// ReadingsInsertDelivered is ReadingsInsert for readings that came in MQTT
// messages, each placed by its Delivery. In the same transaction it keeps
// each delivery's key in mqtt_deliveries, and leaves out the readings of a
// Duplicate delivery whose client id and packet id were last kept with the
// same digest (by an earlier transaction or earlier in this batch): the
// broker sent a stored message again because our PUBACK never reached it.
// It returns the stored readings and how many deliveries were such
// redeliveries.
//
// Edge cases, and why they are safe:
//   - A delivery without DUP is new, whatever was kept under its packet id:
//     the broker reuses an id only after our PUBACK of the message before
//     it, so two messages with equal payloads are both taken.
//   - A message received but not yet committed when LifeOps died has no key;
//     its redelivery is taken as new, which is right: it was never stored.
//     The one exception is a broker reusing an id whose last stored message
//     had the same topic and payload, and our dying between receiving the
//     new one and committing it: Mosquitto counts ids up, so that takes
//     65,535 messages in between and the same bytes; the message is then
//     taken for the old one and not stored.
//   - A key is kept until the broker reuses its packet id (proof that it has
//     our PUBACK) or the raw readings' retention deletes it with the
//     readings of its time (ReadingsRetain); a redelivery recognised
//     refreshes it, in case that PUBACK is lost too.
//   - The key is the client id's: a replica's keys never match another's
//     messages, and a new client id starts with none.
func (r *Readings) ReadingsInsertDelivered(ctx context.Context, readings []app.Reading, deliveries []app.Delivery) ([]app.Reading, int, error) {
	if len(readings) == 0 && len(deliveries) == 0 {
		return nil, 0, nil
	}
	for k, d := range deliveries {
		switch {
		case d.ClientID == "":
			return nil, 0, fmt.Errorf("store readings: delivery %d: client id must not be empty", k)
		case d.PacketID == 0:
			return nil, 0, fmt.Errorf("store readings: delivery %d (%s): packet id 0: must be 1 to 65535", k, d.ClientID)
		case d.First < 0 || d.N < 0 || d.First+d.N > len(readings):
			return nil, 0, fmt.Errorf("store readings: delivery %d (%s, packet %d): readings %d to %d: must lie within the batch's %d",
				k, d.ClientID, d.PacketID, d.First, d.First+d.N, len(readings))
		}
	}
	keys, redelivered, check := deliveryKeys(deliveries)
	if len(check) == 0 {
		rs := dropRedelivered(readings, deliveries, redelivered)
		if len(rs) <= smallBatch {
			stored, err := r.insertSmall(ctx, rs, keys)
			return stored, len(redelivered), err
		}
		stored, err := r.insertTx(ctx, rs, keys, nil)
		return stored, len(redelivered), err
	}
	var n int
	stored, err := r.insertTx(ctx, nil, keys, func(ctx context.Context, tx pgx.Tx) ([]app.Reading, error) {
		stored, err := storedDeliveries(ctx, tx, deliveries, check)
		if err != nil {
			return nil, err
		}
		again := maps.Clone(redelivered)
		maps.Copy(again, stored)
		n = len(again)
		return dropRedelivered(readings, deliveries, again), nil
	})
	return stored, n, err
}

// deliveryKeys dedupes the keys to keep (the last delivery of each client
// and packet id wins), finds the duplicates this batch itself recognises
// (same key and digest earlier in the batch), and lists the duplicates left
// for the database to recognise, by index.
func deliveryKeys(deliveries []app.Delivery) (keys []app.Delivery, redelivered map[int]bool, check []int) {
	type key struct {
		client string
		packet uint16
	}
	last := map[key]int{}
	redelivered = map[int]bool{}
	for i, d := range deliveries {
		k := key{d.ClientID, d.PacketID}
		if j, ok := last[k]; ok && d.Duplicate && deliveries[j].Digest == d.Digest {
			redelivered[i] = true
			continue
		}
		if _, ok := last[k]; !ok && d.Duplicate {
			check = append(check, i)
		}
		last[k] = i
	}
	idx := slices.Sorted(maps.Values(last))
	for _, i := range idx {
		keys = append(keys, deliveries[i])
	}
	// One lock order for every writer.
	slices.SortFunc(keys, func(a, b app.Delivery) int {
		if c := strings.Compare(a.ClientID, b.ClientID); c != 0 {
			return c
		}
		return int(a.PacketID) - int(b.PacketID)
	})
	return keys, redelivered, check
}

// storedDeliveries finds which of the deliveries at check were kept before
// with the same digest: redeliveries of stored messages.
func storedDeliveries(ctx context.Context, tx pgx.Tx, deliveries []app.Delivery, check []int) (map[int]bool, error) {
	clients, packets, digests := make([]string, len(check)), make([]int32, len(check)), make([]int64, len(check))
	for k, i := range check {
		clients[k], packets[k], digests[k] = deliveries[i].ClientID, int32(deliveries[i].PacketID), deliveries[i].Digest
	}
	rows, err := tx.Query(ctx, `SELECT k.n FROM unnest($1::text[], $2::int[], $3::bigint[]) WITH ORDINALITY AS k (client_id, packet_id, digest, n)
		JOIN mqtt_deliveries d ON d.client_id = k.client_id AND d.packet_id = k.packet_id AND d.digest = k.digest
		ORDER BY k.n`, clients, packets, digests)
	if err != nil {
		return nil, fmt.Errorf("mqtt deliveries: %w", err)
	}
	ns, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("mqtt deliveries: %w", err)
	}
	out := make(map[int]bool, len(ns))
	for _, n := range ns {
		out[check[n-1]] = true // ordinality counts from 1
	}
	return out, nil
}

// dropRedelivered is readings without those of the redelivered deliveries.
func dropRedelivered(readings []app.Reading, deliveries []app.Delivery, redelivered map[int]bool) []app.Reading {
	if len(redelivered) == 0 {
		return readings
	}
	drop := make([]bool, len(readings))
	for i := range redelivered {
		d := deliveries[i]
		for k := d.First; k < d.First+d.N; k++ {
			drop[k] = true
		}
	}
	out := make([]app.Reading, 0, len(readings))
	for k, rd := range readings {
		if !drop[k] {
			out = append(out, rd)
		}
	}
	return out
}

// keepDeliveries is the statement that keeps the keys of a batch's
// deliveries, and its arguments.
func keepDeliveries(keys []app.Delivery) (string, []any) {
	clients, packets, digests := make([]string, len(keys)), make([]int32, len(keys)), make([]int64, len(keys))
	for k, d := range keys {
		clients[k], packets[k], digests[k] = d.ClientID, int32(d.PacketID), d.Digest
	}
	return `INSERT INTO mqtt_deliveries (client_id, packet_id, digest, at)
		SELECT client_id, packet_id, digest, now() FROM unnest($1::text[], $2::int[], $3::bigint[]) AS k (client_id, packet_id, digest)
		ON CONFLICT (client_id, packet_id) DO UPDATE SET digest = excluded.digest, at = excluded.at`, []any{clients, packets, digests}
}

// insertTx stores readings in one transaction with COPY, and keeps keys.
// With filter, the readings to store are what filter returns inside the
// transaction instead (before the readings' locks are taken).
func (r *Readings) insertTx(ctx context.Context, readings []app.Reading, keys []app.Delivery,
	filter func(context.Context, pgx.Tx) ([]app.Reading, error)) ([]app.Reading, error) {
	var kept []app.Reading
	err := pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		var err error
		kept, err = r.storeTx(ctx, tx, readings, keys, filter)
		return err
	})
	if err != nil {
		return nil, err
	}
	return kept, nil
}

func (r *Readings) storeTx(ctx context.Context, tx pgx.Tx, readings []app.Reading, keys []app.Delivery,
	filter func(context.Context, pgx.Tx) ([]app.Reading, error)) ([]app.Reading, error) {
	// What goes before the readings' locks is pipelined with them in one
	// round trip, except when filter must read first.
	b := &pgx.Batch{}
	if filter == nil {
		b.Queue(lazyCommit)
	} else {
		if _, err := tx.Exec(ctx, lazyCommit); err != nil {
			return nil, fmt.Errorf("readings: %w", err)
		}
		var err error
		if readings, err = filter(ctx, tx); err != nil {
			return nil, err
		}
	}
	if len(keys) > 0 {
		sql, args := keepDeliveries(keys)
		b.Queue(sql, args...)
	}
	seen := map[string]bool{}
	var sensors []string
	for _, rd := range readings {
		if !seen[rd.Sensor] {
			seen[rd.Sensor] = true
			sensors = append(sensors, rd.Sensor)
		}
	}
	// A fixed lock order keeps two writers of overlapping batches from
	// deadlocking.
	slices.Sort(sensors)
	execs := b.Len()
	if len(readings) == 0 {
		if execs > 0 {
			if err := tx.SendBatch(ctx, b).Close(); err != nil {
				return nil, fmt.Errorf("mqtt deliveries: %w", err)
			}
		}
		return nil, nil
	}
	var kept []app.Reading
	// Sensors seen for the first time get a placeholder to lock, so two
	// writers of a new sensor take turns too.
	b.Queue(`INSERT INTO readings_latest (sensor, state, at)
		SELECT s, NULL, '-infinity' FROM unnest($1::text[]) AS s ORDER BY s
		ON CONFLICT (sensor) DO NOTHING`, sensors)
	b.Queue(`SELECT sensor, state FROM readings_latest WHERE sensor = ANY($1) ORDER BY sensor FOR UPDATE`, sensors)
	br := tx.SendBatch(ctx, b)
	for range execs + 1 {
		if _, err := br.Exec(); err != nil {
			br.Close()
			return nil, fmt.Errorf("readings latest: %w", err)
		}
	}
	rows, err := br.Query()
	if err != nil {
		br.Close()
		return nil, fmt.Errorf("readings latest: %w", err)
	}
	last := make(map[string]*string, len(sensors))
	for rows.Next() {
		var sensor string
		var state *string
		if err := rows.Scan(&sensor, &state); err != nil {
			rows.Close()
			br.Close()
			return nil, fmt.Errorf("readings latest: %w", err)
		}
		last[sensor] = state
	}
	rows.Close()
	if err := errors.Join(rows.Err(), br.Close()); err != nil {
		return nil, fmt.Errorf("readings latest: %w", err)
	}
	for _, rd := range readings {
		if prev := last[rd.Sensor]; prev != nil && *prev == rd.State {
			continue
		}
		state := rd.State
		last[rd.Sensor] = &state
		kept = append(kept, rd)
	}
	if len(kept) == 0 {
		return nil, nil
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"readings"}, readingColumns,
		pgx.CopyFromSlice(len(kept), func(i int) ([]any, error) {
			rd := kept[i]
			return []any{rd.Source, rd.Sensor, rd.State, numeric(rd.State), rd.At}, nil
		})); err != nil {
		return nil, fmt.Errorf("copy readings: %w", err)
	}
	// The last kept reading of each sensor is its state now.
	final := map[string]app.Reading{}
	for _, rd := range kept {
		final[rd.Sensor] = rd
	}
	names, states, ats := make([]string, 0, len(final)), make([]string, 0, len(final)), make([]time.Time, 0, len(final))
	for _, s := range sensors {
		if rd, ok := final[s]; ok {
			names, states, ats = append(names, s), append(states, rd.State), append(ats, rd.At)
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE readings_latest l SET state = u.state, at = u.at
		FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS u (sensor, state, at)
		WHERE l.sensor = u.sensor`, names, states, ats); err != nil {
		return nil, fmt.Errorf("readings latest: %w", err)
	}
	return kept, nil
}

// smallBatch is the size up to which a batch goes in one round trip (the
// common case outside bursts: a door, a button) instead of through COPY.
const smallBatch = 64

// insertSmall is ReadingsInsert in one round trip: both statements are
// pipelined before one Sync, so they run in one implicit transaction, and
// the comparison with the state before runs in SQL.
func (r *Readings) insertSmall(ctx context.Context, readings []app.Reading, keys []app.Delivery) ([]app.Reading, error) {
	n := len(readings)
	sources, sensors, states, ats := make([]string, n), make([]string, n), make([]string, n), make([]time.Time, n)
	nums := make([]*float64, n)
	for i, rd := range readings {
		sources[i], sensors[i], states[i], nums[i], ats[i] = rd.Source, rd.Sensor, rd.State, numeric(rd.State), rd.At
	}
	b := &pgx.Batch{}
	b.Queue(lazyCommit)
	execs := 2
	if len(keys) > 0 {
		sql, args := keepDeliveries(keys)
		b.Queue(sql, args...)
		execs++
	}
	b.Queue(`INSERT INTO readings_latest (sensor, state, at)
		SELECT DISTINCT s, NULL::text, '-infinity'::timestamptz FROM unnest($1::text[]) AS s ORDER BY s
		ON CONFLICT (sensor) DO NOTHING`, sensors)
	b.Queue(`
		WITH incoming AS (
			SELECT i.seq, i.source, i.sensor, i.state, i.num, i.at
			FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::timestamptz[])
				WITH ORDINALITY AS i (source, sensor, state, num, at, seq)
		), prev AS (
			SELECT l.sensor, l.state FROM readings_latest l
			WHERE l.sensor IN (SELECT sensor FROM incoming)
			ORDER BY l.sensor
			FOR UPDATE
		), keep AS (
			SELECT s.* FROM (
				SELECT i.*, lag(i.state) OVER (PARTITION BY i.sensor ORDER BY i.seq) AS before FROM incoming i
			) s JOIN prev p ON p.sensor = s.sensor
			WHERE s.state IS DISTINCT FROM coalesce(s.before, p.state)
		), ins AS (
			INSERT INTO readings (source, sensor, state, num, at)
			SELECT source, sensor, state, num, at FROM keep ORDER BY seq
		), upd AS (
			UPDATE readings_latest l SET state = k.state, at = k.at
			FROM (SELECT DISTINCT ON (sensor) sensor, state, at FROM keep ORDER BY sensor, seq DESC) k
			WHERE l.sensor = k.sensor
		)
		SELECT seq FROM keep ORDER BY seq`, sources, sensors, states, nums, ats)
	br := r.pool.SendBatch(ctx, b)
	for range execs {
		if _, err := br.Exec(); err != nil {
			br.Close()
			return nil, fmt.Errorf("readings latest: %w", err)
		}
	}
	rows, err := br.Query()
	if err != nil {
		br.Close()
		return nil, fmt.Errorf("store readings: %w", err)
	}
	seqs, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err := errors.Join(err, br.Close()); err != nil {
		return nil, fmt.Errorf("store readings: %w", err)
	}
	kept := make([]app.Reading, 0, len(seqs))
	for _, s := range seqs {
		kept = append(kept, readings[s-1]) // ordinality counts from 1
	}
	return kept, nil
}

// ReadingsCopy writes readings straight into the raw table with COPY, no
// change detection: the baseline the ingestion benchmark compares with.
func (r *Readings) ReadingsCopy(ctx context.Context, readings []app.Reading) error {
	err := pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		// Committed as ReadingsInsert commits, so the two compare like
		// with like.
		if _, err := tx.Exec(ctx, lazyCommit); err != nil {
			return err
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"readings"}, readingColumns,
			pgx.CopyFromSlice(len(readings), func(i int) ([]any, error) {
				rd := readings[i]
				return []any{rd.Source, rd.Sensor, rd.State, numeric(rd.State), rd.At}, nil
			}))
		return err
	})
	if err != nil {
		return fmt.Errorf("copy readings: %w", err)
	}
	return nil
}

// ReadingsBetween lists a sensor's stored readings with from <= at < to,
// oldest first.
func (r *Readings) ReadingsBetween(ctx context.Context, sensor string, from, to time.Time) ([]app.Reading, error) {
	rows, err := r.pool.Query(ctx, `SELECT source, sensor, state, at FROM readings
		WHERE sensor = $1 AND at >= $2 AND at < $3 ORDER BY at, id`, sensor, from, to)
	if err != nil {
		return nil, fmt.Errorf("readings of %s: %w", sensor, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (app.Reading, error) {
		var rd app.Reading
		err := row.Scan(&rd.Source, &rd.Sensor, &rd.State, &rd.At)
		return rd, err
	})
	if err != nil {
		return nil, fmt.Errorf("readings of %s: %w", sensor, err)
	}
	return out, nil
}

// Rollup is one sensor's summary over one bucket. Min, Max and Avg cover
// the numeric readings (nil when there were none); LastState is the state
// in effect at the bucket's end.
type Rollup struct {
	Sensor    string
	Bucket    time.Time
	Count     int
	NumCount  int
	Min       *float64
	Max       *float64
	Avg       *float64
	LastState string
	LastAt    time.Time
}

// Roll-up resolutions.
const (
	Rollup5m = "5m"
	Rollup1h = "1h"
)

// ReadingsRollups lists a sensor's roll-ups of resolution (Rollup5m or
// Rollup1h) with from <= bucket < to.
func (r *Readings) ReadingsRollups(ctx context.Context, resolution, sensor string, from, to time.Time) ([]Rollup, error) {
	table, _, err := rollupTable(resolution)
	if err != nil {
		return nil, err
	}
	rows, err := r.pool.Query(ctx, `SELECT sensor, bucket, count, num_count, min, max, avg, last_state, last_at FROM `+table+`
		WHERE sensor = $1 AND bucket >= $2 AND bucket < $3 ORDER BY bucket`, sensor, from, to)
	if err != nil {
		return nil, fmt.Errorf("roll-ups of %s: %w", sensor, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Rollup, error) {
		var u Rollup
		err := row.Scan(&u.Sensor, &u.Bucket, &u.Count, &u.NumCount, &u.Min, &u.Max, &u.Avg, &u.LastState, &u.LastAt)
		return u, err
	})
	if err != nil {
		return nil, fmt.Errorf("roll-ups of %s: %w", sensor, err)
	}
	return out, nil
}

func rollupTable(resolution string) (table, width string, err error) {
	switch resolution {
	case Rollup5m:
		return "readings_5m", "5 minutes", nil
	case Rollup1h:
		return "readings_1h", "1 hour", nil
	}
	return "", "", fmt.Errorf("roll-up resolution %q: want %s or %s", resolution, Rollup5m, Rollup1h)
}

// RetentionResult says what one retention run did.
type RetentionResult struct {
	RolledUp int64 // raw rows newly rolled up
	Deleted  int64 // raw rows deleted
}

// ReadingsRetain rolls up the raw readings stored since its last run into
// readings_5m and readings_1h, then deletes raw readings older than
// before. Every bucket a new row falls in is recomputed from the raw rows,
// so late rows (a batch written after a database outage) are counted too.
// Only rows already rolled up are deleted.
func (r *Readings) ReadingsRetain(ctx context.Context, before time.Time) (RetentionResult, error) {
	var res RetentionResult
	// Wait for writers in flight: once this lock is granted, every id up to
	// max(id) belongs to a committed row, so no row is skipped for good.
	var upTo int64
	err := pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE readings IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM readings`).Scan(&upTo)
	})
	if err != nil {
		return res, fmt.Errorf("readings retention: %w", err)
	}
	err = pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		var from int64
		err := tx.QueryRow(ctx, `SELECT last_id FROM readings_rollup WHERE name = 'rollup' FOR UPDATE`).Scan(&from)
		if err != nil && err != pgx.ErrNoRows {
			return err
		}
		if upTo > from {
			for _, resolution := range []string{Rollup5m, Rollup1h} {
				table, width, _ := rollupTable(resolution)
				_, err := tx.Exec(ctx, `
					WITH dirty AS (
						SELECT DISTINCT sensor, date_bin($3::interval, at, timestamptz 'epoch') AS bucket
						FROM readings WHERE id > $1 AND id <= $2
					)
					INSERT INTO `+table+` AS t (sensor, bucket, count, num_count, min, max, sum, last_state, last_at)
					SELECT d.sensor, d.bucket, count(*), count(r.num), min(r.num), max(r.num), sum(r.num),
						(array_agg(r.state ORDER BY r.at DESC, r.id DESC))[1], max(r.at)
					FROM dirty d JOIN readings r
						ON r.sensor = d.sensor AND r.at >= d.bucket AND r.at < d.bucket + $3::interval
					GROUP BY d.sensor, d.bucket
					ON CONFLICT (sensor, bucket) DO UPDATE SET count = excluded.count, num_count = excluded.num_count,
						min = excluded.min, max = excluded.max, sum = excluded.sum,
						last_state = excluded.last_state, last_at = excluded.last_at`, from, upTo, width)
				if err != nil {
					return fmt.Errorf("roll up %s: %w", table, err)
				}
			}
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM readings WHERE id > $1 AND id <= $2`, from, upTo).Scan(&res.RolledUp); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO readings_rollup (name, last_id, ran_at) VALUES ('rollup', $1, now())
			ON CONFLICT (name) DO UPDATE SET last_id = excluded.last_id, ran_at = excluded.ran_at`, max(upTo, from)); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM readings WHERE at < $1 AND id <= $2`, before, max(upTo, from))
		if err != nil {
			return fmt.Errorf("delete old readings: %w", err)
		}
		res.Deleted = tag.RowsAffected()
		// MQTT delivery keys of that time go with the readings: a message
		// left unacknowledged for longer than the retention (LifeOps away
		// that long) is taken as new when it comes back.
		if _, err := tx.Exec(ctx, `DELETE FROM mqtt_deliveries WHERE at < $1`, before); err != nil {
			return fmt.Errorf("delete old mqtt deliveries: %w", err)
		}
		return nil
	})
	if err != nil {
		return RetentionResult{}, fmt.Errorf("readings retention: %w", err)
	}
	return res, nil
}
