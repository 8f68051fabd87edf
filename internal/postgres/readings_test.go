package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/postgres"
)

var r0 = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

func rd(sensor, state string, at time.Time) app.Reading {
	src, _, _ := strings.Cut(sensor, "/")
	if !strings.Contains(sensor, "/") {
		src = "ha"
	}
	return app.Reading{Source: src, Sensor: sensor, State: state, At: at}
}

func states(rs []app.Reading) string {
	var b []string
	for _, r := range rs {
		b = append(b, fmt.Sprintf("%s=%s@%s", r.Sensor, r.State, r.At.UTC().Format("15:04:05")))
	}
	return strings.Join(b, " ")
}

// TestReadingsInsertStoresChangesOnce: a reading that repeats its sensor's
// state (in the batch or stored before) is not stored, so the same batch
// twice, or a redelivered message, stores nothing new.
func TestReadingsInsertStoresChangesOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := postgres.NewReadings(dbtest.New(t))
	batch := []app.Reading{
		rd("zigbee2mqtt/bed/occupancy", "true", r0),
		rd("esphome/desk/sensor/power", "40.5", r0),
		rd("zigbee2mqtt/bed/occupancy", "true", r0.Add(time.Second)), // repeat in the batch
		rd("zigbee2mqtt/bed/occupancy", "false", r0.Add(2*time.Second)),
		rd("binary_sensor.bed", "on", r0.Add(2*time.Second)),
		rd("zigbee2mqtt/bed/occupancy", "true", r0.Add(3*time.Second)), // a change back is a change
	}
	got, err := s.ReadingsInsert(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	want := "zigbee2mqtt/bed/occupancy=true@08:00:00 esphome/desk/sensor/power=40.5@08:00:00 zigbee2mqtt/bed/occupancy=false@08:00:02 binary_sensor.bed=on@08:00:02 zigbee2mqtt/bed/occupancy=true@08:00:03"
	if states(got) != want {
		t.Errorf("stored:\n got %s\nwant %s", states(got), want)
	}
	// The sensor's current state again (a retained message seen after a
	// resubscribe, a device re-sending its cached state) stores nothing.
	again, err := s.ReadingsInsert(ctx, batch[len(batch)-1:])
	if err != nil || len(again) != 0 {
		t.Errorf("redelivered last reading: stored %s, %v", states(again), err)
	}
	next, err := s.ReadingsInsert(ctx, []app.Reading{
		rd("esphome/desk/sensor/power", "40.5", r0.Add(time.Minute)),
		rd("esphome/desk/sensor/power", "41", r0.Add(2*time.Minute)),
		rd("binary_sensor.bed", "on", r0.Add(2*time.Minute)),
	})
	if err != nil || states(next) != "esphome/desk/sensor/power=41@08:02:00" {
		t.Errorf("later batch: stored %s, %v", states(next), err)
	}
	all, err := s.ReadingsBetween(ctx, "zigbee2mqtt/bed/occupancy", r0, r0.Add(time.Hour))
	if err != nil || states(all) != "zigbee2mqtt/bed/occupancy=true@08:00:00 zigbee2mqtt/bed/occupancy=false@08:00:02 zigbee2mqtt/bed/occupancy=true@08:00:03" {
		t.Errorf("stored rows: %s, %v", states(all), err)
	}
	if all[0].Source != "zigbee2mqtt" {
		t.Errorf("source %q", all[0].Source)
	}
}

