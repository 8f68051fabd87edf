package sensors_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/postgres"
	"github.com/lifeops/lifeops/internal/sensors"
)

var _ sensors.Store = (*postgres.Readings)(nil)

func reading(sensor, state string, at time.Time) sensors.Reading {
	src, _, _ := strings.Cut(sensor, "/")
	return sensors.Reading{Source: src, Sensor: sensor, State: state, At: at}
}

// TestIngesterObservesWhileWriting: every reading reaches the observer
// once, in order, without waiting for its batch's commit, repeats of a
// state included (the rules collapse those themselves); only the repeats
// are left out of the store.
func TestIngesterObservesWhileWriting(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	obs := &observed{}
	ing := startIngester(t, sensors.IngesterOptions{Store: postgres.NewReadings(pool), Observer: obs, Logger: testLogger(t)})
	var want []string
	for i := range 300 {
		// Sensor d(i%3) sees i and i+3: the same state when i%6 < 3.
		r := reading(fmt.Sprintf("zigbee2mqtt/d%d/x", i%3), fmt.Sprint(i/6), t0.Add(time.Duration(i)*time.Millisecond))
		if !ing.Add(r) {
			t.Fatal("queue full")
		}
		want = append(want, r.Sensor+"="+r.State)
	}
	eventually(t, 10*time.Second, "all readings observed and written", func() bool {
		return len(obs.readings()) == len(want) && ing.Stats().Stored+ing.Stats().Unchanged == 300
	})
	var got []string
	for _, r := range obs.readings() {
		got = append(got, r.Sensor+"="+r.State)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("observed in another order or other readings")
	}
	if st := ing.Stats(); st.Stored != 150 || st.Unchanged != 150 || st.ObserveErrors != 0 || st.Dropped != 0 || st.QueueDepth != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestIngesterObservesALoneReadingFirst: a lone reading (a button press)
// is observed before its write starts, so the rules' transaction does not
// share the machine with the write; a batch of several is observed while
// it is written.
func TestIngesterObservesALoneReadingFirst(t *testing.T) {
	t.Parallel()
	store := &countedStore{next: postgres.NewReadings(dbtest.New(t))}
	obs := &observed{}
	var mu sync.Mutex
	var seen []string
	obs.check = func(rs []sensors.Reading) error {
		if len(rs) > 1 { // its write, the second, goes on beside the rules
			deadline := time.Now().Add(5 * time.Second)
			for store.writes.Load() < 2 && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
		}
		mu.Lock()
		seen = append(seen, fmt.Sprintf("%d readings: %d written", len(rs), store.writes.Load()))
		mu.Unlock()
		return nil
	}
	ing := startIngester(t, sensors.IngesterOptions{Store: store, Observer: obs, Logger: testLogger(t)})
	if !ing.Add(reading("zigbee2mqtt/button/action", "single", t0)) {
		t.Fatal("queue full")
	}
	eventually(t, 5*time.Second, "the press written and observed", func() bool {
		return ing.Stats().Batches == 1 && len(obs.readings()) == 1
	})
	message := []sensors.Reading{reading("zigbee2mqtt/door/contact", "false", t0), reading("zigbee2mqtt/door/battery", "90", t0)}
	if !ing.AddDelivered(sensors.Delivery{ClientID: "lifeops-test", PacketID: 7, Digest: 7}, nil, message...) {
		t.Fatal("queue full")
	}
	eventually(t, 5*time.Second, "the message written and observed", func() bool {
		return ing.Stats().Batches == 2 && len(obs.readings()) == 3
	})
	mu.Lock()
	defer mu.Unlock()
	if got, want := strings.Join(seen, "; "), "1 readings: 0 written; 2 readings: 2 written"; got != want {
		t.Errorf("observed %q, want %q", got, want)
	}
}

// countedStore counts the writes that started.
type countedStore struct {
	next   sensors.Store
	writes atomic.Int64
}

func (s *countedStore) ReadingsInsertDelivered(ctx context.Context, rs []sensors.Reading, ds []sensors.Delivery) ([]sensors.Reading, int, error) {
	s.writes.Add(1)
	return s.next.ReadingsInsertDelivered(ctx, rs, ds)
}

// TestIngesterObservesRedeliveriesAfterCommit: a batch holding an MQTT
// message sent again (DUP) is observed after its commit, without the
// messages the store recognises as stored before; a batch whose early
// observation failed is observed again after its commit.
func TestIngesterObservesRedeliveriesAfterCommit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	obs := &observed{}
	failFirst := true
	obs.check = func(rs []sensors.Reading) error {
		for _, r := range rs {
			if !strings.HasPrefix(r.Sensor, "zigbee2mqtt/late/") {
				continue
			}
			var n int
			if err := pool.QueryRow(ctx, `SELECT count(*) FROM readings WHERE sensor = $1 AND state = $2 AND at = $3`, r.Sensor, r.State, r.At).Scan(&n); err != nil || n != 1 {
				return fmt.Errorf("observed %+v before it was committed (%d rows, %v)", r, n, err)
			}
		}
		if failFirst && len(rs) > 0 && strings.HasPrefix(rs[0].Sensor, "zigbee2mqtt/fail/") {
			failFirst = false
			return errors.New("the rules are down for a moment")
		}
		return nil
	}
	ing := startIngester(t, sensors.IngesterOptions{Store: postgres.NewReadings(pool), Observer: obs, Logger: testLogger(t)})
	send := func(sensor string, packet uint16, dup bool) {
		r := reading(sensor, fmt.Sprint(packet), t0.Add(time.Duration(packet)*time.Second))
		d := sensors.Delivery{ClientID: "lifeops-test", PacketID: packet, Digest: int64(packet), Duplicate: dup}
		if !ing.AddDelivered(d, nil, r) {
			t.Fatal("queue full")
		}
		before := ing.Stats().Batches
		eventually(t, 5*time.Second, "batch written", func() bool { return ing.Stats().Batches > before })
	}
	send("zigbee2mqtt/early/x", 1, false)
	send("zigbee2mqtt/early/x", 1, true) // stored before: not observed again
	send("zigbee2mqtt/late/x", 2, true)  // never seen: observed after its commit
	send("zigbee2mqtt/fail/x", 3, false) // early observation fails: again after the commit
	var got []string
	for _, r := range obs.readings() {
		got = append(got, r.Sensor+"="+r.State)
	}
	want := "zigbee2mqtt/early/x=1 zigbee2mqtt/late/x=2 zigbee2mqtt/fail/x=3 zigbee2mqtt/fail/x=3"
	if strings.Join(got, " ") != want {
		t.Errorf("observed %v, want %s", got, want)
	}
	if st := ing.Stats(); st.Redelivered != 1 || st.Stored != 3 || st.ObserveErrors != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestIngesterRetriesUntilTheDatabaseTakesTheBatch: while the readings
// tables are locked every write fails (a statement timeout); the batch is
// kept and stored once when the lock goes, and each reading observed once.
func TestIngesterRetriesUntilTheDatabaseTakesTheBatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.Traced(t, nil, func(cfg *pgxpool.Config) {
		cfg.ConnConfig.RuntimeParams["statement_timeout"] = "100"
	})
	locker, err := pgxpool.New(ctx, pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(locker.Close)
	tx, err := locker.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `LOCK TABLE readings_latest IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	obs := &observed{}
	ing := startIngester(t, sensors.IngesterOptions{Store: postgres.NewReadings(pool), Observer: obs, Logger: testLogger(t),
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
	for i := range 50 {
		ing.Add(reading("esphome/desk/sensor/power", fmt.Sprint(i), t0.Add(time.Duration(i)*time.Second)))
	}
	eventually(t, 10*time.Second, "a failed write", func() bool { return ing.Stats().WriteErrors >= 2 })
	// The rules do not wait for the readings table: the batch being
	// written was heard of, once.
	if n := len(obs.readings()); n == 0 {
		t.Errorf("nothing observed while the readings could not be written")
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "all readings stored after the lock", func() bool { return ing.Stats().Stored == 50 })
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM readings`).Scan(&n); err != nil || n != 50 {
		t.Errorf("%d rows, %v; want 50", n, err)
	}
	if got := len(obs.readings()); got != 50 {
		t.Errorf("observed %d, want 50", got)
	}
}