// TestReadingsInsertPathsAgree: small batches (one round trip, the
// comparison in SQL) and large ones (COPY, the comparison in Go) store and
// return the same readings for the same stream.
func TestReadingsInsertPathsAgree(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var stream []app.Reading
	for i := range 600 {
		// Five sensors; states repeat in runs so about half are no change.
		stream = append(stream, rd(fmt.Sprintf("esphome/n/sensor/s%d", i%5), fmt.Sprint((i/10)%4), r0.Add(time.Duration(i)*time.Second)))
	}
	run := func(size int) (returned, stored string) {
		pool := dbtest.New(t)
		s := postgres.NewReadings(pool)
		var got []app.Reading
		for i := 0; i < len(stream); i += size {
			kept, err := s.ReadingsInsert(ctx, stream[i:min(i+size, len(stream))])
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, kept...)
		}
		var all []app.Reading
		for k := range 5 {
			rs, err := s.ReadingsBetween(ctx, fmt.Sprintf("esphome/n/sensor/s%d", k), r0, r0.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, rs...)
		}
		return states(got), states(all)
	}
	smallRet, smallAll := run(7)
	largeRet, largeAll := run(300)
	if smallRet != largeRet || smallAll != largeAll {
		t.Errorf("paths disagree:\nsmall returned %s\nlarge returned %s", smallRet, largeRet)
	}
	last := map[string]string{}
	var changes []app.Reading
	for _, r := range stream {
		if v, ok := last[r.Sensor]; !ok || v != r.State {
			changes = append(changes, r)
		}
		last[r.Sensor] = r.State
	}
	if largeRet != states(changes) {
		t.Errorf("stored %d readings, want the stream's %d changes", strings.Count(largeRet, "="), len(changes))
	}
}

// TestReadingsInsertConcurrentWriters: writers (replicas, each hearing a
// retained state when it subscribes) handed the same current states store
// each once between them.
func TestReadingsInsertConcurrentWriters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := postgres.NewReadings(dbtest.New(t))
	var batch []app.Reading
	for i := range 50 {
		batch = append(batch, rd(fmt.Sprintf("zigbee2mqtt/d%d/x", i), fmt.Sprint(i), r0))
	}
	var wg sync.WaitGroup
	stored := make([]int, 4)
	for w := range 4 {
		wg.Go(func() {
			// Each writer sends the states in its own order, so their
			// locks are taken in different orders too.
			mine := append([]app.Reading(nil), batch...)
			for i := range mine {
				j := (i + w*13) % len(mine)
				mine[i], mine[j] = mine[j], mine[i]
			}
			got, err := s.ReadingsInsert(ctx, mine)
			if err != nil {
				t.Error(err)
			}
			stored[w] = len(got)
		})
	}
	wg.Wait()
	total := 0
	for _, n := range stored {
		total += n
	}
	if total != len(batch) {
		t.Errorf("writers stored %v readings, %d in all; want %d", stored, total, len(batch))
	}
}