// TestIngesterQueueIsBounded: Add never blocks; a message that does not fit
// whole is refused and counted, and Stop writes what was queued.
func TestIngesterQueueIsBounded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	ing, err := sensors.NewIngester(sensors.IngesterOptions{Store: postgres.NewReadings(pool), QueueSize: 10, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	var batch []sensors.Reading
	for i := range 8 {
		batch = append(batch, reading("zigbee2mqtt/bed/x", fmt.Sprint(i), t0))
	}
	if !ing.Add(batch...) {
		t.Fatal("8 readings did not fit a queue of 10")
	}
	if ing.Add(batch[:3]...) {
		t.Fatal("3 more fitted")
	}
	if err := ing.Observe(ctx, batch[:3]); !errors.Is(err, sensors.ErrQueueFull) {
		t.Fatalf("Observe on a full queue: %v", err)
	}
	if st := ing.Stats(); st.QueueDepth != 8 || st.Dropped != 6 || st.Received != 8 || st.QueueCapacity != 10 {
		t.Fatalf("stats %+v", st)
	}
	if err := ing.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ing.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ing.Stop(ctx); err != nil {
		t.Fatalf("second stop: %v", err)
	}
	if ing.Add(batch[0]) {
		t.Error("a stopped ingester took a reading it will never write")
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM readings`).Scan(&n); err != nil || n != 8 {
		t.Errorf("%d rows after stop, %v; want 8", n, err)
	}
	if _, err := sensors.NewIngester(sensors.IngesterOptions{}); err == nil {
		t.Error("an ingester without a store")
	}
}

// TestIngesterKeepsMessagesWhole: with batches smaller than the queue and
// messages of three readings that do not divide them, every message goes to
// the store whole with its delivery key, so the same messages sent again
// (DUP) are all recognised and none of their readings is stored twice, and
// their acknowledgements come once their readings are committed.
func TestIngesterKeepsMessagesWhole(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	ing, err := sensors.NewIngester(sensors.IngesterOptions{Store: postgres.NewReadings(pool), BatchSize: 5, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	const messages = 20
	var acked atomic.Int64
	add := func(dup bool) {
		for m := range messages {
			var rs []sensors.Reading
			for _, s := range []string{"a", "b", "c"} {
				rs = append(rs, reading("zigbee2mqtt/bed/"+s, fmt.Sprint(m), t0.Add(time.Duration(m)*time.Second)))
			}
			d := sensors.Delivery{ClientID: "lifeops-test", PacketID: uint16(m + 1), Digest: int64(m), Duplicate: dup}
			if !ing.AddDelivered(d, func() { acked.Add(1) }, rs...) {
				t.Fatal("queue full")
			}
		}
	}
	add(false) // queued before Start: the first batches are full ones
	if err := ing.Start(ctx); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "first copies acknowledged", func() bool { return acked.Load() == messages })
	add(true)
	eventually(t, 5*time.Second, "second copies acknowledged", func() bool { return acked.Load() == 2*messages })
	if err := ing.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM readings`).Scan(&n); err != nil || n != 3*messages {
		t.Errorf("%d rows, %v; want %d: each message's readings once", n, err, 3*messages)
	}
	if st := ing.Stats(); st.Redelivered != messages {
		t.Errorf("%d redeliveries recognised, want %d; stats %+v", st.Redelivered, messages, st)
	}
}