// TestReadingsRetain: roll-ups from known values, late rows recomputed,
// raw rows deleted after the cut-off only once rolled up.
func TestReadingsRetain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	s := postgres.NewReadings(pool)
	temp, door := "zigbee2mqtt/bedroom/temperature", "zigbee2mqtt/fridge/contact"
	// 08:00–08:05 bucket: 20, 22, 21 then "unavailable" (text, not a number);
	// 08:05–08:10: 19.5. The door flips in the first bucket only.
	if _, err := s.ReadingsInsert(ctx, []app.Reading{
		rd(temp, "20", r0.Add(10*time.Second)),
		rd(temp, "22", r0.Add(70*time.Second)),
		rd(door, "false", r0.Add(80*time.Second)),
		rd(temp, "21", r0.Add(130*time.Second)),
		rd(door, "true", r0.Add(90*time.Second)),
		rd(temp, "unavailable", r0.Add(200*time.Second)),
		rd(temp, "19.5", r0.Add(6*time.Minute)),
		rd(temp, "25", r0.Add(70*time.Minute)),
	}); err != nil {
		t.Fatal(err)
	}
	res, err := s.ReadingsRetain(ctx, r0.Add(-24*time.Hour))
	if err != nil || res.RolledUp != 8 || res.Deleted != 0 {
		t.Fatalf("first run: %+v, %v", res, err)
	}
	type row struct {
		bucket        string
		count, nums   int
		min, max, avg string
		last          string
	}
	show := func(f *float64) string {
		if f == nil {
			return "-"
		}
		return fmt.Sprintf("%.4g", *f)
	}
	check := func(res, sensor string, want []row) {
		t.Helper()
		got, err := s.ReadingsRollups(ctx, res, sensor, r0.Add(-time.Hour), r0.Add(3*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		var g []row
		for _, u := range got {
			g = append(g, row{u.Bucket.UTC().Format("15:04"), u.Count, u.NumCount, show(u.Min), show(u.Max), show(u.Avg), u.LastState})
		}
		if fmt.Sprint(g) != fmt.Sprint(want) {
			t.Errorf("%s %s:\n got %v\nwant %v", res, sensor, g, want)
		}
	}
	check(postgres.Rollup5m, temp, []row{
		{"08:00", 4, 3, "20", "22", "21", "unavailable"},
		{"08:05", 1, 1, "19.5", "19.5", "19.5", "19.5"},
		{"09:10", 1, 1, "25", "25", "25", "25"},
	})
	check(postgres.Rollup1h, temp, []row{
		{"08:00", 5, 4, "19.5", "22", "20.62", "19.5"},
		{"09:00", 1, 1, "25", "25", "25", "25"},
	})
	check(postgres.Rollup5m, door, []row{{"08:00", 2, 0, "-", "-", "-", "true"}})

	// A late row (written after an outage) lands in a bucket already rolled
	// up: the bucket is recomputed.
	if _, err := s.ReadingsInsert(ctx, []app.Reading{rd(temp, "30", r0.Add(7*time.Minute))}); err != nil {
		t.Fatal(err)
	}
	if res, err := s.ReadingsRetain(ctx, r0.Add(-24*time.Hour)); err != nil || res.RolledUp != 1 {
		t.Fatalf("second run: %+v, %v", res, err)
	}
	check(postgres.Rollup5m, temp, []row{
		{"08:00", 4, 3, "20", "22", "21", "unavailable"},
		{"08:05", 2, 2, "19.5", "30", "24.75", "30"},
		{"09:10", 1, 1, "25", "25", "25", "25"},
	})

	// Retention: everything before 09:00 goes from the raw table; the
	// roll-ups stay.
	res, err = s.ReadingsRetain(ctx, r0.Add(time.Hour))
	if err != nil || res.Deleted != 8 || res.RolledUp != 0 {
		t.Fatalf("retention run: %+v, %v", res, err)
	}
	raw, err := s.ReadingsBetween(ctx, temp, r0.Add(-time.Hour), r0.Add(3*time.Hour))
	if err != nil || states(raw) != temp+"=25@09:10:00" {
		t.Errorf("raw after retention: %s, %v", states(raw), err)
	}
	check(postgres.Rollup1h, temp, []row{
		{"08:00", 6, 5, "19.5", "30", "22.5", "30"},
		{"09:00", 1, 1, "25", "25", "25", "25"},
	})
	// The last state survives retention, so a repeat is still no change.
	if got, err := s.ReadingsInsert(ctx, []app.Reading{rd(door, "true", r0.Add(2*time.Hour))}); err != nil || len(got) != 0 {
		t.Errorf("repeat after retention stored %s, %v", states(got), err)
	}
	if _, err := s.ReadingsRollups(ctx, "1d", temp, r0, r0); err == nil {
		t.Error("unknown resolution accepted")
	}
}

// BenchmarkReadingsInsertOne is the latency of storing one reading (a door,
// a button: the common case outside bursts) against its floor measured in
// the same run, one autocommit INSERT of the same row that, like the
// readings, does not wait for the disk. ratio = insert_one ÷ bare_insert.
func BenchmarkReadingsInsertOne(b *testing.B) {
	ctx := context.Background()
	pool := dbtest.New(b)
	s := postgres.NewReadings(pool)
	var one, bare []time.Duration
	i := 0
	for b.Loop() {
		i++
		start := time.Now()
		if _, err := s.ReadingsInsert(ctx, []app.Reading{rd("zigbee2mqtt/door/contact", fmt.Sprint(i), r0.Add(time.Duration(i)*time.Second))}); err != nil {
			b.Fatal(err)
		}
		one = append(one, time.Since(start))
		start = time.Now()
		batch := &pgx.Batch{}
		batch.Queue(`SELECT set_config('synchronous_commit', 'off', true)`)
		batch.Queue(`INSERT INTO readings (source, sensor, state, num, at) VALUES ($1, $2, $3, $4, $5)`,
			"zigbee2mqtt", "zigbee2mqtt/door/contact", fmt.Sprint(i), float64(i), r0)
		if err := pool.SendBatch(ctx, batch).Close(); err != nil {
			b.Fatal(err)
		}
		bare = append(bare, time.Since(start))
	}
	med := func(d []time.Duration) time.Duration {
		s := append([]time.Duration(nil), d...)
		slices.Sort(s)
		return s[len(s)/2]
	}
	b.ReportMetric(float64(med(one).Microseconds()), "insert_one_µs")
	b.ReportMetric(float64(med(bare).Microseconds()), "bare_insert_µs")
	b.ReportMetric(float64(med(one))/float64(med(bare)), "ratio")
}

// TestLazyCommitStaysInItsTransaction: readings, and what rules derive from
// them, commit without waiting for the disk, and that setting ends with
// their transaction: the pooled connection that runs the next check-in
// from a person commits synchronously again.
func TestLazyCommitStaysInItsTransaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.Traced(t, nil, func(cfg *pgxpool.Config) {
		cfg.MaxConns = 1 // every statement below runs on the same connection
	})
	synchronous := func(after string) {
		t.Helper()
		var v string
		if err := pool.QueryRow(ctx, `SHOW synchronous_commit`).Scan(&v); err != nil || v != "on" {
			t.Fatalf("after %s: synchronous_commit = %q (%v), want on", after, v, err)
		}
	}
	synchronous("connecting")
	readings := postgres.NewReadings(pool)
	if _, err := readings.ReadingsInsert(ctx, []app.Reading{rd("zigbee2mqtt/door/contact", "true", r0)}); err != nil {
		t.Fatal(err)
	}
	synchronous("a small batch of readings")
	var many []app.Reading
	for i := range 200 {
		many = append(many, rd("zigbee2mqtt/desk/power", fmt.Sprint(i), r0.Add(time.Duration(i)*time.Second)))
	}
	if _, err := readings.ReadingsInsert(ctx, many); err != nil {
		t.Fatal(err)
	}
	synchronous("a large batch of readings")
	store := postgres.NewStore(pool)
	if err := store.InTx(ctx, func(tx app.Store) error {
		if err := tx.CommitLazily(ctx); err != nil {
			return err
		}
		return tx.SensorStatePut(ctx, app.SensorState{Sensor: "zigbee2mqtt/door/contact", Source: "zigbee2mqtt", State: "true", Since: r0, ObservedAt: r0})
	}); err != nil {
		t.Fatal(err)
	}
	synchronous("a sensor state")
	if err := store.CommitLazily(ctx); err != nil {
		t.Fatal(err)
	}
	synchronous("asking for it outside a transaction")
}

// TestReadingsInsertDeliveredOnce: a message sent again after its readings
// were stored (DUP, same client id, packet id and digest) stores nothing,
// whether the first copy was committed before or is earlier in the same
// batch; a new message under a packet id (no DUP) is stored even with a
// payload seen before, and so is a DUP whose digest or client id differ.
// Both write paths (one round trip, COPY) agree, and the retention deletes
// old keys.
func TestReadingsInsertDeliveredOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	s := postgres.NewReadings(pool)
	for _, size := range []int{1, 100} { // 100 readings a message: the COPY path
		sensor := fmt.Sprintf("zigbee2mqtt/door%d/contact", size)
		at := r0
		msg := func(state string) []app.Reading {
			var rs []app.Reading
			for k := range size {
				at = at.Add(time.Second)
				rs = append(rs, rd(sensor, fmt.Sprintf("%s-%d", state, k), at))
			}
			return rs
		}
		count := func() int {
			var n int
			if err := pool.QueryRow(ctx, `SELECT count(*) FROM readings WHERE sensor = $1`, sensor).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		del := func(client string, packet uint16, digest int64, dup bool, first int) app.Delivery {
			return app.Delivery{ClientID: fmt.Sprintf("%s-%d", client, size), PacketID: packet, Digest: digest, Duplicate: dup, First: first, N: size}
		}
		step := func(what string, readings []app.Reading, dels []app.Delivery, wantStored, wantRedelivered int) {
			t.Helper()
			before := count()
			stored, redelivered, err := s.ReadingsInsertDelivered(ctx, readings, dels)
			if err != nil {
				t.Fatalf("%d a message, %s: %v", size, what, err)
			}
			if len(stored) != wantStored || redelivered != wantRedelivered || count()-before != wantStored {
				t.Errorf("%d a message, %s: stored %d (%d rows), %d redelivered; want %d stored, %d redelivered",
					size, what, len(stored), count()-before, redelivered, wantStored, wantRedelivered)
			}
		}
		a, b := msg("open"), msg("closed")
		step("first message", a, []app.Delivery{del("lifeops-a", 7, 11, false, 0)}, size, 0)
		step("second message", b, []app.Delivery{del("lifeops-a", 8, 22, false, 0)}, size, 0)
		step("the first sent again (DUP)", msg("open"), []app.Delivery{del("lifeops-a", 7, 11, true, 0)}, 0, 1)
		step("the first sent again once more", msg("open"), []app.Delivery{del("lifeops-a", 7, 11, true, 0)}, 0, 1)
		step("a new message under id 7, same payload as the first", msg("open"), []app.Delivery{del("lifeops-a", 7, 11, false, 0)}, size, 0)
		step("a DUP under id 8 with another payload", msg("ajar"), []app.Delivery{del("lifeops-a", 8, 33, true, 0)}, size, 0)
		step("another replica's DUP with the same id and digest", msg("open2"), []app.Delivery{del("lifeops-b", 7, 11, true, 0)}, size, 0)
		// Both copies in one batch: the second is left out, and the batch's
		// other message is stored.
		both := append(append(msg("x"), msg("x")...), msg("y")...)
		step("a message and its redelivery in one batch", both, []app.Delivery{
			del("lifeops-a", 9, 44, false, 0), del("lifeops-a", 9, 44, true, size), del("lifeops-a", 10, 55, false, 2*size)}, 2*size, 1)
	}
	for what, d := range map[string]app.Delivery{
		"client id":  {PacketID: 1, N: 1},
		"packet id":  {ClientID: "lifeops-a", N: 1},
		"readings 1": {ClientID: "lifeops-a", PacketID: 1, First: 1, N: 1},
	} {
		if _, _, err := s.ReadingsInsertDelivered(ctx, []app.Reading{rd("zigbee2mqtt/bad/x", "1", r0)}, []app.Delivery{d}); err == nil || !strings.Contains(err.Error(), what) {
			t.Errorf("a delivery without a proper %s: %v", what, err)
		}
	}
	var bad int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM readings WHERE sensor = 'zigbee2mqtt/bad/x'`).Scan(&bad); err != nil || bad != 0 {
		t.Errorf("refused batches stored %d readings (%v)", bad, err)
	}
	var keys int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM mqtt_deliveries`).Scan(&keys); err != nil {
		t.Fatal(err)
	}
	if keys != 10 {
		t.Errorf("%d delivery keys kept, want 10 (of each size: lifeops-a 7 to 10, lifeops-b 7)", keys)
	}
	if _, err := s.ReadingsRetain(ctx, time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM mqtt_deliveries`).Scan(&keys); err != nil || keys != 0 {
		t.Errorf("after the retention: %d delivery keys (%v), want none", keys, err)
	}
}
